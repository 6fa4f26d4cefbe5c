import { expect } from 'chai';
import fc from 'fast-check';
import { allowList, ALLOWED_ATTRIBUTES, ALLOWED_TAGS, MAX_HTML_DEPTH, sanitiseHtml, TOO_DEEP_NOTICE } from '../../server/desk/sanitise.js';
import { nestingDepth } from '../../server/desk/html-tokens.js';
import { GITHUB_CORPUS, corpusBody, corpusHtml } from '../../sandbox/fake-github/github-corpus.js';
import { canonical, elementCounts, elementsOf, hasComment, textOf } from '../helpers/html-tree.js';
import { referenceSanitise } from '../helpers/sanitiser-reference.js';
import { runs } from '../property/figures.js';

/** Shapes of mutation XSS and parser differentials, and the pieces GitHub's HTML is made of. */
const HOSTILE = [
  '<svg><style><img src=x onerror=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="&#0000106avascript:alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="java\u0000script:alert(1)">x</a>',
  '<a href="\u00a0https://evil.example">x</a>',
  '<a href="https&colon;//evil.example">x</a>',
  '<img src="//evil.example/x">',
  '<img src="/relative.png">',
  '<![CDATA[<img src=x onerror=alert(1)>]]>',
  '<!--<img src=x onerror=alert(1)>-->',
  '<!--><img src=x onerror=alert(1)>-->',
  '<!---><b>after</b>',
  '<!-- a --!><i>after</i>',
  '<x.a><img src=x onerror=alert(1)></x.b>',
  '<?xml ><img src=x onerror=1>',
  '<textarea><img src=x onerror=1></textarea>',
  '<title><img src=x onerror=1></title>',
  '<style>@import "x"</style>',
  '<script>alert(1)</script>',
  '<scr<script>ipt>alert(1)</script>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<iframe src=//e.example><b>x</b></iframe>y',
  '<input type=checkbox disabled onfocus=alert(1) autofocus>',
  '<input type=text disabled>',
  '<details open ontoggle=alert(1)><summary>s</summary></details>',
  '<a href="https://ok.example" onclick=alert(1)>ok</a>',
  '<img src="https://ok.example/x.png" onerror=alert(1)>',
  '<source srcset="javascript:alert(1) 1x, https://x.example/a 2x">',
  '<picture><source srcset="https://x.example/a 1x, https://x.example/b 2x"><img src="https://x.example/c"></picture>',
  '<p style="x:expression(alert(1))" class="x" id="y">p</p>',
  '<a/href="javascript:alert(1)">x</a>',
  '<a href=javascript:alert(1)>x</a>',
  '<A HREF="JAVASCRIPT:alert(1)">x</A>',
  '<base href="javascript:">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<object data=x></object><embed src=x>',
  '<div\nonclick=1>d</div>',
  '<div/onclick=1>d</div>',
  '<xmp><img src=x onerror=1></xmp>',
  '<plaintext><img src=x onerror=1>',
  '<table><td>cell</table>',
  '<ul><li>a<li>b</ul>',
  '</p></br><p>x',
  '&lt;img src=x onerror=1&gt;',
  '&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;',
  '<a href="https://x.example/?a=1&amp;b=2&copy=3">q</a>',
  '<img alt="" src="https://x.example/a.png" title="">',
  '<g-emoji alias="tada" fallback-src="https://x.example/e.png">🎉</g-emoji>',
  '<td align=right colspan=2>',
  '<p dir=auto lang=en>',
  '"',
  "'",
  '=',
  '>',
  '<',
  '&',
  '</',
  '<!',
  '<a',
  'text ',
];
const hostileHtml = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
      { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'<>"\'=/!-&;#x: aAjs\t\n') }) },
    ),
    {
      maxLength: 12,
    },
  )
  .map((parts) => parts.join(''));

const LINK = /^[\t\n\f\r ]*(?:https?:\/\/|mailto:)/i;
const MEDIA = /^[\t\n\f\r ]*https?:\/\//i;

/** What a browser would build of `html` holds nothing outside the allow-list. */
function expectOnlyAllowed(html: string, input: string): void {
  const why = `input ${JSON.stringify(input)}\noutput ${JSON.stringify(html)}`;
  for (const e of elementsOf(html)) {
    expect(e.namespaceURI, why).to.equal('http://www.w3.org/1999/xhtml');
    expect(ALLOWED_TAGS.has(e.tagName), `${e.tagName}: ${why}`).to.equal(true);
    const allowed = new Set([...(ALLOWED_ATTRIBUTES[e.tagName] ?? []), ...ALLOWED_ATTRIBUTES['*']!]);
    for (const a of e.attrs) {
      expect(allowed.has(a.name), `${e.tagName} ${a.name}: ${why}`).to.equal(true);
      if (a.name === 'href') expect(a.value, why).to.match(LINK);
      if (a.name === 'src') expect(a.value, why).to.match(MEDIA);
      if (a.name === 'srcset') for (const c of a.value.split(',')) expect(c.trim(), why).to.match(MEDIA);
    }
    if (e.tagName === 'input') expect(Object.fromEntries(e.attrs.map((a) => [a.name, a.value])), why).to.include({ type: 'checkbox', disabled: '' });
  }
  expect(hasComment(html), why).to.equal(false);
}

describe('The single-pass sanitiser', () => {
  it('builds, on every body of the GitHub-like corpus, the tree sanitize-html builds', () => {
    for (const c of GITHUB_CORPUS) expect(canonical(allowList(c.html)!), c.markdown).to.equal(canonical(referenceSanitise(c.html)));
    for (let n = 0; n < 30; n++)
      for (const kind of ['issue', 'comment'] as const) {
        const html = corpusHtml(corpusBody(kind, n))!;
        expect(canonical(sanitiseHtml(html))).to.equal(canonical(referenceSanitise(html)));
      }
  });

  /**
   * Where the two differ, ours is the stricter reading or the standard's: each
   * difference is named here, and every other hostile shape builds the same tree.
   */
  const DIFFERENCES: Record<string, string> = {
    '<a href="\u00a0https://evil.example">x</a>':
      "a URL after a non-ASCII space is, for a browser, relative (to Desk's origin): dropped; the reference keeps it",
    '<iframe src=//e.example><b>x</b></iframe>y': 'iframe content is raw text browsers never show: dropped; the reference reads it as markup',
    '<![CDATA[<img src=x onerror=alert(1)>]]>':
      'CDATA outside foreign content is a bogus comment up to the first `>` (the standard), so `]]>` is text; the reference drops it',
  };
  it('builds the tree sanitize-html builds on hostile shapes, except the differences it names', () => {
    const differ: string[] = [];
    for (const h of HOSTILE) {
      const ours = allowList(h)!;
      expectOnlyAllowed(ours, h);
      if (canonical(ours) !== canonical(referenceSanitise(h))) differ.push(h);
    }
    expect(differ.sort(), 'the differences, and only they').to.deep.equal(Object.keys(DIFFERENCES).sort());
  });

  it('leaves nothing outside the allow-list in what a standards-conforming parser (parse5) builds of its output, over many hostile inputs', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(hostileHtml, (input) => {
        const out = sanitiseHtml(input);
        expectOnlyAllowed(out, input);
        // What it writes, it keeps: a second pass loses no text and no element (its tree
        // builder may place an element elsewhere, as a browser would have).
        const again = allowList(out)!;
        expect(textOf(again), input).to.equal(textOf(out));
        const before = elementCounts(out);
        const after = elementCounts(again);
        for (const [e, n] of before) expect(after.get(e) ?? 0, `${e} in ${JSON.stringify(input)}`).to.be.at.least(n);
      }),
      { numRuns: runs(20_000, 200_000) },
    );
  });

  it('refuses depth with the same tokenizer: divs, a comment that ends at once, dotted tag names; the depth check agrees', () => {
    for (const deep of ['<div>'.repeat(MAX_HTML_DEPTH + 1), '<!-->' + '<div>'.repeat(99_000), '<x.a></x.b>'.repeat(45_000), '<b><i>'.repeat(200)]) {
      expect(sanitiseHtml(deep)).to.equal(TOO_DEEP_NOTICE);
      expect(nestingDepth(deep, MAX_HTML_DEPTH)).to.be.greaterThan(MAX_HTML_DEPTH);
    }
    for (const flat of ['<li>'.repeat(5000), '<p>'.repeat(5000), '<br>'.repeat(5000), '<div></div>'.repeat(5000), '<!---->'.repeat(5000)]) {
      expect(sanitiseHtml(flat)).to.not.equal(TOO_DEEP_NOTICE);
      expect(nestingDepth(flat, MAX_HTML_DEPTH)).to.be.at.most(2);
    }
  });
});
