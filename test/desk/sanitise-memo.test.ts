import { expect } from 'chai';
import sanitizeHtml from 'sanitize-html';
import { memo, sanitiseHtml } from '../../server/desk/sanitise.js';

describe("The sanitiser's memo", () => {
  const capacity = memo.maxChars;
  afterEach(() => {
    memo.maxChars = capacity;
    memo.clear();
  });

  it('answers a repeated body exactly as a fresh run does, hostile ones included', () => {
    const bodies = [
      '<p dir="auto">fine <a href="https://x.test/">x</a></p>',
      '<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">y</a>',
      '<svg><style>*{}</style></svg><iframe src="https://evil.test"></iframe>',
    ];
    memo.clear();
    const fresh = bodies.map((b) => sanitiseHtml(b));
    const again = bodies.map((b) => sanitiseHtml(b));
    expect(again).to.deep.equal(fresh);
    expect(memo.size).to.equal(bodies.length);
    memo.maxChars = 0;
    memo.clear();
    expect(
      bodies.map((b) => sanitiseHtml(b)),
      'the same with the memo off',
    ).to.deep.equal(fresh);
    for (const out of fresh) expect(out).not.to.match(/onerror|<script|javascript:|<iframe|<style/i);
  });

  it('keeps at most its capacity in characters, dropping the least recently used first', () => {
    memo.maxChars = 1000;
    memo.clear();
    const body = (i: number) => `<p>${String(i).padStart(96, '0')}</p>`; // ~100 characters in, the same out
    for (let i = 0; i < 20; i++) {
      sanitiseHtml(body(i));
      sanitiseHtml(body(0)); // kept in use
    }
    expect(memo.size).to.be.within(1, 5);
    expect(memo.get(body(0)), 'the body in use stays').to.equal(sanitizeHtml(body(0)));
    expect(memo.get(body(1)), 'an old one went').to.equal(undefined);
  });

  it('does not keep a body larger than an entry may be', () => {
    memo.clear();
    sanitiseHtml(`<p>${'a'.repeat(70 * 1024)}</p>`);
    expect(memo.size).to.equal(0);
  });
});
