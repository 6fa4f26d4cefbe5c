/**
 * Zoho Desk's API hosts, one per data centre, as Zoho's accounts "Multi DC support" page
 * lists the data centres (accounts.zoho.com … accounts.zohocloud.ca): Desk's host is the
 * accounts host with `desk` for `accounts`. Canada is the odd one: zohocloud.ca, not
 * zoho.ca. docs/desk-compatibility.md lists the same hosts (a test keeps them equal).
 */
export const DESK_DATA_CENTRES = {
  US: 'desk.zoho.com',
  EU: 'desk.zoho.eu',
  IN: 'desk.zoho.in',
  AU: 'desk.zoho.com.au',
  JP: 'desk.zoho.jp',
  CN: 'desk.zoho.com.cn',
  CA: 'desk.zohocloud.ca',
  SA: 'desk.zoho.sa',
  UK: 'desk.zoho.uk',
} as const;

const HOSTS: ReadonlySet<string> = new Set(Object.values(DESK_DATA_CENTRES));

/** Whether `hostname` is exactly one of Desk's API hosts (no subdomain, no look-alike). */
export function isDeskHost(hostname: string): boolean {
  return HOSTS.has(hostname.toLowerCase());
}
