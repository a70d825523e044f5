import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Delivery, ErrorInfo, Pair } from '../../../../shared/domain';
import { call, toErrorInfo } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useDateFormat, useErrorText } from '../../lib/format';
import { useApiEvent } from '../../lib/useEvent';

export function Queue() {
  const { t } = useTranslation();
  const [pairs, setPairs] = useState<Pair[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const load = useCallback(() => {
    call('pairs.list', { limit: 100 }).then(
      (list) => {
        setPairs(list);
      },
      (caught: unknown) => setError(toErrorInfo(caught)),
    );
  }, []);
  useEffect(load, [load]);
  useApiEvent('pairs.changed', load);

  async function act(method: 'pairs.cancel' | 'pairs.retry', id: string) {
    setError(null);
    try {
      await call(method, { id });
      load();
    } catch (caught) {
      setError(toErrorInfo(caught));
    }
  }

  return (
    <section className="panel queue" aria-labelledby="queue-heading">
      <h2 id="queue-heading">{t('queue.heading')}</h2>
      <ErrorMessage error={error} />
      {pairs === null ? (
        <p>{t('app.loading')}</p>
      ) : pairs.length === 0 ? (
        <p className="empty">{t('queue.empty')}</p>
      ) : (
        <ol className="queue-list">
          {pairs.map((pair) => (
            <PairItem key={pair.id} pair={pair} onAct={act} />
          ))}
        </ol>
      )}
    </section>
  );
}

function PairItem({ pair, onAct }: { pair: Pair; onAct: (method: 'pairs.cancel' | 'pairs.retry', id: string) => void }) {
  const { t } = useTranslation();
  const formatDate = useDateFormat();
  return (
    <li className={`pair pair-${pair.status}`} data-testid="pair" data-status={pair.status}>
      <div className="pair-head">
        <span className={`badge badge-${pair.status}`} data-testid="pair-status">
          {t(`queue.status.${pair.status}`)}
        </span>
        <span className="muted">
          {pair.scheduledAt ? t('queue.scheduledFor', { date: formatDate(pair.scheduledAt) }) : t('queue.unscheduled')}
        </span>
        {pair.skewMs !== null && <span className="muted">{t('queue.skew', { ms: pair.skewMs })}</span>}
      </div>
      <div className="two-columns">
        {(['en', 'fr'] as const).map((lang) => (
          <div key={lang} className="pair-side" data-lang={lang}>
            <p lang={lang} className="pair-text">
              <span className="lang-tag">{lang.toUpperCase()}</span> {lang === 'en' ? pair.enText : pair.frText}
            </p>
            <ul className="deliveries">
              {pair.deliveries
                .filter((d) => d.lang === lang)
                .map((delivery) => (
                  <DeliveryLine key={delivery.id} delivery={delivery} />
                ))}
            </ul>
          </div>
        ))}
      </div>
      <div className="pair-actions">
        {(pair.status === 'scheduled' || pair.status === 'draft') && (
          <button type="button" onClick={() => onAct('pairs.cancel', pair.id)}>
            {t('queue.cancel')}
          </button>
        )}
        {(pair.status === 'failed' || pair.status === 'partial') &&
          pair.deliveries.some((d) => d.status === 'failed') && (
            <button type="button" onClick={() => onAct('pairs.retry', pair.id)}>
              {t('queue.retry')}
            </button>
          )}
      </div>
    </li>
  );
}

function DeliveryLine({ delivery }: { delivery: Delivery }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const formatDate = useDateFormat();
  return (
    <li data-testid="delivery" data-lang={delivery.lang} data-status={delivery.status}>
      @{delivery.handle} ·{' '}
      <span className={`badge badge-${delivery.status}`}>{t(`queue.delivery.${delivery.status}`)}</span>
      {delivery.attempt > 1 && <span className="muted"> · {t('queue.attempts', { count: delivery.attempt })}</span>}
      {delivery.remoteUrl && (
        <>
          {' '}
          ·{' '}
          <a href={delivery.remoteUrl} target="_blank" rel="noreferrer noopener">
            {t('queue.viewPost', { lang: t(`lang.${delivery.lang}`), handle: `@${delivery.handle}` })}
          </a>
        </>
      )}
      {delivery.status === 'retrying' && delivery.nextAttemptAt && (
        <span className="muted"> · {t('queue.nextAttempt', { date: formatDate(delivery.nextAttemptAt) })}</span>
      )}
      {delivery.lastError && delivery.status !== 'sent' && (
        <div className="delivery-error" data-error-code={delivery.lastError.code}>
          {errorText(delivery.lastError)}
        </div>
      )}
    </li>
  );
}
