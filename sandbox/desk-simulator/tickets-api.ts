import type { IncomingHttpHeaders } from 'node:http';
import type { InvokeAnswer } from './invoke-endpoint.js';
import { mediaType } from './json-answer.js';

/**
 * Desk's ticket REST API as far as the escalation loop and the card use it, shaped as
 * Zoho's OpenAPI description (zoho/zohodesk-oas v1.0: Ticket, Search, TicketComment,
 * Threads, Field) and strict where it is: the Desk connection's token and the orgId
 * header on every call, `limit` ≤ 100 and `from` ≤ 999 on searches, statuses by name
 * from the org's list, a custom field only if it exists and within its length, comment
 * content ≤ 32,000 characters, and 204 for a search that finds nothing. Tickets of any
 * channel live here (e-mail, chat, phone, web); the channel's own tickets are in the
 * DeskStore. Every call is logged: each is an API credit.
 */

export interface DeskStatus {
  value: string;
  statusType: 'Open' | 'On Hold' | 'Closed';
}

/** A small org's statuses, custom ones included (Field.json: statuses carry a statusType). */
export const DESK_STATUSES: readonly DeskStatus[] = [
  { value: 'Open', statusType: 'Open' },
  { value: 'Escalated', statusType: 'Open' },
  { value: 'On Hold', statusType: 'On Hold' },
  { value: 'Fixed - tell customer', statusType: 'On Hold' },
  { value: 'Closed', statusType: 'Closed' },
];

export interface DeskComment {
  id: string;
  content: string;
  contentType: 'html' | 'plainText';
  isPublic: boolean;
  commentedTime: string;
}

export interface DeskDraft {
  id: string;
  channel: string;
  content: string;
  contentType: string;
  fromEmailAddress?: string;
}

export interface DeskTicketRecord {
  id: string;
  ticketNumber: string;
  subject: string;
  description: string;
  channel: string;
  status: string;
  email: string;
  phone: string;
  contactName: string;
  cf: Record<string, string | null>;
  comments: DeskComment[];
  drafts: DeskDraft[];
  createdTime: string;
  modifiedTime: string;
}

export type DeskApiKind = 'search' | 'ticket' | 'patch' | 'comments' | 'comment' | 'uncomment' | 'draft' | 'fields' | 'config';

export interface DeskApiLogEntry {
  kind: DeskApiKind;
  status: number;
}

/** A fault the next matching call meets: a status (429 for credits used up) and/or a delay before answering. */
export interface DeskApiFault {
  kind: DeskApiKind | 'any';
  status?: number;
  delayMs?: number;
  /** How many calls it applies to (default 1). */
  times?: number;
}

export interface DeskApiOptions {
  orgId: string;
  installationId: string;
  deskToken: () => string | undefined;
  configParams: () => Record<string, string>;
  /** The extension's ticket fields (resources.json `fields`), by API name, with their maximum length. */
  fields?: Record<string, number>;
  /** The portal's e-mail addresses a draft may be sent from. */
  fromAddresses?: string[];
  now?: () => number;
}

const MAX_COMMENT = 32_000;

export class DeskTicketsApi {
  readonly tickets = new Map<string, DeskTicketRecord>();
  readonly log: DeskApiLogEntry[] = [];
  readonly faults: DeskApiFault[] = [];
  readonly fields: Record<string, number>;
  #nextId = 5_000_000_000_001;
  #nextNumber = 101;
  #nextComment = 6_000_000_000_001;

  constructor(private readonly o: DeskApiOptions) {
    this.fields = o.fields ?? { cf_github_issues: 255 };
  }

  #now(): string {
    return new Date((this.o.now ?? Date.now)()).toISOString();
  }

  /** A ticket that came by another channel than ours (an e-mail, a chat, a call); `id` for one the channel created. */
  createTicket(t: {
    subject: string;
    description?: string;
    channel?: string;
    email?: string;
    phone?: string;
    contactName?: string;
    status?: string;
    id?: string;
  }): DeskTicketRecord {
    const at = this.#now();
    const rec: DeskTicketRecord = {
      id: t.id ?? String(this.#nextId++),
      ticketNumber: String(this.#nextNumber++),
      subject: t.subject,
      description: t.description ?? '',
      channel: t.channel ?? 'EMAIL',
      status: t.status ?? 'Open',
      email: t.email ?? '',
      phone: t.phone ?? '',
      contactName: t.contactName ?? '',
      cf: Object.fromEntries(Object.keys(this.fields).map((k) => [k, null])),
      comments: [],
      drafts: [],
      createdTime: at,
      modifiedTime: at,
    };
    this.tickets.set(rec.id, rec);
    return rec;
  }

  statusType(status: string): DeskStatus['statusType'] | undefined {
    return DESK_STATUSES.find((s) => s.value.toLowerCase() === status.toLowerCase())?.statusType;
  }

  /** Calls made of one kind (API credits). */
  count(kind: DeskApiKind): number {
    return this.log.filter((e) => e.kind === kind).length;
  }

  async handle(method: string, url: URL, headers: IncomingHttpHeaders, raw: string): Promise<InvokeAnswer | undefined> {
    const route = this.#route(method, url.pathname);
    if (!route) return undefined;
    const entry: DeskApiLogEntry = { kind: route.kind, status: 0 };
    this.log.push(entry);
    const answer = (status: number, body: unknown): InvokeAnswer => {
      entry.status = status;
      return { status, body };
    };
    const fault = this.#takeFault(route.kind);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status)
      return answer(fault.status, { errorCode: fault.status === 429 ? 'TOO_MANY_REQUESTS' : 'INTERNAL_SERVER_ERROR', message: 'fault injected' });
    const token = this.o.deskToken();
    if (!token || headers.authorization !== `Bearer ${token}`)
      return answer(401, { errorCode: 'INVALID_OAUTH', message: 'the Desk connection (zohoAuthorisation) is needed' });
    if (headers.orgid !== this.o.orgId) return answer(400, { errorCode: 'INVALID_DATA', message: 'the orgId header is missing or names another org' });
    let body: Record<string, unknown> = {};
    if (method === 'POST' || method === 'PATCH') {
      if (mediaType(headers['content-type']) !== 'application/json')
        return answer(415, { errorCode: 'UNSUPPORTED_MEDIA_TYPE', message: 'application/json only' });
      try {
        const v = JSON.parse(raw) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        body = v as Record<string, unknown>;
      } catch {
        return answer(422, { errorCode: 'INVALID_DATA', message: 'the body is not a JSON object' });
      }
    }
    const r = route.run(url.searchParams, body);
    return answer(r.status, r.body);
  }

  #takeFault(kind: DeskApiKind): DeskApiFault | undefined {
    const i = this.faults.findIndex((f) => f.kind === kind || f.kind === 'any');
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if ((f.times ?? 1) <= 1) this.faults.splice(i, 1);
    else f.times = (f.times ?? 1) - 1;
    return f;
  }

  #route(method: string, path: string): { kind: DeskApiKind; run: (q: URLSearchParams, body: Record<string, unknown>) => InvokeAnswer } | undefined {
    if (method === 'GET' && path === '/api/v1/tickets/search') return { kind: 'search', run: (q) => this.#search(q) };
    if (method === 'GET' && path === '/api/v1/fields') return { kind: 'fields', run: (q) => this.#fieldList(q) };
    if (method === 'GET' && path === `/api/v1/installedExtensions/${this.o.installationId}/configParams`)
      return { kind: 'config', run: () => ok({ data: Object.entries(this.o.configParams()).map(([name, value]) => ({ name, value })) }) };
    const del = /^\/api\/v1\/tickets\/(\d{1,20})\/comments\/(\d{1,20})$/.exec(path);
    if (del && method === 'DELETE')
      return {
        kind: 'uncomment',
        run: () => {
          const t = this.tickets.get(del[1]!);
          const i = t ? t.comments.findIndex((c) => c.id === del[2]) : -1;
          if (!t || i < 0) return { status: 404, body: { errorCode: 'URL_NOT_FOUND', message: 'no such comment' } };
          t.comments.splice(i, 1);
          return { status: 204, body: undefined };
        },
      };
    const m = /^\/api\/v1\/tickets\/(\d{1,20})(\/comments|\/draftReply)?$/.exec(path);
    if (!m) return undefined;
    const ticket = (): DeskTicketRecord | undefined => this.tickets.get(m[1]!);
    const missing = { status: 404, body: { errorCode: 'URL_NOT_FOUND', message: 'no such ticket' } };
    const sub = m[2];
    if (!sub && method === 'GET') return { kind: 'ticket', run: () => (ticket() ? ok(this.#json(ticket()!)) : missing) };
    if (!sub && method === 'PATCH') return { kind: 'patch', run: (_q, b) => (ticket() ? this.#patch(ticket()!, b) : missing) };
    if (sub === '/comments' && method === 'GET') return { kind: 'comments', run: (q) => (ticket() ? this.#comments(ticket()!, q) : missing) };
    if (sub === '/comments' && method === 'POST') return { kind: 'comment', run: (_q, b) => (ticket() ? this.#addComment(ticket()!, b) : missing) };
    if (sub === '/draftReply' && method === 'POST') return { kind: 'draft', run: (_q, b) => (ticket() ? this.#draft(ticket()!, b) : missing) };
    return undefined;
  }

  #json(t: DeskTicketRecord): Record<string, unknown> {
    return {
      id: t.id,
      ticketNumber: t.ticketNumber,
      subject: t.subject,
      channel: t.channel,
      status: t.status,
      statusType: this.statusType(t.status) ?? 'Open',
      email: t.email,
      phone: t.phone,
      description: t.description,
      contact: contactOf(t.contactName, t.email, t.phone),
      createdTime: t.createdTime,
      modifiedTime: t.modifiedTime,
      cf: { ...t.cf },
    };
  }

  #search(q: URLSearchParams): InvokeAnswer {
    const limit = Number(q.get('limit') ?? 10);
    const from = Number(q.get('from') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid('limit must be 1 to 100');
    if (!Number.isInteger(from) || from < 0 || from > 999) return invalid('from must be 0 to 999');
    const wanted = q.get('customField1');
    let matches = [...this.tickets.values()];
    if (wanted !== null) {
      const colon = wanted.indexOf(':');
      const field = colon > 0 ? wanted.slice(0, colon) : '';
      if (wanted.length > 1000 || !(field in this.fields)) return invalid('customField1 must be FieldApiName:value of an existing field');
      const test = matcher(wanted.slice(colon + 1));
      matches = matches.filter((t) => test(t.cf[field] ?? null));
    }
    const status = q.get('status');
    if (status !== null) {
      const names = status.split(',').map((s) => s.trim().toLowerCase());
      matches = matches.filter((t) => names.includes(t.status.toLowerCase()));
    }
    const sortBy = q.get('sortBy');
    if (sortBy !== null && !/^-?(relevance|modifiedTime|createdTime|customerResponseTime)$/.test(sortBy))
      return invalid('sortBy is not one of the documented values');
    matches.sort((a, b) => a.createdTime.localeCompare(b.createdTime) || Number(a.id) - Number(b.id));
    if (sortBy?.startsWith('-')) matches.reverse();
    const page = matches.slice(from, from + limit);
    if (page.length === 0) return { status: 204, body: undefined };
    return ok({ data: page.map((t) => this.#json(t)), count: matches.length });
  }

  #patch(t: DeskTicketRecord, b: Record<string, unknown>): InvokeAnswer {
    for (const k of Object.keys(b)) if (k !== 'status' && k !== 'cf') return invalid(`the simulator takes status and cf only, not ${k}`);
    if (b.status !== undefined) {
      if (typeof b.status !== 'string' || !this.statusType(b.status)) return invalid(`no status named ${String(b.status).slice(0, 40)} in this org`);
    }
    const cf = b.cf;
    if (cf !== undefined) {
      if (typeof cf !== 'object' || cf === null || Array.isArray(cf)) return invalid('cf must be an object');
      for (const [k, v] of Object.entries(cf)) {
        if (!(k in this.fields)) return invalid(`no custom field ${k.slice(0, 40)}`);
        if (v !== null && (typeof v !== 'string' || v.length > this.fields[k]!)) return invalid(`${k} takes a text of at most ${this.fields[k]} characters`);
      }
    }
    if (typeof b.status === 'string') t.status = DESK_STATUSES.find((s) => s.value.toLowerCase() === (b.status as string).toLowerCase())!.value;
    if (cf) for (const [k, v] of Object.entries(cf as Record<string, string | null>)) t.cf[k] = v === '' ? null : v;
    t.modifiedTime = this.#now();
    return ok(this.#json(t));
  }

  #comments(t: DeskTicketRecord, q: URLSearchParams): InvokeAnswer {
    const limit = Number(q.get('limit') ?? 50);
    const from = Number(q.get('from') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(from) || from < 0)
      return invalid('from and limit (1 to 100) must be whole numbers');
    const list = [...t.comments].sort((a, b) => a.commentedTime.localeCompare(b.commentedTime) || Number(a.id) - Number(b.id));
    if ((q.get('sortBy') ?? '-commentedTime') === '-commentedTime') list.reverse();
    return ok({ data: list.slice(from, from + limit) });
  }

  #addComment(t: DeskTicketRecord, b: Record<string, unknown>): InvokeAnswer {
    if (typeof b.content !== 'string' || b.content.trim() === '') return invalid('content is required');
    if (b.content.length > MAX_COMMENT) return invalid(`content is longer than ${MAX_COMMENT} characters`);
    if (b.isPublic !== undefined && typeof b.isPublic !== 'boolean') return invalid('isPublic is a boolean');
    if (b.contentType !== undefined && b.contentType !== 'html' && b.contentType !== 'plainText') return invalid('contentType is html or plainText');
    const c: DeskComment = {
      id: String(this.#nextComment++),
      content: b.content,
      contentType: (b.contentType as DeskComment['contentType'] | undefined) ?? 'html',
      isPublic: b.isPublic === true,
      commentedTime: this.#now(),
    };
    t.comments.push(c);
    return ok(c);
  }

  #draft(t: DeskTicketRecord, b: Record<string, unknown>): InvokeAnswer {
    if (typeof b.channel !== 'string' || b.channel === '') return invalid('channel is required');
    if (typeof b.content !== 'string' || b.content.trim() === '') return invalid('content is required');
    if (b.content.length > MAX_COMMENT) return invalid(`content is longer than ${MAX_COMMENT} characters`);
    const from = b.fromEmailAddress;
    if (from !== undefined && (typeof from !== 'string' || !(this.o.fromAddresses ?? []).includes(from)))
      return invalid("fromEmailAddress is not one of the portal's addresses");
    const d: DeskDraft = {
      id: String(this.#nextComment++),
      channel: b.channel,
      content: b.content,
      contentType: typeof b.contentType === 'string' ? b.contentType : 'html',
    };
    if (typeof from === 'string') d.fromEmailAddress = from;
    t.drafts.push(d);
    return ok({ ...d, status: 'DRAFT' });
  }

  #fieldList(q: URLSearchParams): InvokeAnswer {
    if (q.get('module') !== 'tickets') return invalid('module=tickets is required');
    return ok({
      data: [
        {
          apiName: 'status',
          displayLabel: 'Status',
          type: 'Picklist',
          allowedValues: DESK_STATUSES.map((s) => ({ value: s.value, statusType: s.statusType })),
        },
        ...Object.entries(this.fields).map(([apiName, maxLength]) => ({
          apiName,
          displayLabel: 'GitHub issues',
          type: 'Text',
          maxLength,
          isCustomField: true,
        })),
      ],
    });
  }
}

/** Ticket.json's contact: first and last name, e-mail, phone. */
function contactOf(name: string, email: string, phone: string): Record<string, string | null> {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return { firstName: parts.length > 1 ? parts.slice(0, -1).join(' ') : null, lastName: parts.at(-1) ?? null, email: email || null, phone: phone || null };
}

function ok(body: unknown): InvokeAnswer {
  return { status: 200, body };
}

function invalid(message: string): InvokeAnswer {
  return { status: 422, body: { errorCode: 'INVALID_DATA', message } };
}

/**
 * Desk's search value: `${empty}`, `${notempty}`, or alternatives separated by commas,
 * each matched whole and case-insensitively with `*` as any run of characters.
 */
function matcher(value: string): (field: string | null) => boolean {
  const v = value.trim();
  if (/^\$\{notempty\}$/i.test(v)) return (f) => f !== null && f !== '';
  if (/^\$\{empty\}$/i.test(v)) return (f) => f === null || f === '';
  const alternatives = v
    .split(',')
    .filter((a) => a !== '')
    .map((a) => {
      const parts = a.toLowerCase().split('*');
      return (f: string): boolean => {
        const s = f.toLowerCase();
        if (parts.length === 1) return s === parts[0];
        if (!s.startsWith(parts[0]!) || !s.endsWith(parts[parts.length - 1]!)) return false;
        let at = parts[0]!.length;
        for (const p of parts.slice(1, -1)) {
          const i = s.indexOf(p, at);
          if (i < 0) return false;
          at = i + p.length;
        }
        return at <= s.length - parts[parts.length - 1]!.length;
      };
    });
  return (f) => f !== null && alternatives.some((m) => m(f));
}
