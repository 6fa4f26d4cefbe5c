import type { SyncObject } from '../../server/desk/wire-types.js';
import type { DeskStore, Rejection } from './desk-store.js';
import { deskSchemas, firstError } from './desk-schemas.js';
import { noAnswer, readJsonAnswer } from './json-answer.js';

export interface PullOutcome {
  /** HTTP status of the answer; 0 when none came. */
  status: number;
  /** The batch was accepted and applied. */
  ok: boolean;
  /** Items in the answer (also when refused for the orphan rule, so a test sees what came). */
  tickets: number;
  threads: number;
  created: number;
  updated: number;
  rejected: Rejection[];
  bytes: number;
  ms: number;
  /** The channelState Desk holds after this pull. */
  channelState: string | null;
  /** The parsed answer, when it was JSON. */
  body?: unknown;
  /** The request shape of the corpus this pull was sent in (resources/desk-shapes/). */
  shape?: string;
}

export interface PullInput {
  url: string;
  body: unknown;
  shape?: string;
  caps: { tickets: number; threads: number };
  store: DeskStore;
  pull: number;
  /** Desk's stored channelState, read at finish so a push in between is not undone. */
  state: { get(): string | null; set(value: string): void };
  timeoutMs: number;
}

/**
 * One pull as Desk makes it (§2): POST the non-secure config params with channelState,
 * then accept the answer only when it is a 200 JSON SYNC object (§3.1) within the caps
 * whose threads all have their ticket. A refused batch changes nothing, channelState
 * included: the channel server resends from its old cursor.
 */
export async function pullOnce(p: PullInput): Promise<PullOutcome> {
  const started = performance.now();
  const out: PullOutcome = {
    status: 0,
    ok: false,
    tickets: 0,
    threads: 0,
    created: 0,
    updated: 0,
    rejected: [],
    bytes: 0,
    ms: 0,
    channelState: null,
    ...(p.shape ? { shape: p.shape } : {}),
  };
  const finish = (rejection?: Rejection): PullOutcome => {
    if (rejection) {
      out.rejected.push(rejection);
      p.store.rejections.push(rejection);
    }
    out.channelState = p.state.get();
    out.ms = performance.now() - started;
    return out;
  };

  let res: Response;
  try {
    res = await fetch(p.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(p.body),
      signal: AbortSignal.timeout(p.timeoutMs),
    });
  } catch (err) {
    // A rejection reason of its own would widen the published union; status 0 says "no answer".
    return finish({ reason: 'http_status', detail: noAnswer(err) });
  }
  let answer;
  try {
    answer = await readJsonAnswer(res);
  } catch (err) {
    return finish({ reason: 'http_status', detail: noAnswer(err) });
  }
  out.status = answer.status;
  out.bytes = answer.bytes;
  if (!answer.ok) return finish(answer.rejection);
  out.body = answer.value;

  // Caps before the schema, so a 1001-ticket batch is named for what it is (§2: max 1000 each).
  const tickets = lengthOf(answer.value, 'tickets');
  const threads = lengthOf(answer.value, 'threads');
  out.tickets = tickets ?? 0;
  out.threads = threads ?? 0;
  if (tickets !== undefined && tickets > p.caps.tickets)
    return finish({ reason: 'too_many_tickets', detail: `${tickets} tickets in one answer; Desk takes at most ${p.caps.tickets}` });
  if (threads !== undefined && threads > p.caps.threads)
    return finish({ reason: 'too_many_threads', detail: `${threads} threads in one answer; Desk takes at most ${p.caps.threads}` });
  if (!deskSchemas.sync(answer.value)) return finish({ reason: 'schema', detail: `not a SYNC object: ${firstError(deskSchemas.sync.errors)}` });
  const sync = answer.value as SyncObject;
  const orphan = p.store.orphanIn(sync);
  if (orphan)
    return finish({ reason: 'orphan_thread', detail: `thread ${orphan.extId} names ticket ${orphan.extParentId}, which is neither stored nor in this answer` });

  const applied = p.store.apply(sync, p.pull);
  // §7.1: a present channelState replaces the stored one; an absent one keeps it.
  if (sync.channelState !== undefined) p.state.set(sync.channelState);
  out.ok = true;
  out.created = applied.created;
  out.updated = applied.updated;
  return finish();
}

function lengthOf(value: unknown, key: 'tickets' | 'threads'): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const data = (value as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const list = (data as Record<string, unknown>)[key];
  return Array.isArray(list) ? list.length : undefined;
}
