import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import { mapDelivery } from '../../server/connectors/github/webhooks/delivery-map.js';
import { validators, addFormats } from '../../server/desk/schemas.js';
import { startFakeGitHub } from '../../sandbox/fake-github/index.js';

const subset = JSON.parse(readFileSync(new URL('./github-webhooks-subset.json', import.meta.url), 'utf8')) as {
  examples: Record<'issues' | 'issue_comment', Array<Record<string, unknown>>>;
  schema: Record<string, unknown>;
};
const ajv = addFormats(new Ajv({ strict: false, allErrors: false }));
ajv.addSchema(subset.schema);
const schemaOf = (event: string, action: string): ValidateFunction => ajv.getSchema(`github-webhooks-subset#/definitions/${event}$${action}`)!;

/** Examples we leave out on purpose, and why (each is still mapped, to prove it is refused cleanly). */
const IGNORED: Record<string, RegExp> = {
  'issues.deleted': /Desk keeps the ticket/,
  'issue_comment.deleted': /not mapped/,
  // Pinning changes nothing the ticket shows (GitHub's example of it even lacks the labels).
  'issues.pinned': /not mapped|no readable issue/,
  'issues.unpinned': /not mapped|no readable issue/,
};

describe("GitHub's own webhook payloads (@octokit/webhooks-examples and -schemas)", () => {
  for (const event of ['issues', 'issue_comment'] as const) {
    it(`maps every ${event} example to SYNC items Desk's schema takes, or ignores it for a named reason`, () => {
      let mapped = 0;
      for (const payload of subset.examples[event]) {
        const action = String(payload.action);
        const repo = String((payload.repository as { full_name: string }).full_name).toLowerCase();
        const out = mapDelivery(event, payload, { o: '1', s: 'ctx', r: repo, p: 1 }, 'secret');
        const name = `${event}.${action}`;
        if (IGNORED[name]) {
          expect(out.kind, name).to.equal('ignored');
          expect(out.kind === 'ignored' && out.why, name).to.match(IGNORED[name]!);
          continue;
        }
        expect(out.kind, `${name}: ${out.kind === 'ignored' ? out.why : ''}`).to.equal('unit');
        if (out.kind !== 'unit') continue;
        const sync = { data: out.unit };
        expect(validators.sync(sync), `${name}: ${JSON.stringify(validators.sync.errors?.[0])}`).to.equal(true);
        expect(out.unit.tickets, name).to.have.length(1);
        mapped++;
      }
      expect(mapped).to.be.above(0);
    });
  }

  it('reads an action that is not a lower-case word as none: it never reaches an answer or a log line', () => {
    const payload = subset.examples.issues.find((p) => p.action === 'labeled')!;
    const repo = String((payload.repository as { full_name: string }).full_name).toLowerCase();
    const out = mapDelivery(
      'issues',
      { ...payload, action: '<img src=x onerror=alert(1)>\n' + 'x'.repeat(100) },
      { o: '1', s: 'ctx', r: repo, p: 1 },
      'secret',
    );
    expect(out).to.deep.equal({ kind: 'ignored', why: 'issues.(no action) is not mapped' });
    const ok = mapDelivery('issues', payload, { o: '1', s: 'ctx', r: repo, p: 1 }, 'secret');
    expect(ok.kind === 'unit' && ok.action).to.equal('labeled');
  });

  it("the fake GitHub's deliveries validate against GitHub's schemas", async () => {
    const gh = await startFakeGitHub();
    try {
      gh.createRepo('acme/widgets');
      // A hook of the fake's own hooks API, its deliveries recorded as made and not sent (drop).
      gh.hooks.route(
        'POST',
        'acme/widgets',
        '/hooks',
        JSON.stringify({ name: 'web', events: ['issues', 'issue_comment'], config: { url: 'http://127.0.0.1:9/hook', content_type: 'json', secret: 's' } }),
      );
      gh.hooks.drop = true;
      const issue = gh.createIssue('acme/widgets', { title: 'schema', body: 'body', labels: ['bug'] });
      gh.editIssue('acme/widgets', issue.number, { title: 'renamed' });
      gh.editIssue('acme/widgets', issue.number, { labels: ['bug', 'question'] });
      gh.editIssue('acme/widgets', issue.number, { state: 'closed' });
      gh.editIssue('acme/widgets', issue.number, { state: 'open' });
      const c = gh.createComment('acme/widgets', issue.number, { body: 'hello' });
      gh.editComment('acme/widgets', c.id, 'hello again');
      const seen = gh.hooks.deliveries.map((d) => ({ event: d.event, action: d.action, payload: JSON.parse(d.body) as unknown }));
      expect(seen.map((s) => `${s.event}.${s.action}`)).to.deep.equal([
        'issues.opened',
        'issues.edited',
        'issues.labeled',
        'issues.closed',
        'issues.reopened',
        'issue_comment.created',
        'issue_comment.edited',
      ]);
      for (const change of seen) {
        const payload = change.payload;
        const validate = schemaOf(change.event, change.action);
        expect(validate(payload), `${change.event}.${change.action}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).to.equal(true);
      }
    } finally {
      await gh.close();
    }
  });
});
