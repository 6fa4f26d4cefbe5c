import { desk, portalId } from './desk.js';
import { el } from './dom.js';
import type { I18n } from './i18n.js';
import { isObj, type DeskSdk } from './sdk.js';

/** The two params the picker writes: non-userdefined, so the SDK may set them (README, "Installation settings"). */
export const STATUS_PARAMS = ['loop_closed_status', 'loop_reopen_status'] as const;

interface Status {
  value: string;
  statusType: string;
}

/**
 * "Close the loop" on the settings page: which of the org's statuses (Desk's ticket
 * fields, custom statuses included) a linked ticket moves to when its issue is closed as
 * completed, and back to when it is reopened; or none. Written as the admin picks.
 */
export async function startLoopSettings(sdk: DeskSdk, i18n: I18n, current: Map<string, string | null>, at: HTMLElement): Promise<void> {
  const org = await portalId(sdk);
  const fields = org ? await desk<{ data?: unknown }>(sdk, org, 'GET', '/api/v1/fields', { query: { module: 'tickets' } }) : undefined;
  const statusField =
    fields?.ok && isObj(fields.data) && Array.isArray(fields.data.data) ? fields.data.data.find((f) => isObj(f) && f.apiName === 'status') : undefined;
  const statuses: Status[] =
    isObj(statusField) && Array.isArray(statusField.allowedValues)
      ? statusField.allowedValues.flatMap((v): Status[] =>
          isObj(v) && typeof v.value === 'string' && v.value.length <= 100
            ? [{ value: v.value, statusType: typeof v.statusType === 'string' ? v.statusType : '' }]
            : [],
        )
      : [];
  const root = el('section', 'gh-loop');
  root.append(el('h2', undefined, i18n.t('loop.title')), el('p', 'gh-loop__hint', i18n.t('loop.hint')));
  const note = el('p', 'gh-loop__note');
  note.setAttribute('role', 'status');
  if (statuses.length === 0) {
    root.append(el('p', 'banner banner--warn', i18n.t('loop.noStatuses')));
    at.replaceChildren(root);
    return;
  }
  for (const name of STATUS_PARAMS) {
    const select = el('select', undefined) as HTMLSelectElement;
    select.name = name;
    const none = el('option', undefined, i18n.t('loop.leave')) as HTMLOptionElement;
    none.value = '';
    select.append(none);
    for (const s of statuses) {
      const o = el('option', undefined, s.statusType && s.statusType !== s.value ? `${s.value} (${s.statusType})` : s.value) as HTMLOptionElement;
      o.value = s.value;
      select.append(o);
    }
    select.value = statuses.some((s) => s.value === current.get(name)) ? current.get(name)! : '';
    select.addEventListener('change', () => {
      select.disabled = true;
      void Promise.resolve(sdk.set?.('extension.config', { name, value: select.value }))
        .then(
          () => (note.textContent = i18n.t('loop.saved')),
          () => (note.textContent = i18n.t('loop.notSaved')),
        )
        .finally(() => (select.disabled = false));
    });
    root.append(el('label', 'gh-loop__field', el('span', undefined, i18n.t(`loop.${name}`)), select));
  }
  root.append(note);
  at.replaceChildren(root);
}
