import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from './translation';
import type { StorageProblem } from '../../../shared/contract';
import { callKey, useCall } from './query';
import { useApiEvent } from './useEvent';
import { useDateFormat } from './format';

/**
 * While Tandem cannot write its database (disk full, read-only, held by another program, failing
 * disk), says so at the top of every screen, until it can again. Publishing waits meanwhile. Read
 * through the data layer; main's event says what the problem is now, shown at once (and the read
 * is asked again, lib/query.ts). Main not answering is shown where the call was made: this banner
 * only reports storage.
 */
export function StorageBanner() {
  const { t } = useTranslation();
  const date = useDateFormat();
  const client = useQueryClient();
  const problem = useCall('storage.problem').data ?? null;
  const onProblem = useCallback((next: StorageProblem) => client.setQueryData(callKey('storage.problem'), next), [client]);
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
