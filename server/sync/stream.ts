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
  /** Aborts a page read ahead that the drain no longer needs. */
  signal?: AbortSignal;
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
  /**
   * About how many more items the pull's budget takes (undefined: unknown). The next
   * page is read while this one is handed over only when there is room beyond this
   * page, so a pull that stops at its budget wastes no request.
   */
  room?: () => number;
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
  return new Drain(source, o).run();
}

/**
 * What reading one page told: read on, stop at the budget, or stop caught up: at the
 * list's end (its first ETag may be sent again), or after a full second's offset pages.
 */
type PageStep = 'next' | 'budget' | 'end' | 'caught-up';

/** One read of a stream: the cursor, the items of the second being gathered, the figures. */
class Drain<T extends StreamItem> {
  cursor: StreamCursor;
  since: number;
  pageUrl: string | undefined;
  horizon = Number.POSITIVE_INFINITY;
  included = 0;
  requests = 0;
  cursorMoved = false;
  deferred = false;
  firstEtag: string | undefined;
  group: T[] = [];
  groupIds = new Set<number>();
  groupTime = -1;

  constructor(
    readonly source: StreamSource<T>,
    readonly o: DrainOptions<T>,
  ) {
    this.cursor = { ...o.cursor };
    this.since = this.cursor.t;
  }

  /** The next page, asked for while the current one is handed over. */
  ahead: { request: PageRequest; page: Promise<StreamPage<T>>; abort: AbortController } | undefined;

  async run(): Promise<DrainResult> {
    const { o } = this;
    try {
      for (;;) {
        if (o.now() >= o.deadline) return this.result({ stoppedBy: 'time' });
        const first = this.requests === 0;
        const request: PageRequest = {
          since: this.since,
          ...(this.pageUrl ? { pageUrl: this.pageUrl } : {}),
          ...(first && o.etag ? { etag: o.etag } : {}),
        };
        const page = await this.take(request);
        this.requests++;
        if (first) {
          this.horizon = (page.serverTime ?? Math.floor(o.now() / 1000)) - o.settleSeconds;
          this.firstEtag = page.etag;
        }
        // Same answer as last time, which was fully handled: nothing new before the horizon.
        if (page.notModified) return this.result({ caughtUp: true, etag: o.etag });
        this.readAhead(page);
        const step = await this.readPage(page);
        if (step === 'budget') return this.result({ stoppedBy: 'budget' });
        if (step === 'caught-up') return this.result({ caughtUp: true });
        if (step === 'end') {
          const reusable = this.requests === 1 && !this.cursorMoved && !this.deferred;
          return this.result({ caughtUp: true, ...(reusable && this.firstEtag ? { etag: this.firstEtag } : {}) });
        }
      }
    } catch (error) {
      // A request cut short by the pull's own deadline is the time budget, not a failure,
      // unless nothing moved at all: then the next pull would only repeat it, so say why.
      if (o.now() >= o.deadline) return this.result({ stoppedBy: 'time', ...(this.cursorMoved ? {} : { error }) });
      return this.result({ stoppedBy: 'error', error });
    } finally {
      // A page read ahead that the drain ends without: its request is cut.
      this.ahead?.abort.abort();
    }
  }

  /** The page for `request`: the one read ahead if it asked the same, else a fresh read. */
  async take(request: PageRequest): Promise<StreamPage<T>> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead && ahead.request.since === request.since && ahead.request.pageUrl === request.pageUrl) return ahead.page;
    ahead?.abort.abort();
    return this.source.fetch(request);
  }

  /**
   * Asks for the page after `page` now, while `page` is handed over (the connector's
   * mapping overlaps the network's wait): where readPage will read next if it reads
   * on, when the budget has room beyond this page and time is left. One page ahead at
   * most, so one request of this stream is in flight at a time.
   */
  readAhead(page: StreamPage<T>): void {
    const { o } = this;
    const last = page.items[page.items.length - 1];
    if (!page.full || !last || page.items.some((i) => i.time >= this.horizon)) return;
    if (o.now() >= o.deadline || (o.room?.() ?? Number.POSITIVE_INFINITY) <= page.items.length) return;
    const next: PageRequest | undefined =
      last.time > this.since ? { since: last.time } : page.nextUrl ? { since: this.since, pageUrl: page.nextUrl } : undefined;
    if (!next) return;
    const abort = new AbortController();
    const ahead = this.source.fetch({ ...next, signal: abort.signal });
    // Handled where it is taken; one never taken must not be an unhandled rejection.
    ahead.catch(() => undefined);
    this.ahead = { request: next, page: ahead, abort };
  }

  /** Gathers a page's new items by second; decides where the next request starts. */
  async readPage(page: StreamPage<T>): Promise<PageStep> {
    const { cursor } = this;
    let atHorizon = false;
    for (const item of page.items) {
      if (item.time < cursor.t || (item.time === cursor.t && cursor.a !== undefined && item.id <= cursor.a)) continue;
      if (item.time >= this.horizon) {
        atHorizon = true;
        this.deferred = true;
        break;
      }
      if (item.time !== this.groupTime) {
        if (item.time < this.groupTime) continue; // an overlap from re-reading at `since`: already handled
        if (this.group.length > 0 && !(await this.flush())) return 'budget';
        this.groupTime = item.time;
      }
      if (!this.groupIds.has(item.id)) {
        this.groupIds.add(item.id);
        this.group.push(item);
      }
    }
    const last = page.items[page.items.length - 1];
    if (atHorizon || !page.full || !last) return this.group.length > 0 && !(await this.flush()) ? 'budget' : 'end';
    if (last.time > this.since) {
      this.since = last.time;
      this.pageUrl = undefined;
      return 'next';
    }
    if (page.nextUrl) {
      this.pageUrl = page.nextUrl; // more than a page of items in one second
      return 'next';
    }
    return this.group.length > 0 && !(await this.flush()) ? 'budget' : 'caught-up';
  }

  /** Hands a complete second's items over in id order; false when the budget stopped it. */
  async flush(): Promise<boolean> {
    this.group.sort((x, y) => x.id - y.id);
    for (const item of this.group) {
      if (item.time === this.cursor.t && this.cursor.a !== undefined && item.id <= this.cursor.a) continue;
      const verdict = await this.o.accept(item);
      if (verdict === 'no-room') return false;
      if (verdict === 'included') this.included++;
      this.cursor = { t: item.time, a: item.id };
      this.cursorMoved = true;
    }
    this.group = [];
    this.groupIds = new Set();
    return true;
  }

  result(extra: Partial<DrainResult>): DrainResult {
    return {
      cursor: this.cursor,
      caughtUp: false,
      horizon: Number.isFinite(this.horizon) ? this.horizon : this.cursor.t,
      included: this.included,
      requests: this.requests,
      ...extra,
    };
  }
}
