/**
 * The fake GitHub's data: repositories, issues (pull requests among them, as on
 * GitHub) and comments, with GitHub's bookkeeping: numbers per repository, large
 * global ids, times in whole seconds from the injected clock, and a comment bumping
 * its issue's updated_at and comment count.
 */
export interface FakeUser {
  login: string;
  id: number;
  avatar_url?: string;
}

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string;
  user: FakeUser;
  labels: string[];
  state: 'open' | 'closed';
  locked: boolean;
  pull: boolean;
  association: string;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  /** completed, not_planned, reopened or null, as GitHub's state_reason. */
  stateReason: string | null;
  assignees: string[];
  milestone: string | null;
  /** 👍 reactions. */
  plusOne: number;
  comments: number;
  deleted: boolean;
}

/** One entry of GitHub's issue events list (state, labels, assignees). */
export interface EventRecord {
  id: number;
  issueNumber: number;
  event: 'closed' | 'reopened' | 'labeled' | 'unlabeled' | 'assigned' | 'unassigned';
  actor: FakeUser;
  createdAt: number;
  stateReason?: string | null;
  label?: string;
  assignee?: string;
  /** A closed event's commit, when a commit (or the pull request merging it) closed the issue. */
  commitId?: string;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: FakeUser;
  association: string;
  createdAt: number;
  updatedAt: number;
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  hasIssues: boolean;
  nextNumber: number;
  issues: Map<number, IssueRecord>;
  comments: Map<number, CommentRecord>;
  /** The repository's labels (issues' labels are added to it, as GitHub creates them on use). */
  labels: Set<string>;
  /** Logins that can be assigned. */
  assignable: string[];
  /** Whether the authorised account may change issues (false: GitHub's 403 on writes). */
  writable: boolean;
  events: EventRecord[];
}

export const DEFAULT_USER: FakeUser = { login: 'octocat', id: 583231 };

/** A write GitHub would tell its webhooks about (hooks.ts sends the deliveries). */
export interface StoreChange {
  repo: string;
  event: 'issues' | 'issue_comment';
  action: string;
  issue: number;
  comment?: number;
  /** For labeled and unlabeled: the label. */
  label?: string;
  sender: FakeUser;
}

export class FakeStore {
  readonly repos = new Map<string, RepoRecord>();
  #nextIssueId = 1_000_000_001;
  #nextCommentId = 2_000_000_001;
  #nextRepoId = 700_000_001;
  #nextEventId = 3_000_000_001;

  /** Called after each write a webhook would hear of. */
  onChange: ((c: StoreChange) => void) | undefined;

  constructor(private readonly nowMs: () => number) {}

  /** GitHub's clock: whole seconds. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  createRepo(fullName: string, opts: { hasIssues?: boolean } = {}): RepoRecord {
    const key = fullName.toLowerCase();
    const [owner, name] = fullName.split('/') as [string, string];
    if (!owner || !name) throw new Error(`not owner/repo: ${fullName}`);
    const repo: RepoRecord = {
      id: this.#nextRepoId++,
      owner,
      name,
      hasIssues: opts.hasIssues ?? true,
      nextNumber: 1,
      issues: new Map(),
      comments: new Map(),
      labels: new Set(['bug', 'enhancement', 'question']),
      assignable: [DEFAULT_USER.login, 'desk-bot', 'hubot'],
      writable: true,
      events: [],
    };
    this.repos.set(key, repo);
    return repo;
  }

  /** A rename or transfer: same id, new owner/name; the old name answers 404 (GitHub would redirect for a while). */
  renameRepo(fullName: string, to: string): RepoRecord {
    const repo = this.mustRepo(fullName);
    const [owner, name] = to.split('/') as [string, string];
    if (!owner || !name || this.repo(to)) throw new Error(`cannot rename ${fullName} to ${to}`);
    this.repos.delete(fullName.toLowerCase());
    repo.owner = owner;
    repo.name = name;
    this.repos.set(to.toLowerCase(), repo);
    return repo;
  }

  repo(fullName: string): RepoRecord | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  mustRepo(fullName: string): RepoRecord {
    const r = this.repo(fullName);
    if (!r) throw new Error(`no repository ${fullName} in the fake`);
    return r;
  }

  createIssue(
    fullName: string,
    i: {
      title: string;
      body?: string;
      user?: FakeUser;
      labels?: string[];
      pullRequest?: boolean;
      state?: 'open' | 'closed';
      locked?: boolean;
      association?: string;
      assignees?: string[];
      milestone?: string;
      plusOne?: number;
    },
  ): IssueRecord {
    const repo = this.mustRepo(fullName);
    const t = this.now();
    const issue: IssueRecord = {
      id: this.#nextIssueId++,
      number: repo.nextNumber++,
      title: i.title,
      body: i.body ?? '',
      user: i.user ?? DEFAULT_USER,
      labels: [...(i.labels ?? [])],
      state: i.state ?? 'open',
      locked: i.locked ?? false,
      pull: i.pullRequest ?? false,
      association: i.association ?? 'NONE',
      createdAt: t,
      updatedAt: t,
      closedAt: i.state === 'closed' ? t : null,
      stateReason: i.state === 'closed' ? 'completed' : null,
      assignees: [...(i.assignees ?? [])],
      milestone: i.milestone ?? null,
      plusOne: i.plusOne ?? 0,
      comments: 0,
      deleted: false,
    };
    repo.issues.set(issue.number, issue);
    for (const l of issue.labels) repo.labels.add(l);
    this.onChange?.({ repo: fullName, event: 'issues', action: 'opened', issue: issue.number, sender: issue.user });
    return issue;
  }

  /** Edits an issue as `actor` would on GitHub: each change of state, label or assignee is also an issue event. */
  editIssue(
    fullName: string,
    number: number,
    patch: {
      title?: string;
      body?: string;
      labels?: string[];
      state?: 'open' | 'closed';
      stateReason?: 'completed' | 'not_planned';
      /** The commit that closed it (GitHub's closed event names it). */
      commitId?: string;
      locked?: boolean;
      assignees?: string[];
    },
    actor: FakeUser = DEFAULT_USER,
  ): IssueRecord {
    const repo = this.mustRepo(fullName);
    const issue = this.mustIssue(fullName, number);
    const t = this.now();
    const eventsBefore = repo.events.length;
    const event = (e: Omit<EventRecord, 'id' | 'issueNumber' | 'actor' | 'createdAt'>) =>
      repo.events.push({ id: this.#nextEventId++, issueNumber: number, actor, createdAt: t, ...e });
    if (patch.title !== undefined) issue.title = patch.title;
    if (patch.body !== undefined) issue.body = patch.body;
    if (patch.labels !== undefined) {
      const next = [...new Set(patch.labels)];
      for (const l of next) if (!issue.labels.includes(l)) event({ event: 'labeled', label: l });
      for (const l of issue.labels) if (!next.includes(l)) event({ event: 'unlabeled', label: l });
      issue.labels = next;
      for (const l of next) repo.labels.add(l);
    }
    if (patch.assignees !== undefined) {
      const next = [...new Set(patch.assignees)];
      for (const a of next) if (!issue.assignees.includes(a)) event({ event: 'assigned', assignee: a });
      for (const a of issue.assignees) if (!next.includes(a)) event({ event: 'unassigned', assignee: a });
      issue.assignees = next;
    }
    if (patch.locked !== undefined) issue.locked = patch.locked;
    if (patch.state !== undefined && patch.state !== issue.state) {
      issue.state = patch.state;
      issue.closedAt = patch.state === 'closed' ? t : null;
      issue.stateReason = patch.state === 'closed' ? (patch.stateReason ?? 'completed') : 'reopened';
      event({
        event: patch.state === 'closed' ? 'closed' : 'reopened',
        stateReason: issue.stateReason,
        ...(patch.state === 'closed' && patch.commitId ? { commitId: patch.commitId } : {}),
      });
    } else if (patch.state === 'closed' && patch.stateReason !== undefined && patch.stateReason !== issue.stateReason) {
      issue.stateReason = patch.stateReason;
    }
    issue.updatedAt = t;
    const last = repo.events.length > eventsBefore ? repo.events[repo.events.length - 1]! : undefined;
    this.onChange?.({
      repo: fullName,
      event: 'issues',
      action: last?.event ?? 'edited',
      issue: number,
      sender: actor,
      ...(last?.label !== undefined ? { label: last.label } : {}),
    });
    return issue;
  }

  deleteIssue(fullName: string, number: number): void {
    const issue = this.mustIssue(fullName, number);
    issue.deleted = true;
    const repo = this.mustRepo(fullName);
    for (const [id, c] of repo.comments) if (c.issueNumber === number) repo.comments.delete(id);
  }

  createComment(fullName: string, number: number, c: { body: string; user?: FakeUser; association?: string }): CommentRecord {
    const repo = this.mustRepo(fullName);
    const issue = this.mustIssue(fullName, number);
    const t = this.now();
    const comment: CommentRecord = {
      id: this.#nextCommentId++,
      issueNumber: number,
      body: c.body,
      user: c.user ?? DEFAULT_USER,
      association: c.association ?? 'NONE',
      createdAt: t,
      updatedAt: t,
    };
    repo.comments.set(comment.id, comment);
    // GitHub moves the issue's updated_at when someone comments on it.
    issue.comments++;
    issue.updatedAt = t;
    this.onChange?.({ repo: fullName, event: 'issue_comment', action: 'created', issue: number, comment: comment.id, sender: comment.user });
    return comment;
  }

  editComment(fullName: string, id: number, body: string): CommentRecord {
    const c = this.mustRepo(fullName).comments.get(id);
    if (!c) throw new Error(`no comment ${id} in ${fullName}`);
    c.body = body;
    c.updatedAt = this.now();
    this.onChange?.({ repo: fullName, event: 'issue_comment', action: 'edited', issue: c.issueNumber, comment: c.id, sender: c.user });
    return c;
  }

  deleteComment(fullName: string, id: number): void {
    const repo = this.mustRepo(fullName);
    const c = repo.comments.get(id);
    if (!c) return;
    repo.comments.delete(id);
    const issue = repo.issues.get(c.issueNumber);
    if (issue) issue.comments = Math.max(0, issue.comments - 1);
  }

  mustIssue(fullName: string, number: number): IssueRecord {
    const issue = this.mustRepo(fullName).issues.get(number);
    if (!issue || issue.deleted) throw new Error(`no issue #${number} in ${fullName}`);
    return issue;
  }
}
