import { expect } from 'chai';
import { requestTimeout } from '../../server/connectors/github/request-timeout.js';

describe("A GitHub request's time limit", () => {
  const startedAt = 1_000_000;

  it("ends with the pull's deadline, plus a grace of a quarter of the budget", () => {
    const now = () => startedAt;
    expect(requestTimeout({ startedAt, now }, startedAt + 1000)).to.equal(1250);
    expect(requestTimeout({ startedAt, now }, startedAt + 500)).to.equal(625);
  });

  it('keeps a grace of at most 2 s on a long budget, and never waits past 15 s', () => {
    expect(requestTimeout({ startedAt, now: () => startedAt + 19_000 }, startedAt + 20_000)).to.equal(3000);
    expect(requestTimeout({ startedAt, now: () => startedAt }, startedAt + 60_000)).to.equal(15_000);
  });

  it('past the deadline, leaves a request only the grace (50 ms at least)', () => {
    expect(requestTimeout({ startedAt, now: () => startedAt + 5000 }, startedAt + 1000)).to.equal(50);
    expect(requestTimeout({ startedAt, now: () => startedAt + 1000 }, startedAt + 1000)).to.equal(250);
  });
});
