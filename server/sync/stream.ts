/**
 * Reads one change stream (a list sorted by update time, oldest first, with an
 * inclusive `since`) from a cursor, and hands each new item to the connector in a
 * fixed order: by time, then by id. The cursor moves only past items that were
 * handed over and accepted (or deliberately skipped, like a filtered-out item), so a
 * stop at any point -- budget, deadline, failure -- resumes exactly there.
 *
 * Two things make that exact:
 * - Keyset reading: after a full page the next request starts again at the last time
 *   seen instead of following offset pages, which shift when an item is updated while
 *   we read (the item moves to the end and the first item of the next page slides onto
 *   the page already read). Offset pages (Link rel="next", as given) are followed only
 *   inside one second that holds more than a page of items.
 * - A settle horizon: items updated in the last few seconds before the API's clock are
 *   left for the next pull, because another write in the same second could still get an
 *   id below the cursor's tie-breaker.
 */
export interface StreamItem {
  /** Update time, epoch seconds. */
  time: number;
  /** Tie-breaker among items updated in the same second. */
  id: number;
}

export interface StreamCursor {
  /** Everything updated before t has been handled... */
  t: number;
  /** ...and of the items updated exactly at t, those with id <= a. */
  a?: number;
}

export interface PageRequest {
  since: number;
  /** An offset page URL (Link rel="next") inside one second's items. */
  pageUrl?: string;
  /** For the first request only: the ETag this exact request got last time. */
  etag?: string;
}

export interface StreamPage<T> {
  items: T[];
  /** The page was full: more may follow. */
  full: boolean;
  nextUrl?: string;
  etag?: string;
  notModified?: boolean;
  /** The API's clock (Date header), epoch seconds, where known. */
  serverTime?: number;
}

export interface StreamSource<T extends StreamItem> {
  fetch(request: PageRequest): Promise<StreamPage<T>>;
}

/** What the connector did with an item: included it, skipped it for good, or had no room. */
export type Verdict = 'included' | 'skipped' | 'no-room';

export interface DrainOptions<T> {
  cursor: StreamCursor;
  etag?: string | undefined;
  accept: (item: T) => Promise<Verdict>;
  /** Epoch ms; no request starts after it. */
  deadline: number;
  now: () => number;
  settleSeconds: number;
}

export interface DrainResult {
  cursor: StreamCursor;
  /** Every item before the settle horizon has been handled. */
  caughtUp: boolean;
  /** The horizon (epoch seconds) this read settled to; valid when caughtUp. */
  horizon: number;
  stoppedBy?: 'budget' | 'time' | 'error';
  error?: unknown;
  /** An ETag worth sending next time: set only when the same request will be made again. */
  etag?: string;
  included: number;
  requests: number;
}

export async function drainStream<T extends StreamItem>(source: StreamSource<T>, o: DrainOptions<T>): Promise<DrainResult> {
  let cursor: StreamCursor = { ...o.cursor };
  let since = cursor.t;
  let pageUrl: string | undefined;
  let horizon = Number.POSITIVE_INFINITY;
  let included = 0;
  let requests = 0;
  let cursorMoved = false;
  let deferred = false;
  let firstEtag: string | undefined;
  let group: T[] = [];
  let groupIds = new Set<number>();
  let groupTime = -1;

  const result = (extra: Partial<DrainResult>): DrainResult => ({
    cursor,
    caughtUp: false,
    horizon: Number.isFinite(horizon) ? horizon : cursor.t,
    included,
    requests,
    ...extra,
  });

  /** Hands a complete second's items over in id order; false when the budget stopped it. */
  const flush = async (): Promise<boolean> => {
    group.sort((x, y) => x.id - y.id);
    for (const item of group) {
      if (item.time === cursor.t && cursor.a !== undefined && item.id <= cursor.a) continue;
      const verdict = await o.accept(item);
      if (verdict === 'no-room') return false;
      if (verdict === 'included') included++;
      cursor = { t: item.time, a: item.id };
      cursorMoved = true;
    }
    group = [];
    groupIds = new Set();
    return true;
  };

  try {
    for (;;) {
      if (o.now() >= o.deadline) return result({ stoppedBy: 'time' });
      const first = requests === 0;
      const page = await source.fetch({ since, ...(pageUrl ? { pageUrl } : {}), ...(first && o.etag ? { etag: o.etag } : {}) });
      requests++;
      if (first) {
        horizon = (page.serverTime ?? Math.floor(o.now() / 1000)) - o.settleSeconds;
        firstEtag = page.etag;
      }
      if (page.notModified) {
        // Same answer as last time, which was fully handled: nothing new before the horizon.
        return result({ caughtUp: true, etag: o.etag });
      }

      let atHorizon = false;
      for (const item of page.items) {
        if (item.time < cursor.t || (item.time === cursor.t && cursor.a !== undefined && item.id <= cursor.a)) continue;
        if (item.time >= horizon) {
          atHorizon = true;
          deferred = true;
          break;
        }
        if (item.time !== groupTime) {
          if (item.time < groupTime) continue; // an overlap from re-reading at `since`: already handled
          if (group.length > 0 && !(await flush())) return result({ stoppedBy: 'budget' });
          groupTime = item.time;
        }
        if (!groupIds.has(item.id)) {
          groupIds.add(item.id);
          group.push(item);
        }
      }

      const last = page.items[page.items.length - 1];
      if (atHorizon || !page.full || !last) {
        if (group.length > 0 && !(await flush())) return result({ stoppedBy: 'budget' });
        const reusable = requests === 1 && !cursorMoved && !deferred;
        return result({ caughtUp: true, ...(reusable && firstEtag ? { etag: firstEtag } : {}) });
      }
      if (last.time > since) {
        since = last.time;
        pageUrl = undefined;
      } else if (page.nextUrl) {
        pageUrl = page.nextUrl; // more than a page of items in one second
      } else {
        if (group.length > 0 && !(await flush())) return result({ stoppedBy: 'budget' });
        return result({ caughtUp: true });
      }
    }
  } catch (error) {
    // A request cut short by the pull's own deadline is the time budget, not a failure,
    // unless nothing moved at all: then the next pull would only repeat it, so say why.
    if (o.now() >= o.deadline) return result({ stoppedBy: 'time', ...(cursorMoved ? {} : { error }) });
    return result({ stoppedBy: 'error', error });
  }
}
