import { customField } from '../server/escalation/links.js';
import { deployment } from './github.js';
import { isObj, readRequestAnswer, type DeskSdk } from './sdk.js';

/**
 * Desk's own REST API from a widget (tickets, search, drafts): through ZOHODESK.request
 * with the installation's Desk connection (zohoAuthorisation), so Desk adds the token.
 * The API root is the deployment's (app/deployment.js; desk.zoho.com unless packed for
 * another data centre), and every call names the org in the `orgId` header, which the
 * widget reads from `portal.id` (a guess the README states).
 */
export type DeskAnswer<T> = { ok: true; status: number; data: T } | { ok: false; status: number };

export async function portalId(sdk: DeskSdk): Promise<string | undefined> {
  try {
    const a = await sdk.get('portal.id');
    const id = isObj(a) ? a['portal.id'] : undefined;
    return (typeof id === 'string' || typeof id === 'number') && /^\d{1,20}$/.test(String(id)) ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

export async function desk<T = unknown>(
  sdk: DeskSdk,
  orgId: string,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  o: { query?: Record<string, string>; body?: unknown } = {},
): Promise<DeskAnswer<T>> {
  if (typeof sdk.request !== 'function') return { ok: false, status: 0 };
  const { deskApi, deskConnection } = deployment();
  const query = o.query ? `?${new URLSearchParams(o.query).toString()}` : '';
  let answer: unknown;
  try {
    answer = await sdk.request({
      url: `${deskApi}${path}${query}`,
      type: method,
      headers: { orgId, 'Content-Type': 'application/json' },
      postBody: o.body ?? {},
      connectionLinkName: deskConnection,
    });
  } catch {
    return { ok: false, status: 0 };
  }
  const { status, body } = readRequestAnswer(answer);
  return status >= 200 && status < 300 ? { ok: true, status, data: body as T } : { ok: false, status };
}

/** What the card reads of a ticket: its links field, subject, description and customer (to mask them). */
export interface TicketFacts {
  links: string;
  subject: string;
  description: string;
  email: string;
  phone: string;
  names: string[];
  channel: string;
}

export function ticketFacts(data: unknown, field: string): TicketFacts | undefined {
  if (!isObj(data)) return undefined;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  const contact = isObj(data.contact) ? data.contact : {};
  return {
    links: customField(data, field),
    subject: s(data.subject),
    description: s(data.description),
    email: s(data.email) || s(contact.email),
    phone: s(data.phone) || s(contact.phone),
    names: [[s(contact.firstName), s(contact.lastName)].join(' ').trim(), s(contact.firstName), s(contact.lastName)].filter((n) => n.trim().length > 1),
    channel: s(data.channel),
  };
}
