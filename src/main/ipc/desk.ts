// The desk's choice (this computer alone, or a team workspace) is made and answered by the desk's
// shell (desk.ts), above the services, and never reaches them there. Services running without a
// shell (tests, the web harness on a plain host, tandem-server) have no choice to make: they are
// what they are, so they answer as a desk already chosen.
import { AppError } from '../errors';
import type { HandlersOf } from './handlers';

type DeskMethods = 'desk.state' | 'desk.useHere' | 'desk.join' | 'desk.leave';

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
  };
}
