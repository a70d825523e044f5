// Who may do what. One table, used by main to enforce and by the renderer to show only the
// actions a user can take. Main is the authority: it re-reads grants on every call.
import type { Grant, Role } from './domain';

const table = {
  'pair.create': ['drafter'],
  'pair.edit': ['drafter', 'translator'],
  'pair.requestTranslation': ['drafter'],
  'pair.submitForReview': ['drafter', 'translator'],
  'pair.approve': ['approver'],
  'pair.reject': ['approver'],
  'pair.schedule': ['publisher'],
  'pair.reschedule': ['publisher'],
  'pair.cancel': ['drafter', 'publisher'],
  'pair.retry': ['publisher'],
  'pair.release': ['publisher'],
  'account.add': ['admin'],
  'account.settings': ['admin'],
  'user.manage': ['admin'],
  'role.manage': ['admin'],
  'audit.view': ['admin', 'approver'],
  'audit.export': ['admin'],
  'workspace.settings': ['admin'],
} satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof table;
export const allowedRoles: Record<Action, readonly Role[]> = table;
export const actions = Object.keys(table) as Action[];

/** Actions about the workspace rather than about one pair: they need a grant for all account pairs. */
export const isGlobalAction = (action: Action): boolean => !action.startsWith('pair.');

export function isGrantActive(grant: Grant, now: number): boolean {
  return grant.revokedAt === null && (grant.expiresAt === null || Date.parse(grant.expiresAt) > now);
}

/**
 * True when, for every account pair the action touches, the user holds a role allowed for it,
 * granted for all pairs or for that one. Global actions need a grant for all pairs.
 */
export function canPerform(grants: readonly Grant[], action: Action, channelIds: readonly string[], now: number): boolean {
  const allowed = allowedRoles[action];
  const active = grants.filter((g) => isGrantActive(g, now) && allowed.includes(g.role));
  if (isGlobalAction(action) || channelIds.length === 0) return active.some((g) => g.channelId === null);
  return channelIds.every((id) => active.some((g) => g.channelId === null || g.channelId === id));
}

/**
 * When the user may not act only because roles that would allow it have ended (reached their end
 * date, not revoked): the last of those end dates, so the refusal can say so. Null otherwise.
 */
export function roleEndedFor(grants: readonly Grant[], action: Action, channelIds: readonly string[], now: number): string | null {
  if (canPerform(grants, action, channelIds, now)) return null;
  const ended = grants.filter((g) => g.revokedAt === null && g.expiresAt !== null && Date.parse(g.expiresAt) <= now);
  const asIfActive = ended.map((g) => ({ ...g, expiresAt: null }));
  if (!canPerform([...grants, ...asIfActive], action, channelIds, now)) return null;
  const allowed = allowedRoles[action];
  const dates = ended.filter((g) => allowed.includes(g.role)).map((g) => g.expiresAt!);
  return dates.sort().at(-1) ?? null;
}
