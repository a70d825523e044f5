import { memo, useCallback, useDeferredValue, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import type { Account, Channel, ErrorInfo, Grant, Lang, Pair } from '../../../../shared/domain';
import { defaultLimits, measureText, sideMedia, validateSide } from '../../../../shared/limits';
import type { UnsentText } from '../../../../shared/contract';
import { call } from '../../lib/api';
import { useAction } from '../../lib/useAction';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useCan, useUser } from '../../lib/session';
import { useChannelName, useDayFormat } from '../../lib/format';
import { isGrantActive } from '../../../../shared/permissions';
import { defaultCheckSettings, type CheckSettings } from '../../../../shared/checks';
import { ChecksPanel } from '../../lib/pair/ChecksPanel';
import { useCall } from '../../lib/query';
import { MediaEditor, newMediaKey, type ComposerMedia } from './MediaEditor';
import { Previews } from '../../lib/pair/Previews';
import { useUnsentText, type UnsentContent } from './useUnsentText';

type Next = 'draft' | 'translation' | 'review';

interface Props {
  channels: Channel[];
  /** A pair being edited; null composes a new one. */
  editing: Pair | null;
  onDoneEditing: () => void;
  onAddAccounts: () => void;
}

/** A new pair starts from the signed-in person's own unsent text, which main keeps for them alone. */
export function Composer(props: Props) {
  const { t } = useTranslation();
  const ids = useId();
  // undefined: still asking main; null: nothing kept (or editing a saved pair).
  const [restored, setRestored] = useState<UnsentText | null | undefined>(props.editing ? null : undefined);
  useEffect(() => {
    if (props.editing) return;
    let live = true;
    call('unsent.get').then(
      (unsent) => live && setRestored(unsent),
      // Nothing to restore then; what is typed from here on is kept as usual.
      () => live && setRestored(null),
    );
    return () => {
      live = false;
    };
  }, [props.editing]);
  if (restored === undefined) {
    return (
      <section className="panel composer" aria-labelledby={`${ids}-heading`} aria-busy="true">
        <h1 id={`${ids}-heading`}>{t('composer.heading')}</h1>
        <p>{t('app.loading')}</p>
      </section>
    );
  }
  return <ComposerForm {...props} restored={restored} />;
}

function ComposerForm(props: Props & { restored: UnsentText | null }) {
  const { channels, editing, onDoneEditing, onAddAccounts, restored } = props;
  const { t } = useTranslation();
  const can = useCan();
  const user = useUser();
  const owner = user.id;
  const formatDay = useDayFormat();
  const ids = useId();
  const [enText, setEnText] = useState(editing?.enText ?? restored?.enText ?? '');
  const [frText, setFrText] = useState(editing?.frText ?? restored?.frText ?? '');
  const [channelIds, setChannelIds] = useState<string[]>(editing?.channelIds ?? restored?.channelIds ?? []);
  const [media, setMedia] = useState<ComposerMedia[]>(() =>
    (editing?.media ?? restored?.media ?? []).map((m) => ({ ...m, key: newMediaKey() })),
  );
  const [uploading, setUploading] = useState(false);
  // Creating, sending on and saving run as the data layer's mutations: busy, the refusal, what was done.
  const action = useAction();
  const { busy, error } = action;
  // Restored text says so; images of it Tandem no longer has were left out, and that is said too.
  const [status, setStatus] = useState<string | null>(() => {
    if (!restored) return null;
    const lines = [
      restored.enText || restored.frText || restored.media.length > 0 ? t('composer.restored') : '',
      restored.missingMedia > 0 ? t('media.restoredMissing', { count: restored.missingMedia }) : '',
    ];
    return lines.filter(Boolean).join(' ') || null;
  });
  // The workspace's check settings, asked again when they change; the defaults until known.
  const checkSettings: CheckSettings = useCall('settings.get').data?.checks ?? defaultCheckSettings;

  // Keep only channels that still exist; preselect the only one there is.
  useEffect(() => {
    if (editing) return;
    setChannelIds((current) => {
      const known = current.filter((id) => channels.some((c) => c.id === id));
      if (known.length === 0 && channels.length === 1) return [channels[0]!.id];
      return known.length === current.length ? current : known;
    });
  }, [channels, editing]);

  const selected = useMemo(() => channels.filter((c) => channelIds.includes(c.id)), [channels, channelIds]);
  /** Every account each side goes to; with none selected yet, X's limits as a guide. */
  const accounts = useMemo(
    () =>
      Object.fromEntries(
        (['en', 'fr'] as const).map((lang) => [lang, selected.length > 0 ? selected.map((c) => c[lang]) : [{ limits: defaultLimits.x, platform: 'x' } as Account]]),
      ) as Record<Lang, Account[]>,
    [selected],
  );
  const accountsFor = (lang: Lang): Account[] => accounts[lang];
  // What is typed shows at once; the previews and the checks (five platforms' cards, language
  // detection) follow the text a moment later, in a render a new keystroke may interrupt.
  const deferredEn = useDeferredValue(enText);
  const deferredFr = useDeferredValue(frText);
  const deferredTexts = useMemo(() => ({ en: deferredEn, fr: deferredFr }), [deferredEn, deferredFr]);
  const fix = useCallback((lang: Lang, text: string) => (lang === 'en' ? setEnText(text) : setFrText(text)), []);
  const strictest = (pick: (a: Account) => number) => Math.min(...(['en', 'fr'] as const).flatMap((lang) => accountsFor(lang).map(pick)));
  const mediaInput = media.map((m) => ({ en: m.en.id, fr: m.fr.id, altEn: m.altEn, altFr: m.altFr }));
  // Unsent text survives a crash or a closed window, for the person who typed it only.
  const unsent = useUnsentText(
    editing ? null : { owner, enText, frText, channelIds, media: mediaInput },
    editing || !restored ? null : unsentContent(restored, owner),
  );

  /** Runs one of the composer's actions; what it did is said in the status line (the restored note goes). */
  function run(work: () => Promise<string>) {
    setStatus(null);
    return action.run(work);
  }

  /** The same check main makes before review: the first problem with the text as it is now. */
  function reviewProblem(): ErrorInfo | null {
    for (const lang of ['en', 'fr'] as const) {
      for (const account of accountsFor(lang)) {
        const [problem] = validateSide(account.limits, lang, lang === 'en' ? enText : frText, sideMedia(media, lang));
        if (problem) return { code: problem.code, params: { ...problem.params, platform: account.platform } };
      }
    }
    return null;
  }
  // Once review was refused for the text, the message follows the text: it changes as the text
  // changes and goes away when the text is fixed, so it never contradicts the checks beside it.
  const [refusedForText, setRefusedForText] = useState(false);
  const textProblem = refusedForText ? reviewProblem() : null;
  useEffect(() => {
    if (refusedForText && !textProblem) setRefusedForText(false);
  }, [refusedForText, textProblem]);

  function create(next: Next) {
    if (next === 'review' && reviewProblem()) {
      // Not saved half-way: a pair that cannot go to review stays in the composer.
      setStatus(null);
      action.clear();
      setRefusedForText(true);
      return;
    }
    setRefusedForText(false);
    return run(async () => {
      // The zone the person is in now (asked here, not on every keystroke's render: it costs a formatter).
      const authorTz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      let pair = await call('pairs.create', { channelIds, enText, frText, media: mediaInput, authorTz });
      // The draft is saved from here on: clear the composer even if the next step is refused.
      setEnText('');
      setFrText('');
      setMedia([]);
      unsent.forget();
      if (next === 'translation') pair = await call('pairs.requestTranslation', { id: pair.id, version: pair.version });
      if (next === 'review') pair = await call('pairs.submitForReview', { id: pair.id, version: pair.version });
      return t(`composer.done.${next}`);
    });
  }

  function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return create('draft');
    return run(async () => {
      await call('pairs.update', { id: editing.id, version: editing.version, enText, frText, media: mediaInput });
      onDoneEditing();
      return t('composer.done.saved');
    });
  }

  if (channels.length === 0) {
    const why = noChannelsReason(user.grants, Date.now());
    return (
      <section className="panel composer" aria-labelledby={`${ids}-heading`}>
        <h1 id={`${ids}-heading`}>{t('composer.heading')}</h1>
        <p className="empty" data-testid="no-channels">
          {why.reason === 'roleEnded'
            ? t('composer.noChannelsBecause.roleEnded', { date: formatDay(why.date) })
            : why.reason === 'noRole'
              ? t('composer.noChannelsBecause.noRole')
              : t(can('account.add') ? 'composer.noChannels' : 'composer.noChannelsBecause.noneYet')}
        </p>
        {why.reason === 'noPairs' && can('account.add') && (
          <button type="button" className="primary" onClick={onAddAccounts}>
            {t('nav.accounts')}
          </button>
        )}
      </section>
    );
  }

  const backToReview = editing && (editing.status === 'approved' || editing.status === 'scheduled');
  return (
    <form className="panel composer" onSubmit={save} aria-labelledby={`${ids}-heading`} aria-busy={busy}>
      <h1 id={`${ids}-heading`}>{t(editing ? 'composer.editHeading' : 'composer.heading')}</h1>
      <ChannelChoice channels={channels} channelIds={channelIds} onChange={setChannelIds} disabled={editing !== null} />
      <div className="two-columns texts">
        <TextSide lang="en" text={enText} onChange={setEnText} accounts={accountsFor('en')} />
        <TextSide lang="fr" text={frText} onChange={setFrText} accounts={accountsFor('fr')} />
      </div>
      <MemoMediaEditor
        media={media}
        onChange={setMedia}
        onUploading={setUploading}
        disabled={busy}
        maxAltLength={strictest((a) => a.limits.maxAltLength)}
        maxImages={strictest((a) => a.limits.maxImages)}
      />
      <MemoPreviews channels={selected} texts={deferredTexts} media={media} />
      <MemoChecksPanel texts={deferredTexts} media={media} settings={checkSettings} pairId={editing?.id} onFix={fix} />
      {backToReview && <p className="alert alert-warning">{t('composer.backToReview')}</p>}
      <ErrorMessage error={textProblem ?? error} />
      <div role="status" className="status-line">
        {busy ? t('composer.working') : (action.done ?? status)}
      </div>
      <div className="actions">
        {editing ? (
          <>
            <button type="submit" className="primary" disabled={busy || uploading}>
              {t('composer.saveChanges')}
            </button>
            <button type="button" disabled={busy || uploading} onClick={onDoneEditing}>
              {t('composer.stopEditing')}
            </button>
          </>
        ) : (
          <>
            {can('pair.submitForReview', channelIds) && (
              <button type="button" className="primary" disabled={busy || uploading} onClick={() => void create('review')}>
                {t('composer.submitForReview')}
              </button>
            )}
            {can('pair.requestTranslation', channelIds) && (
              <button type="button" disabled={busy || uploading} onClick={() => void create('translation')}>
                {t('composer.sendForTranslation')}
              </button>
            )}
            <button type="submit" disabled={busy || uploading}>
              {t('composer.saveDraft')}
            </button>
          </>
        )}
      </div>
    </form>
  );
}

/**
 * Why the person sees no account pair: none exists yet (their roles cover all there are), every
 * role they had has ended (the last end date), or they hold no role at all.
 */
function noChannelsReason(grants: readonly Grant[], now: number): { reason: 'noPairs' | 'noRole' } | { reason: 'roleEnded'; date: string } {
  if (grants.some((g) => isGrantActive(g, now))) return { reason: 'noPairs' };
  const ended = grants.filter((g) => g.revokedAt === null && g.expiresAt !== null).map((g) => g.expiresAt!);
  const last = ended.sort().at(-1);
  return last ? { reason: 'roleEnded', date: last } : { reason: 'noRole' };
}

/** What main keeps, from what it gave back (the images it no longer has are left out). */
function unsentContent(restored: UnsentText, owner: string): UnsentContent {
  const { enText, frText, channelIds } = restored;
  const media = restored.media.map((m) => ({ en: m.en.id, fr: m.fr.id, altEn: m.altEn, altFr: m.altFr }));
  return { owner, enText, frText, channelIds, media };
}

/** The account pairs to publish to (not drawn again as the person types). */
const ChannelChoice = memo(function ChannelChoice({
  channels,
  channelIds,
  onChange,
  disabled,
}: {
  channels: Channel[];
  channelIds: string[];
  onChange: (update: (current: string[]) => string[]) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const channelName = useChannelName();
  return (
    <fieldset disabled={disabled}>
      <legend>{t('composer.channels')}</legend>
      {channels.map((channel) => (
        <label key={channel.id} className="check">
          <input
            type="checkbox"
            name="channel"
            value={channel.id}
            checked={channelIds.includes(channel.id)}
            onChange={(e) => onChange((current) => (e.target.checked ? [...current, channel.id] : current.filter((id) => id !== channel.id)))}
          />
          {t('accounts.channelLabel', { name: channelName(channel), en: `@${channel.en.handle}`, fr: `@${channel.fr.handle}` })}
        </label>
      ))}
    </fieldset>
  );
});

// Drawn again only when what they show changes (not on every keystroke of the other side).
const MemoMediaEditor = memo(MediaEditor);
const MemoPreviews = memo(Previews);
const MemoChecksPanel = memo(ChecksPanel);
const TextSide = memo(function TextSide({
  lang,
  text,
  onChange,
  accounts,
}: {
  lang: Lang;
  text: string;
  onChange: (text: string) => void;
  accounts: Account[];
}) {
  const { t } = useTranslation();
  const id = useId();
  // The strictest account among those selected decides the counter; the previews show each.
  const measure = accounts
    .map((account) => measureText(account.limits, lang, text))
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
});
