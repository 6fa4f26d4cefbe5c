/**
 * The parts of GitHub's issue and comment objects the connector reads, checked item by
 * item: an answer that does not have them is UPSTREAM_BAD_RESPONSE, never a guess.
 */
export interface GhUser {
  login: string;
  id: number;
  avatar_url?: string;
}

export interface GhIssue {
  id: number;
  number: number;
  title: string;
  user: GhUser | null;
  labels: string[];
  state: string;
  locked: boolean;
  pull: boolean;
  authorAssociation: string;
  bodyHtml: string;
  /** GitHub's count of comments (assumed non-zero when absent). */
  comments: number;
  createdAt: number;
  updatedAt: number;
  /** What the ticket's card shows (see issue-extra.ts); absent fields read as empty. */
  card: GhIssueCard;
}

export interface GhIssueCard {
  stateReason: string | null;
  labels: Array<{ name: string; color: string }>;
  assignees: string[];
  milestone: string | null;
  plusOne: number;
  htmlUrl: string | null;
}

export interface GhComment {
  id: number;
  issueNumber: number;
  /** The comment belongs to a pull request's conversation. */
  onPull: boolean;
  user: GhUser | null;
  authorAssociation: string;
  body: string;
  bodyHtml: string;
  createdAt: number;
  updatedAt: number;
}

export function readIssue(x: unknown): GhIssue | undefined {
  if (!isObj(x)) return undefined;
  const createdAt = time(x.created_at);
  const updatedAt = time(x.updated_at);
  if (!posInt(x.id) || !posInt(x.number) || typeof x.title !== 'string' || createdAt === undefined || updatedAt === undefined) return undefined;
  const user = readUser(x.user);
  if (user === undefined) return undefined;
  if (!Array.isArray(x.labels)) return undefined;
  const labels = x.labels.map((l) => (typeof l === 'string' ? l : isObj(l) && typeof l.name === 'string' ? l.name : ''));
  return {
    id: x.id,
    number: x.number,
    title: x.title,
    user,
    labels,
    state: typeof x.state === 'string' ? x.state : 'open',
    locked: x.locked === true,
    pull: isObj(x.pull_request),
    authorAssociation: typeof x.author_association === 'string' ? x.author_association : 'NONE',
    bodyHtml: typeof x.body_html === 'string' ? x.body_html : '',
    comments: typeof x.comments === 'number' && x.comments >= 0 ? x.comments : 1,
    createdAt,
    updatedAt,
    card: readCard(x),
  };
}

function readCard(x: Record<string, unknown>): GhIssueCard {
  const labels = Array.isArray(x.labels)
    ? x.labels.flatMap((l) =>
        typeof l === 'string'
          ? [{ name: l, color: '' }]
          : isObj(l) && typeof l.name === 'string'
            ? [{ name: l.name, color: typeof l.color === 'string' ? l.color : '' }]
            : [],
      )
    : [];
  const assignees = Array.isArray(x.assignees) ? x.assignees.flatMap((a) => (isObj(a) && typeof a.login === 'string' ? [a.login] : [])) : [];
  const reactions = isObj(x.reactions) ? x.reactions['+1'] : undefined;
  return {
    stateReason: typeof x.state_reason === 'string' ? x.state_reason : null,
    labels,
    assignees,
    milestone: isObj(x.milestone) && typeof x.milestone.title === 'string' ? x.milestone.title : null,
    plusOne: typeof reactions === 'number' && reactions >= 0 ? reactions : 0,
    htmlUrl: typeof x.html_url === 'string' ? x.html_url : null,
  };
}

export function readComment(x: unknown): GhComment | undefined {
  if (!isObj(x)) return undefined;
  const createdAt = time(x.created_at);
  const updatedAt = time(x.updated_at);
  if (!posInt(x.id) || typeof x.issue_url !== 'string' || createdAt === undefined || updatedAt === undefined) return undefined;
  const m = /\/issues\/(\d{1,19})$/.exec(x.issue_url);
  if (!m) return undefined;
  const user = readUser(x.user);
  if (user === undefined) return undefined;
  return {
    id: x.id,
    issueNumber: Number(m[1]),
    onPull: typeof x.html_url === 'string' && /\/pull\/\d+#/.test(x.html_url),
    user,
    authorAssociation: typeof x.author_association === 'string' ? x.author_association : 'NONE',
    body: typeof x.body === 'string' ? x.body : '',
    bodyHtml: typeof x.body_html === 'string' ? x.body_html : '',
    createdAt,
    updatedAt,
  };
}

/** null is GitHub's deleted user ("ghost"); undefined means the field is malformed. */
function readUser(u: unknown): GhUser | null | undefined {
  if (u === null) return null;
  if (!isObj(u) || typeof u.login !== 'string' || !posInt(u.id)) return undefined;
  return { login: u.login, id: u.id, ...(typeof u.avatar_url === 'string' ? { avatar_url: u.avatar_url } : {}) };
}

function time(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length > 40) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

function posInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
