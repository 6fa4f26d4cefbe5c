import { createHmac } from 'node:crypto';
import { deskSchemas, firstError } from './desk-schemas.js';
import { noAnswer } from './json-answer.js';

export interface CallbackInput {
  callbackUrl: string | undefined;
  secret: string;
  event: string;
  orgId: string;
  securityContext: string;
  extra: object;
  badHash: boolean;
}

/**
 * A lifecycle callback (§9.1): JSON `{event, orgId, securityContext}` with orgId a number
 * as in Desk's example, and a HASH header. Which string Desk signs is undocumented
 * (§9.3); the simulator signs the raw body, hex, like Invoke's HASH. `extra` is merged
 * last so a test can send what Desk might add, or another securityContext.
 */
export async function sendCallback(c: CallbackInput): Promise<{ status: number; body: unknown }> {
  if (!c.callbackUrl) throw new Error('sendCallback: the simulator was started without channel.callbackUrl');
  const payload = { event: c.event, orgId: Number(c.orgId), securityContext: c.securityContext, ...c.extra };
  if (!deskSchemas.callback(payload)) throw new TypeError(`sendCallback: not a callback Desk could send: ${firstError(deskSchemas.callback.errors)}`);
  const raw = JSON.stringify(payload);
  const key = c.badHash ? `${c.secret}-but-wrong` : c.secret;
  const hash = createHmac('sha256', key).update(raw, 'utf8').digest('hex');
  let res: Response;
  try {
    res = await fetch(`${c.callbackUrl.replace(/\/+$/, '')}/${encodeURIComponent(c.event)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', HASH: hash },
      body: raw,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    return { status: 0, body: noAnswer(err) };
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
