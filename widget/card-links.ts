import { formatLinks, parseLinks, searchTermFor, withLink, withoutLink, MAX_LINKS, type IssueKey, type IssueLink } from '../server/escalation/links.js';
import { fillTemplate, templateHtml } from '../server/escalation/template.js';
import { desk, portalId, ticketFacts, type TicketFacts } from './desk.js';
import { el } from './dom.js';
import { github, lastClose, repoPath, REPO, type Refusal } from './github.js';
import type { I18n } from './i18n.js';
import { htmlToText, issueBody, mask } from './mask.js';
import { isObj, type DeskSdk } from './sdk.js';

/**
 * The card's escalation part, on every ticket whatever its channel: the GitHub issues the
 * ticket is linked to (live from GitHub, with how many other tickets wait on each), link
 * one by URL or owner/repo#n, unlink, create an issue from the ticket with the customer
 * masked and a preview of exactly what goes, and put the admin's draft reply on every
 * linked ticket. Links are the ticket's "GitHub issues" field (links.ts, shared with the
 * server), read and written through Desk's API with the Desk connection.
 */
export interface LinkRow {
  key: IssueKey;
  name: string;
  title: string;
  state: 'open' | 'completed' | 'not_planned' | 'unknown';
  url?: string;
  /** Other tickets linked to the same issue (Desk's search; 100 means "100 or more"). */
  others: number;
  otherIds: string[];
}

export interface Config {
  field: string;
  repositories: string[];
  template: string;
  linksInUse: boolean;
}

type Form =
  { kind: 'none' } | { kind: 'create'; repo: string; title: string; text: string; masked: boolean; labels: string } | { kind: 'notify'; row: LinkRow };

/** One hit of GitHub's issue search, shown with a Link button. */
export interface Hit {
  ref: string;
  title: string;
  state: 'open' | 'closed';
}

export class LinksPanel {
  rows: LinkRow[] = [];
  hits: Hit[] | undefined;
  form: Form = { kind: 'none' };
  busy = false;
  notice: { tone: 'ok' | 'error'; text: string } | undefined;
  facts: TicketFacts | undefined;
  #orgId: string | undefined;
  failed = false;

  constructor(
    private readonly sdk: DeskSdk,
    private readonly i18n: I18n,
    private readonly ticketId: string,
    private readonly config: Config,
    private readonly changed: () => void,
  ) {}

  async load(): Promise<void> {
    this.#orgId ??= await portalId(this.sdk);
    const facts = await this.#ticket();
    if (!facts) {
      this.failed = true;
      return this.changed();
    }
    this.failed = false;
    this.facts = facts;
    this.rows = await Promise.all(parseLinks(facts.links).map((l) => this.#row(l)));
    this.changed();
  }

  async #ticket(): Promise<TicketFacts | undefined> {
    if (!this.#orgId) return undefined;
    const r = await desk(this.sdk, this.#orgId, 'GET', `/api/v1/tickets/${this.ticketId}`);
    return r.ok ? ticketFacts(r.data, this.config.field) : undefined;
  }

  async #row(l: IssueKey): Promise<LinkRow> {
    const row: LinkRow = { key: { repoId: l.repoId, number: l.number }, name: `#${l.number}`, title: '', state: 'unknown', others: 0, otherIds: [] };
    const [issue, others] = await Promise.all([
      github(this.sdk, 'GET', `/repositories/${l.repoId}/issues/${l.number}`),
      this.#orgId
        ? desk<{ data?: unknown }>(this.sdk, this.#orgId, 'GET', '/api/v1/tickets/search', {
            query: { customField1: `${this.config.field}:${searchTermFor(l)}`, limit: '100' },
          })
        : Promise.resolve(undefined),
    ]);
    if (issue.ok && isObj(issue.data)) {
      const d = issue.data;
      if (typeof d.title === 'string') row.title = d.title;
      if (typeof d.html_url === 'string' && /^https?:\/\//.test(d.html_url)) {
        row.url = d.html_url;
        const m = /\/([^/]+)\/([^/]+)\/(?:issues|pull)\/(\d+)$/.exec(d.html_url);
        if (m) row.name = `${m[1]}/${m[2]}#${m[3]}`;
      }
      row.state = d.state === 'open' ? 'open' : d.state_reason === 'not_planned' ? 'not_planned' : d.state === 'closed' ? 'completed' : 'unknown';
    }
    if (others?.ok && isObj(others.data) && Array.isArray(others.data.data)) {
      row.otherIds = others.data.data.map((t) => (isObj(t) ? String(t.id) : '')).filter((id) => /^\d+$/.test(id) && id !== this.ticketId);
      row.others = row.otherIds.length;
    }
    return row;
  }

  /** Reads the field afresh, applies `change`, writes it back: an agent's edit elsewhere is kept. */
  async #rewrite(change: (links: IssueLink[]) => IssueLink[] | 'linked' | 'full'): Promise<'ok' | 'linked' | 'full' | 'failed'> {
    const facts = await this.#ticket();
    if (!facts || !this.#orgId) return 'failed';
    const next = change(parseLinks(facts.links));
    if (typeof next === 'string') return next;
    const r = await desk(this.sdk, this.#orgId, 'PATCH', `/api/v1/tickets/${this.ticketId}`, {
      body: { cf: { [this.config.field]: formatLinks(next) || null } },
    });
    if (!r.ok) return 'failed';
    if (!this.config.linksInUse && typeof this.sdk.set === 'function') {
      // The server's loop is off until a first link (links_in_use, a non-userdefined param the SDK may set).
      await this.sdk.set('extension.config', { name: 'links_in_use', value: 'yes' }).catch(() => undefined);
      this.config.linksInUse = true;
    }
    return 'ok';
  }

  /** A reference or URL links at once; anything else searches GitHub's issues (the installation's repositories, else every one the connection sees). */
  async find(input: string): Promise<void> {
    if (parseIssueRef(input)) return this.link(input);
    const words = input.trim();
    if (words.length < 2) return this.#say('error', this.i18n.t('links.badRef'));
    await this.#work(async () => {
      const scope = this.config.repositories.map((r) => `repo:${r}`).join(' ');
      const q = `${words.replace(/\s+/g, ' ').slice(0, 120)} is:issue ${scope}`.trim().slice(0, 256);
      const r = await github(this.sdk, 'GET', `/search/issues?${new URLSearchParams({ q, per_page: '10' }).toString()}`);
      if (!r.ok) return this.#refused(r.refusal);
      const items = isObj(r.data) && Array.isArray(r.data.items) ? r.data.items : [];
      this.hits = items.flatMap((it): Hit[] => {
        if (!isObj(it) || typeof it.html_url !== 'string' || typeof it.title !== 'string') return [];
        const m = /\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(it.html_url);
        return m ? [{ ref: `${m[1]}/${m[2]}#${m[3]}`, title: it.title, state: it.state === 'closed' ? 'closed' : 'open' }] : [];
      });
      if (this.hits.length === 0) this.#say('error', this.i18n.t('links.noHits'));
    });
  }

  async link(input: string): Promise<void> {
    const ref = parseIssueRef(input);
    if (!ref) return this.#say('error', this.i18n.t('links.badRef'));
    this.hits = undefined;
    await this.#work(async () => {
      const [repo, issue] = await Promise.all([
        github(this.sdk, 'GET', `/repos/${repoPath(ref.repo)}`),
        github(this.sdk, 'GET', `/repos/${repoPath(ref.repo)}/issues/${ref.number}`),
      ]);
      if (!repo.ok || !issue.ok) return this.#refused(!repo.ok ? repo.refusal : !issue.ok ? issue.refusal : 'unavailable');
      const repoId = isObj(repo.data) ? repo.data.id : undefined;
      if (typeof repoId !== 'number' || !Number.isSafeInteger(repoId)) return this.#refused('unavailable');
      const closed = isObj(issue.data) && issue.data.state === 'closed';
      // A closed issue: the close it is linked after, so a later reopen and close are told.
      const at = closed ? ((await lastClose(this.sdk, ref.repo, ref.number)) ?? 'closed') : 'open';
      const done = await this.#rewrite((links) => withLink(links, { repoId, number: ref.number }, at));
      if (done !== 'ok')
        return this.#say('error', this.i18n.t(done === 'linked' ? 'links.already' : done === 'full' ? 'links.full' : 'links.failed', { max: MAX_LINKS }));
      await this.load();
      this.#say('ok', this.i18n.t('links.didLink', { issue: `${ref.repo}#${ref.number}` }));
    });
  }

  async unlink(row: LinkRow): Promise<void> {
    await this.#work(async () => {
      const done = await this.#rewrite((links) => withoutLink(links, row.key));
      if (done !== 'ok') return this.#say('error', this.i18n.t('links.failed'));
      await this.load();
      this.#say('ok', this.i18n.t('links.unlinked', { issue: row.name }));
    });
  }

  startCreate(): void {
    const f = this.facts;
    const text = f ? htmlToText(f.description) : '';
    this.form = { kind: 'create', repo: this.config.repositories[0] ?? '', title: f?.subject ?? '', text, masked: true, labels: '' };
    this.changed();
  }

  /** Exactly what an issue created now would say: what the preview shows and what is sent. */
  outgoing(): { title: string; body: string; labels: string[] } | undefined {
    if (this.form.kind !== 'create') return undefined;
    const who = { names: this.facts?.names ?? [], email: this.facts?.email, phone: this.facts?.phone };
    const m = (s: string) => (this.form.kind === 'create' && this.form.masked ? mask(s, who) : s);
    const labels = this.form.labels
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l !== '' && l.length <= 50)
      .slice(0, 10);
    return { title: m(this.form.title.trim()).slice(0, 256), body: issueBody(m(this.form.text)), labels };
  }

  async create(): Promise<void> {
    const form = this.form;
    const out = this.outgoing();
    if (form.kind !== 'create' || !out) return;
    if (!REPO.test(form.repo) || out.title === '') return this.#say('error', this.i18n.t('links.createIncomplete'));
    await this.#work(async () => {
      const repo = await github(this.sdk, 'GET', `/repos/${repoPath(form.repo)}`);
      if (!repo.ok) return this.#refused(repo.refusal);
      const repoId = isObj(repo.data) ? repo.data.id : undefined;
      if (typeof repoId !== 'number') return this.#refused('unavailable');
      const created = await github(this.sdk, 'POST', `/repos/${repoPath(form.repo)}/issues`, {
        title: out.title,
        body: out.body,
        ...(out.labels.length ? { labels: out.labels } : {}),
      });
      if (!created.ok) return this.#refused(created.refusal);
      const number = isObj(created.data) ? created.data.number : undefined;
      if (typeof number !== 'number') return this.#refused('unavailable');
      this.form = { kind: 'none' };
      const done = await this.#rewrite((links) => withLink(links, { repoId, number }, 'open'));
      await this.load();
      this.#say(done === 'ok' ? 'ok' : 'error', this.i18n.t(done === 'ok' ? 'links.created' : 'links.createdNotLinked', { issue: `${form.repo}#${number}` }));
    });
  }

  startNotify(row: LinkRow): void {
    this.form = { kind: 'notify', row };
    this.changed();
  }

  /** The admin's template as the draft each linked customer's ticket gets (text; the issue's fields filled in). */
  draftText(row: LinkRow): string {
    return fillTemplate(this.config.template, { title: row.title, url: row.url ?? '', name: row.name });
  }

  async notify(): Promise<void> {
    const form = this.form;
    if (form.kind !== 'notify' || !this.#orgId || this.config.template.trim() === '') return;
    await this.#work(async () => {
      const html = templateHtml(this.config.template, { title: form.row.title, url: form.row.url ?? '', name: form.row.name });
      let done = 0;
      for (const id of [this.ticketId, ...form.row.otherIds]) {
        const t = await desk(this.sdk, this.#orgId!, 'GET', `/api/v1/tickets/${id}`);
        const channel = t.ok && isObj(t.data) && typeof t.data.channel === 'string' ? t.data.channel : 'EMAIL';
        const r = await desk(this.sdk, this.#orgId!, 'POST', `/api/v1/tickets/${id}/draftReply`, { body: { channel, content: html, contentType: 'html' } });
        if (r.ok) done++;
      }
      this.form = { kind: 'none' };
      const all = form.row.otherIds.length + 1;
      this.#say(done === all ? 'ok' : 'error', this.i18n.t('links.notified', { done, all }));
    });
  }

  cancel(): void {
    this.form = { kind: 'none' };
    this.changed();
  }

  async #work(job: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.notice = undefined;
    this.changed();
    try {
      await job();
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  #refused(r: Refusal): void {
    this.#say('error', this.i18n.t(`card.refused.${r}`));
  }

  #say(tone: 'ok' | 'error', text: string): void {
    this.notice = { tone, text };
    this.changed();
  }

  render(): HTMLElement {
    const i18n = this.i18n;
    const root = el('section', 'gh-links');
    root.append(el('h2', 'gh-links__title', i18n.t('links.title')));
    if (this.failed) {
      root.append(el('p', 'banner banner--warn', i18n.t('links.unreadable')));
      return root;
    }
    if (this.notice) {
      const n = el('div', `banner banner--${this.notice.tone === 'ok' ? 'info' : 'error'}`, this.notice.text);
      n.setAttribute('role', this.notice.tone === 'ok' ? 'status' : 'alert');
      root.append(n);
    }
    const list = el('ul', 'gh-links__list');
    if (this.rows.length === 0) list.append(el('li', 'none', i18n.t('links.none')));
    for (const row of this.rows) {
      const name = row.url ? (el('a', undefined, row.name) as HTMLAnchorElement) : el('span', undefined, row.name);
      if (row.url && name instanceof HTMLAnchorElement) {
        name.href = row.url;
        name.target = '_blank';
        name.rel = 'noopener noreferrer';
      }
      const item = el(
        'li',
        'gh-links__row',
        el('span', 'gh-links__name', name),
        ' ',
        el(
          'span',
          `state state--${row.state === 'not_planned' ? 'not-planned' : row.state === 'completed' ? 'closed' : row.state}`,
          i18n.t(`links.state.${row.state}`),
        ),
        el('span', 'gh-links__issue-title', row.title),
        el('span', 'gh-links__others', i18n.t('links.others', { n: row.others >= 100 ? '100+' : row.others })),
      );
      item.setAttribute('data-issue', row.name);
      const actions = el(
        'span',
        'gh-links__actions',
        button(i18n.t('links.unlink'), 'btn btn--small', () => void this.unlink(row), this.busy),
      );
      if (this.config.template.trim() !== '') actions.append(button(i18n.t('links.notify'), 'btn btn--small', () => this.startNotify(row), this.busy));
      item.append(actions);
      list.append(item);
    }
    root.append(list);

    if (this.form.kind === 'create') root.append(this.#createForm());
    else if (this.form.kind === 'notify') root.append(this.#notifyForm(this.form.row));
    else {
      const input = el('input', 'gh-links__input') as HTMLInputElement;
      input.placeholder = i18n.t('links.placeholder');
      input.setAttribute('aria-label', i18n.t('links.placeholder'));
      input.disabled = this.busy || this.rows.length >= MAX_LINKS;
      const go = button(i18n.t('links.find'), 'btn', () => void this.find(input.value), input.disabled);
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') void this.find(input.value);
      });
      root.append(el('div', 'gh-links__add', input, go));
      if (this.hits && this.hits.length > 0) {
        const hits = el('ul', 'gh-links__list gh-links__hits');
        for (const h of this.hits) {
          const item = el('li', 'gh-links__row', el('span', 'gh-links__name', h.ref), el('span', 'gh-links__issue-title', h.title));
          item.setAttribute('data-hit', h.ref);
          item.append(button(i18n.t('links.link'), 'btn btn--small', () => void this.link(h.ref), this.busy || this.rows.length >= MAX_LINKS));
          hits.append(item);
        }
        root.append(hits);
      }
      root.append(
        el(
          'p',
          undefined,
          button(i18n.t('links.create'), 'btn', () => this.startCreate(), this.busy),
        ),
      );
    }
    return root;
  }

  #createForm(): HTMLElement {
    const i18n = this.i18n;
    const f = this.form as Extract<Form, { kind: 'create' }>;
    const form = el('div', 'gh-links__create');
    const repo = el('select', undefined) as HTMLSelectElement;
    for (const r of this.config.repositories) {
      const o = el('option', undefined, r) as HTMLOptionElement;
      o.value = r;
      o.selected = r === f.repo;
      repo.append(o);
    }
    repo.addEventListener('change', () => (f.repo = repo.value));
    const title = el('input', undefined) as HTMLInputElement;
    title.value = f.title;
    const text = el('textarea', undefined) as HTMLTextAreaElement;
    text.value = f.text;
    text.rows = 6;
    const labels = el('input', undefined) as HTMLInputElement;
    labels.value = f.labels;
    const masked = el('input', undefined) as HTMLInputElement;
    masked.type = 'checkbox';
    masked.checked = f.masked;
    const preview = el('pre', 'gh-links__preview');
    preview.setAttribute('data-preview', '');
    const show = () => {
      const out = this.outgoing();
      preview.textContent = out ? `${out.title}\n\n${out.body}` : '';
    };
    title.addEventListener('input', () => ((f.title = title.value), show()));
    text.addEventListener('input', () => ((f.text = text.value), show()));
    labels.addEventListener('input', () => (f.labels = labels.value));
    masked.addEventListener('change', () => ((f.masked = masked.checked), show()));
    show();
    const field = (label: string, control: HTMLElement, name: string) => {
      control.setAttribute('name', name);
      return el('label', 'gh-links__field', el('span', undefined, label), control);
    };
    form.append(
      field(i18n.t('links.repository'), repo, 'repo'),
      field(i18n.t('links.issueTitle'), title, 'title'),
      field(i18n.t('links.issueText'), text, 'text'),
      field(i18n.t('links.labels'), labels, 'labels'),
      el('label', 'gh-links__check', masked, ' ', i18n.t('links.mask')),
      el('p', 'gh-links__public', i18n.t('links.previewHint')),
      preview,
      el(
        'p',
        undefined,
        button(i18n.t('links.send'), 'btn btn--primary', () => void this.create(), this.busy),
        ' ',
        button(i18n.t('links.cancel'), 'btn', () => this.cancel()),
      ),
    );
    masked.setAttribute('name', 'mask');
    return form;
  }

  #notifyForm(row: LinkRow): HTMLElement {
    const i18n = this.i18n;
    const preview = el('pre', 'gh-links__preview', this.draftText(row));
    preview.setAttribute('data-draft-preview', '');
    return el(
      'div',
      'gh-links__notify',
      el('p', undefined, i18n.t('links.notifyHint', { n: row.otherIds.length + 1 })),
      preview,
      el(
        'p',
        undefined,
        button(i18n.t('links.notifySend', { n: row.otherIds.length + 1 }), 'btn btn--primary', () => void this.notify(), this.busy),
        ' ',
        button(i18n.t('links.cancel'), 'btn', () => this.cancel()),
      ),
    );
  }
}

/** owner/repo#n, or an issue's web address (github.com or an Enterprise host): the repository and number. */
export function parseIssueRef(input: string): { repo: string; number: number } | undefined {
  const v = input.trim();
  const short = /^([^#\s]{3,141})#(\d{1,9})$/.exec(v);
  let repo: string | undefined;
  let n: string | undefined;
  if (short) [repo, n] = [short[1], short[2]];
  else {
    try {
      const u = new URL(v);
      // The last segments: github.com, or an Enterprise host (maybe under a path prefix).
      const m = /\/([^/]+)\/([^/]+)\/(?:issues|pull)\/(\d{1,9})\/?$/.exec(u.pathname);
      if ((u.protocol === 'https:' || u.protocol === 'http:') && m) [repo, n] = [`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`, m[3]];
    } catch {
      return undefined;
    }
  }
  const number = Number(n);
  return repo && REPO.test(repo) && Number.isSafeInteger(number) && number > 0 ? { repo, number } : undefined;
}

function button(text: string, className: string, onClick: () => void, disabled = false): HTMLButtonElement {
  const b = el('button', className, text) as HTMLButtonElement;
  b.type = 'button';
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
}
