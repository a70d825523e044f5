import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { DeskStatus, Outbox } from '../../../shared/contract';
import { call } from './api';
import { useApiEvent } from './useEvent';

/**
 * The changes this desk made offline and whether its workspace answers: asked on mount, told by
 * `desk.status`, and asked again when pairs change (a change sent or settled). On a solo desk it
 * says `joined: false` and holds nothing.
 */
export function useOutbox(): { outbox: Outbox | null; replace: (next: Outbox) => void } {
  const [outbox, setOutbox] = useState<Outbox | null>(null);
  // Answers can cross: only the latest question's answer is kept.
  const asked = useRef(0);
  const load = useCallback(() => {
    const n = ++asked.current;
    void call('outbox.list').then(
      (found) => {
        if (n === asked.current) setOutbox(found);
      },
      // A desk that cannot answer is said where a call was made; the banner only reports the outbox.
      () => undefined,
    );
  }, []);
  useEffect(load, [load]);
  const onStatus = useCallback(
    (status: DeskStatus) => {
      setOutbox((previous) => (previous ? { ...previous, status } : previous));
      load();
    },
    [load],
  );
  useApiEvent('desk.status', onStatus);
  useApiEvent('pairs.changed', load);
  const replace = useCallback((next: Outbox) => {
    asked.current++;
    setOutbox(next);
  }, []);
  return { outbox, replace };
}

/** Whether the desk is joined to a workspace it cannot reach now (approving and publishing then wait). */
export const WorkspaceOfflineContext = createContext(false);

export function useWorkspaceOffline(): boolean {
  return useContext(WorkspaceOfflineContext);
}
