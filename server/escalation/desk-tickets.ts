import { AppError } from '../errors.js';
import type { InvokeClient } from '../desk/invoke-client.js';
import { customField } from './links.js';

/** Who calls: the installation, as a pull or a sealed hook names it. */
export interface DeskInstallation {
  orgId: string;
  securityContext: string;
}

/** What the loop reads of a Desk ticket (Ticket.json): its id, channel, status and our field. */
export interface DeskTicket {
  id: string;
  channel: string;
  status: string;
  /** Open, On Hold or Closed: Desk's statusType, which custom statuses also carry. */
  statusType: string;
  /** The "GitHub issues" field's value, '' when empty. */
  links: string;
}

export interface DeskComment {
  id: string;
  content: string;
  /** Epoch ms, NaN when Desk did not say. */
  commentedAt: number;
}

/** Desk's REST calls the escalation loop makes, counted by kind: each is an API credit. */
export type DeskCallKind = 'search' | 'ticket' | 'comments' | 'comment' | 'uncomment' | 'patch' | 'draft' | 'config';

/** Desk's search pages: at most 100 a page, and `from` at most 999 (Search.json). */
export const SEARCH_PAGE = 100;
export const SEARCH_MAX_FROM = 999;

/**
 * Desk's ticket API (zoho/zohodesk-oas v1.0 Ticket, Search, TicketComment, Threads)
 * through Invoke with the installation's Desk connection, as the import goes: the
 * server never holds a Desk token. Every answer is read defensively (ids as strings,
 * the field from `cf` or `customFields`), and a refusal is a DESK_API_REFUSED with the
 * call's path, never Desk's body.
 */
export class DeskTickets {
  constructor(
    private readonly invoke: InvokeClient,
    private readonly o: { deskApiUrl: string; connection: string; field: string; onCall?: (kind: DeskCallKind) => void },
    private readonly who: DeskInstallation,
  ) {}

  get field(): string {
    return this.o.field;
  }

  /** One page of the tickets whose field matches `term` (Desk's wildcard search); `full` when the page was full (more may follow). */
  async search(term: string, from: number): Promise<{ tickets: DeskTicket[]; full: boolean }> {
    const limit = SEARCH_PAGE;
    const res = await this.#call('search', 'GET', '/api/v1/tickets/search', {
      query: { customField1: `${this.o.field}:${term}`, from: String(from), limit: String(limit), sortBy: 'createdTime' },
    });
    if (res === undefined) return { tickets: [], full: false };
    const data = (res as { data?: unknown }).data;
    const list = Array.isArray(data) ? data : [];
    const tickets = list.map((t) => this.#ticketOf(t)).filter((t): t is DeskTicket => t !== undefined);
    return { tickets, full: list.length === limit };
  }

  async ticket(id: string): Promise<DeskTicket | undefined> {
    const res = await this.#call('ticket', 'GET', `/api/v1/tickets/${id}`, { notFound: true });
    return res === undefined ? undefined : this.#ticketOf(res);
  }

  /** The ticket's comments, newest first, up to `max`. */
  async comments(id: string, max = 200): Promise<DeskComment[]> {
    const out: DeskComment[] = [];
    for (let from = 0; from < max; from += SEARCH_PAGE) {
      const res = await this.#call('comments', 'GET', `/api/v1/tickets/${id}/comments`, {
        query: { from: String(from), limit: String(SEARCH_PAGE), sortBy: '-commentedTime' },
      });
      const data = (res as { data?: unknown } | undefined)?.data;
      const list = Array.isArray(data) ? data : [];
      for (const c of list) {
        const cid = idOf((c as { id?: unknown }).id);
        const content = (c as { content?: unknown }).content;
        const time = (c as { commentedTime?: unknown }).commentedTime;
        if (cid && typeof content === 'string') out.push({ id: cid, content, commentedAt: typeof time === 'string' ? Date.parse(time) : NaN });
      }
      if (list.length < SEARCH_PAGE) break;
    }
    return out;
  }

  /** A private comment (agents only), HTML; answers its id when Desk says it. */
  async addComment(id: string, html: string): Promise<string | undefined> {
    const res = await this.#call('comment', 'POST', `/api/v1/tickets/${id}/comments`, { body: { content: html, contentType: 'html', isPublic: false } });
    return idOf((res as { id?: unknown } | undefined)?.id);
  }

  async deleteComment(id: string, commentId: string): Promise<void> {
    await this.#call('uncomment', 'DELETE', `/api/v1/tickets/${id}/comments/${commentId}`, { notFound: true });
  }

  /** Changes the ticket's status (by name) and/or our field. */
  async patch(id: string, change: { status?: string; links?: string }): Promise<void> {
    const body: Record<string, unknown> = {};
    if (change.status !== undefined) body.status = change.status;
    if (change.links !== undefined) body.cf = { [this.o.field]: change.links === '' ? null : change.links };
    await this.#call('patch', 'PATCH', `/api/v1/tickets/${id}`, { body });
  }

  /** A draft reply an agent reviews and sends: never sent by us. */
  async draftReply(id: string, d: { channel: string; html: string; fromEmailAddress?: string | undefined }): Promise<void> {
    const body: Record<string, unknown> = { channel: d.channel, content: d.html, contentType: 'html' };
    if (d.fromEmailAddress) body.fromEmailAddress = d.fromEmailAddress;
    await this.#call('draft', 'POST', `/api/v1/tickets/${id}/draftReply`, { body });
  }

  /** The installation's config params (protocol §6.5), for paths that have no pull body: deliveries. */
  async configParams(): Promise<Record<string, string>> {
    const res = await this.#call('config', 'GET', '/api/v1/installedExtensions/{{installationId}}/configParams', {});
    const data = (res as { data?: unknown } | undefined)?.data;
    const out: Record<string, string> = {};
    if (Array.isArray(data))
      for (const p of data as { name?: unknown; value?: unknown }[]) {
        if (typeof p.name === 'string' && p.name.length <= 100 && (typeof p.value === 'string' || typeof p.value === 'number')) out[p.name] = String(p.value);
      }
    return out;
  }

  async #call(
    kind: DeskCallKind,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    o: { query?: Record<string, string>; body?: unknown; notFound?: boolean },
  ): Promise<unknown> {
    this.o.onCall?.(kind);
    const res = await this.invoke.call({
      orgId: this.who.orgId,
      securityContext: this.who.securityContext,
      requestURL: `${this.o.deskApiUrl.replace(/\/$/, '')}${path}`,
      requestType: method,
      ...(o.query ? { queryParams: o.query } : {}),
      headers: { orgId: this.who.orgId, ...(o.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(o.body !== undefined ? { postBody: JSON.stringify(o.body) } : {}),
      connectionLinkName: this.o.connection,
    });
    if (res.status === 204) return undefined;
    if (res.status === 404 && o.notFound) return undefined;
    if (res.status === 429) throw new AppError('DESK_API_REFUSED', `Desk ${method} ${genericPath(path)}: API credits or rate limit used up (429)`);
    if (res.status >= 400) throw new AppError('DESK_API_REFUSED', `Desk ${method} ${genericPath(path)} answered ${res.status}`);
    if (res.body === '') return {};
    try {
      return JSON.parse(res.body) as unknown;
    } catch (cause) {
      throw new AppError('DESK_API_REFUSED', `Desk ${method} ${genericPath(path)}: the answer is not JSON`, { cause });
    }
  }

  #ticketOf(x: unknown): DeskTicket | undefined {
    if (typeof x !== 'object' || x === null) return undefined;
    const t = x as Record<string, unknown>;
    const id = idOf(t.id);
    if (!id) return undefined;
    const links = customField(t, this.o.field);
    return {
      id,
      channel: typeof t.channel === 'string' ? t.channel : '',
      status: typeof t.status === 'string' ? t.status : '',
      statusType: typeof t.statusType === 'string' ? t.statusType : '',
      links,
    };
  }
}

function idOf(v: unknown): string | undefined {
  const s = typeof v === 'number' ? String(v) : v;
  return typeof s === 'string' && /^\d{1,20}$/.test(s) ? s : undefined;
}

/** A path for messages: ticket ids replaced, so a log line names the call, not the customer's ticket. */
function genericPath(path: string): string {
  return path.replace(/\/\d+(?=\/|$)/g, '/{id}');
}
