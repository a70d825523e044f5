import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from './translation';
import type { BackupInfo, StartupProblem } from '../../../shared/contract';
import { call } from './api';
import { useCall } from './query';
import { ErrorMessage } from './ErrorMessage';
import { useAction } from './useAction';

/**
 * "Restore from a backup": the backups main lists, newest first, each restored only after a
 * second, explicit confirmation. Used by the start-up problem screen and by administrators.
 */
export function BackupList({ onRestored }: { onRestored: (problem: StartupProblem | null) => void }) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  // Read through the data layer, and asked again each time the list is shown: main makes backups
  // on its own (daily, before a migration) and says nothing of it.
  const listed = useCall('backups.list', undefined, { staleTime: 0 });
  const backups = listed.data ?? null;
  const [chosen, setChosen] = useState<BackupInfo | null>(null);
  const { busy, error, run } = useAction();
  const confirmHeading = useRef<HTMLHeadingElement>(null);
  const locale = i18n.language === 'fr' ? 'fr-CA' : 'en-CA';
  const when = (iso: string) =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'medium' }).format(new Date(iso));
  const size = (bytes: number) =>
    bytes < 1024 * 1024
      ? new Intl.NumberFormat(locale, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 0 }).format(
          Math.max(1, bytes / 1024),
        )
      : new Intl.NumberFormat(locale, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 }).format(
          bytes / (1024 * 1024),
        );

  useEffect(() => {
    if (chosen) confirmHeading.current?.focus();
  }, [chosen]);

  function restore(backup: BackupInfo) {
    void run(async () => {
      onRestored(await call('backups.restore', { name: backup.name }));
      return null;
    });
  }

  return (
    <section aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('backups.restoreHeading')}</h2>
      <ErrorMessage error={listed.error?.info ?? null} />
      {backups && backups.length === 0 && <p className="empty">{t('backups.none')}</p>}
      {backups && backups.length > 0 && (
        <table className="data-table">
          <caption className="visually-hidden">{t('backups.restoreHeading')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('backups.takenAt')}</th>
              <th scope="col">{t('backups.reason')}</th>
              <th scope="col">{t('backups.size')}</th>
              <th scope="col">{t('backups.version')}</th>
              <th scope="col">{t('backups.pairs')}</th>
              <td />
            </tr>
          </thead>
          <tbody>
            {backups.map((backup) => (
              <tr key={backup.name} data-testid="backup" data-name={backup.name}>
                <th scope="row">{when(backup.takenAt)}</th>
                <td>{t(`backups.reasons.${backup.reason}`)}</td>
                <td>{size(backup.bytes)}</td>
                <td>{backup.schemaVersion}</td>
                <td>{backup.pairs ?? '—'}</td>
                <td>
                  {backup.usable ? (
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={t('backups.restore', { date: when(backup.takenAt) })}
                      onClick={() => setChosen(backup)}
                    >
                      {t('backups.restoreShort')}
                    </button>
                  ) : (
                    <span className="muted">{t('backups.unusable')}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && (
        <div className="panel" role="group" aria-labelledby={`${ids}-c`}>
          <h3 id={`${ids}-c`} tabIndex={-1} ref={confirmHeading}>
            {t('backups.confirmHeading', { date: when(chosen.takenAt) })}
          </h3>
          <p>{t('backups.confirmBody', { date: when(chosen.takenAt) })}</p>
          <ErrorMessage error={error} />
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => restore(chosen)}>
              {t('backups.confirm')}
            </button>
            <button type="button" disabled={busy} onClick={() => setChosen(null)}>
              {t('backups.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
