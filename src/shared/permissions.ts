// Who may do what. One table, used by main to enforce and by the renderer to show only the
// actions a user can take. Main is the authority: it re-reads grants on every call.
import type { Grant, Role } from './domain';

export const actions = [
  'pair.create',
  'pair.edit',
  'pair.requestTranslation',
  'pair.submitForReview',
  'pair.approve',
  'pair.reject',
  'pair.schedule',
  'pair.cancel',
  'pair.retry',
  'pair.release',
  'account.add',
  'account.settings',
  'user.manage',
  'role.manage',
  'audit.view',
  'audit.export',
  'workspace.settings',
] as const;
export type Action = (typeof actions)[number];

export const allowedRoles: Record<Action, readonly Role[]> = {
  'pair.create': ['drafter'],
  'pair.edit': ['drafter', 'translator'],
  'pair.requestTranslation': ['drafter'],
  'pair.submitForReview': ['drafter', 'translator'],
  'pair.approve': ['approver'],
  'pair.reject': ['approver'],
  'pair.schedule': ['publisher'],
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
};

/** Actions about the workspace rather than about pairs: they need a grant for all account pairs. */
export const globalActions: ReadonlySet<Action> = new Set([
  'account.add',
  'account.settings',
  'user.manage',
  'role.manage',
  'audit.view',
  'audit.export',
  'workspace.settings',
]);

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
  if (globalActions.has(action) || channelIds.length === 0) return active.some((g) => g.channelId === null);
  return channelIds.every((id) => active.some((g) => g.channelId === null || g.channelId === id));
}
