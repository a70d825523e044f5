// The desk's choice (this computer alone, or a team workspace) is made and answered by the desk's
// shell (desk.ts), above the services, and never reaches them there. Services running without a
// shell (tests, the web harness on a plain host, tandem-server) have no choice to make: they are
// what they are, so they answer as a desk already chosen, and none of them can move itself into a
// workspace.
import { AppError } from '../errors';
import { signedIn } from '../services/context';
import type { HandlersOf } from './handlers';

type DeskMethods = 'desk.state' | 'desk.useHere' | 'desk.join' | 'desk.leave' | 'desk.moveToWorkspace';

export function deskHandlers(): HandlersOf<DeskMethods> {
  const chosen = () => {
    throw new AppError('desk.alreadyChosen');
  };
  return {
    'desk.state': () => ({ mode: 'solo', url: null }),
    'desk.useHere': chosen,
    'desk.join': chosen,
    'desk.leave': () => {
      throw new AppError('desk.notInWorkspace');
    },
    // Only a desk's shell can stop its publisher, set its database aside and join the workspace.
    'desk.moveToWorkspace': (ctx) => {
      signedIn(ctx);
      throw new AppError('desk.notSolo');
    },
  };
}
