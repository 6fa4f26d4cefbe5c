import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startFakeGitHub, type FakeGitHub } from '../../server/sandbox/fake-github/index.js';
import { seedRealistic } from '../../server/sandbox/fake-github/activity.js';
import { SUBSET_FILE } from '../../scripts/openapi-refresh.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
const TOKEN = 'fidelity-token';

/**
 * The fake is checked against things we did not write: GitHub's published OpenAPI
 * description (a pinned subset of @octokit/openapi, committed; `npm run openapi:refresh`
 * rewrites it) and a client written from GitHub's pagination docs alone (`paginate`
 * below: follow Link rel="next" as given, as @octokit/rest's paginate does; that client
 * and its 8 MB of types left the devDependencies for the install-size budget).
 */
describe('Fake GitHub fidelity', function () {
  this.timeout(60_000);
  let gh: FakeGitHub;
  let spec: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: unknown };
  let ajv: Ajv;

  before(async () => {
    spec = JSON.parse(readFileSync(SUBSET_FILE, 'utf8'));
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'gh', components: withoutNullable(spec.components) });
    gh = await startFakeGitHub({ token: TOKEN });
    seedRealistic(gh);
    gh.editIssue('acme/widgets', 1, { state: 'closed', stateReason: 'not_planned', labels: ['bug', 'wontfix'], assignees: ['octocat'] });
    gh.editIssue('acme/widgets', 1, { state: 'open' });
  });
  after(async () => gh?.close());

  const validatorFor = (route: string, method: string, status: string): ValidateFunction => {
    const schema = spec.paths[route]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`no schema for ${method} ${route} ${status}`);
    // Point the operation's refs at the components loaded under $id "gh".
    const rewired = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"gh#/components/'));
    return ajv.compile(rewired);
  };

  const cases: Array<[string, string, () => string, string, RequestInit?]> = [
    ['/repos/{owner}/{repo}/issues', 'get', () => '/repos/acme/widgets/issues?state=all&per_page=100', '200'],
    ['/repos/{owner}/{repo}/issues/comments', 'get', () => '/repos/acme/widgets/issues/comments?per_page=100', '200'],
    ['/repos/{owner}/{repo}/issues/{issue_number}', 'get', () => '/repos/acme/widgets/issues/1', '200'],
    ['/repos/{owner}/{repo}/issues/{issue_number}/comments', 'get', () => '/repos/acme/widgets/issues/1/comments', '200'],
    ['/repos/{owner}/{repo}/issues/comments/{comment_id}', 'get', () => `/repos/acme/widgets/issues/comments/${gh.comments('acme/widgets')[0]!.id}`, '200'],
    [
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      'post',
      () => '/repos/acme/widgets/issues/1/comments',
      '201',
      { method: 'POST', body: '{"body":"Fidelity check"}' },
    ],
    ['/rate_limit', 'get', () => '/rate_limit', '200'],
    // The issue events the pull reads and the writes the ticket card makes.
    ['/repos/{owner}/{repo}/issues/events', 'get', () => '/repos/acme/widgets/issues/events?per_page=100', '200'],
    ['/repos/{owner}/{repo}/issues/{issue_number}/events', 'get', () => '/repos/acme/widgets/issues/1/events', '200'],
    ['/repos/{owner}/{repo}/labels', 'get', () => '/repos/acme/widgets/labels', '200'],
    ['/repos/{owner}/{repo}/assignees', 'get', () => '/repos/acme/widgets/assignees', '200'],
    [
      '/repos/{owner}/{repo}/issues/{issue_number}',
      'patch',
      () => '/repos/acme/widgets/issues/2',
      '200',
      { method: 'PATCH', body: '{"state":"closed","state_reason":"completed"}' },
    ],
    [
      '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      'post',
      () => '/repos/acme/widgets/issues/2/labels',
      '200',
      { method: 'POST', body: '{"labels":["needs-triage"]}' },
    ],
    [
      '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
      'delete',
      () => '/repos/acme/widgets/issues/2/labels/needs-triage',
      '200',
      { method: 'DELETE' },
    ],
    [
      '/repos/{owner}/{repo}/issues/{issue_number}/assignees',
      'post',
      () => '/repos/acme/widgets/issues/2/assignees',
      '201',
      { method: 'POST', body: '{"assignees":["hubot"]}' },
    ],
    [
      '/repos/{owner}/{repo}/issues/{issue_number}/assignees',
      'delete',
      () => '/repos/acme/widgets/issues/2/assignees',
      '200',
      { method: 'DELETE', body: '{"assignees":["hubot"]}' },
    ],
  ];
  for (const media of ['application/vnd.github.full+json', 'application/vnd.github+json']) {
    for (const [route, method, url, status, init] of cases) {
      it(`${method.toUpperCase()} ${route} (${media}) matches GitHub's OpenAPI description`, async () => {
        const res = await fetch(gh.url + url(), { ...init, headers: { authorization: `Bearer ${TOKEN}`, accept: media } });
        expect(String(res.status)).to.equal(status);
        const validate = validatorFor(route, method, status);
        const body = await res.json();
        expect(validate(body), JSON.stringify(validate.errors?.slice(0, 3))).to.equal(true);
        for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset', 'x-ratelimit-resource']) {
          expect(res.headers.get(h), h).to.match(/^\w+$/);
        }
      });
    }
  }

  it("error bodies match GitHub's basic-error shape", async () => {
    const validate = ajv.compile({ $ref: 'gh#/components/schemas/basic-error' });
    for (const url of ['/repos/acme/none/issues', '/repos/acme/widgets/issues/99999']) {
      const res = await fetch(gh.url + url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).to.equal(404);
      expect(validate(await res.json())).to.equal(true);
    }
  });

  it('a client following Link rel="next" as the docs say reads every issue and comment of a repository', async () => {
    for (const repo of ['acme/widgets', 'acme/docs']) {
      const issues = await paginate<{ number: number }>(`${gh.url}/repos/${repo}/issues?state=all&per_page=7`);
      expect(issues.map((i) => i.number).sort((a, b) => a - b)).to.deep.equal(
        gh
          .issues(repo)
          .map((i) => i.number)
          .sort((a, b) => a - b),
      );
      const comments = await paginate<{ id: number; issue_url?: unknown; user?: { login?: unknown } }>(`${gh.url}/repos/${repo}/issues/comments?per_page=9`);
      expect(comments.length).to.be.greaterThan(9, 'more than one page');
      expect(comments.map((c) => c.id).sort()).to.deep.equal(
        gh
          .comments(repo)
          .map((c) => c.id)
          .sort(),
      );
      expect(comments.every((c) => typeof c.issue_url === 'string' && typeof c.user?.login === 'string')).to.equal(true);
    }
  });
});

/**
 * GitHub's documented pagination (docs: "Using pagination in the REST API"): each page's
 * Link header names the next page's URL, used as given, until there is none.
 */
async function paginate<T>(first: string): Promise<T[]> {
  const out: T[] = [];
  for (let url: string | undefined = first, pages = 0; url; pages++) {
    if (pages > 100) throw new Error('more than 100 pages: the Link header loops');
    const res: Response = await fetch(url, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    });
    expect(res.status, url).to.equal(200);
    out.push(...((await res.json()) as T[]));
    url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  }
  return out;
}

/** OpenAPI 3.0's `nullable: true`, in JSON Schema: null joins the allowed types. */
function withoutNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable') out[k] = withoutNullable(v);
  if ((node as { nullable?: unknown }).nullable !== true) return out;
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}
