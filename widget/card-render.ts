import { el } from './dom.js';
import type { I18n } from './i18n.js';
import type { IssueView } from './card-issue.js';
import type { Action } from './card-actions.js';
import type { Refusal } from './github.js';

export type CardView =
  | { kind: 'loading' }
  | { kind: 'not-github' }
  | { kind: 'failed'; why: Refusal | 'no-ticket' | 'no-storage' }
  | {
      kind: 'issue';
      issue: IssueView;
      /** Set when GitHub could not be read and the card shows what the last pull stored. */
      stored?: Refusal;
      busy: boolean;
      notice?: { tone: 'ok' | 'error'; text: string };
      choices: { labels: string[]; users: string[] };
    };

export interface CardHandlers {
  act(action: Action): void;
  retry(): void;
}

/** The card for one reading; every string from GitHub or Desk goes in as text. */
export function renderCard(view: CardView, i18n: I18n, now: number, on: CardHandlers): HTMLElement {
  const root = el('main', 'gh-card');
  root.setAttribute(
    'data-state',
    view.kind === 'issue' ? (view.stored ? `stored-${view.stored}` : 'live') : view.kind === 'failed' ? `failed-${view.why}` : view.kind,
  );
  if (view.kind === 'loading') {
    root.append(el('p', 'loading', i18n.t('card.loading')));
    return root;
  }
  if (view.kind === 'not-github') {
    root.append(el('p', 'empty', i18n.t('card.notGitHub')));
    return root;
  }
  if (view.kind === 'failed') {
    const retry = button(i18n.t('card.retry'), 'btn', () => on.retry());
    root.append(
      el(
        'div',
        'banner banner--error',
        i18n.t(view.why === 'no-ticket' ? 'card.noTicket' : view.why === 'no-storage' ? 'card.noStorage' : `card.read.${view.why}`),
      ),
      retry,
    );
    return root;
  }
  const { issue, busy } = view;
  const title = el('h1', 'gh-card__title', el('span', 'gh-card__number', `#${issue.number} `), issue.title || i18n.t('card.noTitle'));
  root.append(el('p', 'gh-card__repo', issue.repo), title);
  const badge = issue.state === 'open' ? 'open' : issue.reason === 'not_planned' ? 'not-planned' : 'closed';
  const stateText =
    issue.state === 'open' ? i18n.t('card.state.open') : issue.reason === 'not_planned' ? i18n.t('card.state.notPlanned') : i18n.t('card.state.completed');
  const meta = el('p', 'gh-card__meta', el('span', `state state--${badge}`, stateText));
  if (issue.locked) meta.append(el('span', 'chip chip--muted', i18n.t('card.locked')));
  root.append(meta);
  if (view.stored)
    root.append(
      el(
        'div',
        'banner banner--warn',
        i18n.t(`card.stored.${view.stored}`, { when: issue.updated !== undefined ? i18n.relative(issue.updated, now, true) : i18n.t('never') }),
      ),
    );
  if (view.notice) {
    const n = el('div', `banner banner--${view.notice.tone === 'ok' ? 'info' : 'error'}`, view.notice.text);
    n.setAttribute('role', view.notice.tone === 'ok' ? 'status' : 'alert');
    root.append(n);
  }
  const live = !view.stored;
  const disabled = busy || !live;

  const facts = el('dl', 'gh-card__facts');
  const fact = (label: string, ...value: Array<Node | string>) => facts.append(el('dt', undefined, label), el('dd', undefined, ...value));

  const labels = el('span', 'chips');
  if (issue.labels.length === 0) labels.append(el('span', 'none', i18n.t('card.noLabels')));
  for (const l of issue.labels) {
    const chip = el('span', 'chip', l.name);
    chip.setAttribute('data-label', l.name);
    if (l.color) chip.style.setProperty('--label', `#${l.color}`);
    if (live)
      chip.append(button('×', 'chip__remove', () => on.act({ kind: 'remove-label', name: l.name }), disabled, i18n.t('card.removeLabel', { label: l.name })));
    labels.append(chip);
  }
  fact(i18n.t('card.labels'), labels);

  const people = el('span', 'chips');
  if (issue.assignees.length === 0) people.append(el('span', 'none', i18n.t('card.noAssignees')));
  for (const a of issue.assignees) {
    const chip = el('span', 'chip chip--person', `@${a}`);
    chip.setAttribute('data-assignee', a);
    if (live) chip.append(button('×', 'chip__remove', () => on.act({ kind: 'unassign', login: a }), disabled, i18n.t('card.unassign', { login: a })));
    people.append(chip);
  }
  fact(i18n.t('card.assignees'), people);
  fact(i18n.t('card.milestone'), issue.milestone ?? i18n.t('card.noMilestone'));
  const n = (v: number) => new Intl.NumberFormat(i18n.locale).format(v);
  fact(i18n.t('card.comments'), n(issue.comments));
  fact(i18n.t('card.plusOne'), n(issue.plusOne));
  if (issue.updated !== undefined) fact(i18n.t('card.updated'), i18n.relative(issue.updated, now, true));
  root.append(facts);

  if (live) root.append(actions(view, i18n, on, disabled));
  else
    root.append(
      el(
        'p',
        undefined,
        button(i18n.t('card.retry'), 'btn', () => on.retry()),
      ),
    );
  if (issue.url) {
    const a = el('a', 'gh-card__link', i18n.t('card.open')) as HTMLAnchorElement;
    a.href = issue.url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    root.append(el('p', undefined, a));
  }
  return root;
}

function actions(view: Extract<CardView, { kind: 'issue' }>, i18n: I18n, on: CardHandlers, disabled: boolean): HTMLElement {
  const { issue } = view;
  const box = el('div', 'gh-card__actions');
  if (issue.state === 'open') {
    box.append(
      button(i18n.t('card.closeCompleted'), 'btn', () => on.act({ kind: 'close', reason: 'completed' }), disabled),
      button(i18n.t('card.closeNotPlanned'), 'btn', () => on.act({ kind: 'close', reason: 'not_planned' }), disabled),
    );
  } else {
    box.append(button(i18n.t('card.reopen'), 'btn', () => on.act({ kind: 'reopen' }), disabled));
  }
  const labelChoices = view.choices.labels.filter((l) => !issue.labels.some((x) => x.name === l));
  box.append(picker('add-label', i18n.t('card.addLabel'), labelChoices, disabled, (name) => on.act({ kind: 'add-label', name })));
  const userChoices = view.choices.users.filter((u) => !issue.assignees.includes(u));
  box.append(picker('assign', i18n.t('card.assign'), userChoices, disabled, (login) => on.act({ kind: 'assign', login })));
  if (view.busy) box.append(el('span', 'busy', i18n.t('card.saving')));
  return box;
}

function picker(name: string, label: string, options: string[], disabled: boolean, choose: (v: string) => void): HTMLElement {
  const select = document.createElement('select');
  select.name = name;
  select.disabled = disabled || options.length === 0;
  select.setAttribute('aria-label', label);
  const first = document.createElement('option');
  first.value = '';
  first.textContent = label;
  select.append(first);
  for (const o of options) {
    const opt = document.createElement('option');
    opt.value = o;
    opt.textContent = o;
    select.append(opt);
  }
  select.addEventListener('change', () => {
    if (select.value) choose(select.value);
  });
  return select;
}

function button(text: string, className: string, click: () => void, disabled = false, label?: string): HTMLButtonElement {
  const b = el('button', className, text) as HTMLButtonElement;
  b.type = 'button';
  b.disabled = disabled;
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', click);
  return b;
}
