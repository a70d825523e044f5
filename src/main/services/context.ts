// Who makes a call. A transport knows only the client a call came from (a window, a browser
// connection); main adds the session that client signed in with and that session's person, read
// afresh for every call. Services take this context first: there is no process-wide "current user",
// so several people can be signed in to one process at the same time.
import type { User } from '../../shared/domain';
import { AppError } from '../errors';

/** One window (Electron's webContents) or one browser connection (the web harness's cookie). */
export type ClientId = string;

/** What a transport tells main of a call's origin. */
export interface Caller {
  readonly client: ClientId;
}

export interface CallContext extends Caller {
  /** The client's session (from session.signIn or users.bootstrap until session.signOut); null when signed out. */
  readonly session: string | null;
  /** The person signed in with that session; null when signed out. */
  readonly person: User | null;
}

/** The person making the call; a call from a signed-out client is refused as auth.required. */
export function signedIn(ctx: CallContext): User {
  if (!ctx.person) throw new AppError('auth.required');
  return ctx.person;
}
