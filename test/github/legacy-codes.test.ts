import { expect } from 'chai';
import { decodeChannelState } from '../../server/desk/channel-state.js';
import { decodeState } from '../../widget/state.js';
import { LEGACY_CODES } from '../../server/connectors/github/legacy-codes.js';
import { ERROR_CATALOGUE, SYNC_ERROR_CODES } from '../../server/errors.js';

describe('Error codes of an earlier release in channelState', () => {
  const at = 1_780_000_000;
  const old = JSON.stringify({
    v: 1,
    at,
    r: { 'acme/widgets': { i: { t: at - 60 }, s: { n: 0, err: { c: 'GITHUB_RATE_LIMITED', t: at, k: 2 } } } },
    err: { c: 'GITHUB_UNAUTHORIZED', t: at },
  });

  it('the server reads them under their generic names, the count of failures carried on', () => {
    const { state } = decodeChannelState(old, at * 1000, LEGACY_CODES);
    expect(state?.r['acme/widgets']?.s.err).to.deep.equal({ c: 'UPSTREAM_RATE_LIMITED', t: at, k: 2 });
    expect(state?.err?.c).to.equal('UPSTREAM_UNAUTHORIZED');
  });

  it('the widget reads them the same way, so their translated hint still shows', () => {
    const view = decodeState(old);
    expect(view.kind).to.equal('ok');
    if (view.kind !== 'ok') return;
    expect(view.state.repos[0]?.error?.code).to.equal('UPSTREAM_RATE_LIMITED');
    expect(view.state.error?.code).to.equal('UPSTREAM_UNAUTHORIZED');
  });

  it("names only codes of today's catalogue that a sync records", () => {
    for (const code of Object.values(LEGACY_CODES)) {
      expect(ERROR_CATALOGUE).to.have.property(code);
      expect(SYNC_ERROR_CODES).to.include(code);
    }
  });
});
