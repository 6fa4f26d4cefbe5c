import { el } from './dom.js';
import { healthOf, STALE_AFTER_SECONDS, type Health } from './health.js';
import type { I18n } from './i18n.js';
import type { Decoded, RepoView } from './state.js';

const ORDER: Health[] = ['failing', 'rate-limited', 'stale', 'behind', 'waiting', 'healthy'];

/** The whole status page for one reading of the config. */
export function renderStatus(decoded: Decoded, repos: string[], i18n: I18n, now: number): HTMLElement {
  const state = decoded.kind === 'ok' ? decoded.state : undefined;
  const names = [...new Set([...repos, ...(state?.repos.map((r) => r.name) ?? [])])];
  const byName = new Map(state?.repos.map((r) => [r.name, r]));
  const healths = names.map((n) => healthOf(byName.get(n), state?.at, now));
  // An error of the whole installation (CONFIG_INVALID) outranks what each repository says.
  const worst = state?.error ? 'failing' : (ORDER.find((h) => healths.includes(h)) ?? 'waiting');

  const root = el('main', 'gh-sync');
  root.append(el('header', 'gh-sync__header', el('h1', undefined, i18n.t('title')), el('p', `summary summary--${worst}`, i18n.t(`summary.${worst}`))));

  const banner = bannerOf(decoded, i18n, now);
  if (banner) root.append(banner);
  if (names.length === 0) root.append(el('p', 'empty', i18n.t('noRepositories')));
  names.forEach((name, k) => root.append(repoCard(name, byName.get(name), healths[k]!, state?.at, i18n, now)));
  if (state) root.append(el('footer', 'gh-sync__footer', i18n.t('lastPullAll', { when: i18n.relative(state.at, now, true) })));
  return root;
}

function bannerOf(decoded: Decoded, i18n: I18n, now: number): HTMLElement | undefined {
  if (decoded.kind === 'empty') return el('div', 'banner banner--info', el('strong', undefined, i18n.t('waiting')), ' ', i18n.t('waitingHint'));
  if (decoded.kind === 'unreadable') return el('div', 'banner banner--warn', i18n.t('unreadable'));
  if (decoded.kind === 'old-version') return el('div', 'banner banner--warn', i18n.t('oldVersion'));
  if (decoded.kind === 'new-version') return el('div', 'banner banner--warn', i18n.t('newerVersion'));
  const { state } = decoded;
  if (state.error) return el('div', 'banner banner--error', el('strong', undefined, i18n.t('failingAll')), ' ', hint(state.error.code, i18n));
  if (now - state.at > STALE_AFTER_SECONDS) return el('div', 'banner banner--warn', i18n.t('staleHint', { when: i18n.relative(state.at, now, true) }));
  return undefined;
}

function repoCard(name: string, repo: RepoView | undefined, health: Health, lastPull: number | undefined, i18n: I18n, now: number): HTMLElement {
  const card = el('section', `repo repo--${health}`);
  card.setAttribute('data-health', health);
  card.append(el('h2', 'repo__title', el('span', 'repo__name', name), el('span', `badge badge--${health}`, i18n.t(`health.${health}`))));
  if (!repo) {
    card.append(el('p', 'repo__hint', i18n.t('waitingRepo')));
    return card;
  }
  const facts = el('dl', 'repo__facts');
  const fact = (label: string, value: string) => facts.append(el('dt', undefined, label), el('dd', undefined, value));
  fact(i18n.t('lastPull'), lastPull !== undefined ? i18n.relative(lastPull, now, true) : i18n.t('never'));
  fact(i18n.t('lastSuccess'), repo.ok !== undefined ? i18n.relative(repo.ok, now, true) : i18n.t('never'));
  fact(i18n.t('items'), new Intl.NumberFormat(i18n.locale).format(repo.items));
  fact(i18n.t('backlog'), repo.more || repo.lag > 0 ? i18n.t('behindBy', { duration: i18n.duration(repo.lag) }) : i18n.t('upToDate'));
  fact(
    i18n.t('rateLimit'),
    repo.rate
      ? i18n.t('rateLeft', {
          left: new Intl.NumberFormat(i18n.locale).format(repo.rate.remaining),
          limit: new Intl.NumberFormat(i18n.locale).format(repo.rate.limit),
          reset: i18n.relative(repo.rate.reset, now),
        })
      : i18n.t('notVisible'),
  );
  fact(i18n.t('delivery'), i18n.t(`delivery.${repo.delivery}`));
  card.append(facts);
  if (repo.nextAllowedAt !== undefined && repo.nextAllowedAt > now)
    card.append(el('p', 'repo__note', i18n.t('resumes', { when: i18n.relative(repo.nextAllowedAt, now) })));
  if (repo.error) {
    const meta = [repo.error.code, repo.error.count > 1 ? i18n.t('failures', { count: repo.error.count }) : undefined].filter(Boolean).join(' · ');
    card.append(el('p', 'repo__hint', hint(repo.error.code, i18n)), el('p', 'repo__meta', meta, ' · ', i18n.relative(repo.error.at, now, true)));
  }
  return card;
}

function hint(code: string, i18n: I18n): string {
  return i18n.has(`error.${code}`) ? i18n.t(`error.${code}`) : i18n.t('error.unknown', { code });
}
