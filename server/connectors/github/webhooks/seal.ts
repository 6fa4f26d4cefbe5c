import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';

/**
 * What a delivery needs to reach Desk, sealed into the hook URL (README, "Webhooks:
 * threat model"): anyone who reads the URL (GitHub's hook settings, a proxy log) learns
 * neither the org nor the securityContext, and cannot change a bit of it unnoticed.
 * AES-256-GCM under a key derived (HKDF) from EXTENSION_SECRET; the URL's public half,
 * the hook id, names the installation and repository without revealing them and is
 * what the hook secret is derived from, so a signature is checked before anything is
 * opened.
 */
export interface HookTarget {
  /** Desk orgId. */
  o: string;
  /** Desk securityContext as the last pull brought it. */
  s: string;
  /** Repository, lower-case owner/repo. */
  r: string;
  /** Labels filter (all must be on the issue); absent = none. */
  l?: string[];
  /** 1: pull requests and their comments belong to the channel. */
  p?: 1;
  /** 1: story threads are on (`story_threads`); absent = off, so a hook sealed before it tells no story until repaired. */
  t?: 1;
  /** 1: a repository only linked issues live in (not synced): its deliveries start the escalation loop and import nothing. */
  e?: 1;
}

export interface HookKeys {
  seal: Buffer;
  nonce: Buffer;
  id: Buffer;
  secret: Buffer;
}

const VERSION = 1;
/** base64url of 16 bytes. */
export const HOOK_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** A sealed target is a few hundred bytes; anything longer is not ours. */
export const MAX_TOKEN_LENGTH = 4096;

export function hookKeys(extensionSecret: string): HookKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', extensionSecret, 'github-desk-channel/webhooks', info, 32));
  return { seal: derive('seal v1'), nonce: derive('nonce v1'), id: derive('hook id v1'), secret: derive('hook secret v1') };
}

/** The public name of one installation's hook on one repository (stable across securityContext changes). */
export function hookId(keys: HookKeys, orgId: string, repo: string): string {
  return createHmac('sha256', keys.id).update(`${orgId}\n${repo}`).digest().subarray(0, 16).toString('base64url');
}

/** The hook's secret, derived per installation and repository through its hook id. */
export function hookSecret(keys: HookKeys, id: string): string {
  return createHmac('sha256', keys.secret).update(id).digest('base64url');
}

/**
 * Seals deterministically (the nonce is a MAC of the plaintext, as in SIV): the same
 * target gives the same URL, so a pull can tell that its hook needs no repair. Equal
 * URLs mean equal targets, which the hook id already says.
 */
export function sealTarget(keys: HookKeys, target: HookTarget): { id: string; token: string } {
  const id = hookId(keys, target.o, target.r);
  const plain = Buffer.from(JSON.stringify(target));
  const nonce = createHmac('sha256', keys.nonce).update(id).update(plain).digest().subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, nonce);
  cipher.setAAD(Buffer.from(id));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const token = Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]).toString('base64url');
  return { id, token };
}

/** Opens a token under its hook id; undefined for anything tampered, foreign or malformed. */
export function openTarget(keys: HookKeys, id: string, token: string): HookTarget | undefined {
  if (!HOOK_ID_PATTERN.test(id) || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length < 1 + 12 + 16 + 2 || raw[0] !== VERSION) return undefined;
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.seal, raw.subarray(1, 13));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    plain = Buffer.concat([decipher.update(raw.subarray(13, raw.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
  let t: unknown;
  try {
    t = JSON.parse(plain.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isTarget(t)) return undefined;
  // The id must name what is inside: a token moved under another hook id fails GCM already (AAD); this is the second lock.
  return hookId(keys, t.o, t.r) === id ? t : undefined;
}

function isTarget(t: unknown): t is HookTarget {
  if (typeof t !== 'object' || t === null) return false;
  const x = t as Record<string, unknown>;
  return (
    typeof x.o === 'string' &&
    typeof x.s === 'string' &&
    typeof x.r === 'string' &&
    (x.l === undefined || (Array.isArray(x.l) && x.l.every((l) => typeof l === 'string'))) &&
    (x.p === undefined || x.p === 1) &&
    (x.t === undefined || x.t === 1) &&
    (x.e === undefined || x.e === 1)
  );
}
