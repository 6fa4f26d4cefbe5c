/**
 * Desk's query on pull and push URLs (§2, §4): orgId and securityContext, appended to
 * whatever query the configured URL already has (ours carries a URL key).
 */
export function withDeskQuery(url: string, orgId: string, securityContext: string): string {
  const q = `orgId=${encodeURIComponent(orgId)}&securityContext=${encodeURIComponent(securityContext)}`;
  return `${url}${url.includes('?') ? (url.endsWith('?') || url.endsWith('&') ? '' : '&') : '?'}${q}`;
}
