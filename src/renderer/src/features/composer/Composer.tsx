import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Channel, ErrorInfo, Lang, Platform } from '../../../../shared/domain';
import { measureText } from '../../../../shared/limits';
import { call, toErrorInfo } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useDateFormat } from '../../lib/format';

type Action = 'now' | 'schedule' | 'draft';

interface Draft {
  enText: string;
  frText: string;
  channelIds: string[];
  action: Action;
  scheduledLocal: string;
}

const draftKey = 'tandem.composer.draft';

/** `datetime-local` value (local wall time) for now + minutes, to the second. */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}:${pad(date.getSeconds())}`;
}

function loadDraft(): Draft | null {
  try {
    const raw = localStorage.getItem(draftKey);
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}

export function Composer({ channels, onAddAccounts }: { channels: Channel[]; onAddAccounts: () => void }) {
  const { t } = useTranslation();
  const formatDate = useDateFormat();
  const ids = useId();
  const [restored] = useState(loadDraft);
  const [enText, setEnText] = useState(restored?.enText ?? '');
  const [frText, setFrText] = useState(restored?.frText ?? '');
  const [channelIds, setChannelIds] = useState<string[]>(restored?.channelIds ?? []);
  const [action, setAction] = useState<Action>(restored?.action ?? 'now');
  const [scheduledLocal, setScheduledLocal] = useState(
    restored?.scheduledLocal ?? localInputValue(new Date(Date.now() + 60 * 60_000)),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [status, setStatus] = useState<string | null>(
    restored && (restored.enText || restored.frText) ? t('composer.restored') : null,
  );
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  // Keep only channels that still exist; preselect the only one there is.
  useEffect(() => {
    setChannelIds((current) => {
      const known = current.filter((id) => channels.some((c) => c.id === id));
      if (known.length === 0 && channels.length === 1) return [channels[0]!.id];
      return known.length === current.length ? current : known;
    });
  }, [channels]);

  // Unsent text survives a crash or a closed window.
  useEffect(() => {
    const draft: Draft = { enText, frText, channelIds, action, scheduledLocal };
    localStorage.setItem(draftKey, JSON.stringify(draft));
  }, [enText, frText, channelIds, action, scheduledLocal]);

  const platforms = useMemo(() => {
    const selected = channels.filter((c) => channelIds.includes(c.id)).map((c) => c.platform);
    return [...new Set<Platform>(selected.length > 0 ? selected : ['x'])];
  }, [channels, channelIds]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const scheduledAt =
        action === 'schedule' && scheduledLocal ? new Date(scheduledLocal).toISOString() : undefined;
      const pair = await call('pairs.create', { channelIds, enText, frText, action, scheduledAt, authorTz: timeZone });
      setStatus(
        action === 'now'
          ? t('composer.doneNow')
          : action === 'schedule'
            ? t('composer.doneSchedule', { date: formatDate(pair.scheduledAt!) })
            : t('composer.doneDraft'),
      );
      setEnText('');
      setFrText('');
    } catch (caught) {
      setError(toErrorInfo(caught));
    } finally {
      setBusy(false);
    }
  }

  if (channels.length === 0) {
    return (
      <section className="panel composer" aria-labelledby={`${ids}-heading`}>
        <h1 id={`${ids}-heading`}>{t('composer.heading')}</h1>
        <p className="empty">{t('composer.noChannels')}</p>
        <button type="button" className="primary" onClick={onAddAccounts}>
          {t('nav.accounts')}
        </button>
      </section>
    );
  }

  return (
    <form className="panel composer" onSubmit={submit} aria-labelledby={`${ids}-heading`} aria-busy={busy}>
      <h1 id={`${ids}-heading`}>{t('composer.heading')}</h1>
      <fieldset>
        <legend>{t('composer.channels')}</legend>
        {channels.map((channel) => (
          <label key={channel.id} className="check">
            <input
              type="checkbox"
              name="channel"
              value={channel.id}
              checked={channelIds.includes(channel.id)}
              onChange={(e) =>
                setChannelIds((current) =>
                  e.target.checked ? [...current, channel.id] : current.filter((id) => id !== channel.id),
                )
              }
            />
            {t('accounts.channelLabel', { name: channel.name, en: `@${channel.en.handle}`, fr: `@${channel.fr.handle}` })}
          </label>
        ))}
      </fieldset>
      <div className="two-columns texts">
        <TextSide lang="en" text={enText} onChange={setEnText} platforms={platforms} />
        <TextSide lang="fr" text={frText} onChange={setFrText} platforms={platforms} />
      </div>
      <fieldset className="when">
        <legend>{t('composer.when')}</legend>
        {(['now', 'schedule', 'draft'] as const).map((value) => (
          <label key={value} className="check">
            <input
              type="radio"
              name="action"
              value={value}
              checked={action === value}
              onChange={() => setAction(value)}
            />
            {t(value === 'now' ? 'composer.publishNow' : value === 'schedule' ? 'composer.schedule' : 'composer.saveDraft')}
          </label>
        ))}
        {action === 'schedule' && (
          <div className="field">
            <label htmlFor={`${ids}-at`}>{t('composer.scheduleAt', { tz: timeZone })}</label>
            <input
              id={`${ids}-at`}
              name="scheduledAt"
              type="datetime-local"
              step={1}
              required
              value={scheduledLocal}
              onChange={(e) => setScheduledLocal(e.target.value)}
            />
          </div>
        )}
      </fieldset>
      <ErrorMessage error={error} />
      <div role="status" className="status-line">
        {busy ? t('composer.working') : status}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {t(action === 'now' ? 'composer.submitNow' : action === 'schedule' ? 'composer.submitSchedule' : 'composer.submitDraft')}
      </button>
    </form>
  );
}

function TextSide({
  lang,
  text,
  onChange,
  platforms,
}: {
  lang: Lang;
  text: string;
  onChange: (text: string) => void;
  platforms: Platform[];
}) {
  const { t } = useTranslation();
  const id = useId();
  // The strictest platform among those selected decides the counter.
  const measure = platforms
    .map((platform) => measureText(platform, lang, text))
    .reduce((worst, m) => (m.max - m.length < worst.max - worst.length ? m : worst));
  const over = measure.length - measure.max;
  return (
    <div className="field text-side">
      <label htmlFor={id}>{t(`composer.${lang}`)}</label>
      <textarea
        id={id}
        name={`${lang}Text`}
        lang={lang}
        rows={8}
        value={text}
        aria-describedby={`${id}-count`}
        aria-invalid={over > 0}
        onChange={(e) => onChange(e.target.value)}
      />
      <span id={`${id}-count`} className={over > 0 ? 'counter over' : 'counter'} data-testid={`counter-${lang}`}>
        {t('composer.counter', { length: measure.length, max: measure.max })}
        {over > 0 && <> · {t('composer.over', { count: over })}</>}
      </span>
    </div>
  );
}
