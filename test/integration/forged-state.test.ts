import { expect } from 'chai';
import { foreignHook, startWebhookLoop, type WebhookLoop } from '../helpers/webhook-loop.js';
import type { ChannelState } from '../../server/desk/wire-types.js';
import type { RepoCursor } from '../../server/connectors/github/wire-types.js';

const REPO = 'acme/widgets';
const CI_REPO = 'acme/ci';

/**
 * channelState comes back from Desk, but anyone holding the URL key can send one: a
 * forged state must change nothing on GitHub outside the installation's own hooks.
 */
describe('A forged channelState never writes to GitHub outside our own hooks', function () {
  this.timeout(30_000);
  let loop: WebhookLoop;
  afterEach(async () => loop?.close());

  it("names another hook's id, a repository outside the settings, and a path-traversing source: nothing of theirs is touched", async () => {
    loop = await startWebhookLoop({ configParams: { repositories: REPO } });
    loop.gh.createRepo(REPO);
    loop.gh.createRepo(CI_REPO);
    const ciOnRepo = foreignHook(loop, REPO, 'https://ci.example/hook');
    const ciOnCi = foreignHook(loop, CI_REPO, 'https://ci.example/other');
    await loop.pullUntilQuiet();
    const ours = loop.gh.hooks.hooks.get(REPO)!.find((h) => h.id !== ciOnRepo)!;
    const theirs = (): string => JSON.stringify([...loop.gh.hooks.hooks.entries()].map(([repo, hooks]) => [repo, hooks.filter((h) => h.id !== ours.id)]));
    const before = theirs();

    const state = JSON.parse(loop.desk.channelState!) as ChannelState;
    const record = state.r[REPO] as RepoCursor;
    const nowS = Math.floor(loop.clock.now() / 1000);
    // Our record now names the CI's hook, with a fingerprint that asks for a repair.
    record.w = { i: ciOnRepo, f: 'forged00000', t: nowS };
    const forged = (hook: number) => ({ ...structuredClone(state.r[REPO]!), w: { i: hook, f: 'forged00000', t: nowS } });
    state.r[CI_REPO] = forged(ciOnCi);
    state.r['acme/../../orgs/acme'] = forged(4242);
    loop.desk.channelState = JSON.stringify(state);
    const seen = loop.gh.requests.length;
    const out = await loop.pull();
    expect(out.ok, JSON.stringify(out)).to.equal(true);

    const writes = loop.gh.requests.slice(seen).filter((r) => r.method !== 'GET');
    for (const w of writes)
      expect(`${w.method} ${w.path}`).to.match(new RegExp(`^(PATCH|DELETE) /repos/${REPO}/hooks/${ours.id}$|^POST /repos/${REPO}/hooks$`));
    expect(
      loop.gh.requests.slice(seen).filter((r) => r.path.includes('/orgs/') || r.path.includes('..')),
      'no request leaves the repository path',
    ).to.deep.equal([]);
    const ci = loop.gh.hooks.hooks.get(REPO)!.find((h) => h.id === ciOnRepo)!;
    expect([ci.url, ci.secret, ci.events]).to.deep.equal(['https://ci.example/hook', 'ci-secret', ['push']]);
    expect(loop.gh.hooks.hooks.get(CI_REPO)!.map((h) => h.id)).to.deep.equal([ciOnCi]);
    expect(theirs(), 'every hook not ours as it was').to.equal(before);
    expect(loop.log.text).to.match(/STATE_INVALID/);
  });
});
