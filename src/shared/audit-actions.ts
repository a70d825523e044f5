// Every action the audit trail records. The audit log accepts only these, and the catalogue
// test checks each has a label in both languages.
export const auditActions = [
  'audit.exported',
  'audit.integrityFailed',
  'audit.keyed',
  'backup.restored',
  'auth.failed',
  'auth.locked',
  'auth.signedIn',
  'auth.signedOut',
  'auth.signedOutEverywhere',
  'auth.throttled',
  'channel.added',
  'channel.selfApprovalChanged',
  'checks.blocked',
  'credential.set',
  'database.startedOver',
  'delivery.failed',
  'delivery.held',
  'delivery.interrupted',
  'delivery.retrying',
  'delivery.reconciled',
  'delivery.sent',
  'pair.created',
  'pair.duplicated',
  'pair.edited',
  'pair.translated',
  'pair.translationRequested',
  'pair.submitted',
  'pair.approved',
  'pair.rejected',
  'pair.scheduled',
  'pair.rescheduled',
  'pair.cancelled',
  'pair.retried',
  'pair.released',
  'pair.heldLate',
  'pair.published',
  'pair.partial',
  'pair.failed',
  'pair.held',
  'permission.denied',
  'pii.allowRequested',
  'pii.allowed',
  'pii.dismissed',
  'publisher.error',
  'role.granted',
  'role.revoked',
  'settings.changed',
  'user.created',
  'user.deactivated',
  'workspace.imported',
] as const;
export type AuditAction = (typeof auditActions)[number];

/**
 * What the integrity check of the audit trail can find. Each is recorded in the trail itself
 * (`audit.integrityFailed`) when found, so it stays on show; `keyUnavailable` is about this run.
 */
export const auditProblemKinds = [
  /** Events at the end were deleted: the record kept beside the database names a later one. */
  'truncated',
  /** An event Tandem had already verified no longer matches (changed, replaced or removed). */
  'edited',
  /** An event was added without the key, outside Tandem. */
  'forged',
  /** An event carries no key: written while the keychain could not be reached, or outside Tandem. */
  'unsigned',
  /** The table's append-only triggers were removed or changed outside Tandem; Tandem put them back. */
  'triggersRestored',
  /** The record kept beside the database was missing or not signed with the key. */
  'headMissing',
  /** Events from before the key did not verify when the trail was upgraded. */
  'legacyBroken',
  /** The key could not be read from the OS keychain: nothing can be verified in this run. */
  'keyUnavailable',
] as const;
export type AuditProblemKind = (typeof auditProblemKinds)[number];
