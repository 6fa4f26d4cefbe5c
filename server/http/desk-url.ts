/**
 * Desk appends its own query (`?securityContext=…&orgId=…`, `?entity=…`) to the URLs
 * we declare. When the declared URL already carries `?key=…` we do not know whether
 * Desk joins with `&` or naively with a second `?`, so every `?` after the first is
 * read as `&`. A key never contains `?` (DESK_URL_KEY is [A-Za-z0-9_-]).
 */
export function normaliseDeskUrl(url: string): string {
  const first = url.indexOf('?');
  if (first < 0) return url;
  return url.slice(0, first + 1) + url.slice(first + 1).replace(/\?/g, '&');
}
