import { useCallback, useState } from 'react';
import type { ErrorInfo } from '../../../shared/domain';
import { toErrorInfo } from './api';

/**
 * The state every form shares: busy while a call runs, the error main returned, or the success
 * message. `run` resolves to whether the work succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = useCallback(async (work: () => Promise<string | null>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await work());
      return true;
    } catch (caught) {
      setError(toErrorInfo(caught));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, done, run, setError };
}
