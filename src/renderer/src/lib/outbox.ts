import { createContext, useCallback, useContext } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { DeskStatus, Outbox } from '../../../shared/contract';
import { callKey, useCall } from './query';
import { useApiEvent } from './useEvent';

/**
 * The changes this desk made offline and whether its workspace answers, read through the data
 * layer: asked again when pairs change (a change sent or settled) or the desk's status does
 * (lib/query.ts), the status itself shown at once. On a solo desk it says `joined: false` and
 * holds nothing. (A desk that cannot answer is said where a call was made; this only reports.)
 */
export function useOutbox(): { outbox: Outbox | null; replace: (next: Outbox) => void } {
  const client = useQueryClient();
  const outbox = useCall('outbox.list').data ?? null;
  const onStatus = useCallback(
    (status: DeskStatus) => client.setQueryData<Outbox>(callKey('outbox.list'), (previous) => (previous ? { ...previous, status } : previous)),
    [client],
  );
  useApiEvent('desk.status', onStatus);
  /** What a call answered with the outbox as it now is (a change kept or discarded). */
  const replace = useCallback((next: Outbox) => client.setQueryData(callKey('outbox.list'), next), [client]);
  return { outbox, replace };
}

/** Whether the desk is joined to a workspace it cannot reach now (approving and publishing then wait). */
export const WorkspaceOfflineContext = createContext(false);

export function useWorkspaceOffline(): boolean {
  return useContext(WorkspaceOfflineContext);
}
