/**
 * Issue and comment bodies as GitHub renders them (`body_html` of the REST API): the
 * markup of github.com's Markdown pipeline for what real issues hold (headings with
 * their permalink anchors, fenced code with highlighting spans, tables in their
 * accessibility wrapper, task lists, mentions and issue references with hovercard
 * attributes, emoji, images behind camo or user-attachments, nested quotes,
 * details/summary, inline code, links). The fake renders a corpus body's Markdown to
 * exactly this HTML (render.ts), so the benchmark's sanitiser sees what it will see on
 * real repositories, not `<p>` and `<strong>` alone.
 */
import { escapeHtml } from './escape.js';

const octiconLink =
  '<svg class="octicon octicon-link" viewBox="0 0 16 16" version="1.1" width="16" height="16" aria-hidden="true"><path d="m7.775 3.275 1.25-1.25a3.5 3.5 0 1 1 4.95 4.95l-2.5 2.5a3.5 3.5 0 0 1-4.95 0 .751.751 0 0 1 .018-1.042.751.751 0 0 1 1.042-.018 1.998 1.998 0 0 0 2.83 0l2.5-2.5a2.002 2.002 0 0 0-2.83-2.83l-1.25 1.25a.751.751 0 0 1-1.042-.018.751.751 0 0 1-.018-1.042Zm-4.69 9.64a1.998 1.998 0 0 0 2.83 0l1.25-1.25a.751.751 0 0 1 1.042.018.751.751 0 0 1 .018 1.042l-1.25 1.25a3.5 3.5 0 1 1-4.95-4.95l2.5-2.5a3.5 3.5 0 0 1 4.95 0 .751.751 0 0 1-.018 1.042.751.751 0 0 1-1.042.018 1.998 1.998 0 0 0-2.83 0l-2.5 2.5a1.998 1.998 0 0 0 0 2.83Z"></path></svg>';
const heading = (level: number, text: string, slug: string) =>
  `<div class="markdown-heading" dir="auto"><h${level} tabindex="-1" class="heading-element" dir="auto">${text}</h${level}><a id="user-content-${slug}" class="anchor" aria-label="Permalink: ${text}" href="#${slug}">${octiconLink}</a></div>`;
const mention = (login: string) =>
  `<a class="user-mention notranslate" data-hovercard-type="user" data-hovercard-url="/users/${login}/hovercard" data-octo-click="hovercard-link-click" data-octo-dimensions="link_type:self" href="https://github.com/${login}">@${login}</a>`;
const issueRef = (n: number) =>
  `<a class="issue-link js-issue-link" data-error-text="Failed to load title" data-id="${2_000_000_000 + n}" data-permission-text="Title is private" data-url="https://github.com/acme/widgets/issues/${n}" data-hovercard-type="issue" data-hovercard-url="/acme/widgets/issues/${n}/hovercard" href="https://github.com/acme/widgets/issues/${n}">#${n}</a>`;
const emoji = (alias: string, code: string, char: string) =>
  `<g-emoji class="g-emoji" alias="${alias}" fallback-src="https://github.githubassets.com/images/icons/emoji/unicode/${code}.png">${char}</g-emoji>`;
const span = (cls: string, text: string) => `<span class="pl-${cls}">${text}</span>`;
const task = (done: boolean, text: string) =>
  `<li class="task-list-item"><input type="checkbox" id="" disabled="" class="task-list-item-checkbox"${done ? ' checked=""' : ''}> ${text}</li>`;

const tsLine = [
  span('k', 'const'),
  span('s1', 'rows'),
  span('c1', '='),
  span('k', 'await'),
  `${span('en', 'exportReport')}${span('kos', '(')}${span('kos', '{')}`,
  `${span('c1', 'format')}:`,
  span('s', '&#39;csv&#39;'),
  `${span('kos', '}')}${span('kos', ')')}${span('kos', ';')}`,
].join(' ');
const tsCode = `<div class="highlight highlight-source-ts notranslate position-relative overflow-auto" dir="auto"><pre>${tsLine}
${span('smi', 'console')}${span('kos', '.')}${span('en', 'log')}${span('kos', '(')}${span('s1', 'rows')}${span('kos', '.')}${span('c1', 'length')}${span('kos', ')')}${span('kos', ';')} ${span('c', '// 999, expected 1000')}
${span('k', 'for')} ${span('kos', '(')}${span('k', 'const')} ${span('s1', 'row')} ${span('k', 'of')} ${span('s1', 'rows')}${span('kos', ')')} ${span('kos', '{')}
  ${span('k', 'if')} ${span('kos', '(')}${span('s1', 'row')}${span('kos', '.')}${span('c1', 'total')} ${span('c1', '&lt;')} ${span('c1', '0')}${span('kos', ')')} ${span('k', 'throw')} ${span('k', 'new')} ${span('v', 'Error')}${span('kos', '(')}${span('s', '`negative total in ${row.id}`')}${span('kos', ')')}${span('kos', ';')}
${span('kos', '}')}</pre></div>`;

const table = `<markdown-accessiblity-table><table role="table">
<thead>
<tr>
<th>Version</th>
<th align="right">Rows asked</th>
<th align="right">Rows exported</th>
<th>Notes</th>
</tr>
</thead>
<tbody>
<tr>
<td>2.2.4</td>
<td align="right">1000</td>
<td align="right">1000</td>
<td><code class="notranslate">--legacy</code></td>
</tr>
<tr>
<td>2.3.0</td>
<td align="right">1000</td>
<td align="right">999</td>
<td>regression ${emoji('warning', '26a0', '⚠️')}</td>
</tr>
<tr>
<td>2.3.1</td>
<td align="right">5000</td>
<td align="right">4999</td>
<td>same</td>
</tr>
</tbody>
</table></markdown-accessiblity-table>`;

const stackTrace = `<details>
<summary>Stack trace</summary>
<div class="snippet-clipboard-content notranslate position-relative overflow-auto"><pre class="notranslate"><code class="notranslate">Error: negative total in r-1029
    at exportRows (/app/node_modules/@acme/report/dist/export.js:214:11)
    at async Promise.all (index 3)
    at async ReportService.export (/app/src/report/service.ts:88:5)
    at async /app/src/http/routes.ts:41:19
</code></pre></div>
</details>`;

const screenshot = `<p dir="auto"><a target="_blank" rel="noopener noreferrer" href="https://github.com/user-attachments/assets/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"><img width="812" alt="Export dialog with 999 rows" src="https://github.com/user-attachments/assets/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" style="max-width: 100%;"></a></p>`;
const chart = `<p dir="auto"><a target="_blank" rel="noopener noreferrer nofollow" href="https://camo.githubusercontent.com/4f2e1a7b9c0d3e5f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f/68747470733a2f2f6578616d706c652e636f6d2f63686172742e706e67"><img src="https://camo.githubusercontent.com/4f2e1a7b9c0d3e5f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f/68747470733a2f2f6578616d706c652e636f6d2f63686172742e706e67" alt="rows per export" data-canonical-src="https://example.com/chart.png" style="max-width: 100%;"></a></p>`;

/** A short stand-in for the Markdown GitHub would store (`body`, the key the fake renders by), and the HTML GitHub renders for such a body (`body_html`). */
export const GITHUB_CORPUS: ReadonlyArray<{ kind: 'issue' | 'comment'; markdown: string; html: string }> = [
  {
    kind: 'issue',
    markdown: '### Describe the bug\n(bug report with code, steps, table, task list, stack trace)',
    html: [
      heading(3, 'Describe the bug', 'describe-the-bug'),
      `<p dir="auto">Exporting a report with more than 999 rows drops the last row. First seen by ${mention('octocat')} in ${issueRef(12)}; maybe related to ${issueRef(87)}.</p>`,
      heading(3, 'To reproduce', 'to-reproduce'),
      '<ol dir="auto">\n<li>Open <strong>Reports</strong> → <em>Export</em></li>\n<li>Choose <code class="notranslate">CSV</code> and <em>all rows</em></li>\n<li>Count the lines of the file</li>\n</ol>',
      tsCode,
      heading(3, 'Versions', 'versions'),
      table,
      stackTrace,
      heading(3, 'Checklist', 'checklist'),
      `<ul class="contains-task-list">\n${task(true, 'Searched the existing issues')}\n${task(true, 'Reproduced on the latest release')}\n${task(false, 'Attached a sample file')}\n</ul>`,
    ].join('\n'),
  },
  {
    kind: 'issue',
    markdown: '## Feature request\n(quote, images, links, emoji)',
    html: [
      heading(2, 'Feature request', 'feature-request'),
      `<p dir="auto">Our support team exports every Monday ${emoji('calendar', '1f4c5', '📅')} and the last row is always the one we need. See the screenshot:</p>`,
      screenshot,
      '<blockquote>\n<p dir="auto">Exports over 999 rows should be paginated, not truncated.</p>\n<blockquote>\n<p dir="auto">Agreed, and the UI should say how many rows it wrote.</p>\n</blockquote>\n</blockquote>',
      chart,
      '<p dir="auto">Docs: <a href="https://docs.example.com/reports/export#limits" rel="nofollow">https://docs.example.com/reports/export#limits</a> and the <a href="https://github.com/acme/widgets/blob/main/CHANGELOG.md">changelog</a>.</p>',
      `<p dir="auto">Thanks! ${emoji('pray', '1f64f', '🙏')}</p>`,
    ].join('\n'),
  },
  {
    kind: 'issue',
    markdown: 'short issue with inline code and a list',
    html: `<p dir="auto">The <code class="notranslate">export</code> command exits 0 even when it wrote nothing.</p>\n<ul dir="auto">\n<li>OS: Ubuntu 24.04</li>\n<li>Version: <code class="notranslate">2.3.1</code></li>\n<li>Installed with <code class="notranslate">npm i -g @acme/cli</code></li>\n</ul>`,
  },
  { kind: 'comment', markdown: '+1', html: `<p dir="auto">${emoji('+1', '1f44d', '👍')} same here on 2.3.1</p>` },
  {
    kind: 'comment',
    markdown: 'quoted reply',
    html: `<blockquote>\n<p dir="auto">Exports over 999 rows should be paginated</p>\n</blockquote>\n<p dir="auto">${mention('hubot')} this is a duplicate of ${issueRef(12)}, closing that one in favour of this.</p>`,
  },
  {
    kind: 'comment',
    markdown: 'maintainer reply with a code block',
    html: `<p dir="auto">Thanks for the report. Could you run this and paste the output?</p>\n<div class="highlight highlight-source-shell notranslate position-relative overflow-auto" dir="auto"><pre>npx @acme/cli export --rows 1000 --format csv <span class="pl-k">|</span> wc -l</pre></div>\n<p dir="auto">If it prints <code class="notranslate">1000</code> the bug is in the UI, not the exporter.</p>`,
  },
  { kind: 'comment', markdown: 'short', html: '<p dir="auto">It prints 999.</p>' },
  {
    kind: 'comment',
    markdown: 'details with a log',
    html: `<p dir="auto">Full log attached, the interesting part is at the end:</p>\n${stackTrace}\n<p dir="auto">Happens with <strong>and</strong> without <code class="notranslate">--legacy</code>.</p>`,
  },
  {
    kind: 'comment',
    markdown: 'fix announcement',
    html: `<p dir="auto">Fixed in ${issueRef(131)}, released in <a href="https://github.com/acme/widgets/releases/tag/v2.3.2">v2.3.2</a> ${emoji('tada', '1f389', '🎉')}</p>\n<ul class="contains-task-list">\n${task(true, 'backported to 2.2.x')}\n${task(false, 'docs updated')}\n</ul>`,
  },
];

const BY_MARKDOWN = new Map(GITHUB_CORPUS.map((c) => [c.markdown, c.html]));

/**
 * A corpus body for item `n`: each one distinct (real bodies differ, and the sanitiser's
 * memo must not turn a benchmark of 2,000 bodies into one of nine).
 */
export function corpusBody(kind: 'issue' | 'comment', n: number, tag = ''): string {
  const of = GITHUB_CORPUS.filter((c) => c.kind === kind);
  return `${of[n % of.length]!.markdown}\n\nref ${tag}${n}`;
}

/** GitHub's rendering of a corpus body's Markdown (corpusBody), or undefined for any other body. */
export function corpusHtml(markdown: string): string | undefined {
  const at = markdown.lastIndexOf('\n\nref ');
  const html = BY_MARKDOWN.get(at < 0 ? markdown : markdown.slice(0, at));
  if (html === undefined) return undefined;
  return at < 0 ? html : `${html}\n<p dir="auto">Ref ${escapeHtml(markdown.slice(at + 6))}</p>`;
}
