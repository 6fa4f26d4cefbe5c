import { expect } from 'chai';
import { formatLinks, MAX_FIELD_LENGTH, MAX_LINKS, parseLinks, searchTermFor, withLink, withoutLink, type IssueLink } from '../../server/escalation/links.js';
import { decide, noteHtml, readLoopSettings, type Transition } from '../../server/escalation/loop.js';
import { templateHtml as draftHtml } from '../../server/escalation/template.js';

describe('escalation links: the ticket field format (gh1)', () => {
  const full: IssueLink[] = Array.from({ length: MAX_LINKS }, (_, i) => ({
    repoId: 999_999_999_999 - i,
    number: 9_999_999 - i,
    ack: { kind: 'c', eventId: 99_999_999_999 - i, moved: true },
  }));

  it('round-trips every kind of ack', () => {
    const links: IssueLink[] = [
      { repoId: 1, number: 2, ack: { kind: 'o' } },
      { repoId: 3, number: 4, ack: { kind: 'x' } },
      { repoId: 5, number: 6, ack: { kind: 'n', eventId: 7, moved: false } },
      { repoId: 8, number: 9, ack: { kind: 'r', eventId: 10, moved: false } },
      { repoId: 11, number: 12, ack: { kind: 'c', eventId: 13, moved: true } },
    ];
    const value = formatLinks(links);
    expect(value).to.equal('gh1 ~1/2=o ~3/4=x ~5/6=n7 ~8/9=r10 ~11/12=c13m');
    expect(parseLinks(value)).to.deep.equal(links);
  });

  it('stays within the field: five links of the largest ids fit in 255 characters', () => {
    expect(formatLinks(full).length).to.be.at.most(MAX_FIELD_LENGTH);
    expect(() => formatLinks([...full, { repoId: 1, number: 1, ack: { kind: 'o' } }])).to.throw(RangeError);
  });

  it('reads liberally: junk, duplicates, an agent typing in the field, or no value at all', () => {
    expect(parseLinks('gh1 ~1/2=o junk ~1/2=x ~0/3=o ~4/5=zz ~6/7=c0 ~8/9=o')).to.deep.equal([
      { repoId: 1, number: 2, ack: { kind: 'o' } },
      { repoId: 8, number: 9, ack: { kind: 'o' } },
    ]);
    for (const v of [null, undefined, 42, '', '   ', 'x'.repeat(5000), { toString: () => '~1/2=o' }]) expect(parseLinks(v)).to.deep.equal([]);
  });

  it("one issue's search term finds no other issue", () => {
    const term = searchTermFor({ repoId: 12, number: 4 }).replace(/^\*|\*$/g, '');
    for (const other of ['~12/45=o', '~112/4=o', '~12/4x=o', '~2/4=o']) expect(`gh1 ${other}`.includes(term), other).to.equal(false);
    expect('gh1 ~12/4=c99m'.includes(term)).to.equal(true);
    expect(term).not.to.include(',');
  });

  it('links and unlinks, capped', () => {
    const one = withLink([], { repoId: 1, number: 1 }, 'closed');
    expect(one).to.deep.equal([{ repoId: 1, number: 1, ack: { kind: 'x' } }]);
    expect(withLink(one as IssueLink[], { repoId: 1, number: 1 }, 'open')).to.equal('linked');
    expect(withLink(full, { repoId: 1, number: 1 }, 'open')).to.equal('full');
    expect(withoutLink(full, full[0]!)).to.have.length(MAX_LINKS - 1);
    // A closed issue whose close the card read: that close counts as told, nothing moved.
    expect(withLink([], { repoId: 1, number: 2 }, { closedBy: 77, notPlanned: true })).to.deep.equal([
      { repoId: 1, number: 2, ack: { kind: 'n', eventId: 77, moved: false } },
    ]);
  });
});

describe('escalation loop: which transition a ticket is told of (decide)', () => {
  const closed: Transition = { kind: 'completed', eventId: 50 };
  const notPlanned: Transition = { kind: 'not_planned', eventId: 51 };
  const reopened: Transition = { kind: 'reopened', eventId: 60 };

  it('a link made while open is told of a close, not of a reopen from before it', () => {
    expect(decide({ kind: 'o' }, closed, false)).to.deep.equal({ act: true, ack: { kind: 'c', eventId: 50, moved: false } });
    expect(decide({ kind: 'o' }, notPlanned, false).act).to.equal(true);
    expect(decide({ kind: 'o' }, reopened, false)).to.deep.equal({ act: false, ack: { kind: 'r', eventId: 60, moved: false } });
  });

  it('a link made while closed is told of a reopen, not of the close it was linked after', () => {
    expect(decide({ kind: 'x' }, closed, false).act).to.equal(false);
    expect(decide({ kind: 'x' }, reopened, false).act).to.equal(true);
  });

  it('each transition once: the same event is never told again, a new one always', () => {
    expect(decide({ kind: 'c', eventId: 50, moved: true }, closed, false)).to.deep.equal({ act: false, ack: { kind: 'c', eventId: 50, moved: true } });
    expect(decide({ kind: 'c', eventId: 50, moved: true }, reopened, false).act).to.equal(true);
    expect(decide({ kind: 'r', eventId: 60, moved: false }, { kind: 'completed', eventId: 70 }, false).act).to.equal(true);
  });

  it('a closed ticket is not told of a close, but is of a reopen', () => {
    expect(decide({ kind: 'o' }, closed, true).act).to.equal(false);
    expect(decide({ kind: 'c', eventId: 50, moved: true }, reopened, true).act).to.equal(true);
  });

  it('escapes what GitHub says in the note and the draft; the admin template is text', () => {
    const issue = { key: { repoId: 1, number: 2 }, state: 'closed' as const, title: '<img src=x onerror=alert(1)>', url: 'javascript:alert(1)', name: 'a/b#2' };
    const note = noteHtml(issue, { kind: 'completed', eventId: 1, actor: 'x' }, 'gh-loop:~1/2=c1');
    expect(note).not.to.include('<img');
    expect(note).not.to.include('javascript:');
    const draft = draftHtml('<script>{{issue.title}}</script> {{ issue.url }} {{other}}', issue);
    expect(draft).to.equal('&lt;script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;  {{other}}');
  });

  it('reads the settings: empty is off, a sender address must look like one', () => {
    expect(readLoopSettings({})).to.deep.equal({});
    expect(readLoopSettings({ loop_closed_status: ' Closed ', loop_from_address: 'not an address', loop_draft_template: '' })).to.deep.equal({
      closedStatus: 'Closed',
    });
  });
});
