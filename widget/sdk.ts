/** Desk's JS SDK, as far as the widgets use it (protocol §8). */
export interface DeskSdk {
  extension: { onload(): Promise<{ locale?: unknown } | undefined> };
  get(what: string, args?: Record<string, unknown>): Promise<unknown>;
  set?(what: string, args: Record<string, unknown>): Promise<unknown>;
  request?(o: {
    url: string;
    type: string;
    headers: Record<string, string>;
    postBody: unknown;
    data?: Record<string, string>;
    connectionLinkName?: string;
  }): Promise<unknown>;
}
declare global {
  interface Window {
    ZOHODESK?: DeskSdk;
  }
}

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a JSON string, repeatedly while it stays a string (Desk double-encodes some answers), at most three times. */
export function unwrap(v: unknown): unknown {
  for (let i = 0; i < 3 && typeof v === 'string'; i++) {
    try {
      v = JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

/**
 * A ZOHODESK.request answer: a JSON string of {statusCode, response}, whose response is
 * a JSON string of {statusMessage: <the target's body, sometimes JSON-encoded again>}.
 */
export function readRequestAnswer(answer: unknown): { status: number; body: unknown } {
  const outer = unwrap(answer);
  if (!isObj(outer)) return { status: 0, body: undefined };
  const inner = unwrap(outer.response);
  const status = Number((isObj(inner) && inner.statusCode) ?? outer.statusCode ?? 0);
  const body = isObj(inner) && 'statusMessage' in inner ? unwrap(inner.statusMessage) : inner;
  return { status: Number.isFinite(status) ? status : 0, body };
}

/** The mount point a widget renders into (the page may hold several). */
export function mount(id: string, node: HTMLElement): void {
  const at = document.getElementById(id) ?? document.body;
  at.replaceChildren(node);
}

/** Reads the config through the SDK: an array of {name, value} pairs under "extension.config". */
export async function readConfig(sdk: DeskSdk): Promise<Map<string, string | null>> {
  const answer: unknown = await sdk.get('extension.config');
  const list = answer && typeof answer === 'object' ? (answer as Record<string, unknown>)['extension.config'] : undefined;
  if (!Array.isArray(list)) throw new Error('extension.config is not a list');
  const out = new Map<string, string | null>();
  for (const p of list) {
    if (p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string') {
      // An admin who left a param empty gets its defaultValue, as Desk's own screens show it.
      const { value, defaultValue } = p as { value?: unknown; defaultValue?: unknown };
      const v = typeof value === 'string' && value !== '' ? value : defaultValue;
      out.set((p as { name: string }).name, typeof v === 'string' ? v : null);
    }
  }
  return out;
}
