import type { ClaimStore } from '../claims/index.js';
import type { InvokeClient } from '../desk/invoke-client.js';
import { isAppError } from '../errors.js';
import { DeskTickets, type DeskCallKind, type DeskInstallation } from './desk-tickets.js';
import type { IssueKey } from './links.js';
import { readLoopSettings, reconcileAll, reconcileIssue, type IssueSide, type LoopContext, type LoopOutcome, type Transition } from './loop.js';

export { type IssueSide } from './loop.js';

/** The field the links live in when the admin names none (resources.json declares it; its API name in Desk is a guess, README). */
export const DEFAULT_LINKS_FIELD = 'cf_github_issues';
/** How long a delivery's config params read serves later deliveries of the installation. */
const CONFIG_TTL_MS = 60_000;
/** A delivery's loop gives up after this. */
const DELIVERY_BUDGET_MS = 20_000;

type Params = Readonly<Record<string, string | null | undefined>>;
type Log = LoopContext['log'];

/**
 * The escalation loop as the server runs it: for each pull (every linked issue, the
 * reconciler) and for each delivery of a closed or reopened issue (that issue, within
 * seconds). Off for an installation until its card has linked a ticket (`links_in_use`,
 * set by the card): an installation that never links pays no Desk call for it.
 */
export class Escalation {
  readonly #counts = new Map<string, Map<string, number>>();
  readonly #config = new Map<string, { at: number; params: Promise<Params> }>();
  readonly deskCalls: Record<DeskCallKind, number> = { search: 0, ticket: 0, comments: 0, comment: 0, uncomment: 0, patch: 0, draft: 0, config: 0 };
  readonly outcomes = new Map<string, number>();
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly o: { invoke: InvokeClient; deskApiUrl: string; deskConnection: string; claims?: ClaimStore | undefined; now?: () => number }) {}

  static enabled(params: Params): boolean {
    return /^(yes|true|1|on)$/i.test((params.links_in_use ?? '').trim());
  }

  /** The pull's part: runs until `deadline`, never throws (a failure is logged and the next pull tries again). */
  async reconcile(who: DeskInstallation, params: Params, issues: IssueSide, deadline: number, log: Log): Promise<void> {
    if (!Escalation.enabled(params)) return;
    try {
      await reconcileAll(this.#context(who, params, issues, deadline, log));
    } catch (err) {
      logFailed(log, who, err, 'the pull could not reconcile linked tickets');
    }
  }

  /**
   * A delivery's part: the issue's linked tickets told now, in the background (the
   * delivery is answered first). The installation's settings come from Desk's config
   * params API, read at most once a minute per installation.
   */
  onTransition(who: DeskInstallation, key: IssueKey, issues: () => IssueSide, log: Log): void {
    const run = (async () => {
      try {
        const params = await this.#params(who);
        if (!Escalation.enabled(params)) return;
        const now = this.o.now ?? Date.now;
        await reconcileIssue(this.#context(who, params, issues(), now() + DELIVERY_BUDGET_MS, log), key);
      } catch (err) {
        logFailed(log, who, err, "a delivery's linked tickets were not told (the next pull tells them)");
      }
    })();
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  /** Resolves when every delivery's loop started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  metricLines(): string[] {
    const lines = [
      '# HELP escalation_desk_calls_total Desk API calls of the escalation loop (each an API credit), by call.',
      '# TYPE escalation_desk_calls_total counter',
      ...Object.entries(this.deskCalls).map(([call, n]) => `escalation_desk_calls_total{call="${call}"} ${n}`),
      '# HELP escalation_tickets_total Linked tickets the loop looked at, by transition and outcome.',
      '# TYPE escalation_tickets_total counter',
    ];
    for (const [k, n] of this.outcomes) lines.push(`escalation_tickets_total{${k}} ${n}`);
    return lines;
  }

  #params(who: DeskInstallation): Promise<Params> {
    const now = (this.o.now ?? Date.now)();
    const had = this.#config.get(who.orgId);
    if (had && now - had.at < CONFIG_TTL_MS) return had.params;
    const params = this.#desk(who, DEFAULT_LINKS_FIELD).configParams();
    this.#config.set(who.orgId, { at: now, params });
    params.catch(() => this.#config.delete(who.orgId));
    return params;
  }

  #desk(who: DeskInstallation, field: string): DeskTickets {
    return new DeskTickets(
      this.o.invoke,
      { deskApiUrl: this.o.deskApiUrl, connection: this.o.deskConnection, field, onCall: (kind) => this.deskCalls[kind]++ },
      who,
    );
  }

  #context(who: DeskInstallation, params: Params, issues: IssueSide, deadline: number, log: Log): LoopContext {
    const field = (params.links_field ?? '').trim();
    let counts = this.#counts.get(who.orgId);
    if (!counts) this.#counts.set(who.orgId, (counts = new Map()));
    return {
      desk: this.#desk(who, /^cf_[A-Za-z0-9_]{1,60}$/.test(field) ? field : DEFAULT_LINKS_FIELD),
      issues,
      settings: readLoopSettings(params),
      orgId: who.orgId,
      claims: this.o.claims,
      deadline,
      now: this.o.now ?? Date.now,
      log,
      counts,
      onOutcome: (t: Transition['kind'] | 'none', outcome: LoopOutcome) => {
        const k = `transition="${t}",outcome="${outcome}"`;
        this.outcomes.set(k, (this.outcomes.get(k) ?? 0) + 1);
      },
    };
  }
}

function logFailed(log: Log, who: DeskInstallation, err: unknown, what: string): void {
  const code = isAppError(err) ? err.code : 'INTERNAL';
  log?.warn({ code, orgId: who.orgId, err: err instanceof Error ? err.message : String(err) }, `escalation loop: ${what} (${code})`);
}
