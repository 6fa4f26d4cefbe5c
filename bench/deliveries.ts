/**
 * One signed `issues.opened` delivery for a new issue of the benches' own fake GitHub,
 * as GitHub sends it (the fake's payload builder and delivery headers), to a hook URL:
 * the flood the webhook benches make. Answers the status, or 'error' when the
 * connection failed.
 */
import type { Agent } from 'undici';
import { request } from 'undici';
import type { FakeGitHub } from '../sandbox/fake-github/index.js';
import { deliveryHeaders } from '../sandbox/fake-github/hooks.js';

export async function deliverNewIssue(gh: FakeGitHub, repo: string, hook: { url: string; secret: string }, agent: Agent): Promise<number | 'error'> {
  const issue = gh.createIssue(repo, { title: 'flood', body: 'It breaks.' });
  const body = JSON.stringify(gh.hooks.payload({ repo, event: 'issues', action: 'opened', issue: issue.number, sender: { login: 'octocat', id: 1 } }));
  try {
    const headers = deliveryHeaders({ id: 1, secret: hook.secret }, { id: crypto.randomUUID(), event: 'issues' }, body);
    const res = await request(hook.url, { method: 'POST', dispatcher: agent, body, headers });
    await res.body.text();
    return res.statusCode;
  } catch {
    return 'error';
  }
}
