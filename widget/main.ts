import { el } from './dom.js';
import { loadMessages, type I18n } from './i18n.js';
import { renderStatus } from './render.js';
import { configuredRepos, decodeState } from './state.js';
import { startPicker, SELECTION_PARAM } from './picker.js';
import { readConfig, type DeskSdk } from './sdk.js';
import { startLoopSettings } from './loop-settings.js';

const REFRESH_MS = 30_000;

function show(node: HTMLElement): void {
  const mount = document.getElementById('app') ?? document.body;
  mount.replaceChildren(node);
}

async function refresh(sdk: DeskSdk, i18n: I18n): Promise<void> {
  try {
    const config = await readConfig(sdk);
    const now = Math.floor(Date.now() / 1000);
    const repos = configuredRepos(config.get('repositories'), config.get(SELECTION_PARAM));
    show(renderStatus(decodeState(config.get('channelState')), repos, i18n, now));
  } catch {
    show(el('main', 'gh-sync', el('div', 'banner banner--warn', i18n.t('configUnavailable'))));
  }
}

async function fail(key: string): Promise<void> {
  const { i18n } = await loadMessages(navigator.language || 'en');
  show(el('main', 'gh-sync', el('div', 'banner banner--warn', i18n.t(key))));
}

async function boot(): Promise<void> {
  const sdk = window.ZOHODESK;
  if (!sdk || typeof sdk.extension?.onload !== 'function' || typeof sdk.get !== 'function') return fail('noSdk');
  let app: { locale?: unknown } | undefined;
  try {
    app = await sdk.extension.onload();
  } catch {
    return fail('noSdk');
  }
  const { i18n } = await loadMessages(typeof app?.locale === 'string' ? app.locale : 'en');
  document.documentElement.lang = i18n.locale;
  await refresh(sdk, i18n);
  const pickerAt = document.getElementById('picker');
  if (pickerAt && typeof sdk.request === 'function') {
    // The status above already says the settings could not be read; the picker starts empty.
    const config = await readConfig(sdk).catch((err: unknown) => {
      console.warn('settings unavailable for the picker', err);
      return new Map<string, string | null>();
    });
    startPicker(sdk, i18n, configuredRepos(config.get(SELECTION_PARAM)), configuredRepos(config.get('repositories')), pickerAt, () => void refresh(sdk, i18n));
  }
  const loopAt = document.getElementById('loop');
  if (loopAt && typeof sdk.request === 'function') {
    const config = await readConfig(sdk).catch(() => new Map<string, string | null>());
    await startLoopSettings(sdk, i18n, config, loopAt);
  }
  setInterval(() => void refresh(sdk, i18n), REFRESH_MS);
}

void boot();
