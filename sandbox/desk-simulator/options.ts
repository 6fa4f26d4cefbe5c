import { randomBytes, randomInt } from 'node:crypto';
import { deskSchemas, firstError } from './desk-schemas.js';
import type { EnvelopeShape } from './invoke-envelope.js';

/** The channel's URLs as resources.json names them, for a channel server at `base` (routes of server/http/app.ts). */
export function channelUrls(base: string): { pullUrl: string; pushUrl: string; callbackUrl: string } {
  return { pullUrl: `${base}/desk/pull`, pushUrl: `${base}/desk/push`, callbackUrl: `${base}/desk/callbacks` };
}

export interface DeskSimulatorOptions {
  /** The extension's manifest secret: the HASH key (§6.2, §9.3). */
  secret: string;
  /** Default '60012345'. */
  orgId?: string;
  /** Default: random. Sent on pull/push URLs and in callbacks; required on Invoke. */
  securityContext?: string;
  /** Events are POSTed to `${callbackUrl}/${event}`. */
  channel: { pullUrl: string; pushUrl: string; callbackUrl?: string };
  /** Non-secure config params, sent in pull bodies and push configParams; channelState is the simulator's own. */
  configParams?: Record<string, string>;
  /** connectionLinkName -> the credentials Desk applies on Invoke (Authorization: Bearer <token>). */
  connections?: Record<string, { token: string }>;
  /** Default: status and headers included, statusMessage as an object. */
  invokeEnvelope?: { includeStatus?: boolean; includeHeaders?: boolean; statusMessageAs?: 'object' | 'string' };
  /** Desk's per-answer caps, default 1000 each (§2). sync.json's own maxItems (1000) still applies above that. */
  maxTickets?: number;
  maxThreads?: number;
  /** How long Desk waits for a pull or push answer. Undocumented; default 60 000 ms. */
  answerTimeoutMs?: number;
  /**
   * Which request shapes of the corpus (resources/desk-shapes/) pulls and pushes take:
   * 'corpus' (default) draws one per request among every shape Desk or Zoho's samples
   * show; 'documented' sends only the shape Desk's docs show.
   */
  shapes?: 'corpus' | 'documented';
  /** Seed of the draw (default: random); PullOutcome.shape and PushOutcome.shape name what was sent. */
  shapeSeed?: number;
  /** When the installation gets a new securityContext (default never); see rotation.ts. */
  rotateSecurityContext?: import('./rotation.js').RotationPolicy;
  /** The clock rotation is judged by, in ms (default Date.now); tests pass their simulated clock. */
  now?: () => number;
  /** The portal's e-mail addresses a draft reply may be sent from (default support@example.com). */
  fromAddresses?: string[];
  /** The Desk connection (zohoAuthorisation) whose token the import API takes (default zohodesk). */
  deskConnection?: string;
}

export interface Settings {
  secret: string;
  orgId: string;
  securityContext: string;
  installationId: string;
  channel: { pullUrl: string; pushUrl: string; callbackUrl: string | undefined };
  configParams: Record<string, string>;
  connections: Record<string, { token: string }>;
  envelope: EnvelopeShape;
  caps: { tickets: number; threads: number };
  answerTimeoutMs: number;
  shapes: 'corpus' | 'documented';
  shapeSeed: number;
}

/** Checks the options up front, so a mistake in a test fails at start with its name, not as a puzzling refusal later. */
export function settingsOf(o: DeskSimulatorOptions): Settings {
  const bad = (what: string): never => {
    throw new TypeError(`startDeskSimulator: ${what}`);
  };
  if (typeof o.secret !== 'string' || o.secret === '') bad('secret must be a non-empty string');
  if (typeof o.channel !== 'object' || o.channel === null) bad('channel { pullUrl, pushUrl, callbackUrl? } is required');
  const orgId = o.orgId ?? '60012345';
  if (!/^[0-9]{1,20}$/.test(orgId)) bad('orgId must be digits, as Desk org ids are');
  const securityContext = o.securityContext ?? randomBytes(24).toString('hex');
  if (typeof securityContext !== 'string' || securityContext === '') bad('securityContext must be a non-empty string');
  const url = (name: string, value: unknown): string => {
    if (typeof value !== 'string' || !/^https?:\/\//.test(value)) bad(`channel.${name} must be an http(s) URL`);
    try {
      new URL(value as string);
    } catch {
      bad(`channel.${name} is not a URL`);
    }
    return value as string;
  };
  const configParams = { ...(o.configParams ?? {}) };
  if ('channelState' in configParams) bad('configParams must not hold channelState: Desk manages it (§7.1)');
  if (!deskSchemas.configParams(configParams)) bad(`configParams: ${firstError(deskSchemas.configParams.errors)}`);
  const connections = o.connections ?? {};
  for (const [name, c] of Object.entries(connections))
    if (typeof c?.token !== 'string' || c.token === '') bad(`connections.${name}.token must be a non-empty string`);
  const cap = (name: string, value: number | undefined): number => {
    const v = value ?? 1000;
    if (!Number.isInteger(v) || v < 0) bad(`${name} must be a non-negative integer`);
    return v;
  };
  const as = o.invokeEnvelope?.statusMessageAs ?? 'object';
  if (as !== 'object' && as !== 'string') bad("invokeEnvelope.statusMessageAs must be 'object' or 'string'");
  const answerTimeoutMs = o.answerTimeoutMs ?? 60_000;
  if (!(Number.isFinite(answerTimeoutMs) && answerTimeoutMs > 0)) bad('answerTimeoutMs must be a positive number');
  const shapes = o.shapes ?? 'corpus';
  if (shapes !== 'corpus' && shapes !== 'documented') bad("shapes must be 'corpus' or 'documented'");
  const shapeSeed = o.shapeSeed ?? randomInt(0, 2 ** 31);
  if (!Number.isInteger(shapeSeed)) bad('shapeSeed must be an integer');
  return {
    secret: o.secret,
    orgId,
    securityContext,
    // Desk substitutes {{installationId}} in Invoke URLs (§5); any stable id serves.
    installationId: String(randomInt(1_000_000_000, 2_000_000_000)),
    channel: {
      pullUrl: url('pullUrl', o.channel.pullUrl),
      pushUrl: url('pushUrl', o.channel.pushUrl),
      callbackUrl: o.channel.callbackUrl === undefined ? undefined : url('callbackUrl', o.channel.callbackUrl),
    },
    configParams,
    connections,
    envelope: { includeStatus: o.invokeEnvelope?.includeStatus ?? true, includeHeaders: o.invokeEnvelope?.includeHeaders ?? true, statusMessageAs: as },
    caps: { tickets: cap('maxTickets', o.maxTickets), threads: cap('maxThreads', o.maxThreads) },
    answerTimeoutMs,
    shapes,
    shapeSeed,
  };
}
