import { useCallback, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { ErrorInfo } from '../../../shared/domain';
import { toErrorInfo } from './api';

/**
 * The state every form and action shares, on the data layer's mutations (lib/query.ts): busy
 * while the work runs, the error main returned (or one the window found first: `setError`), or
 * the success message. `run` resolves to whether the work succeeded. The reads it changes are
 * made stale by main's push events, as every read is.
 */
export function useAction() {
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { mutateAsync, isPending } = useMutation({ mutationFn: (work: () => Promise<string | null>) => work() });
  const run = useCallback(
    async (work: () => Promise<string | null>): Promise<boolean> => {
      setError(null);
      setDone(null);
      try {
        setDone(await mutateAsync(work));
        return true;
      } catch (caught) {
        setError(toErrorInfo(caught));
        return false;
      }
    },
    [mutateAsync],
  );
  /** Forgets the last refusal and what was done (the person moved on). */
  const clear = useCallback(() => {
    setError(null);
    setDone(null);
  }, []);
  return { busy: isPending, error, done, run, setError, clear };
}
