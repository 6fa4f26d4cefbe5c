import { expect } from 'chai';
import { readRequestAnswer } from '../../widget/sdk.js';
import { refusalOf } from '../../widget/github.js';
import { fromExtra, fromGitHub } from '../../widget/card-issue.js';

describe("The widgets read Desk's answers liberally", () => {
  const body = { number: 7, title: 'Hi', state: 'closed', state_reason: 'not_planned' };
  it('reads ZOHODESK.request answers with statusMessage as an object, a JSON string, or JSON-encoded twice', () => {
    const shapes = [
      JSON.stringify({ statusCode: 200, response: JSON.stringify({ statusMessage: body }) }),
      JSON.stringify({ statusCode: 200, response: JSON.stringify({ statusMessage: JSON.stringify(body) }) }),
      JSON.stringify({ statusCode: '200', response: JSON.stringify({ statusMessage: JSON.stringify(JSON.stringify(body)) }) }),
      { statusCode: 200, response: { statusMessage: JSON.stringify(body) } },
    ];
    for (const s of shapes) expect(readRequestAnswer(s)).to.deep.equal({ status: 200, body });
    expect(
      readRequestAnswer(JSON.stringify({ statusCode: 200, response: JSON.stringify({ statusCode: 404, statusMessage: '{"message":"Not Found"}' }) })),
    ).to.deep.equal({ status: 404, body: { message: 'Not Found' } });
    for (const junk of [undefined, null, 42, 'not json', '[]']) expect(readRequestAnswer(junk).status).to.equal(0);
  });
  it("turns GitHub's refusals into a few plain reasons, the message only read", () => {
    expect(refusalOf(403, { message: 'API rate limit exceeded for user ID 1.' })).to.equal('rate-limited');
    expect(refusalOf(429, {})).to.equal('rate-limited');
    expect(refusalOf(403, { message: 'Unable to update issue because issue is locked.' })).to.equal('locked');
    expect(refusalOf(403, { message: 'Must have push access to repository' })).to.equal('no-permission');
    expect(refusalOf(401, undefined)).to.equal('no-permission');
    expect(refusalOf(404, {})).to.equal('not-found');
    expect(refusalOf(422, {})).to.equal('invalid');
    expect(refusalOf(502, 'Bad gateway')).to.equal('unavailable');
  });
  it('trusts a stored extra only when it names a repository and an issue number, and links only http(s)', () => {
    const good = {
      v: 1,
      repo: 'acme/widgets',
      number: 3,
      title: 't',
      state: 'open',
      reason: null,
      labels: [
        { name: 'bug', color: 'D73A4A' },
        { name: 'x', color: 'red;}' },
      ],
      assignees: ['a'],
      milestone: null,
      comments: 1,
      plusOne: 2,
      locked: false,
      url: 'javascript:alert(1)',
      updated: '2026-06-01T00:00:00.000Z',
    };
    const view = fromExtra(good)!;
    expect(view).to.include({ repo: 'acme/widgets', number: 3, url: null, updated: Date.parse('2026-06-01T00:00:00Z') / 1000 });
    expect(view.labels).to.deep.equal([
      { name: 'bug', color: 'd73a4a' },
      { name: 'x', color: '' },
    ]);
    for (const bad of [null, 'x', { ...good, v: 2 }, { ...good, repo: 'acme' }, { ...good, repo: '../x/y' }, { ...good, number: 0 }, { ...good, number: '3' }])
      expect(fromExtra(bad)).to.equal(undefined);
    expect(fromGitHub('acme/widgets', { ...body, html_url: 'https://github.com/acme/widgets/issues/7' })).to.include({
      state: 'closed',
      reason: 'not_planned',
      url: 'https://github.com/acme/widgets/issues/7',
    });
  });
});
