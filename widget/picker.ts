import { el } from './dom.js';
import { github, type Refusal } from './github.js';
import type { I18n } from './i18n.js';
import { isObj, type DeskSdk } from './sdk.js';
import { MAX_REPOSITORIES } from '../server/connectors/github/contract.js';

/**
 * The repository picker of the settings page: the repositories the authorised GitHub
 * account can see (GET /user/repos through the connection, 100 a page), a filter box,
 * and the selection written with ZOHODESK.set into `selected_repositories`. Desk lets
 * the SDK set only non-userdefined params, so the typed `repositories` stays the
 * admin's own and the server reads both (README, "Installation settings").
 */
export const SELECTION_PARAM = 'selected_repositories';
const PER_PAGE = 100;

export function startPicker(sdk: DeskSdk, i18n: I18n, selected: string[], typed: string[], at: HTMLElement, onSaved: () => void = () => undefined): void {
  const chosen = new Set(selected);
  const repos: string[] = [];
  let page = 0;
  let more = true;
  let loading = false;

  const filter = document.createElement('input');
  filter.type = 'search';
  filter.className = 'picker__filter';
  filter.placeholder = i18n.t('picker.filter');
  filter.setAttribute('aria-label', i18n.t('picker.filter'));
  const list = el('ul', 'picker__list');
  const status = el('p', 'picker__status');
  status.setAttribute('role', 'status');
  const moreButton = el('button', 'btn', i18n.t('picker.more')) as HTMLButtonElement;
  const save = el('button', 'btn btn--primary', i18n.t('picker.save')) as HTMLButtonElement;
  moreButton.type = save.type = 'button';
  at.replaceChildren(
    el(
      'section',
      'gh-picker',
      el('h2', undefined, i18n.t('picker.title')),
      el('p', 'picker__hint', i18n.t('picker.hint', { max: MAX_REPOSITORIES })),
      filter,
      list,
      el('p', 'picker__buttons', moreButton, save),
      status,
    ),
  );

  const say = (text: string, tone: 'info' | 'error' = 'info') => {
    status.textContent = text;
    status.className = `picker__status picker__status--${tone}`;
  };

  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = [...new Set([...chosen, ...repos])].filter((r) => r.includes(q)).sort();
    list.replaceChildren(
      ...shown.map((name) => {
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.value = name;
        const isTyped = typed.includes(name);
        box.checked = chosen.has(name) || isTyped;
        box.disabled = isTyped;
        box.addEventListener('change', () => {
          if (box.checked && chosen.size + typed.filter((t) => !chosen.has(t)).length >= MAX_REPOSITORIES) {
            box.checked = false;
            return say(i18n.t('picker.tooMany', { max: MAX_REPOSITORIES }), 'error');
          }
          if (box.checked) chosen.add(name);
          else chosen.delete(name);
          say('');
        });
        return el('li', undefined, el('label', undefined, box, ' ', name, isTyped ? el('span', 'picker__typed', ` ${i18n.t('picker.typed')}`) : undefined));
      }),
    );
    if (shown.length === 0 && !loading) list.append(el('li', 'empty', i18n.t(repos.length === 0 && !more ? 'picker.none' : 'picker.noMatch')));
    moreButton.hidden = !more;
    moreButton.disabled = loading;
  };

  const load = async () => {
    loading = true;
    say(i18n.t('picker.loading'));
    draw();
    const r = await github(sdk, 'GET', `/user/repos?per_page=${PER_PAGE}&page=${page + 1}&sort=full_name`);
    loading = false;
    if (!r.ok) {
      say(i18n.t(`picker.refused.${r.refusal satisfies Refusal}`), 'error');
      return draw();
    }
    const items = Array.isArray(r.data) ? r.data : [];
    for (const x of items) if (isObj(x) && typeof x.full_name === 'string' && /^[\w.-]+\/[\w.-]+$/.test(x.full_name)) repos.push(x.full_name.toLowerCase());
    page++;
    more = items.length >= PER_PAGE;
    say('');
    draw();
  };

  filter.addEventListener('input', draw);
  moreButton.addEventListener('click', () => void load());
  save.addEventListener('click', async () => {
    if (typeof sdk.set !== 'function') return say(i18n.t('picker.saveFailed'), 'error');
    save.disabled = true;
    say(i18n.t('picker.saving'));
    try {
      const answer = await sdk.set('extension.config', { name: SELECTION_PARAM, value: [...chosen].sort().join(',') });
      if (isObj(answer) && ('errMsg' in answer || 'error' in answer)) throw new Error('refused');
      say(i18n.t('picker.saved'));
      onSaved();
    } catch {
      say(i18n.t('picker.saveFailed'), 'error');
    } finally {
      save.disabled = false;
    }
  });
  void load();
}
