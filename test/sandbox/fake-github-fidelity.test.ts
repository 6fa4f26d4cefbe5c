import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import { startFakeGitHub, type FakeGitHub } from '../../sandbox/fake-github/index.js';
import { seedRealistic } from '../../sandbox/fake-github/activity.js';
import { SUBSET_FILE } from '../../scripts/openapi-refresh.js';
import { addFormats } from '../../server/desk/schemas.js';

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
  let spec: {
    paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }> }>>;
    components: unknown;
  };
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
    const response = spec.paths[route]?.[method]?.responses[status];
    // A shared response ("#/components/responses/validation_failed") is named by $ref.
    const shared = response?.$ref
      ? (spec.components as Record<string, Record<string, typeof response>>).responses?.[response.$ref.split('/').pop()!]
      : response;
    const schema = shared?.content?.['application/json']?.schema;
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
    // Repository webhooks, as server/connectors/github/hooks.ts calls them: each media pass makes its own hook.
    [
      '/repos/{owner}/{repo}/hooks',
      'post',
      () => '/repos/acme/widgets/hooks',
      '201',
      {
        method: 'POST',
        body: JSON.stringify({
          name: 'web',
          active: true,
          events: ['issues', 'issue_comment'],
          config: { url: 'https://desk.example/github/webhooks/a/b', content_type: 'json', secret: 's3cret' },
        }),
      },
    ],
    ['/repos/{owner}/{repo}/hooks', 'get', () => '/repos/acme/widgets/hooks?per_page=100', '200'],
    ['/repos/{owner}/{repo}/hooks/{hook_id}', 'get', () => `/repos/acme/widgets/hooks/${lastHook()}`, '200'],
    [
      '/repos/{owner}/{repo}/hooks/{hook_id}',
      'patch',
      () => `/repos/acme/widgets/hooks/${lastHook()}`,
      '200',
      {
        method: 'PATCH',
        body: JSON.stringify({
          active: true,
          config: { url: 'https://desk.example/github/webhooks/a/c', content_type: 'json', secret: 'n3w', insecure_ssl: '0' },
        }),
      },
    ],
    ['/repos/{owner}/{repo}/hooks/{hook_id}', 'delete', () => `/repos/acme/widgets/hooks/${lastHook()}`, '204', { method: 'DELETE' }],
  ];
  const lastHook = (): number => gh.hooks.hooks.get('acme/widgets')!.at(-1)!.id;
  for (const media of ['application/vnd.github.full+json', 'application/vnd.github+json']) {
    for (const [route, method, url, status, init] of cases) {
      it(`${method.toUpperCase()} ${route} (${media}) matches GitHub's OpenAPI description`, async () => {
        const res = await fetch(gh.url + url(), { ...init, headers: { authorization: `Bearer ${TOKEN}`, accept: media } });
        expect(String(res.status)).to.equal(status);
        if (status === '204') expect(await res.text()).to.equal('');
        else {
          const validate = validatorFor(route, method, status);
          const body = await res.json();
          expect(validate(body), JSON.stringify(validate.errors?.slice(0, 3))).to.equal(true);
        }
        for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset', 'x-ratelimit-resource']) {
          expect(res.headers.get(h), h).to.match(/^\w+$/);
        }
      });
    }
  }

  it('a hook with an invalid URL is refused with the 422 body the description gives', async () => {
    const res = await fetch(`${gh.url}/repos/acme/widgets/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json' },
      body: JSON.stringify({ config: { url: 'not a url' } }),
    });
    expect(res.status).to.equal(422);
    const validate = validatorFor('/repos/{owner}/{repo}/hooks', 'post', '422');
    expect(validate(await res.json()), JSON.stringify(validate.errors?.slice(0, 3))).to.equal(true);
  });

  for (const contentType of ['json', 'form'] as const) {
    it(`a delivery to a ${contentType} hook carries the headers GitHub's docs list, signed over the body as sent`, async () => {
      const got: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
      const receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          got.push({ headers: req.headers, body });
          res.end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      try {
        const { port } = receiver.address() as AddressInfo;
        const created = await fetch(`${gh.url}/repos/acme/widgets/hooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ events: ['issue_comment'], config: { url: `http://127.0.0.1:${port}/hook`, content_type: contentType, secret: 'hush' } }),
        });
        const hook = (await created.json()) as { id: number };
        gh.createComment('acme/widgets', 1, { body: 'Delivered' });
        await gh.hooks.settled();
        expect(got).to.have.length(1);
        const { headers: h, body } = got[0]!;
        // Docs "Webhook events and payloads" > "Delivery headers".
        expect(h['x-github-hook-id']).to.equal(String(hook.id));
        expect(h['x-github-event']).to.equal('issue_comment');
        expect(h['x-github-delivery']).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(h['user-agent']).to.match(/^GitHub-Hookshot\//);
        expect(h['x-github-hook-installation-target-type']).to.equal('repository');
        const json = contentType === 'json' ? body : new URLSearchParams(body).get('payload')!;
        const repository = (JSON.parse(json) as { repository: { id: number } }).repository;
        expect(h['x-github-hook-installation-target-id']).to.equal(String(repository.id));
        expect(h['content-type']).to.equal(contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded');
        expect(h['x-hub-signature']).to.equal(`sha1=${createHmac('sha1', 'hush').update(body).digest('hex')}`);
        expect(h['x-hub-signature-256']).to.equal(`sha256=${createHmac('sha256', 'hush').update(body).digest('hex')}`);
      } finally {
        gh.hooks.hooks.set('acme/widgets', []);
        await new Promise((r) => receiver.close(r));
      }
    });
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
