import { expect } from 'chai';
import { replyMarkdown, nestingDepth, MAX_REPLY_DEPTH } from '../../server/connectors/github/reply-markdown.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe("A reply's HTML is converted with bounded work", () => {
  it('refuses nesting past the limit, also where a rough scan of the raw HTML is misled', () => {
    const deep = (open: string) => `${open.repeat(2_000)}x`;
    for (const html of [
      deep('<div>'),
      deep('<div/>'), // `/` does not close a div in HTML
      deep('<div =">'), // a quote after an attribute name's `=` opens nothing
      deep("<div a=b'c>"),
      deep('<div></ </div>'), // `</ ` starts a bogus comment that swallows the `</div>`
      deep('<p><b>'),
    ]) {
      expect(
        code(() => replyMarkdown({ content: html })),
        html.slice(0, 20),
      ).to.equal('REPLY_TOO_DEEP');
    }
  });

  it("converts what Desk's editor sends, nested lists and quotes included", () => {
    const md = replyMarkdown({ content: '<blockquote><ul><li>one<ul><li>two</li></ul></li></ul></blockquote><div>a &lt; b &amp; c</div>' });
    expect(md).to.equal('> -   one\n>     -   two\n\na &lt; b &amp; c');
  });

  it('measures depth as a parser would: implied ends and void elements', () => {
    expect(nestingDepth('<ul><li>a<li>b<li>c</ul><br><img src=x><p>x<p>y', MAX_REPLY_DEPTH)).to.equal(2);
    expect(nestingDepth('<div><div><div></div></div></div>', MAX_REPLY_DEPTH)).to.equal(3);
  });
});
