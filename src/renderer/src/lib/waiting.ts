// Which lists of "Waiting for me" a person's roles give them (issue 13, item 1): the shell counts
// them in the navigation, the view draws one section each.
import type { WaitingKind } from '../../../shared/contract';
import type { Grant, Role } from '../../../shared/domain';
import { holdsRole } from './roles';

/** The roles that act on each list (main decides which pairs are in it). */
const rolesFor: Record<WaitingKind, readonly Role[]> = {
  sentBack: ['drafter', 'translator'],
  translate: ['translator'],
  approve: ['approver'],
  publish: ['publisher'],
  problems: ['publisher', 'drafter'],
};

// In the contract's order; the contract itself (and zod with it) stays out of the first screen's bundle.
const kinds = Object.keys(rolesFor) as WaitingKind[];

export function waitingKindsFor(grants: readonly Grant[], now = Date.now()): WaitingKind[] {
  return kinds.filter((kind) => holdsRole(grants, rolesFor[kind], now));
}
