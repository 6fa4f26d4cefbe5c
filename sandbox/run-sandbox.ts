/**
 * `npm start` with no configuration: the whole loop on 127.0.0.1, in one process.
 * A fake GitHub with a few realistic repositories and live activity; the real channel
 * server, calling GitHub through the Desk simulator's Invoke API exactly as in
 * production; the Desk simulator pulling every few seconds; one agent reply posted
 * back; tickets of other channels linked to an issue that is then closed (the escalation
 * loop); and the widgets served with a stand-in Desk SDK.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGitHub } from './fake-github/index.js';
import { seedRealistic, startActivity } from './fake-github/activity.js';
import { channelUrls, startDeskSimulator, type PullOutcome } from './desk-simulator/index.js';
import { startWidgetHost } from './widget-host.js';
import { startServer } from '../server/server.js';
import { createConnector } from '../server/channel-factory.js';
import type { ServerConfig } from '../server/config.js';
import { localConfig } from './local-config.js';
import { decodeChannelState } from '../server/desk/channel-state.js';
import { freePort } from './free-port.js';
import type { ImportReport } from '../server/deliveries/coalescer.js';
import { SANDBOX_LOOP_PARAMS, startEscalationStory } from './escalation-story.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PULL_SECONDS = Number(process.env.SANDBOX_PULL_SECONDS ?? 5);

type Desk = Awaited<ReturnType<typeof startDeskSimulator>>;
type GitHub = Awaited<ReturnType<typeof startFakeGitHub>>;
const TOKEN = 'sandbox-github-token';
const SECRET = 'sandbox-extension-secret';
const DESK_TOKEN = 'sandbox-desk-token';

export async function runSandbox(): Promise<void> {
  const { gh, repos, stopActivity } = await startSeededGitHub();
  const { desk, server, webhooks } = await startChannelAndDesk(gh, repos);
  buildWidgetIfMissing();
  const widget = await startSandboxWidget(desk, gh);
  const install = await desk.sendCallback('onInstall');
  console.log(banner({ server: server.url, webhooks, gh: gh.url, repos, desk: desk.url, widget: widget.url, origin: widget.origin, install: install.status }));
  let stopStory = (): void => undefined;
  const pulls = pullAndReplyOnce(desk, gh, widget.origin, () => {
    stopStory = startEscalationStory(desk, gh, repos[0]!, (id) => `${widget.origin}/app/card.html?ticket=${id}`, 3 * PULL_SECONDS * 1000);
  });
  await untilSignal();
  console.log('\nstopping…');
  stopStory();
  stopActivity();
  await desk.close();
  await widget.close();
  // As production stops (service.ts), with a short grace: a reply caught mid-way (its claim
  // waiting on a Desk that is gone) is cut after 2 s instead of holding Ctrl-C for its TTL.
  await server.shutdown({ graceMs: 2_000, delayMs: 0 });
  await gh.close();
  console.log(`stopped after ${pulls()} pulls: Desk holds ${desk.store.tickets.size} tickets and ${desk.store.threads.size} threads`);
}

/** The fake GitHub, seeded with realistic repositories, and someone writing every 4 s. */
async function startSeededGitHub(): Promise<{ gh: GitHub; repos: string[]; stopActivity: () => void }> {
  // The seeded history happened over the past two days; then the fake's clock is now.
  let skewMs = 2 * 86_400_000;
  const gh = await startFakeGitHub({ token: TOKEN, now: () => Date.now() - skewMs });
  const repos = seedRealistic(gh, undefined, () => {
    skewMs = Math.max(3_600_000, skewMs - 37 * 60_000);
  });
  skewMs = 0;
  return { gh, repos, stopActivity: startActivity(gh, { everyMs: 4000, repos }) };
}

/** The channel server, calling GitHub through the Desk simulator's Invoke, and the simulator. */
async function startChannelAndDesk(gh: GitHub, repos: string[]) {
  const config = localConfig({
    port: Number(process.env.PORT ?? 0),
    extensionSecret: SECRET,
    transport: 'invoke',
    upstream: { apiUrl: gh.url, webUrl: gh.webUrl },
    logLevel: (process.env.LOG_LEVEL as ServerConfig['logLevel']) ?? 'warn',
  });
  // Webhooks on (SANDBOX_WEBHOOKS=off: pull only): the server's URL is its PUBLIC_URL, so
  // its port is chosen first and the Desk simulator (the import's Invoke) starts before it.
  const webhooks = process.env.SANDBOX_WEBHOOKS !== 'off';
  if (config.port === 0) config.port = await freePort();
  const serverUrl = `http://127.0.0.1:${config.port}`;
  const desk = await startDeskSimulator({
    secret: SECRET,
    channel: channelUrls(serverUrl),
    configParams: { repositories: repos.join(', '), import_since: '30d', ...SANDBOX_LOOP_PARAMS },
    connections: { github: { token: TOKEN }, zohodesk: { token: DESK_TOKEN } },
  });
  config.deskApiUrl = desk.url;
  if (webhooks) config.publicUrl = serverUrl;
  const server = await startServer(config, { ...createConnector(config), checkResponses: true, webhooks: { onImport: (r) => console.log(deliveryLines(r)) } });
  return { desk, server, webhooks };
}

function buildWidgetIfMissing(): void {
  if (existsSync(path.join(root, 'app/js/widget.js')) || !existsSync(path.join(root, 'rollup.config.mjs'))) return;
  console.log('building the widget (npm run build)…');
  spawnSync('npx', ['rollup', '-c', 'rollup.config.mjs', '--silent'], { cwd: root, stdio: 'ignore', env: { ...process.env, npm_config_loglevel: 'silent' } });
}

/** The widgets, reading and writing the simulator's config params and database. */
function startSandboxWidget(desk: Desk, gh: GitHub) {
  return startWidgetHost({
    config: () => [
      ...Object.entries(desk.configParams).map(([name, value]) => ({ name, value: value ?? null })),
      { name: 'channelState', value: desk.channelState },
    ],
    setConfig: (name, value) => void (desk.configParams[name] = value),
    database: (key) => desk.store.database.get(key),
    github: { url: gh.url, token: TOKEN },
    desk: { url: desk.url, token: DESK_TOKEN, orgId: desk.orgId },
  });
}

function banner(o: { server: string; webhooks: boolean; gh: string; repos: string[]; desk: string; widget: string; origin: string; install: number }): string {
  return `
GitHub Issues channel: sandbox
  channel server   ${o.server}   (Desk calls /desk/pull and /desk/push; GitHub calls go through Invoke)
  webhooks         ${o.webhooks ? 'on: each delivery and its import is printed with its latency (SANDBOX_WEBHOOKS=off: pull only)' : 'off (SANDBOX_WEBHOOKS=off): pull only'}
  fake GitHub      ${o.gh}   (repositories ${o.repos.join(', ')}; someone writes every 4 s)
  Desk simulator   ${o.desk}   (pulls every ${PULL_SECONDS} s; Desk does every 4 min)
  status widget    ${o.widget}
  ticket card      ${o.origin}/app/card.html?ticket=<Desk ticket id> (printed after the first pull)
  onInstall callback with HASH -> ${o.install}
Ctrl-C stops everything.
`;
}

/** Pulls on the sandbox's cadence, one line each; after the first ticket, one agent reply. Returns the pull count. */
function pullAndReplyOnce(desk: Desk, gh: GitHub, widgetOrigin: string, afterFirstPull: () => void): () => number {
  let replied = false;
  let pulls = 0;
  desk.startPulling(PULL_SECONDS * 1000, (out) => {
    pulls++;
    console.log(progressLine(pulls, out));
    if (!replied && out.ok && desk.store.tickets.size > 0) {
      replied = true;
      const [first] = desk.store.tickets.keys();
      console.log(`ticket card of ${first}: ${widgetOrigin}/app/card.html?ticket=${desk.store.deskIdOf(first!)}`);
      void replyOnce(desk, gh.webUrl);
      afterFirstPull();
    }
  });
  return () => pulls;
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function progressLine(n: number, out: PullOutcome): string {
  const time = new Date().toISOString().slice(11, 19);
  if (!out.ok) return `${time} pull #${n}: refused by Desk: ${out.rejected.map((r) => `${r.reason} (${r.detail})`).join('; ')}`;
  const state = decodeChannelState(out.channelState).state;
  const repos = Object.entries(state?.r ?? {});
  const lag = Math.max(0, ...repos.map(([, r]) => r.s.lag ?? 0));
  const rl = repos.find(([, r]) => r.s.rl)?.[1].s.rl;
  const errors = repos.filter(([, r]) => r.s.err).map(([name, r]) => `${name}: ${r.s.err!.c}`);
  return [
    `${time} pull #${n}:`,
    `${String(out.tickets).padStart(3)} tickets ${String(out.threads).padStart(4)} threads`,
    `(${out.created} new, ${out.updated} updated)`,
    `${Math.round(out.ms)} ms,`,
    `cursor lag ${lag} s,`,
    rl ? `rate limit ${rl.r}/${rl.l} left` : 'rate limit not visible',
    // Which of Desk's request shapes this pull came in (resources/desk-shapes/).
    out.shape ? `[${out.shape}]` : '',
    errors.length > 0 ? `  errors: ${errors.join(', ')}` : '',
  ].join(' ');
}

async function replyOnce(desk: Desk, webUrl: string): Promise<void> {
  const [ticketId, ticket] = [...desk.store.tickets.entries()][0]!;
  const out = await desk.push({
    extParentId: ticketId,
    content: '<p>Thanks for the report! We can reproduce it and a fix is on the way.</p>',
    summary: 'Thanks for the report!',
  });
  if (!out.ok) {
    console.log(`agent reply on ${ticketId} failed: ${JSON.stringify(out.body)}`);
    return;
  }
  const thread = out.body as { extId: string };
  const [, repo, n] = /^(.+)[:#](\d+)$/.exec(ticketId) ?? [];
  const comment = /:c(\d+)$/.exec(thread.extId)?.[1];
  console.log(`agent replied on "${ticket.object.subject}" (${ticketId}) -> GitHub comment ${comment}: ${webUrl}/${repo}/issues/${n}#issuecomment-${comment}`);
}

/** One line per delivery: what GitHub sent and how long until Desk had it. */
function deliveryLines(r: ImportReport): string {
  return r.deliveries
    .map(
      (d) =>
        `delivery ${d.event.padEnd(22)} ${d.source} -> import ${r.ok ? `of ${r.tickets} tickets + ${r.threads} threads` : `failed (${r.code})`} in ${Math.round(r.doneAt - d.receivedAt)} ms`,
    )
    .join('\n');
}
