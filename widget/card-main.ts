import { perform, choices, type Action } from './card-actions.js';
import { fromExtra, fromGitHub, type IssueView } from './card-issue.js';
import { renderCard, type CardView } from './card-render.js';
import { github, repoPath } from './github.js';
import { loadMessages, type I18n } from './i18n.js';
import { isObj, mount, readConfig, unwrap, type DeskSdk } from './sdk.js';
import { EXTRA_KEY_SUFFIX } from '../server/connectors/github/contract.js';
import { LinksPanel, type Config } from './card-links.js';
import { el } from './dom.js';
import { configuredRepos } from './state.js';

/**
 * The ticket card (desk.ticket.detail.rightpanel): the GitHub issue of this ticket,
 * live, with its actions. The issue is named by the `extra` the pull stored for the
 * ticket (repository and number), read back through Desk's data storage.
 */
/** GitHub is read again on open and on focus, at most this often. */
const CACHE_MS = 30_000;

const cache = new Map<string, { at: number; issue: IssueView }>();

async function ticketId(sdk: DeskSdk): Promise<string | undefined> {
  const answer = await sdk.get('ticket.id');
  const id = isObj(answer) ? answer['ticket.id'] : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * The stored extra: {"database.get": {"data": [{key, value, queriableValue}]}}, value maybe
 * a JSON string. Undefined: the ticket has none (not from GitHub); null: Desk's storage failed.
 */
async function storedIssue(sdk: DeskSdk, id: string): Promise<IssueView | undefined | null> {
  try {
    const answer = unwrap(await sdk.get('database', { key: `${id}${EXTRA_KEY_SUFFIX}` }));
    const got = isObj(answer) ? answer['database.get'] : undefined;
    const data = isObj(got) && Array.isArray(got.data) ? got.data : [];
    const record = data.find((d) => isObj(d) && d.key === `${id}${EXTRA_KEY_SUFFIX}`) ?? data[0];
    return isObj(record) ? fromExtra(unwrap(record.value)) : undefined;
  } catch {
    return null;
  }
}

/** The installation's settings the links panel needs, from extension.config. */
async function linksConfig(sdk: DeskSdk): Promise<Config> {
  const c = await readConfig(sdk).catch(() => new Map<string, string | null>());
  const field = (c.get('links_field') ?? '').trim();
  return {
    field: /^cf_[A-Za-z0-9_]{1,60}$/.test(field) ? field : 'cf_github_issues',
    repositories: configuredRepos(c.get('repositories'), c.get('selected_repositories')),
    template: c.get('loop_draft_template') ?? '',
    linksInUse: /^(yes|true|1|on)$/i.test(c.get('links_in_use') ?? ''),
  };
}

class Card {
  view: CardView = { kind: 'loading' };
  stored: IssueView | undefined;
  links: LinksPanel | undefined;

  constructor(
    private readonly sdk: DeskSdk,
    private readonly i18n: I18n,
  ) {}

  show(): void {
    const card = renderCard(this.view, this.i18n, Math.floor(Date.now() / 1000), { act: (a) => void this.act(a), retry: () => void this.load(true) });
    mount('app', this.links ? el('div', 'gh-card-page', card, this.links.render()) : card);
  }

  async load(force = false): Promise<void> {
    if (!this.stored) {
      let id: string | undefined;
      try {
        id = await ticketId(this.sdk);
      } catch {
        id = undefined;
      }
      if (id === undefined) return this.set({ kind: 'failed', why: 'no-ticket' });
      // Desk's ticket ids are digits: anything else never goes into a Desk API path.
      if (!this.links && /^\d{1,20}$/.test(id)) {
        this.links = new LinksPanel(this.sdk, this.i18n, id, await linksConfig(this.sdk), () => this.show());
        void this.links.load();
      }
      const stored = await storedIssue(this.sdk, id);
      if (stored === null) return this.set({ kind: 'failed', why: 'no-storage' });
      if (!stored) return this.set({ kind: 'not-github' });
      this.stored = stored;
    }
    const { repo, number } = this.stored;
    const key = `${repo}#${number}`;
    const hit = cache.get(key);
    if (!force && hit && Date.now() - hit.at < CACHE_MS) return this.showIssue(hit.issue);
    const r = await github(this.sdk, 'GET', `/repos/${repoPath(repo)}/issues/${number}`);
    const issue = r.ok ? fromGitHub(repo, r.data) : undefined;
    if (!issue) {
      // GitHub cannot be read: what the last pull stored, saying so.
      const why = r.ok ? 'unavailable' : r.refusal;
      return this.set({ kind: 'issue', issue: this.stored, stored: why, busy: false, choices: { labels: [], users: [] } });
    }
    cache.set(key, { at: Date.now(), issue });
    await this.showIssue(issue);
  }

  async showIssue(issue: IssueView): Promise<void> {
    const previous = this.view.kind === 'issue' && !this.view.stored ? this.view.choices : undefined;
    this.set({ kind: 'issue', issue, busy: false, choices: previous ?? { labels: [], users: [] } });
    if (!previous) {
      const c = await choices(this.sdk, issue.repo);
      if (this.view.kind === 'issue' && !this.view.stored) this.set({ ...this.view, choices: c });
    }
  }

  async act(action: Action): Promise<void> {
    if (this.view.kind !== 'issue' || this.view.stored || this.view.busy) return;
    const before = this.view;
    this.set({ ...before, busy: true, notice: undefined });
    const r = await perform(this.sdk, before.issue, action);
    if (!r.ok) return this.set({ ...before, busy: false, notice: { tone: 'error', text: this.i18n.t(`card.refused.${r.refusal}`) } });
    cache.set(`${r.issue.repo}#${r.issue.number}`, { at: Date.now(), issue: r.issue });
    this.set({ ...before, issue: r.issue, busy: false, notice: { tone: 'ok', text: this.i18n.t('card.done') } });
  }

  set(view: CardView): void {
    this.view = view;
    this.show();
  }
}

async function boot(): Promise<void> {
  const sdk = window.ZOHODESK;
  const fail = async () => {
    const { i18n } = await loadMessages(navigator.language || 'en');
    mount('app', renderCard({ kind: 'failed', why: 'unavailable' }, i18n, 0, { act: () => undefined, retry: () => location.reload() }));
  };
  if (!sdk || typeof sdk.extension?.onload !== 'function' || typeof sdk.get !== 'function') return fail();
  let app: { locale?: unknown } | undefined;
  try {
    app = await sdk.extension.onload();
  } catch {
    return fail();
  }
  const { i18n } = await loadMessages(typeof app?.locale === 'string' ? app.locale : 'en');
  document.documentElement.lang = i18n.locale;
  const card = new Card(sdk, i18n);
  card.show();
  await card.load();
  const again = () => {
    if (document.visibilityState !== 'hidden' && card.view.kind === 'issue' && !card.view.busy) void card.load();
  };
  window.addEventListener('focus', again);
  document.addEventListener('visibilitychange', again);
}

void boot();
