import { useTranslation } from '../../lib/translation';
import { BackupList } from '../../lib/BackupList';

/**
 * Administrators: the automatic backups, and restoring one. Main closes and reopens its services
 * around a restore and says so with `session.changed`, so the app returns to sign-in by itself.
 */
export function BackupsView() {
  const { t } = useTranslation();
  return (
    <section className="panel" aria-labelledby="backups-heading">
      <h1 id="backups-heading">{t('backups.heading')}</h1>
      <p>{t('backups.intro')}</p>
      <BackupList onRestored={() => undefined} />
    </section>
  );
}
