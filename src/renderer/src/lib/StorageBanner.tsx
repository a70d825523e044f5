import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from './translation';
import type { StorageProblem } from '../../../shared/contract';
import { call } from './api';
import { useApiEvent } from './useEvent';
import { useDateFormat } from './format';

/**
 * While Tandem cannot write its database (disk full, read-only, held by another program, failing
 * disk), says so at the top of every screen, until it can again. Publishing waits meanwhile.
 */
export function StorageBanner() {
  const { t } = useTranslation();
  const date = useDateFormat();
  const [problem, setProblem] = useState<StorageProblem | null>(null);
  // An event that arrives before the first answer is newer than that answer.
  const heard = useRef(false);

  useEffect(() => {
    void call('storage.problem').then(
      (current) => {
        if (!heard.current) setProblem(current);
      },
      // Main not answering is shown where the call was made; this banner only reports storage.
      () => undefined,
    );
  }, []);
  const onProblem = useCallback((next: StorageProblem) => {
    heard.current = true;
    setProblem(next);
  }, []);
  useApiEvent('storage.problem', onProblem);

  if (!problem?.code) return null;
  return (
    <div className="alert alert-error" role="alert" data-storage-code={problem.code}>
      <strong>{t('storage.title')}</strong>
      <p>{t(problem.code)}</p>
      {problem.since && <p>{t('storage.since', { time: date(problem.since) })}</p>}
    </div>
  );
}
