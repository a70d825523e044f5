// Names of every call and push event the renderer may use. Kept free of any
// dependency so the sandboxed preload can import it without bundling zod.

export const methods = [
  'session.current',
  'session.signIn',
  'session.signOut',
  'session.signOutEverywhere',
  'users.bootstrap',
  'users.list',
  'users.create',
  'users.deactivate',
  'roles.grant',
  'roles.revoke',
  'roles.grantSeveral',
  'users.resetPassphrase',
  'users.changePassphrase',
  'accounts.list',
  'accounts.addPair',
  'accounts.rename',
  'accounts.retire',
  'accounts.setSelfApproval',
  'accounts.updateCredentials',
  'pairs.list',
  'pairs.query',
  'pairs.create',
  'pairs.update',
  'pairs.requestTranslation',
  'pairs.submitForReview',
  'pairs.approve',
  'pairs.reject',
  'pairs.schedule',
  'pairs.cancel',
  'pairs.retry',
  'pairs.release',
  'pairs.metrics',
  'pairs.open',
  'pairs.waiting',
  'pairs.reschedule',
  'pairs.duplicate',
  'media.upload',
  'media.read',
  'unsent.get',
  'unsent.save',
  'unsent.clear',
  'settings.get',
  'settings.update',
  'pii.requestAllow',
  'pii.requests',
  'pii.allow',
  'pii.dismiss',
  'audit.list',
  'audit.exportPublished',
  'audit.exportTrail',
  'audit.exportRecords',
  'startup.problem',
  'startup.retry',
  'startup.startOver',
  'backups.list',
  'backups.restore',
  'storage.problem',
  'sync.pull',
  'outbox.list',
  'outbox.resolve',
  'desk.state',
  'desk.useHere',
  'desk.join',
  'desk.leave',
  'desk.moveToWorkspace',
] as const;

/** Methods that work before anyone has signed in. */
export const publicMethods: ReadonlySet<Method> = new Set([
  'session.current',
  'session.signIn',
  'users.bootstrap',
  // Whether the database opened at all: asked before anything else, signed in or not.
  'startup.problem',
  // Whether the database can be written now: the banner shows before sign-in too.
  'storage.problem',
  // The desk's own choice (this computer alone, or a team workspace): made before anyone can sign in.
  'desk.state',
  'desk.useHere',
  'desk.join',
  'desk.leave',
]);

/** Answered by the desk itself (desk.ts), never by the services it runs nor by a server. */
export const deskMethods: ReadonlySet<Method> = new Set([
  'desk.state',
  'desk.useHere',
  'desk.join',
  'desk.leave',
  // Not public: the desk answers it only for an administrator signed in on its own services.
  'desk.moveToWorkspace',
]);

export type Method = (typeof methods)[number];

export const events = [
  'pairs.changed',
  'accounts.changed',
  'session.changed',
  'users.changed',
  'settings.changed',
  'storage.problem',
  'desk.status',
] as const;

export type EventName = (typeof events)[number];

export function isMethod(value: unknown): value is Method {
  return typeof value === 'string' && (methods as readonly string[]).includes(value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (events as readonly string[]).includes(value);
}

/** The two Electron IPC channels everything travels on; the method name rides inside. */
export const ipcChannels = { call: 'tandem:call', event: 'tandem:event' } as const;
