// One pair opened on its own (issue 13, items 3 and 5): both languages side by side, each
// platform's preview, its images large with their alt text, every check's result, what changed
// since the version last decided on, the decisions and their comments; and what the person may
// do with it (approve or send back, with shortcuts; edit; reschedule; duplicate; copy a post's
// link). Read-only, with the reason said, where the person may not act.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from '../../lib/translation';
import type { PairReview } from '../../../../shared/contract';
import type { Channel, Delivery, ErrorInfo, Lang, Pair } from '../../../../shared/domain';
import { checkIds, defaultCheckSettings, runChecks, type CheckSettings } from '../../../../shared/checks';
import { changed, wordDiff } from '../../../../shared/diff';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useChannelName, useDateFormat, useZoneName } from '../../lib/format';
import { useNavigation } from '../../lib/navigation';
import { useFindingText } from '../../lib/pair/ChecksPanel';
import { Thumbnail } from '../../lib/pair/media';
import { Previews } from '../../lib/pair/Previews';
import { useCall, useCallMutation } from '../../lib/query';
import { useCan, useUser } from '../../lib/session';

/** ⌘ on a Mac, Ctrl elsewhere: the modifier the shortcuts use and the buttons name. */
const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/**
 * The decision shortcuts: Ctrl+Enter approves, Ctrl+Shift+Enter sends back (⌘ on a Mac). Always
 * with a modifier, so they never fire on a key typed in the comment; neither is a browser's or a
 * screen reader's command on a page (Chromium's Ctrl+Enter acts only on a focused link, and
 * NVDA, JAWS and VoiceOver use Insert, Caps Lock or Ctrl+Option), nor one of the app menu's.
 */
const shortcutKeys = { approve: 'Control+Enter Meta+Enter', reject: 'Control+Shift+Enter Meta+Shift+Enter' } as const;

export default function ReviewScreen({ pairId }: { pairId: string }) {
  const { t } = useTranslation();
  const opened = useCall('pairs.open', { id: pairId });
  if (opened.isPending) {
    return (
      <section className="panel review" aria-busy="true">
        <p>{t('app.loading')}</p>
      </section>
    );
  }
  if (opened.isError) {
    // A pair that does not exist and one the person may not see are the same to them.
    if (opened.error.info.code === 'pair.unknown') return <NotFound />;
    return (
      <section className="panel review">
        <ErrorMessage error={opened.error.info} />
      </section>
    );
  }
  return <Review key={opened.data.pair.id} review={opened.data} />;
}

/** Said in both official languages, whichever the person reads: a link may have been shared. */
function NotFound() {
  const { t } = useTranslation();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <section className="panel review review-not-found" data-testid="review-not-found">
      {(['en', 'fr'] as const).map((lng) => (
        <div key={lng} lang={lng}>
          <h1 ref={lng === 'en' ? ref : undefined} tabIndex={-1}>
            {t('review.notFound.heading', { lng })}
          </h1>
          <p>{t('review.notFound.body', { lng })}</p>
        </div>
      ))}
    </section>
  );
}

function Review({ review }: { review: PairReview }) {
  const { pair, previous, can } = review;
  const { t } = useTranslation();
  const ids = useId();
  const { go } = useNavigation();
  const formatMoment = useDateFormat();
  const channelName = useChannelName();
  const settings = useCall('settings.get');
  const accounts = useCall('accounts.list');
  const checks: CheckSettings = settings.data?.checks ?? defaultCheckSettings;
  const channels = pairChannels(pair, accounts.data ?? []);
  const nameOf = (username: string) => pair.names[username] ?? username;

  // What an action just did, said where focus goes next: the decision box may be gone by then.
  const [outcome, setOutcome] = useState<string | null>(null);
  const outcomeRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (outcome) outcomeRef.current?.focus();
  }, [outcome]);

  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);

  const duplicate = useCallMutation('pairs.duplicate', {
    // The copy is a new draft: it opens in the composer to be changed.
    onSuccess: (copy) => go({ view: 'compose', pair: copy }),
  });

  const sentTimes = pair.deliveries.flatMap((d) => (d.sentAt ? [d.sentAt] : []));
  const publishedAt = (pair.status === 'published' || pair.status === 'partial') && sentTimes.length > 0 ? sentTimes.sort().at(-1)! : null;
  const translators = [...new Set([...pair.writtenBy.en, ...pair.writtenBy.fr])].filter((u) => u !== pair.createdBy);
  const canAct = can.approve || can.edit || can.reschedule || can.duplicate || can.schedule;
  const statusName = t(`queue.status.${pair.status}`);

  return (
    <article className="panel review" aria-labelledby={`${ids}-h`} data-testid="review" data-status={pair.status}>
      <h1 id={`${ids}-h`} ref={headingRef} tabIndex={-1}>
        {t('review.heading')}{' '}
        <span className={`badge badge-${pair.status}`} data-testid="review-status">
          {t(`queue.status.${pair.status}`)}
        </span>
      </h1>
      <p className="review-meta">
        <span data-testid="review-channels">
          {t('review.channels', { count: channels.length, names: channels.map(channelName).join(', ') })}
        </span>
        {' · '}
        {t('review.version', { version: pair.version })}
        {publishedAt ? (
          <>
            {' · '}
            <span data-testid="published-at">{t('queue.publishedAt', { date: formatMoment(publishedAt) })}</span>
          </>
        ) : (
          pair.scheduledAt && (
            <>
              {' · '}
              <span data-testid="scheduled-for">{t('queue.scheduledFor', { date: formatMoment(pair.scheduledAt) })}</span>
            </>
          )
        )}
      </p>
      <p className="people muted" data-testid="people">
        {t('queue.draftedBy', { user: nameOf(pair.createdBy) })}
        {translators.length > 0 && <> · {t('queue.translatedBy', { user: translators.map(nameOf).join(', ') })}</>}
        {pair.scheduledBy && (
          <>
            {' · '}
            {t(publishedAt ? 'queue.scheduledBy' : 'queue.scheduledByPending', { user: nameOf(pair.scheduledBy) })}
          </>
        )}
      </p>

      <p ref={outcomeRef} tabIndex={-1} className={outcome ? 'alert alert-success' : 'visually-hidden'} data-testid="review-outcome">
        {outcome}
      </p>

      {!canAct && (
        <p className="alert alert-info" data-testid="read-only">
          {t('review.readOnly', { status: statusName })}
        </p>
      )}

      <section aria-labelledby={`${ids}-texts`}>
        <h2 id={`${ids}-texts`}>{t('review.texts')}</h2>
        <div className="two-columns review-sides">
          {(['en', 'fr'] as const).map((lang) => (
            <Side key={lang} pair={pair} lang={lang} />
          ))}
        </div>
      </section>

      {previous && <Changes pair={pair} previous={previous} nameOf={nameOf} />}

      <div className="review-previews">
        <Previews channels={channels} texts={{ en: pair.enText, fr: pair.frText }} media={pair.media} />
      </div>

      <CheckResults pair={pair} settings={checks} />

      <Decisions pair={pair} previous={previous} nameOf={nameOf} />

      {pair.status === 'review' && (can.approve ? <DecisionBox pair={pair} onDone={setOutcome} /> : <NoDecision pair={pair} />)}

      {pair.status === 'scheduled' && can.reschedule && <Reschedule pair={pair} onDone={setOutcome} />}

      <PostLinks deliveries={pair.deliveries} />

      {(can.edit || can.duplicate) && (
        <div className="actions review-actions">
          {can.edit && (
            <button type="button" onClick={() => go({ view: 'compose', pair })}>
              {t(pair.status === 'translation' ? 'queue.translate' : 'queue.edit')}
            </button>
          )}
          {can.duplicate && (
            <button type="button" disabled={duplicate.isPending} onClick={() => duplicate.mutate({ id: pair.id })}>
              {t('review.duplicate')}
            </button>
          )}
        </div>
      )}
      <ErrorMessage error={duplicate.error?.info ?? null} />
    </article>
  );
}

/** The account pairs the pair goes to, as the person's list names them. */
function pairChannels(pair: Pair, known: Channel[]): Channel[] {
  return pair.channelIds.flatMap((id) => known.filter((c) => c.id === id));
}

function Side({ pair, lang }: { pair: Pair; lang: Lang }) {
  const { t } = useTranslation();
  const text = lang === 'en' ? pair.enText : pair.frText;
  return (
    <section className="pair-side" data-lang={lang} data-testid={`side-${lang}`} aria-label={t(`lang.${lang}`)}>
      <h3>
        <span className="lang-tag">{lang.toUpperCase()}</span> {t(`lang.${lang}`)}
      </h3>
      <p lang={lang} className="pair-text review-text">
        {text.trim() ? text : <em className="muted">{t('queue.missingText')}</em>}
      </p>
      {pair.media.map((m, i) => {
        const alt = lang === 'en' ? m.altEn : m.altFr;
        return (
          <figure key={`${m[lang].id}-${i}`} className="review-figure">
            <Thumbnail file={m[lang]} alt={alt} width={Math.min(480, m[lang].width)} />
            <figcaption data-testid="alt-text">
              <strong>{t('review.altText', { position: i + 1, lang: t(`lang.${lang}`) })}</strong>{' '}
              {alt.trim() ? <span lang={lang}>{alt}</span> : <em className="delivery-error">{t('review.noAltText')}</em>}
            </figcaption>
          </figure>
        );
      })}
    </section>
  );
}

/** What changed in each language since the last decision, word by word, said in words as well as shown. */
function Changes({ pair, previous, nameOf }: { pair: Pair; previous: NonNullable<PairReview['previous']>; nameOf: (u: string) => string }) {
  const { t } = useTranslation();
  const ids = useId();
  const formatMoment = useDateFormat();
  return (
    <section className="review-changes" aria-labelledby={`${ids}-h`} data-testid="changes">
      <h2 id={`${ids}-h`}>{t('review.changes.heading')}</h2>
      <p className="muted">
        {t(`review.changes.since_${previous.decision}`, {
          version: previous.version,
          user: nameOf(previous.by),
          date: formatMoment(previous.at),
        })}
      </p>
      <p className="muted" aria-hidden="true">
        {t('review.changes.legend')} <ins>{t('review.changes.added')}</ins> <del>{t('review.changes.removed')}</del>
      </p>
      <div className="two-columns">
        {(['en', 'fr'] as const).map((lang) => {
          const parts = wordDiff(lang === 'en' ? previous.enText : previous.frText, lang === 'en' ? pair.enText : pair.frText);
          return (
            <div key={lang} data-testid={`changes-${lang}`}>
              <h3>
                <span className="lang-tag">{lang.toUpperCase()}</span> {t(`lang.${lang}`)}
              </h3>
              {changed(parts) ? (
                <p className="pair-text review-diff" lang={lang}>
                  {parts.map((part, i) =>
                    part.kind === 'same' ? (
                      <span key={i}>{part.text}</span>
                    ) : (
                      <Marked key={i} kind={part.kind}>
                        {part.text}
                      </Marked>
                    ),
                  )}
                </p>
              ) : (
                <p className="muted">{t('review.changes.none', { lang: t(`lang.${lang}`) })}</p>
              )}
            </div>
          );
        })}
      </div>
    </section>
  );
}

/** An insertion or deletion: underlined or struck through, and named before and after for screen readers. */
function Marked({ kind, children }: { kind: 'added' | 'removed'; children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const Tag = kind === 'added' ? 'ins' : 'del';
  return (
    <Tag data-diff={kind}>
      <span className="visually-hidden" lang={i18n.resolvedLanguage}>
        {t(`review.changes.${kind}Start`)}
      </span>
      {children}
      <span className="visually-hidden" lang={i18n.resolvedLanguage}>
        {t(`review.changes.${kind}End`)}
      </span>
    </Tag>
  );
}

/** Every check the composer runs, each with its result: passed, turned off, or what it found. */
function CheckResults({ pair, settings }: { pair: Pair; settings: CheckSettings }) {
  const { t } = useTranslation();
  const ids = useId();
  const message = useFindingText();
  const findings = runChecks({ en: pair.enText, fr: pair.frText }, settings, pair.media);
  return (
    <section className="checks review-checks" aria-labelledby={`${ids}-h`} data-testid="check-results">
      <h2 id={`${ids}-h`}>{t('checks.heading')}</h2>
      <ul>
        {checkIds.map((check) => {
          const found = findings.filter((f) => f.check === check);
          const off = settings.severity[check] === 'off';
          const result = off ? 'off' : found.length === 0 ? 'passed' : found.some((f) => f.severity === 'block') ? 'block' : 'warn';
          return (
            <li key={check} data-check={check} data-result={result}>
              <span className={`badge badge-check-${result}`}>{t(`review.checkResult.${result}`)}</span>{' '}
              <strong>{t(`checks.names.${check}`)}</strong>
              {found.length > 0 && (
                <ul>
                  {found.map((f, i) => (
                    <li key={i}>{message(f)}</li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The decisions on this pair, with their comments: the last one on an earlier version, and those in force. */
function Decisions({ pair, previous, nameOf }: { pair: Pair; previous: PairReview['previous']; nameOf: (u: string) => string }) {
  const { t } = useTranslation();
  const ids = useId();
  const formatMoment = useDateFormat();
  const shown = [
    ...(previous && !(pair.rejection?.at === previous.at || pair.approval?.at === previous.at)
      ? [{ decision: previous.decision, by: previous.by, at: previous.at, comment: previous.comment as string | null, version: previous.version }]
      : []),
    ...(pair.rejection ? [pair.rejection] : []),
    ...(pair.approval ? [pair.approval] : []),
  ].sort((a, b) => a.at.localeCompare(b.at));
  if (shown.length === 0) return null;
  return (
    <section aria-labelledby={`${ids}-h`} data-testid="decisions">
      <h2 id={`${ids}-h`}>{t('review.decisions')}</h2>
      <ul className="review-decisions">
        {shown.map((d) => (
          <li key={`${d.decision}-${d.at}`} className={d.decision === 'rejected' ? 'evidence rejected' : 'evidence'}>
            {t(d.decision === 'approved' ? 'queue.approvedBy' : 'queue.rejectedBy', { user: nameOf(d.by), date: formatMoment(d.at) })}{' '}
            {t('review.onVersion', { version: d.version })}
            {d.comment ? <> — {t('queue.quoted', { text: d.comment })}</> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Why an approver cannot decide on a pair in review: not their role, or their own pair. */
function NoDecision({ pair }: { pair: Pair }) {
  const { t } = useTranslation();
  const can = useCan();
  const user = useUser();
  const own = pair.createdBy === user.username || pair.writtenBy.en.includes(user.username) || pair.writtenBy.fr.includes(user.username);
  const reason =
    can('pair.approve', pair.channelIds) && own
      ? t('review.cannotDecide.own')
      : t('errors.permission.denied', { action: t('actions.pair.approve') });
  return (
    <p className="alert alert-info" data-testid="no-decision">
      {t('review.cannotDecide.intro')} {reason}
    </p>
  );
}

function DecisionBox({ pair, onDone }: { pair: Pair; onDone: (message: string) => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [comment, setComment] = useState('');
  const ref = { id: pair.id, version: pair.version };
  const keys = { approve: t(`review.keys.approve_${mac ? 'mac' : 'pc'}`), reject: t(`review.keys.reject_${mac ? 'mac' : 'pc'}`) };
  const approve = useCallMutation('pairs.approve', { onSuccess: () => onDone(t('review.approved')) });
  const reject = useCallMutation('pairs.reject', { onSuccess: () => onDone(t('review.sentBack')) });
  const busy = approve.isPending || reject.isPending;
  const error = approve.error?.info ?? reject.error?.info ?? null;
  const act = useRef<(which: 'approve' | 'reject') => void>(() => undefined);
  act.current = (which) => {
    if (busy) return;
    approve.reset();
    reject.reset();
    (which === 'approve' ? approve : reject).mutate({ ...ref, comment });
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.altKey || event.repeat) return;
      event.preventDefault();
      act.current(event.shiftKey ? 'reject' : 'approve');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <section className="decision" aria-labelledby={`${ids}-h`} data-testid="decision">
      <h2 id={`${ids}-h`}>{t('review.decide')}</h2>
      <div className="field">
        <label htmlFor={`${ids}-comment`}>{t('queue.comment')}</label>
        <textarea id={`${ids}-comment`} rows={3} value={comment} onChange={(e) => setComment(e.target.value)} aria-describedby={`${ids}-keys`} />
      </div>
      <p id={`${ids}-keys`} className="muted">
        {t('review.shortcutsHint', keys)}
      </p>
      <ErrorMessage error={error} />
      <div className="actions">
        {(['approve', 'reject'] as const).map((which) => (
          <button
            key={which}
            type="button"
            className={which === 'approve' ? 'primary' : undefined}
            disabled={busy}
            aria-keyshortcuts={shortcutKeys[which]}
            title={t('review.shortcut', { keys: keys[which] })}
            onClick={() => act.current(which)}
          >
            {t(`queue.${which}`)} <span className="shortcut">({keys[which]})</span>
          </button>
        ))}
      </div>
    </section>
  );
}

/** `datetime-local` value (local wall time, to the minute) of a moment. */
function localInputValue(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The moment a `datetime-local` value names, or what is wrong with it: the browser gives an empty
 * value for a date not fully typed or one that does not exist, and a year too far for a date
 * makes `toISOString` throw.
 */
function scheduledInstant(local: string): { iso: string } | { problem: 'schedule.incomplete' | 'schedule.outOfRange' } {
  if (!local) return { problem: 'schedule.incomplete' };
  const date = new Date(local);
  if (Number.isNaN(date.getTime()) || date.getFullYear() > 9999) return { problem: 'schedule.outOfRange' };
  return { iso: date.toISOString() };
}

function Reschedule({ pair, onDone }: { pair: Pair; onDone: (message: string) => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const zone = useZoneName();
  const formatMoment = useDateFormat();
  const [local, setLocal] = useState(() => localInputValue(pair.scheduledAt!));
  const [problem, setProblem] = useState<ErrorInfo | null>(null);
  const reschedule = useCallMutation('pairs.reschedule', {
    onSuccess: (moved) => onDone(t('review.rescheduled', { date: formatMoment(moved.scheduledAt!) })),
  });
  // A message about the date follows the date: it goes once the date is whole and real again.
  function change(value: string) {
    setLocal(value);
    if (problem) {
      const next = scheduledInstant(value);
      setProblem('problem' in next ? { code: next.problem } : null);
    }
  }
  return (
    <section className="decision" aria-labelledby={`${ids}-h`} data-testid="reschedule">
      <h2 id={`${ids}-h`}>{t('review.reschedule.heading')}</h2>
      <p className="muted">{t('review.reschedule.keepsApproval')}</p>
      <div className="field">
        <label htmlFor={`${ids}-at`}>{t('review.reschedule.label', { zone })}</label>
        <input id={`${ids}-at`} type="datetime-local" value={local} onChange={(e) => change(e.target.value)} />
      </div>
      <ErrorMessage error={problem ?? reschedule.error?.info ?? null} />
      <button
        type="button"
        className="primary"
        disabled={reschedule.isPending}
        onClick={() => {
          // Said here, in words, before anything is sent; the field keeps what was typed.
          const at = scheduledInstant(local);
          if ('problem' in at) return setProblem({ code: at.problem });
          setProblem(null);
          reschedule.mutate({ id: pair.id, version: pair.version, scheduledAt: at.iso });
        }}
      >
        {t('review.reschedule.submit')}
      </button>
    </section>
  );
}

/** Each published post's link: opened in the browser, or copied (or shown to copy by hand where the clipboard is refused). */
function PostLinks({ deliveries }: { deliveries: Delivery[] }) {
  const { t } = useTranslation();
  const ids = useId();
  const published = deliveries.filter((d) => d.remoteUrl);
  if (published.length === 0) return null;
  return (
    <section aria-labelledby={`${ids}-h`} data-testid="post-links">
      <h2 id={`${ids}-h`}>{t('review.links.heading')}</h2>
      <ul className="review-links">
        {published.map((delivery) => (
          <PostLink key={delivery.id} delivery={delivery} />
        ))}
      </ul>
    </section>
  );
}

function PostLink({ delivery }: { delivery: Delivery }) {
  const { t } = useTranslation();
  const url = delivery.remoteUrl!;
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const manualRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (state !== 'manual') return;
    manualRef.current?.focus();
    manualRef.current?.select();
  }, [state]);
  const what = { lang: t(`lang.${delivery.lang}`), platform: t(`platforms.${delivery.platform}`), handle: `@${delivery.handle}` };
  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setState('copied');
    } catch {
      // The clipboard was refused (no permission, or not in a secure page): the link is shown,
      // selected, to copy by hand.
      setState('manual');
    }
  }
  return (
    <li data-testid="post-link" data-lang={delivery.lang}>
      <a href={url} target="_blank" rel="noreferrer noopener">
        {t('review.links.view', what)}
      </a>{' '}
      <button type="button" className="link-button" onClick={() => void copy()}>
        {t('review.links.copy', what)}
      </button>
      <span role="status">{state === 'copied' ? ` ${t('review.links.copied')}` : ''}</span>
      {state === 'manual' && (
        <span className="field review-manual-copy">
          <label>
            {t('review.links.copyByHand', { keys: mac ? '⌘C' : 'Ctrl+C' })}{' '}
            <input ref={manualRef} type="text" readOnly value={url} />
          </label>
        </span>
      )}
    </li>
  );
}
