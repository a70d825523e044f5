// What the person's roles let them do anywhere, for the shell's navigation and "Waiting for me".
// Main enforces every action again on each call; this only decides what is offered.
import type { Grant, Role } from '../../../shared/domain';
import { isGrantActive } from '../../../shared/permissions';

/** Whether the person holds, today, one of these roles on at least one account pair (or on all). */
export function holdsRole(grants: readonly Grant[], roles: readonly Role[], now = Date.now()): boolean {
  return grants.some((g) => isGrantActive(g, now) && roles.includes(g.role));
}

/**
 * Why a person has nothing to work on: every role they had has ended (the last end date), they
 * hold no role at all, or null when some role is active.
 */
export function noRoleReason(grants: readonly Grant[], now = Date.now()): { reason: 'noRole' } | { reason: 'roleEnded'; date: string } | null {
  if (grants.some((g) => isGrantActive(g, now))) return null;
  const ended = grants.filter((g) => g.revokedAt === null && g.expiresAt !== null).map((g) => g.expiresAt!);
  const last = ended.sort().at(-1);
  return last ? { reason: 'roleEnded', date: last } : { reason: 'noRole' };
}
