import { isObj, readRequestAnswer, type DeskSdk } from './sdk.js';
import { GITHUB_API, GITHUB_CONNECTION, REPO_ANY_CASE } from '../server/connectors/github/contract.js';

/**
 * GitHub's REST API from a widget: through ZOHODESK.request and the installation's
 * GitHub connection, so Desk adds the OAuth token and the widget never holds one.
 */

/**
 * The deployment's GitHub, as app/deployment.js declares it (npm run pack writes it: a
 * GitHub Enterprise package calls its own API root, the one its manifest whitelists).
 * Anything malformed falls back to github.com.
 */
export function deployment(): { api: string; connection: string; deskApi: string; deskConnection: string } {
  const d = (globalThis as { githubChannelDeployment?: unknown }).githubChannelDeployment;
  const text = (k: string) => (isObj(d) && typeof d[k] === 'string' ? (d[k] as string).replace(/\/+$/, '') : '');
  const root = (v: string) => /^https:\/\/[a-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*$/i.test(v);
  const link = (v: string) => /^[A-Za-z0-9_]{1,50}$/.test(v);
  return {
    api: root(text('githubApiUrl')) ? text('githubApiUrl') : GITHUB_API,
    connection: link(text('githubConnection')) ? text('githubConnection') : GITHUB_CONNECTION,
    deskApi: root(text('deskApiUrl')) ? text('deskApiUrl') : DESK_API,
    deskConnection: link(text('deskConnection')) ? text('deskConnection') : DESK_CONNECTION,
  };
}

/** Desk's API root and the Desk connection (zohoAuthorisation) the card reads and writes tickets through. */
export const DESK_API = 'https://desk.zoho.com';
export const DESK_CONNECTION = 'zohodesk';

/** Why GitHub did not do what was asked, in the words the widgets show. */
export type Refusal = 'rate-limited' | 'no-permission' | 'locked' | 'not-found' | 'invalid' | 'unavailable';

export type GhAnswer<T> = { ok: true; status: number; data: T } | { ok: false; status: number; refusal: Refusal };

export async function github<T = unknown>(sdk: DeskSdk, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<GhAnswer<T>> {
  if (typeof sdk.request !== 'function') return { ok: false, status: 0, refusal: 'unavailable' };
  let answer: unknown;
  const { api, connection } = deployment();
  try {
    answer = await sdk.request({
      url: `${api}${path}`,
      type: method,
      headers: { Accept: 'application/vnd.github+json', 'Content-Type': 'application/json', 'X-GitHub-Api-Version': '2022-11-28' },
      postBody: body ?? {},
      connectionLinkName: connection,
    });
  } catch {
    return { ok: false, status: 0, refusal: 'unavailable' };
  }
  const { status, body: data } = readRequestAnswer(answer);
  if (status >= 200 && status < 300) return { ok: true, status, data: data as T };
  return { ok: false, status, refusal: refusalOf(status, data) };
}

/** GitHub's status (and its message, read but never shown) as one of a few plain reasons. */
export function refusalOf(status: number, body: unknown): Refusal {
  const message = isObj(body) && typeof body.message === 'string' ? body.message.toLowerCase() : '';
  if (status === 429 || (status === 403 && message.includes('rate limit'))) return 'rate-limited';
  if (status === 403 && message.includes('locked')) return 'locked';
  if (status === 401 || status === 403) return 'no-permission';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 422 || status === 400) return 'invalid';
  return 'unavailable';
}

/** A repository path segment pair for GitHub URLs, from a name we checked. */
export const repoPath = (repo: string): string => repo.split('/').map(pathSegment).join('/');
/**
 * `.` and `..` (a label may be called so) cannot be a path segment: URL parsers collapse
 * them, and `%2E%2E` too (WHATWG URL), so `…/issues/1/labels/..` would be `…/issues/1`.
 */
export const isDotSegment = (name: string): boolean => /^(?:\.|%2e){1,2}$/i.test(name);
/** One URL path segment, percent-encoded; refuses a dot-segment rather than send it anywhere. */
export const pathSegment = (name: string): string => {
  if (isDotSegment(name)) throw new RangeError('a dot-segment cannot name a resource');
  return encodeURIComponent(name);
};
export const REPO = REPO_ANY_CASE;

/** Pages of an issue's events read for its last close (100 events each): past them, the link is made as `x`. */
const CLOSE_PAGES = 10;

/**
 * The last close, as its events list tells it (oldest first): the event id and
 * whether it was closed as not planned; undefined when it cannot be read. A link to a
 * closed issue records it (server/escalation/links.ts withLink), so the loop tells only
 * the closes after it.
 */
export async function lastClose(sdk: DeskSdk, repo: string, number: number): Promise<{ closedBy: number; notPlanned: boolean } | undefined> {
  let found: { closedBy: number; notPlanned: boolean } | undefined;
  for (let page = 1; page <= CLOSE_PAGES; page++) {
    const r = await github(sdk, 'GET', `/repos/${repoPath(repo)}/issues/${number}/events?per_page=100&page=${page}`);
    if (!r.ok || !Array.isArray(r.data)) return undefined;
    for (const e of r.data as unknown[])
      if (isObj(e) && e.event === 'closed' && typeof e.id === 'number' && Number.isSafeInteger(e.id) && e.id > 0)
        found = { closedBy: e.id, notPlanned: e.state_reason === 'not_planned' || e.state_reason === 'duplicate' };
    if (r.data.length < 100) return found;
  }
  return undefined;
}
