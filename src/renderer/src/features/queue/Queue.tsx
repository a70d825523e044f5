import { memo, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from '../../lib/translation';
import type { Channel, Delivery, DeliveryMetrics, Pair } from '../../../../shared/domain';
import { call } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useChannelName, useDateFormat, useErrorText } from '../../lib/format';
import { useCan } from '../../lib/session';
import { useWorkspaceOffline } from '../../lib/outbox';
import { useAction } from '../../lib/useAction';
import { Thumbnail } from '../../lib/pair/media';
import { numberFormat } from '../../../../shared/dates';

/** `datetime-local` value (local wall time, to the second). */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}:${pad(date.getSeconds())}`;
}

/**
 * The moment a `datetime-local` value names, or what is wrong with it: the browser gives an empty
 * value for a date not fully typed or one that does not exist (31 February), and a year too far
 * for a JavaScript date makes `toISOString` throw.
 */
function scheduledInstant(local: string): { iso: string } | { problem: 'schedule.incomplete' | 'schedule.outOfRange' } {
  if (!local) return { problem: 'schedule.incomplete' };
  const date = new Date(local);
  if (Number.isNaN(date.getTime()) || date.getFullYear() > 9999) return { problem: 'schedule.outOfRange' };
  return { iso: date.toISOString() };
}

/**
 * One pair in the queue, with what the person may do with it; `onOpen` opens it on its own. Drawn
 * again only when its own props change: the callbacks take the pair's id so the list can give every
 * item the same ones, and typing in the filters or a new page does not redraw the pairs already shown.
 */
export const PairItem = memo(function PairItem({
  pair,
  channels,
  onEdit,
  onOpen,
  onChanged,
  said = null,
  onSaid,
}: {
  pair: Pair;
  channels: Channel[];
  onEdit: (pair: Pair) => void;
  onOpen?: (pairId: string) => void;
  onChanged: () => void;
  /** What publishing or scheduling this pair did (kept by the list: the item is drawn anew once the pair changes). */
  said?: string | null;
  onSaid?: (pairId: string, text: string | null) => void;
}) {
  const { t } = useTranslation();
  const can = useCan();
  const ids = useId();
  const formatDate = useDateFormat();
  const channelName = useChannelName();
  // Offline, deciding and publishing are still offered (the person sees what waits), and say why
  // they cannot be done yet; tried anyway, the refusal says so where it was tried.
  const offline = useWorkspaceOffline();
  const needsWorkspace = offline ? `${ids}-offline` : undefined;
  const offlineNote = offline && (
    <p className="muted" id={`${ids}-offline`}>
      {t('queue.needsWorkspace')}
    </p>
  );
  const { busy, error, run, setError } = useAction();
  const [comment, setComment] = useState('');
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [when, setWhen] = useState<'now' | 'at'>('now');
  // What publishing or scheduling did, said where it was done; focus moves to it, since the
  // controls that had the focus go once the pair is no longer approved.
  const setSaid = (text: string | null) => onSaid?.(pair.id, text);
  const saidRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (said) saidRef.current?.focus();
  }, [said]);
  const [scheduledLocal, setScheduledLocal] = useState(() => localInputValue(new Date(Date.now() + 60 * 60_000)));
  const ref = { id: pair.id, version: pair.version };
  // A message about the date follows the date: it goes once the date is whole and real again.
  function changeScheduledLocal(value: string) {
    setScheduledLocal(value);
    setError((current) => {
      if (current?.code !== 'schedule.incomplete' && current?.code !== 'schedule.outOfRange') return current;
      const next = scheduledInstant(value);
      return 'problem' in next ? { code: next.problem } : null;
    });
  }
  const scope = pair.channelIds;

  async function act(work: () => Promise<unknown>, done?: string) {
    setSaid(null);
    if (
      await run(async () => {
        await work();
        return null;
      })
    ) {
      if (done) setSaid(done);
      onChanged();
    }
  }

  const names = pair.channelIds
    .map((id) => {
      const channel = channels.find((c) => c.id === id);
      return channel ? channelName(channel) : id;
    })
    .join(', ');
  const neverSent = pair.deliveries.every((d) => d.attempt === 0);
  // People by name; a pair kept on a desk from before names were sent shows usernames.
  const nameOf = (username: string) => pair.names?.[username] ?? username;
  const translators = [...new Set([...pair.writtenBy.en, ...pair.writtenBy.fr])].filter((u) => u !== pair.createdBy);
  // Once out, when it went out (the last side to reach its platform), not when it was meant to.
  const sentTimes = pair.deliveries.flatMap((d) => (d.sentAt ? [d.sentAt] : []));
  const publishedAt = (pair.status === 'published' || pair.status === 'partial') && sentTimes.length > 0 ? sentTimes.sort().at(-1)! : null;
  const editable =
    ['draft', 'translation', 'review', 'approved', 'scheduled'].includes(pair.status) ||
    ((pair.status === 'held' || pair.status === 'failed') && neverSent);
  return (
    <li className={`pair pair-${pair.status}`} data-testid="pair" data-status={pair.status} aria-labelledby={`${ids}-h`}>
      <div className="pair-head" id={`${ids}-h`}>
        <span className={`badge badge-${pair.status}`} data-testid="pair-status">
          {t(`queue.status.${pair.status}`)}
        </span>
        <span className="muted">{names}</span>
        {publishedAt ? (
          <span className="muted" data-testid="published-at">
            {t('queue.publishedAt', { date: formatDate(publishedAt) })}
          </span>
        ) : (
          pair.scheduledAt && <span className="muted">{t('queue.scheduledFor', { date: formatDate(pair.scheduledAt) })}</span>
        )}
        {pair.skewMs !== null && <span className="muted">{t('queue.skew', { ms: pair.skewMs })}</span>}
      </div>
      <div className="two-columns">
        {(['en', 'fr'] as const).map((lang) => {
          const text = lang === 'en' ? pair.enText : pair.frText;
          return (
            <div key={lang} className="pair-side" data-lang={lang}>
              <p lang={lang} className="pair-text">
                <span className="lang-tag">{lang.toUpperCase()}</span>{' '}
                {text.trim() ? text : <em className="muted">{t('queue.missingText')}</em>}
              </p>
              {pair.media.length > 0 && (
                <div className="preview-media" aria-label={t('queue.images', { count: pair.media.length })}>
                  {pair.media.map((m, i) => (
                    <Thumbnail key={`${m[lang].id}-${i}`} file={m[lang]} alt={lang === 'en' ? m.altEn : m.altFr} />
                  ))}
                </div>
              )}
              <ul className="deliveries">
                {pair.deliveries
                  .filter((d) => d.lang === lang)
                  .map((delivery) => (
                    <DeliveryLine key={delivery.id} delivery={delivery} />
                  ))}
              </ul>
            </div>
          );
        })}
      </div>
      <p className="people muted" data-testid="people">
        {t('queue.draftedBy', { user: nameOf(pair.createdBy) })}
        {translators.length > 0 && <> · {t('queue.translatedBy', { user: translators.map(nameOf).join(', ') })}</>}
        {pair.scheduledBy && (
          <>
            {' '}
            ·{' '}
            {t(pair.status === 'published' || pair.status === 'partial' ? 'queue.scheduledBy' : 'queue.scheduledByPending', {
              user: nameOf(pair.scheduledBy),
            })}
          </>
        )}
      </p>
      {pair.approval && (
        <p className="evidence" data-testid="approval">
          {t('queue.approvedBy', { user: nameOf(pair.approval.by), date: formatDate(pair.approval.at) })}
          {pair.approval.comment && <> — {t('queue.quoted', { text: pair.approval.comment })}</>}
        </p>
      )}
      {pair.rejection && (
        <p className="evidence rejected" data-testid="rejection">
          {t('queue.rejectedBy', { user: nameOf(pair.rejection.by), date: formatDate(pair.rejection.at) })} —{' '}
          {t('queue.quoted', { text: pair.rejection.comment })}
        </p>
      )}
      <ErrorMessage error={error} />

      {pair.status === 'review' && (can('pair.approve', scope) || can('pair.reject', scope)) && (
        <div className="decision">
          <div className="field">
            <label htmlFor={`${ids}-comment`}>{t('queue.comment')}</label>
            <textarea id={`${ids}-comment`} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
          </div>
          {offlineNote}
          <div className="actions">
            {can('pair.approve', scope) && (
              <button
                type="button"
                className="primary"
                disabled={busy}
                aria-describedby={needsWorkspace}
                onClick={() => void act(() => call('pairs.approve', { ...ref, comment }))}
              >
                {t('queue.approve')}
              </button>
            )}
            {can('pair.reject', scope) && (
              <button
                type="button"
                disabled={busy}
                aria-describedby={needsWorkspace}
                onClick={() => void act(() => call('pairs.reject', { ...ref, comment }))}
              >
                {t('queue.reject')}
              </button>
            )}
          </div>
        </div>
      )}

      {pair.status === 'approved' && can('pair.schedule', scope) && (
        <fieldset className="decision">
          <legend>{t('queue.publishHeading')}</legend>
          {offlineNote}
          <label className="check">
            <input type="radio" name={`${ids}-when`} checked={when === 'now'} onChange={() => setWhen('now')} />
            {t('queue.publishNow')}
          </label>
          <label className="check">
            <input type="radio" name={`${ids}-when`} checked={when === 'at'} onChange={() => setWhen('at')} />
            {t('queue.scheduleAt')}
          </label>
          {when === 'at' && (
            <div className="field">
              <label htmlFor={`${ids}-at`}>{t('queue.scheduleAtLabel', { tz: Intl.DateTimeFormat().resolvedOptions().timeZone })}</label>
              <input id={`${ids}-at`} type="datetime-local" step={1} value={scheduledLocal} onChange={(e) => changeScheduledLocal(e.target.value)} />
            </div>
          )}
          <button
            type="button"
            className="primary"
            disabled={busy}
            aria-describedby={needsWorkspace}
            onClick={() => {
              if (when === 'now') return void act(() => call('pairs.schedule', { ...ref, when }), t('queue.said.now'));
              // Said here, in words, before anything is sent; the field keeps what was typed.
              const scheduledAt = scheduledInstant(scheduledLocal);
              if ('problem' in scheduledAt) return setError({ code: scheduledAt.problem });
              return void act(
                () => call('pairs.schedule', { ...ref, when, scheduledAt: scheduledAt.iso }),
                t('queue.said.at', { date: formatDate(scheduledAt.iso) }),
              );
            }}
          >
            {t(when === 'now' ? 'queue.publishBothNow' : 'queue.scheduleBoth')}
          </button>
        </fieldset>
      )}

      {said && (
        <p role="status" className="status-line" data-testid="pair-said" tabIndex={-1} ref={saidRef}>
          {said}
        </p>
      )}

      <div className="pair-actions">
        {onOpen && (
          <button type="button" onClick={() => onOpen(pair.id)}>
            {t('queue.open')}
          </button>
        )}
        {editable && can('pair.edit', scope) && (
          <button type="button" disabled={busy} onClick={() => onEdit(pair)}>
            {t(pair.status === 'translation' ? 'queue.translate' : 'queue.edit')}
          </button>
        )}
        {pair.status === 'draft' && can('pair.requestTranslation', scope) && (
          <button type="button" disabled={busy} onClick={() => void act(() => call('pairs.requestTranslation', ref))}>
            {t('queue.sendForTranslation')}
          </button>
        )}
        {(pair.status === 'draft' || pair.status === 'translation') && can('pair.submitForReview', scope) && (
          <button type="button" disabled={busy} onClick={() => void act(() => call('pairs.submitForReview', ref))}>
            {t('queue.submitForReview')}
          </button>
        )}
        {pair.deliveries.some((d) => d.status === 'held') && can('pair.release', scope) && (
          <button type="button" className="primary" disabled={busy} onClick={() => void act(() => call('pairs.release', ref))}>
            {t('queue.release')}
          </button>
        )}
        {(editable || ((pair.status === 'held' || pair.status === 'failed') && pair.deliveries.every((d) => d.status !== 'sent'))) &&
          can('pair.cancel', scope) &&
          (confirmingCancel ? (
            <>
              <button type="button" className="primary" disabled={busy} onClick={() => void act(() => call('pairs.cancel', { id: pair.id }))}>
                {t('queue.confirmCancel')}
              </button>
              <button type="button" disabled={busy} onClick={() => setConfirmingCancel(false)}>
                {t('queue.keep')}
              </button>
            </>
          ) : (
            <button type="button" disabled={busy} onClick={() => setConfirmingCancel(true)}>
              {t('queue.cancel')}
            </button>
          ))}
        {pair.deliveries.some((d) => d.status === 'sent') && <Engagement pairId={pair.id} />}
        {(pair.status === 'failed' || pair.status === 'partial') &&
          pair.deliveries.some((d) => d.status === 'failed') &&
          can('pair.retry', scope) && (
            <button type="button" disabled={busy} onClick={() => void act(() => call('pairs.retry', { id: pair.id }))}>
              {t('queue.retry')}
            </button>
          )}
      </div>
    </li>
  );
});

/** Likes, shares, replies and impressions of each published side, fetched when asked. */
function Engagement({ pairId }: { pairId: string }) {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const [rows, setRows] = useState<DeliveryMetrics[] | null>(null);
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  const number = numberFormat(i18n.language);
  const cell = (value: number | null) => (value === null ? <span className="muted">{t('queue.metrics.notReported')}</span> : number.format(value));
  async function show() {
    setOpen(true);
    await run(async () => {
      setRows(await call('pairs.metrics', { id: pairId }));
      return null;
    });
  }
  if (!open) {
    return (
      <button type="button" onClick={() => void show()}>
        {t('queue.metrics.show')}
      </button>
    );
  }
  return (
    <div className="engagement">
      <button type="button" onClick={() => setOpen(false)} aria-expanded="true">
        {t('queue.metrics.hide')}
      </button>
      <div role="status">{busy && t('queue.metrics.loading')}</div>
      <ErrorMessage error={error} />
      {rows && (
        <table className="data-table" data-testid="metrics">
          <caption className="visually-hidden">{t('queue.metrics.heading')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('queue.metrics.account')}</th>
              <th scope="col">{t('queue.metrics.likes')}</th>
              <th scope="col">{t('queue.metrics.reposts')}</th>
              <th scope="col">{t('queue.metrics.replies')}</th>
              <th scope="col">{t('queue.metrics.impressions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.deliveryId}>
                <th scope="row">
                  <span className="lang-tag">{row.lang.toUpperCase()}</span> {t(`platforms.${row.platform}`)} @{row.handle}
                </th>
                {row.error ? (
                  <td colSpan={4} className="delivery-error">
                    {errorText(row.error)}
                  </td>
                ) : (
                  <>
                    <td>{cell(row.likes)}</td>
                    <td>{cell(row.reposts)}</td>
                    <td>{cell(row.replies)}</td>
                    <td>{cell(row.impressions)}</td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Errors whose message says Tandem will try again: once it has stopped trying, say so first. */
const retriedErrors = new Set(['platform.network', 'platform.server', 'platform.rateLimited', 'platform.badResponse']);

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
      {(delivery.status === 'retrying' || delivery.status === 'checking') && delivery.nextAttemptAt && (
        <span className="muted"> · {t('queue.nextAttempt', { date: formatDate(delivery.nextAttemptAt) })}</span>
      )}
      {delivery.lastError && delivery.status !== 'sent' && (
        <div className="delivery-error" data-error-code={delivery.lastError.code}>
          {delivery.status === 'failed' && retriedErrors.has(delivery.lastError.code) && (
            <>{t('queue.gaveUp', { count: delivery.attempt })} </>
          )}
          {errorText(delivery.lastError)}
        </div>
      )}
    </li>
  );
}
