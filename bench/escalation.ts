/**
 * `npx tsx bench/escalation.ts` (npm run bench:escalation): what closing the loop costs.
 * The real server with webhooks, the fake GitHub and the Desk simulator on loopback; an
 * issue with N linked tickets (e-mail, chat) is closed as completed on GitHub, and we
 * measure, per closed issue: the time from the close until every linked ticket has its
 * private note, status and draft (delivery path), the Desk API calls it took (each an
 * API credit, by call), GitHub calls; and what a pull's reconciler costs when there is
 * nothing to tell. Medians and spread over BENCH_RUNS rounds. No assertions.
 */
import { startFakeGitHub } from '../sandbox/fake-github/index.js';
import { channelUrls, startDeskSimulator } from '../sandbox/desk-simulator/index.js';
import { freePort } from '../sandbox/free-port.js';
import { createConnector } from '../server/channel-factory.js';
import { startServer } from '../server/server.js';
import { localConfig } from '../sandbox/local-config.js';
import { formatLinks } from '../server/escalation/links.js';
import type { DeskApiKind } from '../sandbox/desk-simulator/tickets-api.js';
import { median, percentile, round } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_LINKED ?? '1,10,50').split(',').map(Number);
const REPO = 'acme/widgets';
const SECRET = 'bench-extension-secret';
const TOKEN = 'bench-github-token';
const DESK_TOKEN = 'bench-desk-token';

async function main(): Promise<void> {
  const gh = await startFakeGitHub({ token: TOKEN });
  gh.createRepo(REPO);
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const desk = await startDeskSimulator({
    secret: SECRET,
    channel: channelUrls(serverUrl),
    configParams: {
      repositories: REPO,
      links_in_use: 'yes',
      loop_closed_status: 'Fixed - tell customer',
      loop_draft_template: 'Fixed: {{issue.title}} {{issue.url}}',
    },
    connections: { github: { token: TOKEN }, zohodesk: { token: DESK_TOKEN } },
  });
  const config = localConfig({
    port,
    extensionSecret: SECRET,
    transport: 'invoke',
    upstream: { apiUrl: gh.url, token: undefined },
    deskApiUrl: desk.url,
    publicUrl: serverUrl,
    deskConnection: 'zohodesk',
    claimStore: 'none',
    logLevel: 'silent',
  });
  const parts = createConnector(config);
  const channel = parts.channel;
  const server = await startServer(config, parts);
  await desk.pullOnce(); // installs the hook
  await gh.hooks.settled();

  const rows: string[] = [];
  const results: Record<string, unknown> = {};
  const calls = (from: number) => {
    const by: Partial<Record<DeskApiKind, number>> = {};
    for (const e of desk.desk.log.slice(from)) by[e.kind] = (by[e.kind] ?? 0) + 1;
    return by;
  };
  for (const n of SIZES) {
    const ms: number[] = [];
    let deskCalls: Partial<Record<DeskApiKind, number>> = {};
    let ghCalls = 0;
    let pullDesk: Partial<Record<DeskApiKind, number>> = {};
    let pullGh = 0;
    for (let run = 0; run < RUNS; run++) {
      const issue = gh.createIssue(REPO, { title: `Export fails (${n}, ${run})` });
      const repoId = gh.repoId(REPO);
      const tickets = Array.from({ length: n }, (_, i) => {
        const t = desk.desk.createTicket({ subject: `customer ${i}`, channel: i % 2 ? 'CHAT' : 'EMAIL' });
        t.cf.cf_github_issues = formatLinks([{ repoId, number: issue.number, ack: { kind: 'o' } }]);
        return t;
      });
      // A pull with nothing to tell (the issue is open): the reconciler's cost alone. Earlier rounds' tickets are linked too.
      const p0 = desk.desk.log.length;
      const g0 = gh.requests.length;
      await desk.pullOnce();
      pullDesk = calls(p0);
      pullGh = gh.requests.length - g0;

      const d0 = desk.desk.log.length;
      const r0 = gh.requests.length;
      const start = performance.now();
      gh.editIssue(REPO, issue.number, { state: 'closed', stateReason: 'completed' });
      await new Promise<void>((resolve) => {
        const check = () => (tickets.every((t) => t.drafts.length === 1 && t.status === 'Fixed - tell customer') ? resolve() : setTimeout(check, 2));
        check();
      });
      ms.push(performance.now() - start);
      await channel.idle?.();
      deskCalls = calls(d0);
      ghCalls = gh.requests.length - r0;
      for (const t of tickets) t.cf.cf_github_issues = null; // the next round measures its own tickets
    }
    const total = Object.values(deskCalls).reduce((a, b) => a + b, 0);
    results[`linked_${n}`] = {
      close_to_all_told_ms: { median: round(median(ms)), p10: round(percentile(ms, 10)), p90: round(percentile(ms, 90)), runs: RUNS },
      desk_calls_per_closed_issue: total,
      desk_calls_by_kind: deskCalls,
      desk_calls_per_ticket: round(total / n),
      github_calls_per_closed_issue: ghCalls,
      pull_nothing_to_tell: { desk_calls: pullDesk, github_calls: pullGh },
    };
    rows.push(
      `${String(n).padStart(3)} linked: close → all told median ${round(median(ms))} ms (p10 ${round(percentile(ms, 10))}, p90 ${round(percentile(ms, 90))}); ` +
        `Desk calls ${total} (${round(total / n)} per ticket: ${JSON.stringify(deskCalls)}); GitHub calls ${ghCalls}; ` +
        `a whole pull (sync and reconciler) with nothing to tell: Desk ${JSON.stringify(pullDesk)}, GitHub ${pullGh}`,
    );
  }
  console.log(`escalation loop, ${RUNS} rounds each, ${new Date().toISOString()}\n${rows.join('\n')}`);
  console.log(JSON.stringify(results, null, 2));
  await desk.close();
  await server.close();
  await gh.close();
}

await main();
