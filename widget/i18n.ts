/** Translations from app/translations/<locale>.json, with {placeholders}; English fills gaps. */
export type Messages = Record<string, string>;

export class I18n {
  constructor(
    readonly locale: string,
    private readonly messages: Messages,
    private readonly fallback: Messages,
  ) {}

  t(key: string, vars: Record<string, string | number> = {}): string {
    const text = this.messages[key] ?? this.fallback[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
  }

  has(key: string): boolean {
    return key in this.messages || key in this.fallback;
  }

  /** "3 minutes ago", "in 2 hours", in the Desk locale. */
  relative(epochSeconds: number, now: number, past = false): string {
    // A past event stamped a little ahead by the server's clock still reads "now", not "in 3 seconds".
    const diff = past ? Math.min(0, epochSeconds - now) : epochSeconds - now;
    const abs = Math.abs(diff);
    const fmt = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' });
    if (abs < 45) return fmt.format(Math.round(diff), 'second');
    if (abs < 45 * 60) return fmt.format(Math.round(diff / 60), 'minute');
    if (abs < 36 * 3600) return fmt.format(Math.round(diff / 3600), 'hour');
    return fmt.format(Math.round(diff / 86400), 'day');
  }

  /** A duration like "2 h 5 min", with the locale's digits. */
  duration(seconds: number): string {
    const n = (v: number) => new Intl.NumberFormat(this.locale).format(v);
    if (seconds < 90) return this.t('unit.seconds', { n: n(Math.round(seconds)) });
    if (seconds < 5400) return this.t('unit.minutes', { n: n(Math.round(seconds / 60)) });
    if (seconds < 172_800) return this.t('unit.hours', { n: n(Math.round(seconds / 3600)) });
    return this.t('unit.days', { n: n(Math.round(seconds / 86400)) });
  }
}

/** The locales of plugin-manifest.json, each with app/translations/<locale>.json. */
export const LOCALES = ['en', 'de', 'fr', 'es', 'ja'];

export async function loadMessages(locale: string): Promise<{ i18n: I18n }> {
  const get = async (l: string): Promise<Messages | undefined> => {
    try {
      const res = await fetch(`translations/${encodeURIComponent(l)}.json`);
      return res.ok ? ((await res.json()) as Messages) : undefined;
    } catch {
      return undefined;
    }
  };
  const base = locale.toLowerCase().split(/[-_]/)[0] ?? 'en';
  const fallback = (await get('en')) ?? {};
  const messages = (base !== 'en' && LOCALES.includes(base) && (await get(base))) || fallback;
  return { i18n: new I18n(messages === fallback ? 'en' : base, messages, fallback) };
}
