import { el } from './dom.js';
import { loadMessages, type I18n } from './i18n.js';
import { renderStatus } from './render.js';
import { configuredRepos, decodeState } from './state.js';

/** Desk's JS SDK, as far as the widget uses it (protocol §8). */
interface DeskSdk {
  extension: { onload(): Promise<{ locale?: string }> };
  get(what: 'extension.config'): Promise<Record<string, unknown>>;
}
declare global {
  interface Window {
    ZOHODESK?: DeskSdk;
  }
}

const REFRESH_MS = 30_000;

/** Reads the config through the SDK: an array of {name, value} pairs under "extension.config". */
async function readConfig(sdk: DeskSdk): Promise<Map<string, string | null>> {
  const answer = await sdk.get('extension.config');
  const list = answer['extension.config'];
  const out = new Map<string, string | null>();
  if (Array.isArray(list)) {
    for (const p of list) {
      if (p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string') {
        const v = (p as { value?: unknown }).value;
        out.set((p as { name: string }).name, typeof v === 'string' ? v : null);
      }
    }
  }
  return out;
}

function show(node: HTMLElement): void {
  const mount = document.getElementById('app') ?? document.body;
  mount.replaceChildren(node);
}

async function refresh(sdk: DeskSdk, i18n: I18n): Promise<void> {
  try {
    const config = await readConfig(sdk);
    const now = Math.floor(Date.now() / 1000);
    show(renderStatus(decodeState(config.get('channelState')), configuredRepos(config.get('repositories')), i18n, now));
  } catch {
    show(el('main', 'gh-sync', el('div', 'banner banner--warn', i18n.t('configUnavailable'))));
  }
}

async function boot(): Promise<void> {
  const sdk = window.ZOHODESK;
  if (!sdk) {
    const { i18n } = await loadMessages(navigator.language || 'en');
    show(el('main', 'gh-sync', el('div', 'banner banner--warn', i18n.t('noSdk'))));
    return;
  }
  const app = await sdk.extension.onload();
  const { i18n } = await loadMessages(typeof app?.locale === 'string' ? app.locale : 'en');
  document.documentElement.lang = i18n.locale;
  await refresh(sdk, i18n);
  setInterval(() => void refresh(sdk, i18n), REFRESH_MS);
}

void boot();
