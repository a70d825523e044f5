// Signing out: work a feature must finish for the person first (the composer's unsent text)
// reaches main while they are still signed in, so it is neither lost nor kept for the next person.
import { call } from './api';

const beforeSignOut = new Set<() => Promise<unknown>>();

/** Has `finish` run (and awaited) before anyone signs out, until the returned function is called. */
export function onBeforeSignOut(finish: () => Promise<unknown>): () => void {
  beforeSignOut.add(finish);
  return () => beforeSignOut.delete(finish);
}

/** Signs out here; `everywhere` also ends the person's sessions on every other desk and browser. */
export async function signOut(everywhere = false): Promise<void> {
  // Work that fails is no reason to keep someone signed in on a shared computer.
  await Promise.allSettled([...beforeSignOut].map((finish) => finish()));
  await call(everywhere ? 'session.signOutEverywhere' : 'session.signOut');
}
