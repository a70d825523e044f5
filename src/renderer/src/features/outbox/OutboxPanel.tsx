import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from '../../lib/translation';
import type { Outbox, OutboxEntry } from '../../../../shared/contract';
import type { PairMedia } from '../../../../shared/domain';
import { call } from '../../lib/api';
import { ConfirmDialog, useConfirm } from '../../lib/ConfirmDialog';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useDateFormat } from '../../lib/format';
import { useAction } from '../../lib/useAction';

type Keep = 'mine' | 'theirs';
type Texts = { enText: string; frText: string; media: PairMedia[] };

const kinds: Record<OutboxEntry['method'], string> = {
  'pairs.create': 'create',
  'pairs.update': 'update',
  'pairs.requestTranslation': 'requestTranslation',
  'pairs.submitForReview': 'submitForReview',
  'media.upload': 'upload',
};

/**
 * "Changes made offline": each change the workspace did not take, for the person to settle. A
 * conflict shows their version and the workspace's side by side, in both languages; a refusal says
 * why and shows their text to copy. After each choice, focus goes to the next change (or to the
 * message that nothing is left), so a keyboard or screen-reader user is never left on nothing.
 */
export function OutboxPanel({ outbox, onChange }: { outbox: Outbox | null; onChange: (next: Outbox) => void }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  const nothingLeft = useRef<HTMLParagraphElement>(null);
  const headings = useRef(new Map<number, HTMLHeadingElement>());
  /** Where focus goes once the list shows the outcome of the person's last choice. */
  const [focusNext, setFocusNext] = useState<number | 'none' | null>(null);
  const open = (outbox?.entries ?? []).filter((e) => e.state !== 'waiting');

  // Opened by the person (from the banner or the menu): focus on its heading.
  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    if (focusNext === null) return;
    if (focusNext === 'none') nothingLeft.current?.focus();
    else headings.current.get(focusNext)?.focus();
    setFocusNext(null);
  }, [focusNext]);

  function settled(entry: OutboxEntry, next: Outbox) {
    const index = open.findIndex((e) => e.id === entry.id);
    const left = next.entries.filter((e) => e.state !== 'waiting');
    const target = left[Math.min(index, left.length - 1)];
    onChange(next);
    setFocusNext(target ? target.id : 'none');
  }

  return (
    <section className="panel outbox" aria-labelledby="outbox-heading">
      <h2 id="outbox-heading" ref={heading} tabIndex={-1}>
        {t('outbox.panel.heading')}
      </h2>
      {outbox === null ? (
        <p>{t('app.loading')}</p>
      ) : open.length === 0 ? (
        <p ref={nothingLeft} tabIndex={-1} className="empty">
          {t('outbox.panel.nothingLeft')}
        </p>
      ) : (
        <>
          <p>{t('outbox.panel.intro')}</p>
          <ol className="outbox-list">
            {open.map((entry) => (
              <li key={`${entry.id}:${entry.state}:${entry.theirs?.version ?? ''}`}>
                <EntryView
                  entry={entry}
                  headingRef={(el) => (el ? headings.current.set(entry.id, el) : headings.current.delete(entry.id))}
                  onSettled={(next) => settled(entry, next)}
                />
              </li>
            ))}
          </ol>
        </>
      )}
      {outbox !== null && outbox.status.waiting > 0 && (
        <p className="muted">{t('outbox.panel.waiting', { count: outbox.status.waiting })}</p>
      )}
    </section>
  );
}

function EntryView({
  entry,
  headingRef,
  onSettled,
}: {
  entry: OutboxEntry;
  headingRef: (el: HTMLHeadingElement | null) => void;
  onSettled: (next: Outbox) => void;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const date = useDateFormat();
  const { busy, error, run } = useAction();

  function resolve(keep: Keep) {
    void run(async () => {
      onSettled(await call('outbox.resolve', { id: entry.id, keep }));
      return null;
    });
  }

  return (
    <article className="outbox-entry" aria-labelledby={`${ids}-h`} data-state={entry.state} data-testid="outbox-entry">
      <h3 id={`${ids}-h`} ref={headingRef} tabIndex={-1}>
        {t(`outbox.change.${kinds[entry.method]}`)}
      </h3>
      <p className="muted">{t('outbox.madeAt', { date: date(entry.createdAt) })}</p>
      {entry.state === 'conflict' ? (
        <Conflict entry={entry} busy={busy} onKeep={resolve} />
      ) : (
        <Refused entry={entry} busy={busy} onKeep={resolve} />
      )}
      <ErrorMessage error={error} />
    </article>
  );
}

function Conflict({ entry, busy, onKeep }: { entry: OutboxEntry; busy: boolean; onKeep: (keep: Keep) => void }) {
  const { t } = useTranslation();
  const { mine, theirs } = entry;
  const cell = (texts: Texts | null, pick: (texts: Texts) => ReactNode) =>
    texts ? pick(texts) : <em className="muted">{t('outbox.conflict.fetching')}</em>;
  const withImages = (mine?.media.length ?? 0) > 0 || (theirs?.media.length ?? 0) > 0;
  return (
    <>
      <p>{t('outbox.conflict.explain')}</p>
      {theirs === null && <p className="muted">{t('outbox.conflict.fetching')}</p>}
      <table className="data-table outbox-compare">
        <caption className="visually-hidden">{t('outbox.conflict.caption')}</caption>
        <thead>
          <tr>
            <td />
            <th scope="col">{t('outbox.conflict.mine')}</th>
            <th scope="col">{t('outbox.conflict.theirs')}</th>
          </tr>
        </thead>
        <tbody>
          {(['en', 'fr'] as const).map((lang) => (
            <tr key={lang}>
              <th scope="row">{t(lang === 'en' ? 'outbox.english' : 'outbox.french')}</th>
              <td lang={lang}>{cell(mine, (m) => <Text text={lang === 'en' ? m.enText : m.frText} />)}</td>
              <td lang={lang}>{cell(theirs, (m) => <Text text={lang === 'en' ? m.enText : m.frText} />)}</td>
            </tr>
          ))}
          {withImages &&
            (['en', 'fr'] as const).map((lang) => (
              <tr key={`alt-${lang}`}>
                <th scope="row">{t(lang === 'en' ? 'outbox.altEn' : 'outbox.altFr')}</th>
                <td lang={lang}>{cell(mine, (m) => <AltTexts media={m.media} lang={lang} />)}</td>
                <td lang={lang}>{cell(theirs, (m) => <AltTexts media={m.media} lang={lang} />)}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <div className="button-row">
        {/* Both wait for the workspace's version: choosing without seeing it would be a guess. */}
        <button type="button" className="primary" disabled={busy || theirs === null} onClick={() => onKeep('mine')}>
          {t('outbox.conflict.keepMine')}
        </button>
        <button type="button" disabled={busy || theirs === null} onClick={() => onKeep('theirs')}>
          {t('outbox.conflict.keepTheirs')}
        </button>
      </div>
    </>
  );
}

function Refused({ entry, busy, onKeep }: { entry: OutboxEntry; busy: boolean; onKeep: (keep: Keep) => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const confirm = useConfirm();
  const opener = useRef<HTMLButtonElement>(null);
  const discarded = useRef(false);
  const { mine } = entry;

  function discard() {
    discarded.current = true;
    confirm.close();
    onKeep('theirs');
  }

  return (
    <>
      <ErrorMessage error={entry.error} />
      <p>{t('outbox.refused.explain')}</p>
      {mine === null ? (
        <p>{t('outbox.refused.imageOnly')}</p>
      ) : (
        <div className="two-columns">
          {(['en', 'fr'] as const).map((lang) => (
            <div key={lang} className="field">
              <label htmlFor={`${ids}-${lang}`}>{t(lang === 'en' ? 'outbox.english' : 'outbox.french')}</label>
              <textarea
                id={`${ids}-${lang}`}
                lang={lang}
                readOnly
                rows={4}
                value={lang === 'en' ? mine.enText : mine.frText}
              />
              {mine.media.length > 0 && (
                <>
                  <p className="muted">{t(lang === 'en' ? 'outbox.altEn' : 'outbox.altFr')}</p>
                  <AltTexts media={mine.media} lang={lang} />
                </>
              )}
            </div>
          ))}
        </div>
      )}
      <div className="button-row">
        <button type="button" className="primary" disabled={busy} onClick={() => onKeep('mine')}>
          {t('outbox.refused.sendAgain')}
        </button>
        <button type="button" ref={opener} disabled={busy} onClick={confirm.open}>
          {t('outbox.refused.discard')}
        </button>
      </div>
      <ConfirmDialog
        confirm={confirm}
        title={t('outbox.refused.confirmTitle')}
        body={t('outbox.refused.confirmBody')}
        confirmLabel={t('outbox.refused.confirm')}
        cancelLabel={t('outbox.refused.cancel')}
        onConfirm={discard}
        // Closed by Escape or "Keep my change": focus goes back to the button that opened it.
        // Discarded: the panel moves focus to the next change instead.
        onClose={() => {
          if (!discarded.current) opener.current?.focus();
        }}
      />
    </>
  );
}

function Text({ text }: { text: string }) {
  const { t } = useTranslation();
  return text.trim() ? <span className="pair-text">{text}</span> : <em className="muted">{t('outbox.noText')}</em>;
}

function AltTexts({ media, lang }: { media: PairMedia[]; lang: 'en' | 'fr' }) {
  const { t } = useTranslation();
  const alts = media.map((m) => (lang === 'en' ? m.altEn : m.altFr));
  if (alts.length === 0) return <em className="muted">{t('outbox.noText')}</em>;
  return (
    <ul className="alt-texts">
      {alts.map((alt, i) => (
        <li key={i}>{alt.trim() ? alt : <em className="muted">{t('outbox.noText')}</em>}</li>
      ))}
    </ul>
  );
}
