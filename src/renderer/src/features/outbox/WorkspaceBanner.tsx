import { useTranslation } from '../../lib/translation';
import type { DeskStatus } from '../../../../shared/contract';

/**
 * On a desk joined to a team workspace: says when the workspace cannot be reached (and what goes on
 * meanwhile), when changes made offline are being sent, and when some need the person, with the
 * way to them. A polite live region: read out when it changes, never taking focus.
 */
export function WorkspaceBanner({ status, onOpen }: { status: DeskStatus | null; onOpen: () => void }) {
  const { t } = useTranslation();
  const shown = status !== null && status.joined;
  const needsYou = shown ? status.conflicts + status.refused : 0;
  const visible = shown && (!status.online || status.waiting > 0 || needsYou > 0);
  return (
    // The live region is always there, so that what appears in it is announced.
    <div role="status" aria-live="polite" className="workspace-banner">
      {visible && (
        <div className={`alert ${status.online ? 'alert-info' : 'alert-warning'}`} data-testid="workspace-banner">
          {!status.online ? (
            <>
              <strong>{t('outbox.banner.offlineTitle')}</strong>
              <p>{t('outbox.banner.offlineBody')}</p>
              {status.waiting > 0 && <p>{t('outbox.banner.waiting', { count: status.waiting })}</p>}
            </>
          ) : (
            status.waiting > 0 && <p>{t('outbox.banner.sending', { count: status.waiting })}</p>
          )}
          {status.conflicts > 0 && <p>{t('outbox.banner.conflicts', { count: status.conflicts })}</p>}
          {status.refused > 0 && <p>{t('outbox.banner.refused', { count: status.refused })}</p>}
          {needsYou > 0 && (
            <p>
              <button type="button" className="link-button" onClick={onOpen}>
                {t('outbox.banner.open')}
              </button>
            </p>
          )}
        </div>
      )}
    </div>
  );
}
