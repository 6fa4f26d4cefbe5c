import { expect } from 'chai';
import { drainStream, type PageRequest, type StreamPage, type StreamSource, type Verdict } from '../../server/sync/stream.js';

interface It {
  time: number;
  id: number;
}

/**
 * An in-memory list with GitHub's list semantics (sorted by time, ties in arbitrary
 * order, `since` inclusive, offset pages), so the reader's ordering can be proven
 * without a network. The HTTP path is covered by the integration tests.
 */
class ListSource implements StreamSource<It> {
  requests: PageRequest[] = [];
  constructor(
    public items: It[],
    private perPage = 3,
    private serverTime = 10_000,
  ) {}
  async fetch(req: PageRequest): Promise<StreamPage<It>> {
    this.requests.push(req);
    const page = req.pageUrl ? Number(new URL(req.pageUrl).searchParams.get('page')) : 1;
    const since = req.pageUrl ? Number(new URL(req.pageUrl).searchParams.get('since')) : req.since;
    // ties reversed by id, to prove the reader orders them itself
    const all = this.items.filter((i) => i.time >= since).sort((a, b) => a.time - b.time || b.id - a.id);
    const slice = all.slice((page - 1) * this.perPage, page * this.perPage);
    const more = all.length > page * this.perPage;
    return {
      items: slice,
      full: slice.length === this.perPage,
      ...(more ? { nextUrl: `https://api.example/x?since=${since}&page=${page + 1}` } : {}),
      serverTime: this.serverTime,
    };
  }
}

const now = () => 5_000_000; // ms; deadline far ahead
const opts = (accept: (i: It) => Promise<Verdict>, cursor = { t: 0 }) => ({ cursor, accept, deadline: Number.MAX_SAFE_INTEGER, now, settleSeconds: 5 });

describe('drainStream: reading a change stream from a cursor', () => {
  it('hands every item over once, oldest first and by id within a second, across pages', async () => {
    const items = [
      { time: 1, id: 5 },
      { time: 1, id: 2 },
      { time: 2, id: 9 },
      { time: 2, id: 1 },
      { time: 2, id: 4 },
      { time: 3, id: 7 },
      { time: 4, id: 3 },
      { time: 4, id: 8 },
    ];
    const seen: It[] = [];
    const r = await drainStream(
      new ListSource(items),
      opts(async (i) => (seen.push(i), 'included')),
    );
    expect(seen.map((i) => `${i.time}:${i.id}`)).to.deep.equal(['1:2', '1:5', '2:1', '2:4', '2:9', '3:7', '4:3', '4:8']);
    expect(r.caughtUp).to.equal(true);
    expect(r.cursor).to.deep.equal({ t: 4, a: 8 });
    expect(r.included).to.equal(8);
  });

  it('follows offset pages only inside one second holding more than a page', async () => {
    const items = [1, 2, 3, 4, 5, 6, 7].map((id) => ({ time: 3, id })).concat([{ time: 4, id: 1 }]);
    const src = new ListSource(items, 3);
    const seen: string[] = [];
    const r = await drainStream(
      src,
      opts(async (i) => (seen.push(`${i.time}:${i.id}`), 'included')),
    );
    expect(seen).to.deep.equal(['3:1', '3:2', '3:3', '3:4', '3:5', '3:6', '3:7', '4:1']);
    expect(src.requests.some((q) => q.pageUrl)).to.equal(true);
    expect(r.cursor).to.deep.equal({ t: 4, a: 1 });
  });

  it('stops at the budget mid-second and the next read resumes exactly after the last item taken', async () => {
    const items = [
      { time: 1, id: 1 },
      { time: 2, id: 3 },
      { time: 2, id: 1 },
      { time: 2, id: 2 },
      { time: 3, id: 1 },
    ];
    let room = 3;
    const first: string[] = [];
    const r1 = await drainStream(
      new ListSource(items),
      opts(async (i) => (room-- > 0 ? (first.push(`${i.time}:${i.id}`), 'included') : 'no-room')),
    );
    expect(first).to.deep.equal(['1:1', '2:1', '2:2']);
    expect(r1.stoppedBy).to.equal('budget');
    expect(r1.cursor).to.deep.equal({ t: 2, a: 2 });
    const second: string[] = [];
    const r2 = await drainStream(
      new ListSource(items),
      opts(async (i) => (second.push(`${i.time}:${i.id}`), 'included'), r1.cursor),
    );
    expect(second).to.deep.equal(['2:3', '3:1']);
    expect(r2.caughtUp).to.equal(true);
  });

  it('moves the cursor over skipped items, so a filtered item at the boundary is not fetched forever', async () => {
    const r = await drainStream(
      new ListSource([
        { time: 1, id: 1 },
        { time: 2, id: 2 },
      ]),
      opts(async () => 'skipped'),
    );
    expect(r.cursor).to.deep.equal({ t: 2, a: 2 });
    expect(r.included).to.equal(0);
  });

  it('leaves items inside the settle horizon for the next pull', async () => {
    const src = new ListSource(
      [
        { time: 100, id: 1 },
        { time: 197, id: 2 },
      ],
      3,
      200,
    );
    const seen: number[] = [];
    const r = await drainStream(
      src,
      opts(async (i) => (seen.push(i.id), 'included')),
    );
    expect(seen).to.deep.equal([1]);
    expect(r.caughtUp).to.equal(true);
    expect(r.horizon).to.equal(195);
    expect(r.etag).to.equal(undefined);
  });

  it('offers the ETag for reuse only when the same request will be made and nothing was left unread', async () => {
    const src = new ListSource([{ time: 1, id: 1 }]);
    src.fetch = async (req) => ({
      items: [{ time: 1, id: 1 }],
      full: false,
      etag: 'W/"e1"',
      serverTime: 100,
      ...(req.etag === 'W/"e1"' ? { notModified: true } : {}),
    });
    const moved = await drainStream(
      src,
      opts(async () => 'included'),
    );
    expect(moved.etag).to.equal(undefined); // the cursor moved: next request differs
    const idle = await drainStream(
      src,
      opts(async () => 'included', moved.cursor),
    );
    expect(idle.etag).to.equal('W/"e1"');
    const conditional = await drainStream(src, { ...opts(async () => 'included', moved.cursor), etag: idle.etag });
    expect(conditional.caughtUp).to.equal(true);
    expect(conditional.etag).to.equal('W/"e1"');
    expect(conditional.cursor).to.deep.equal(moved.cursor);
  });

  it('keeps what it took before a failure and reports the failure', async () => {
    const src = new ListSource(
      [
        { time: 1, id: 1 },
        { time: 2, id: 1 },
        { time: 3, id: 1 },
        { time: 4, id: 1 },
      ],
      2,
    );
    const real = src.fetch.bind(src);
    let calls = 0;
    src.fetch = async (req) => {
      if (++calls === 2) throw new Error('boom');
      return real(req);
    };
    const r = await drainStream(
      src,
      opts(async () => 'included'),
    );
    expect(r.stoppedBy).to.equal('error');
    expect(r.cursor).to.deep.equal({ t: 1, a: 1 }); // the second of page 1 may have company on page 2
    expect(r.included).to.equal(1);
  });

  it('starts no request after the deadline', async () => {
    const src = new ListSource([{ time: 1, id: 1 }]);
    const r = await drainStream(src, { ...opts(async () => 'included'), deadline: 0 });
    expect(r.stoppedBy).to.equal('time');
    expect(src.requests.length).to.equal(0);
  });

  it('asks for the next page while this one is handed over, and cuts it when the drain stops first', async () => {
    const items = Array.from({ length: 9 }, (_, k) => ({ time: k + 1, id: k + 1 }));
    const src = new ListSource(items, 3);
    const asked: number[] = [];
    // The first item is accepted only once the second page has been asked for: the read ahead.
    const r = await drainStream(
      src,
      opts(async () => {
        asked.push(src.requests.length);
        return 'included';
      }),
    );
    expect(r.included).to.equal(9);
    expect(asked[0], 'page two asked before page one is handed over').to.equal(2);
    expect(
      src.requests.map((q) => q.since),
      'the same requests as without it',
    ).to.deep.equal([0, 3, 5, 7, 9]);

    // A drain that stops at its budget: the page read ahead is aborted, not left running.
    const stop = new ListSource(items, 3);
    let n = 0;
    const stopped = await drainStream(
      stop,
      opts(async () => (++n > 2 ? 'no-room' : 'included')),
    );
    expect(stopped.stoppedBy).to.equal('budget');
    expect(stop.requests).to.have.length(3);
    expect(stop.requests[1]!.signal?.aborted, 'a page read ahead and used').to.equal(false);
    expect(stop.requests[2]!.signal?.aborted, 'the page read ahead when the budget stopped is cut').to.equal(true);

    // No room beyond this page: nothing is read ahead.
    const tight = new ListSource(items, 3);
    await drainStream(tight, { ...opts(async () => 'no-room'), room: () => 3 });
    expect(tight.requests).to.have.length(1);
  });
});
