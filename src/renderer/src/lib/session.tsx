import { createContext, useContext } from 'react';
import type { User } from '../../../shared/domain';
import { canPerform, type Action } from '../../../shared/permissions';

export const SessionContext = createContext<User | null>(null);

export function useUser(): User {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useUser outside a signed-in session');
  return user;
}

/** Whether the signed-in user may do this; main enforces it again on every call. */
export function useCan(): (action: Action, channelIds?: readonly string[]) => boolean {
  const user = useUser();
  return (action, channelIds = []) => canPerform(user.grants, action, channelIds, Date.now());
}
