import { expect } from 'chai';
import { linkTo, nextLink } from '../../server/connectors/github/link-header.js';
import { rateLimitedUntil, readRateLimit } from '../../server/connectors/github/rate-limit.js';
import { actorExtId, parseExtId, ticketExtId, commentThreadExtId, bodyThreadExtId, eventThreadExtId } from '../../server/connectors/github/ext-ids.js';
import { readSettings, DEFAULT_IMPORT_DAYS } from '../../server/connectors/github/settings.js';
import { isOwnReply, replyKey, withMarker } from '../../server/connectors/github/marker.js';
import { replyMarkdown } from '../../server/connectors/github/reply.js';
import { redirectUrl } from '../../server/connectors/github/redirect.js';
import { directionOf, iso } from '../../server/connectors/github/mapping.js';
import fc from 'fast-check';
import { AppError } from '../../server/errors.js';

describe('Link header', () => {
  it('finds rel="next" as GitHub writes it, and nothing when there is none', () => {
    const h = '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"';
    expect(nextLink(h)).to.equal('https://api.github.com/repositories/1/issues?page=2');
    expect(nextLink('<https://x/a?page=1>; rel="prev", <https://x/a?page=1>; rel="first"')).to.equal(undefined);
    expect(nextLink(undefined)).to.equal(undefined);
    expect(nextLink('garbage')).to.equal(undefined);
  });

  it('keeps a next URL whole when it holds commas (the labels filter sends labels=bug,ui), as RFC 8288 reads it', () => {
    const next = 'https://api.github.com/repositories/1/issues?labels=bug,ui&page=2';
    const h = `<${next}>; rel="next", <https://api.github.com/repositories/1/issues?labels=bug,ui&page=5>; rel="last"`;
    expect(nextLink(h)).to.equal(next);
    expect(linkTo(h, 'last')).to.equal('https://api.github.com/repositories/1/issues?labels=bug,ui&page=5');
    // A quoted parameter may hold commas and semicolons too; rel may name several relations.
    expect(nextLink('<https://x/a?p=1>; title="a, b; c"; rel="prev", <https://x/a?p=2>; title="x,y"; rel="last next"')).to.equal('https://x/a?p=2');
    expect(nextLink('garbage, <https://x/a?p=3>; rel=next')).to.equal('https://x/a?p=3');
  });

  it('reads pathological headers in one pass: unclosed brackets, quotes and long runs give nothing, never a hang', function () {
    // One pass over at most 16 KB: mocha's timeout is the only clock here, and a backtracking reader would exceed it.
    this.timeout(10_000);
    for (const evil of [
      '<' + ' '.repeat(10_000) + '>; rel' + '='.repeat(5_000),
      '<a>; rel="' + '\\'.repeat(8_000),
      '<a>' + ';'.repeat(16_000),
      ','.repeat(16_000),
      '<' + ','.repeat(16_000),
    ])
      for (let i = 0; i < 50; i++) expect(nextLink(evil)).to.equal(undefined);
  });
});

describe('Rate limits', () => {
  const h = (o: Record<string, string>) => o;
  it('reads x-ratelimit-* and ignores malformed values', () => {
    expect(readRateLimit(h({ 'x-ratelimit-remaining': '10', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': '1700000000' }))).to.deep.equal({
      r: 10,
      l: 5000,
      z: 1700000000,
    });
    expect(readRateLimit(h({ 'x-ratelimit-remaining': 'ten', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': '1' }))).to.equal(undefined);
  });
  it('turns Retry-After, an exhausted primary limit and a bare secondary limit into a not-before time', () => {
    expect(rateLimitedUntil(429, h({ 'retry-after': '30' }), '', 1000, 1)).to.equal(1030);
    expect(rateLimitedUntil(403, h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': '2000' }), '', 1000, 1)).to.equal(2001);
    expect(rateLimitedUntil(403, h({}), '{"message":"You have exceeded a secondary rate limit"}', 1000, 1)).to.equal(1060);
    expect(rateLimitedUntil(403, h({}), '{"message":"You have exceeded a secondary rate limit"}', 1000, 3)).to.equal(1240);
    expect(rateLimitedUntil(403, h({}), '{"message":"Resource not accessible by integration"}', 1000, 1)).to.equal(undefined);
    expect(rateLimitedUntil(500, h({ 'retry-after': '30' }), '', 1000, 1)).to.equal(undefined);
  });
});

describe("Desk's times", () => {
  it('are what Date#toISOString writes for every whole second, across days, years and the epoch, in any order', () => {
    for (const s of [0, -1, 59, 86_399, 86_400, 951_782_400, 1_780_272_299, 4_102_444_800, 253_402_300_799])
      expect(iso(s), String(s)).to.equal(new Date(s * 1000).toISOString());
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }), { minLength: 1, maxLength: 20 }), (times) =>
        times.every((s) => iso(s) === new Date(s * 1000).toISOString()),
      ),
      { numRuns: 2000 },
    );
  });
});

describe('extIds', () => {
  it('round-trips tickets, issue bodies and comments, and refuses anything else', () => {
    expect(parseExtId(ticketExtId('acme/widgets', 42))).to.deep.equal({ kind: 'ticket', repo: 'acme/widgets', issue: 42 });
    expect(parseExtId(bodyThreadExtId('acme/widgets', 42))).to.deep.equal({ kind: 'body', repo: 'acme/widgets', issue: 42 });
    expect(parseExtId(commentThreadExtId('acme/wid.gets', 9))).to.deep.equal({ kind: 'comment', repo: 'acme/wid.gets', comment: 9 });
    expect(parseExtId(eventThreadExtId('acme/widgets', 3000000001))).to.deep.equal({ kind: 'event', repo: 'acme/widgets', event: 3000000001 });
    for (const bad of [
      'acme/widgets',
      'acme/widgets#0',
      'acme/widgets:0',
      'acme/widgets#c1:body',
      'acme/widgets:c1:body',
      'acme/widgets:e1:body',
      'acme/widgets:ce1',
      '//evil.com/x#1',
      'acme/widgets#1?x',
      'acme/widgets:1&x',
      'Acme/widgets:1',
      'a/b:99999999999999999999',
    ]) {
      expect(parseExtId(bad), bad).to.equal(undefined);
    }
  });
  it('are URL-safe, and the first forms with # are still read', () => {
    const ids = [ticketExtId('acme/wid.gets', 42), bodyThreadExtId('acme/wid.gets', 42), commentThreadExtId('acme/wid.gets', 9), actorExtId(583231, 'octocat')];
    expect(ids).to.deep.equal(['acme/wid.gets:42', 'acme/wid.gets:42:body', 'acme/wid.gets:c9', 'gh-user:583231:octocat']);
    for (const id of ids) expect(id, id).not.to.match(/[#?&=%\s]/);
    expect(parseExtId('acme/widgets#42')).to.deep.equal(parseExtId('acme/widgets:42'));
    expect(parseExtId('acme/widgets#42:body')).to.deep.equal(parseExtId('acme/widgets:42:body'));
    expect(parseExtId('acme/widgets#c9')).to.deep.equal(parseExtId('acme/widgets:c9'));
  });
});

describe('Settings from config params', () => {
  const now = Date.parse('2026-11-24T00:00:00Z');
  it('reads repositories (commas, spaces, URLs, case), labels, importSince and pull requests', () => {
    const s = readSettings(
      {
        repositories: ' Acme/Widgets, https://github.com/acme/docs.git acme/widgets',
        labels: 'bug, help wanted',
        importSince: '7d',
        includePullRequests: 'yes',
      },
      now,
    );
    expect(s.repositories).to.deep.equal(['acme/widgets', 'acme/docs']);
    expect(s.labels).to.deep.equal(['bug', 'help wanted']);
    expect(s.importSince).to.equal(now / 1000 - 7 * 86400);
    expect(s.includePullRequests).to.equal(true);
  });
  it(`defaults importSince to ${DEFAULT_IMPORT_DAYS} days and reads dates and "all"`, () => {
    expect(readSettings({ repositories: 'a/b' }, now).importSince).to.equal(now / 1000 - DEFAULT_IMPORT_DAYS * 86400);
    expect(readSettings({ repositories: 'a/b', importSince: '2026-01-31' }, now).importSince).to.equal(Date.parse('2026-01-31T00:00:00Z') / 1000);
    expect(readSettings({ repositories: 'a/b', importSince: 'all' }, now).importSince).to.equal(0);
    expect(readSettings({ repositories: 'a/b', includePullRequests: null }, now).includePullRequests).to.equal(false);
  });
  it('reads the lowercase names of the manifest, and the old camelCase names of the first packages', () => {
    const s = readSettings({ repositories: 'a/b', import_since: '7d', include_pull_requests: 'yes' }, now);
    expect([s.importSince, s.includePullRequests]).to.deep.equal([now / 1000 - 7 * 86400, true]);
    const both = readSettings({ repositories: 'a/b', import_since: 'all', importSince: '7d', include_pull_requests: 'no', includePullRequests: 'yes' }, now);
    expect([both.importSince, both.includePullRequests], 'the new name wins').to.deep.equal([0, false]);
  });
  it('refuses empty or malformed settings with CONFIG_INVALID', () => {
    for (const params of [
      {},
      { repositories: '' },
      { repositories: 'not-a-repo' },
      { repositories: 'a/b', importSince: 'yesterday' },
      { repositories: '../x/y' },
    ]) {
      expect(() => readSettings(params, now))
        .to.throw(AppError)
        .with.property('code', 'CONFIG_INVALID');
    }
  });
});

describe('Reply marker', () => {
  const who = { orgId: '1', ticket: 'acme/widgets#1' };
  it('recognises a genuine reply of this installation and nothing forged', () => {
    const key = replyKey('secret-secret-1234', who, 'Thanks!');
    const body = withMarker('Thanks!', key);
    expect(isOwnReply('secret-secret-1234', who, body)).to.equal(true);
    expect(isOwnReply('secret-secret-1234', { ...who, orgId: '2' }, body)).to.equal(false);
    expect(isOwnReply('secret-secret-1234', who, withMarker('Edited on GitHub', key))).to.equal(false);
    expect(isOwnReply('secret-secret-1234', who, 'Thanks!\n\n<!-- zoho-desk-reply:AAAAAAAAAAAAAAAAAAAAAA -->')).to.equal(false);
    expect(isOwnReply('secret-secret-1234', who, 'plain comment')).to.equal(false);
  });
});

describe('Reply as Markdown', () => {
  it("turns Desk's HTML into GitHub Markdown and drops scripts", () => {
    const md = replyMarkdown({
      content: '<div>Hello <b>there</b></div><ul><li>one</li><li>two</li></ul><script>alert(1)</script><p><a href="https://x.test">link</a></p>',
    });
    expect(md).to.equal('Hello **there**\n\n-   one\n-   two\n\n[link](https://x.test)');
  });
  it('falls back to the summary, and is empty for an empty reply', () => {
    expect(replyMarkdown({ content: '<div> </div>', summary: 'Short text' })).to.equal('Short text');
    expect(replyMarkdown({ content: '<br>' })).to.equal('');
  });
});

describe('Redirect', () => {
  const web = 'https://github.com';
  it('sends tickets and comments to their GitHub pages', () => {
    expect(redirectUrl(web, { entity: 'ticket', id: 'acme/widgets#4' })).to.equal('https://github.com/acme/widgets/issues/4');
    expect(redirectUrl(web, { entity: 'thread', id: 'acme/widgets#4:body' })).to.equal('https://github.com/acme/widgets/issues/4');
    expect(redirectUrl(web, { entity: 'thread', id: 'acme/widgets#c77', parentId: 'acme/widgets#4' })).to.equal(
      'https://github.com/acme/widgets/issues/4#issuecomment-77',
    );
    expect(redirectUrl(web, { entity: 'thread', id: 'acme/widgets#e88', parentId: 'acme/widgets#4' })).to.equal(
      'https://github.com/acme/widgets/issues/4#event-88',
    );
    expect(redirectUrl(web, { entity: 'thread', id: 'acme/widgets#e88', parentId: 'acme/docs#4' })).to.equal(undefined);
  });
  it('never builds a URL from ids that are not ours', () => {
    expect(redirectUrl(web, { entity: 'ticket', id: '//evil.example/#1' })).to.equal(undefined);
    expect(redirectUrl(web, { entity: 'ticket', id: 'https://evil.example' })).to.equal(undefined);
    expect(redirectUrl(web, { entity: 'thread', id: 'acme/widgets#c77', parentId: 'other/repo#4' })).to.equal(undefined);
    expect(redirectUrl(web, { entity: 'user_profile', id: 'gh-user:1' })).to.equal(undefined);
    for (const id of ['gh-user:1:../evil', 'gh-user:1:a/b', '//evil.example', 'octo cat', '-octocat'])
      expect(redirectUrl(web, { entity: 'user_profile', id }), id).to.equal(undefined);
  });
  it("sends a user_profile to the GitHub profile, as Zoho's samples do", () => {
    expect(redirectUrl(web, { entity: 'user_profile', id: 'gh-user:583231:octocat' })).to.equal('https://github.com/octocat');
    expect(redirectUrl(web, { entity: 'user_profile', id: 'octocat' })).to.equal('https://github.com/octocat');
    expect(redirectUrl(web, { entity: 'user_profile', id: 'gh-user:ghost' })).to.equal('https://github.com/ghost');
  });
  it('reads the new extIds as well as the old', () => {
    expect(redirectUrl(web, { entity: 'thread', id: 'acme/widgets:c77', parentId: 'acme/widgets:4' })).to.equal(
      'https://github.com/acme/widgets/issues/4#issuecomment-77',
    );
    expect(redirectUrl(web, { entity: 'thread', id: 'acme/widgets:c77', parentId: 'acme/widgets#4' })).to.equal(
      'https://github.com/acme/widgets/issues/4#issuecomment-77',
    );
  });
});

describe('Direction', () => {
  it("is out for the repository's own people and in for everyone else", () => {
    for (const a of ['OWNER', 'MEMBER', 'COLLABORATOR']) expect(directionOf(a)).to.equal('out');
    for (const a of ['CONTRIBUTOR', 'FIRST_TIMER', 'FIRST_TIME_CONTRIBUTOR', 'MANNEQUIN', 'NONE', 'weird']) expect(directionOf(a)).to.equal('in');
  });
});
