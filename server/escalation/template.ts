/**
 * The admin's draft template (`loop_draft_template`) filled in for one issue: plain text,
 * with {{issue.title}}, {{issue.url}} and {{issue.name}}. Browser-safe: the card's
 * preview and "notify all" and the server's loop use these same functions, so what the
 * agent previews is what every draft says.
 */
export interface TemplateIssue {
  title: string;
  url: string;
  name: string;
}

/** The draft as text: what the card shows. */
export function fillTemplate(template: string, issue: TemplateIssue): string {
  const vars: Record<string, string> = { 'issue.title': issue.title, 'issue.url': webUrl(issue.url) ?? '', 'issue.name': issue.name };
  return template.replace(/\{\{\s*(issue\.(?:title|url|name))\s*\}\}/g, (_m, name: string) => vars[name] ?? '');
}

/** The draft as Desk's HTML content: the filled text escaped, line breaks kept. */
export function templateHtml(template: string, issue: TemplateIssue): string {
  return escapeHtml(fillTemplate(template, issue)).replace(/\r?\n/g, '<br>');
}

/** An http(s) address, or undefined: nothing else goes into a link or a draft. */
export function webUrl(u: string): string | undefined {
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
