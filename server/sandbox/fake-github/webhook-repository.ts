import type { RepoRecord } from './store.js';
import { userJson, userOf, type Urls } from './json.js';

/** The repository object every webhook payload carries (@octokit/webhooks-schemas "repository"), all required fields present. */
export function webhookRepository(repo: RepoRecord, urls: Urls): Record<string, unknown> {
  const full = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${full}`;
  const web = `${urls.web}/${full}`;
  const open = [...repo.issues.values()].filter((i) => !i.deleted && i.state === 'open').length;
  const t = '2020-01-01T00:00:00Z';
  const tpl = (path: string, arg: string) => `${api}/${path}{/${arg}}`;
  return {
    id: repo.id, node_id: `R_${repo.id}`, name: repo.name, full_name: full, private: false, owner: userJson(userOf(repo.owner), urls),
    html_url: web, description: null, fork: false, url: api,
    forks_url: `${api}/forks`, keys_url: tpl('keys', 'key_id'), collaborators_url: tpl('collaborators', 'collaborator'), teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`, issue_events_url: tpl('issues/events', 'number'), events_url: `${api}/events`, assignees_url: tpl('assignees', 'user'),
    branches_url: tpl('branches', 'branch'), tags_url: `${api}/tags`, blobs_url: tpl('git/blobs', 'sha'), git_tags_url: tpl('git/tags', 'sha'),
    git_refs_url: tpl('git/refs', 'sha'), trees_url: tpl('git/trees', 'sha'), statuses_url: `${api}/statuses/{sha}`, languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`, contributors_url: `${api}/contributors`, subscribers_url: `${api}/subscribers`, subscription_url: `${api}/subscription`,
    commits_url: tpl('commits', 'sha'), git_commits_url: tpl('git/commits', 'sha'), comments_url: tpl('comments', 'number'), issue_comment_url: tpl('issues/comments', 'number'),
    contents_url: `${api}/contents/{+path}`, compare_url: `${api}/compare/{base}...{head}`, merges_url: `${api}/merges`, archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`, issues_url: tpl('issues', 'number'), pulls_url: tpl('pulls', 'number'), milestones_url: tpl('milestones', 'number'),
    notifications_url: `${api}/notifications{?since,all,participating}`, labels_url: tpl('labels', 'name'), releases_url: tpl('releases', 'id'), deployments_url: `${api}/deployments`,
    created_at: t, updated_at: t, pushed_at: t, git_url: `git://fake/${full}.git`, ssh_url: `git@fake:${full}.git`, clone_url: `${web}.git`, svn_url: web,
    homepage: null, size: 0, stargazers_count: 0, watchers_count: 0, language: null, has_issues: repo.hasIssues, has_projects: false, has_downloads: false,
    has_wiki: false, has_pages: false, forks_count: 0, mirror_url: null, archived: false, open_issues_count: open, license: null, forks: 0,
    open_issues: open, watchers: 0, default_branch: 'main', is_template: false, web_commit_signoff_required: false, topics: [], visibility: 'public', custom_properties: {},
  };
}
