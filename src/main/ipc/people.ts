// Signing in and out, people and their roles. A session belongs to the client that signed in:
// its own sign-in or sign-out is told to that client only, and everyone else stays as they were.
import type { HandlersOf } from './handlers';
import type { Services } from './services';
import { signedIn } from '../services/context';

type PeopleMethods =
  | 'session.current'
  | 'session.signIn'
  | 'session.signOut'
  | 'session.signOutEverywhere'
  | 'users.bootstrap'
  | 'users.list'
  | 'users.create'
  | 'users.deactivate'
  | 'roles.grant'
  | 'roles.revoke'
  | 'roles.grantSeveral'
  | 'users.resetPassphrase'
  | 'users.changePassphrase';

export function peopleHandlers({ users, events }: Pick<Services, 'users' | 'events'>): HandlersOf<PeopleMethods> {
  /** A change to people or roles may change what anyone signed in may do: every client asks again. */
  function usersChanged<T>(value: T): T {
    events.emit('users.changed', {});
    events.emit('session.changed', {});
    return value;
  }
  return {
    'session.current': async (ctx) => ({ user: ctx.person, needsBootstrap: await users.needsBootstrap() }),
    'session.signIn': async (ctx, input) => {
      const user = await users.signIn(ctx, input.username, input.passphrase);
      events.emit('session.changed', {}, ctx.client);
      return user;
    },
    // Not a public method (shared/methods.ts): like every other call it needs a signed-in person.
    'session.signOut': async (ctx) => {
      await users.signOut(ctx);
      events.emit('session.changed', {}, ctx.client);
      return null;
    },
    // Every client asks again: those whose session it ended find themselves signed out.
    'session.signOutEverywhere': async (ctx) => {
      const ended = await users.signOutEverywhere(ctx);
      events.emit('session.changed', {});
      return { ended };
    },
    'users.bootstrap': async (ctx, input) => {
      const user = await users.bootstrap(ctx, input);
      events.emit('session.changed', {}, ctx.client);
      return user;
    },
    'users.list': async (ctx) => {
      await users.authorize(signedIn(ctx), 'user.manage', [], 'users');
      return users.list();
    },
    'users.create': async (ctx, input) => usersChanged(await users.create(ctx, input)),
    'users.deactivate': async (ctx, input) => usersChanged(await users.deactivate(ctx, input.userId)),
    'roles.grant': async (ctx, input) => usersChanged(await users.grant(ctx, input)),
    'roles.revoke': async (ctx, input) => usersChanged(await users.revoke(ctx, input.grantId)),
    'roles.grantSeveral': async (ctx, input) => usersChanged(await users.grantSeveral(ctx, input)),
    'users.resetPassphrase': async (ctx, input) => usersChanged(await users.resetPassphrase(ctx, input)),
    // Told to everyone: the person's other desks and browsers find themselves signed out.
    'users.changePassphrase': async (ctx, input) => {
      const user = await users.changePassphrase(ctx, input);
      events.emit('session.changed', {});
      return user;
    },
  };
}
