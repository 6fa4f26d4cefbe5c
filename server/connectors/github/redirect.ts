import type { RedirectTarget } from '../../sync/channel.js';
import { parseExtId, profileLogin } from './ext-ids.js';

/**
 * Where Desk's "view on GitHub" link goes: built only from ids that parse as ours,
 * on the configured GitHub web origin, so it can never become an open redirect.
 */
export function redirectUrl(webUrl: string, target: RedirectTarget): string | undefined {
  const base = webUrl.replace(/\/+$/, '');
  if (target.entity === 'user_profile') {
    const login = profileLogin(target.id);
    return login ? `${base}/${encodeURIComponent(login)}` : undefined;
  }
  const id = parseExtId(target.id);
  if (!id) return undefined;
  const [owner, name] = id.repo.split('/') as [string, string];
  const issueUrl = (n: number) => `${base}/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/issues/${n}`;
  if (id.kind === 'ticket' || id.kind === 'body') return issueUrl(id.issue);
  const parent = target.parentId ? parseExtId(target.parentId) : undefined;
  if (!parent || parent.kind !== 'ticket' || parent.repo !== id.repo) return undefined;
  // A story thread: GitHub anchors an issue's events on its page as #event-<id>.
  return id.kind === 'event' ? `${issueUrl(parent.issue)}#event-${id.event}` : `${issueUrl(parent.issue)}#issuecomment-${id.comment}`;
}
