import { randomBytes } from 'node:crypto';

/**
 * How often the simulated Desk gives an installation a new securityContext. Desk does
 * not say whether it ever does (open question); the hook URL carries it sealed, so a
 * change costs one hook repair per repository at the next pull (README, "Webhooks").
 */
export type RotationPolicy = 'never' | 'daily' | 'every-pull';

export function rotationDue(r: { policy: RotationPolicy; at: number }, nowMs: number): boolean {
  if (r.policy === 'every-pull') return true;
  return r.policy === 'daily' && nowMs - r.at >= 86_400_000;
}

export function newSecurityContext(): string {
  return randomBytes(24).toString('hex');
}
