/**
 * The body fields of GitHub's media types (docs: "Media types"): `body` is the
 * Markdown as written; `body_html` is rendered and sanitised; `body_text` is plain.
 * The rendering here is small but safe: HTML comments vanish (GitHub does not show
 * them), everything else is escaped, paragraphs and emphasis are rendered; the bodies
 * of the GitHub-like corpus (github-corpus.ts) render as github.com renders them.
 */
import { corpusHtml } from './github-corpus.js';
import { escapeHtml } from './escape.js';

export type Media = 'raw' | 'html' | 'text' | 'full';

export function mediaOf(accept: string | undefined): Media {
  const a = (accept ?? '').toLowerCase();
  if (a.includes('vnd.github.full')) return 'full';
  if (a.includes('vnd.github.html')) return 'html';
  if (a.includes('vnd.github.text')) return 'text';
  return 'raw';
}

export function bodyFields(markdown: string | null, media: Media): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (media === 'raw' || media === 'full') out.body = markdown;
  if (media === 'html' || media === 'full') out.body_html = markdown === null ? null : renderHtml(markdown);
  if (media === 'text' || media === 'full') out.body_text = markdown === null ? null : renderText(markdown);
  return out;
}

const stripComments = (md: string): string => md.replace(/<!--[\s\S]*?-->/g, '');

export function renderHtml(markdown: string): string {
  const github = corpusHtml(markdown);
  if (github !== undefined) return github;
  const paragraphs = stripComments(markdown)
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  return paragraphs
    .map(
      (p) =>
        `<p dir="auto">${escapeHtml(p)
          .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
          .replace(/\n/g, '<br>\n')}</p>`,
    )
    .join('\n');
}

export function renderText(markdown: string): string {
  return stripComments(markdown)
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .trim();
}
