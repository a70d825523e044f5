import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import { platforms, type Account, type Channel, type Lang, type Platform } from '../../../../shared/domain';
import { credentialFields, initialValues, toCredentials, type FieldSpec, type FieldValues } from './credentialFields';
import { checkIds, frenchStyles, severities, type CheckSettings, type FrenchStyle, type Severity } from '../../../../shared/checks';
import { piiKey } from '../../../../shared/pii';
import type { PiiAllowRequest } from '../../../../shared/contract';
import { useCall, useCallMutation } from '../../lib/query';
import { ConfirmDialog, useConfirm } from '../../lib/ConfirmDialog';
import { call } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { FormFooter } from '../../lib/FormFooter';
import { useDateFormat } from '../../lib/format';
import { useCan } from '../../lib/session';
import { useAction } from '../../lib/useAction';

export function AccountsView({ channels }: { channels: Channel[] }) {
  const { t } = useTranslation();
  const formatDate = useDateFormat();
  const can = useCan();
  return (
    <section aria-labelledby="accounts-heading" className="panel">
      <h1 id="accounts-heading">{t('accounts.heading')}</h1>
      <p>{t('accounts.intro')}</p>
      {can('workspace.settings') && (
        <p>
          <button type="button" className="link-button" onClick={showChecks}>
            {t('accounts.jumpToChecks')}
          </button>
        </p>
      )}
      {channels.length === 0 ? (
        <p className="empty">{t('accounts.empty')}</p>
      ) : (
        <ul className="channel-list">
          {channels.map((channel) => (
            <li key={channel.id} data-testid="channel">
              <strong lang="en">{channel.name}</strong>
              {channel.nameFr !== channel.name && (
                <>
                  {' · '}
                  <strong lang="fr">{channel.nameFr}</strong>
                </>
              )}{' '}
              <span className="badge">{t(`platforms.${channel.platform}`)}</span>
              {channel.retiredAt && (
                <span className="badge badge-cancelled" data-testid="retired">
                  {t('accounts.retired', { date: formatDate(channel.retiredAt) })}
                </span>
              )}
              {(['en', 'fr'] as const).map((lang) => {
                const account = channel[lang];
                return (
                  <div key={lang} className="channel-account">
                    <span className="lang-tag">{lang.toUpperCase()}</span> @{account.handle} · {account.displayName} ·{' '}
                    <span className={`badge badge-${account.status}`}>{t(`accounts.status.${account.status}`)}</span>
                    {account.credentialSetAt && (
                      <span className="muted">
                        {' '}
                        · {t('accounts.credentialSet', { date: formatDate(account.credentialSetAt) })}
                      </span>
                    )}
                    {can('account.settings') && <RenewCredentials account={account} />}
                  </div>
                );
              })}
              <SelfApproval channel={channel} editable={can('account.settings') && channel.retiredAt === null} />
              {/* Kept once retired: it says so, where the person acted. */}
              {can('account.settings') && <RenameAndRetire channel={channel} />}
            </li>
          ))}
        </ul>
      )}
      {can('account.add') && <AddPairForm />}
      {can('workspace.settings') && <WorkspaceSettingsForm />}
      {can('workspace.settings') && <ChecksSettingsForm />}
    </section>
  );
}

/** The content checks' heading: the Accounts page links to it from the top (it is a long page). */
const checksHeadingId = 'content-checks-heading';
function showChecks() {
  const heading = document.getElementById(checksHeadingId);
  heading?.scrollIntoView({ block: 'start' });
  heading?.focus();
}

function ChecksSettingsForm() {
  const { t } = useTranslation();
  const ids = useId();
  const [settings, setSettings] = useState<CheckSettings | null>(null);
  const [allowList, setAllowList] = useState('');
  const [terms, setTerms] = useState('');
  const { busy, error, done, run } = useAction();
  const read = useCall('settings.get');
  // The form starts from the settings as first read; what the person types is theirs from then on.
  useEffect(() => {
    if (!read.data || settings) return;
    setSettings(read.data.checks);
    setAllowList(read.data.checks.piiAllowList.join('\n'));
    setTerms(read.data.checks.flaggedTerms.join('\n'));
  }, [read.data, settings]);
  if (!settings) return <ErrorMessage error={error ?? read.error?.info ?? null} />;
  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const saved = await call('settings.update', {
        checks: { severity: settings!.severity, piiAllowList: lines(allowList), flaggedTerms: lines(terms), frenchStyle: settings!.frenchStyle },
      });
      setSettings(saved.checks);
      return t('checks.settings.saved');
    });
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={checksHeadingId}>
      <h2 id={checksHeadingId} tabIndex={-1}>
        {t('checks.settings.heading')}
      </h2>
      {/* Requests and the allow-list first: they are what an administrator comes here for most. */}
      <PiiRequests
        onAllowed={(match) =>
          setAllowList((text) => (lines(text).some((l) => piiKey(l) === piiKey(match)) ? text : [...lines(text), match].join('\n')))
        }
      />
      <div className="field">
        <label htmlFor={`${ids}-allow`}>{t('checks.settings.allowList')}</label>
        <span className="hint" id={`${ids}-allow-hint`}>
          {t('checks.settings.allowListHint')}
        </span>
        <textarea id={`${ids}-allow`} rows={4} aria-describedby={`${ids}-allow-hint`} value={allowList} onChange={(e) => setAllowList(e.target.value)} />
      </div>
      <p>{t('checks.settings.intro')}</p>
      <table className="data-table">
        <tbody>
          {checkIds.map((check) => (
            <tr key={check}>
              <th scope="row">
                <label htmlFor={`${ids}-${check}`}>{t(`checks.names.${check}`)}</label>
              </th>
              <td>
                <select
                  id={`${ids}-${check}`}
                  value={settings.severity[check]}
                  onChange={(e) =>
                    setSettings({ ...settings, severity: { ...settings.severity, [check]: e.target.value as Severity } })
                  }
                >
                  {severities.map((level) => (
                    <option key={level} value={level}>
                      {t(`checks.settings.level.${level}`)}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="field">
        <label htmlFor={`${ids}-style`}>{t('checks.settings.frenchStyle')}</label>
        <span className="hint" id={`${ids}-style-hint`}>
          {t('checks.settings.frenchStyleHint')}
        </span>
        <select
          id={`${ids}-style`}
          aria-describedby={`${ids}-style-hint`}
          value={settings.frenchStyle}
          onChange={(e) => setSettings({ ...settings, frenchStyle: e.target.value as FrenchStyle })}
        >
          {frenchStyles.map((style) => (
            <option key={style} value={style}>
              {t(`checks.settings.frenchStyles.${style}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-terms`}>{t('checks.settings.terms')}</label>
        <textarea id={`${ids}-terms`} rows={3} value={terms} onChange={(e) => setTerms(e.target.value)} />
      </div>
      <FormFooter error={error} status={done} busy={busy} label={t('checks.settings.save')} />
    </form>
  );
}

/** Drafters' requests to allow a flagged number: who asked, when, and Allow / Dismiss in one click. */
function PiiRequests({ onAllowed }: { onAllowed: (match: string) => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const formatDate = useDateFormat();
  // Asked again when main says settings changed; one decided here goes from the list at once.
  const read = useCall('pii.requests');
  const [decided, setDecided] = useState<ReadonlySet<string>>(new Set());
  const requests: PiiAllowRequest[] = (read.data ?? []).filter((r) => !decided.has(r.id));
  const { busy, error, done, run } = useAction();
  const decide = (request: PiiAllowRequest, decision: 'allow' | 'dismiss') =>
    void run(async () => {
      if (decision === 'allow') {
        await call('pii.allow', { requestId: request.id });
        onAllowed(request.match);
      } else {
        await call('pii.dismiss', { requestId: request.id });
      }
      setDecided((ids) => new Set([...ids, request.id]));
      return decision === 'allow' ? t('checks.settings.requests.allowed', { match: request.match }) : t('checks.settings.requests.dismissed');
    });
  return (
    <>
      {requests.length > 0 && (
        <section aria-labelledby={`${ids}-h`} data-testid="pii-requests">
          <h3 id={`${ids}-h`}>{t('checks.settings.requests.heading')}</h3>
          <p className="hint">{t('checks.settings.requests.intro')}</p>
          <ul>
            {requests.map((request) => (
              <li key={request.id} data-testid="pii-request">
                {t('checks.settings.requests.item', {
                  kind: t(`checks.piiKinds.${request.kind}`),
                  match: request.match,
                  name: request.requestedBy.displayName,
                  username: request.requestedBy.username,
                  date: formatDate(request.requestedAt),
                })}{' '}
                <button type="button" disabled={busy} onClick={() => decide(request, 'allow')}>
                  {t('checks.settings.requests.allow')}
                </button>{' '}
                <button type="button" className="link-button" disabled={busy} onClick={() => decide(request, 'dismiss')}>
                  {t('checks.settings.requests.dismiss')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {done && <p role="status">{done}</p>}
      <ErrorMessage error={error ?? read.error?.info ?? null} />
    </>
  );
}

function WorkspaceSettingsForm() {
  const { t } = useTranslation();
  const ids = useId();
  const [grace, setGrace] = useState<string | null>(null);
  const { busy, error, done, run } = useAction();
  const read = useCall('settings.get');
  // The field starts from the setting as first read; what the person types is theirs from then on.
  const shown = grace ?? (read.data ? String(read.data.graceMinutes) : '');
  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const saved = await call('settings.update', { graceMinutes: Number(shown) });
      setGrace(String(saved.graceMinutes));
      return t('settings.saved');
    });
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('settings.heading')}</h2>
      <div className="field">
        <label htmlFor={`${ids}-grace`}>{t('settings.grace')}</label>
        <span className="hint" id={`${ids}-hint`}>
          {t('settings.graceHint')}
        </span>
        <input
          id={`${ids}-grace`}
          type="number"
          min={0}
          max={10080}
          step={1}
          required
          value={shown}
          aria-describedby={`${ids}-hint`}
          onChange={(e) => setGrace(e.target.value)}
        />
      </div>
      <FormFooter error={error ?? read.error?.info ?? null} status={done} busy={busy} label={t('settings.save')} />
    </form>
  );
}

function RenewCredentials({ account }: { account: Account }) {
  const { t } = useTranslation();
  const ids = useId();
  const blank = () => ({ ...initialValues(account.platform, true), ...initialValues(account.platform, false) });
  const [fields, setFields] = useState<FieldValues>(blank);
  const { busy, error, done, run } = useAction();
  // Open by itself when the platform refused the credentials; otherwise on request (rotation).
  const [open, setOpen] = useState(false);
  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      await call('accounts.updateCredentials', { accountId: account.id, credentials: toCredentials(account.platform, fields, account.handle) });
      setFields(blank());
      setOpen(false);
      return t('accounts.renew.done', { handle: account.handle });
    });
  }
  if (account.status !== 'needs_reauth' && !open) {
    return (
      <>
        {' '}
        ·{' '}
        <button type="button" className="link-button" onClick={() => setOpen(true)}>
          {t('accounts.renew.open', { handle: account.handle })}
        </button>
        {done && <span role="status"> {done}</span>}
      </>
    );
  }
  return (
    <form className="panel renew" onSubmit={submit} aria-labelledby={`${ids}-h`} aria-busy={busy}>
      <h3 id={`${ids}-h`}>{t('accounts.renew.heading', { handle: account.handle })}</h3>
      <p className="hint">{t(`accounts.platformHint.${account.platform}`)}</p>
      <div className="two-columns">
        {credentialFields[account.platform].map((spec) => (
          <CredentialField key={spec.name} id={`${ids}-${spec.name}`} spec={spec} value={fields[spec.name] ?? ''} onChange={(v) => setFields((f) => ({ ...f, [spec.name]: v }))} />
        ))}
      </div>
      <FormFooter error={error} status={done} busy={busy} label={t('accounts.renew.submit')} />
    </form>
  );
}

function CredentialField({ id, spec, value, onChange }: { id: string; spec: FieldSpec; value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  return (
    <div className="field">
      <label htmlFor={id}>{t(`accounts.fields.${spec.name}`)}</label>
      <input
        id={id}
        name={spec.name}
        type={spec.secret ? 'password' : 'text'}
        inputMode={spec.name === 'pageId' || spec.name === 'organizationId' ? 'numeric' : undefined}
        autoComplete="off"
        spellCheck={false}
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

function SelfApproval({ channel, editable }: { channel: Channel; editable: boolean }) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  // Shown at once; put back if main refuses.
  const [checked, setChecked] = useState(channel.allowSelfApproval);
  useEffect(() => setChecked(channel.allowSelfApproval), [channel.allowSelfApproval]);
  async function toggle(allowed: boolean) {
    setChecked(allowed);
    const ok = await run(async () => {
      await call('accounts.setSelfApproval', { channelId: channel.id, allowed });
      return null;
    });
    if (!ok) setChecked(!allowed);
  }
  return (
    <div className="channel-setting">
      <label className="check">
        <input
          type="checkbox"
          checked={checked}
          disabled={!editable || busy}
          onChange={(e) => void toggle(e.target.checked)}
        />
        {t('accounts.selfApproval')}
      </label>
      <ErrorMessage error={error} />
    </div>
  );
}

interface Side {
  handle: string;
  displayName: string;
  fields: FieldValues;
}
const emptySide = (platform: Platform): Side => ({ handle: '', displayName: '', fields: initialValues(platform, false) });

/**
 * An administrator renames an account pair in English and French, or retires it: its history
 * stays and it is offered for no new pair. Retiring asks first; a pair with posts on their way
 * out is refused, saying how many.
 */
function RenameAndRetire({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const ids = useId();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(channel.name);
  const [nameFr, setNameFr] = useState(channel.nameFr);
  const [done, setDone] = useState<string | null>(null);
  const rename = useCallMutation('accounts.rename');
  const retire = useCallMutation('accounts.retire');
  const confirm = useConfirm();
  const retireButton = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const status = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (editing) first.current?.focus();
  }, [editing]);
  useEffect(() => {
    if (done) status.current?.focus();
  }, [done]);
  return (
    <div className="channel-admin">
      {editing ? (
        <form
          className="inline-form"
          aria-labelledby={`${ids}-h`}
          onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
          onSubmit={(event) => {
            event.preventDefault();
            rename.mutate(
              { channelId: channel.id, name, nameFr },
              {
                onSuccess: (renamed) => {
                  setEditing(false);
                  setDone(t('accounts.rename.done', { name: renamed.name, nameFr: renamed.nameFr }));
                },
              },
            );
          }}
        >
          <h3 id={`${ids}-h`}>{t('accounts.rename.heading', { name: channel.name })}</h3>
          <div className="two-columns">
            <div className="field">
              <label htmlFor={`${ids}-en`}>{t('accounts.add.name')}</label>
              <input id={`${ids}-en`} ref={first} lang="en" required value={name} onChange={(e) => setName(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${ids}-fr`}>{t('accounts.add.nameFr')}</label>
              <input id={`${ids}-fr`} lang="fr" required value={nameFr} onChange={(e) => setNameFr(e.target.value)} />
            </div>
          </div>
          <ErrorMessage error={rename.error?.info ?? null} />
          <div className="button-row">
            <button type="submit" className="primary" disabled={rename.isPending}>
              {t('accounts.rename.submit')}
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              {t('accounts.rename.cancel')}
            </button>
          </div>
        </form>
      ) : channel.retiredAt !== null ? null : (
        <div className="button-row">
          <button type="button" className="link-button" onClick={() => setEditing(true)}>
            {t('accounts.rename.open', { name: channel.name })}
          </button>
          <button type="button" className="link-button" ref={retireButton} onClick={confirm.open}>
            {t('accounts.retire.open', { name: channel.name })}
          </button>
        </div>
      )}
      <ErrorMessage error={retire.error?.info ?? null} />
      <p role="status" tabIndex={-1} ref={status} className={done ? 'status' : 'visually-hidden'}>
        {done}
      </p>
      <ConfirmDialog
        confirm={confirm}
        title={t('accounts.retire.title', { name: channel.name })}
        body={t('accounts.retire.body')}
        confirmLabel={t('accounts.retire.confirm')}
        cancelLabel={t('accounts.rename.cancel')}
        busy={retire.isPending}
        onConfirm={() =>
          retire.mutate(
            { channelId: channel.id },
            {
              onSuccess: () => setDone(t('accounts.retire.done', { name: channel.name })),
              onSettled: () => confirm.close(),
            },
          )
        }
        onClose={() => {
          if (!retire.isSuccess) retireButton.current?.focus();
        }}
      />
    </div>
  );
}

function AddPairForm() {
  const { t } = useTranslation();
  const [platform, setPlatform] = useState<Platform>('x');
  const [name, setName] = useState('');
  const [nameFr, setNameFr] = useState('');
  const [shared, setShared] = useState<FieldValues>(() => initialValues('x', true));
  const [sides, setSides] = useState<Record<Lang, Side>>({ en: emptySide('x'), fr: emptySide('x') });
  const { busy, error, done, run } = useAction();
  const ids = useId();
  const platformName = t(`platforms.${platform}`);

  function choose(next: Platform) {
    setPlatform(next);
    setShared(initialValues(next, true));
    // Handles and names carry over; credentials of another platform do not.
    setSides((current) => ({
      en: { ...current.en, fields: initialValues(next, false) },
      fr: { ...current.fr, fields: initialValues(next, false) },
    }));
  }
  const update = (lang: Lang, patch: Partial<Side>) => setSides((current) => ({ ...current, [lang]: { ...current[lang], ...patch } }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const side = (lang: Lang) => ({
      handle: sides[lang].handle,
      displayName: sides[lang].displayName,
      credentials: toCredentials(platform, { ...shared, ...sides[lang].fields }, sides[lang].handle),
    });
    void run(async () => {
      const channel = await call('accounts.addPair', { platform, name, ...(nameFr.trim() ? { nameFr } : {}), en: side('en'), fr: side('fr') });
      setName('');
      setNameFr('');
      setShared(initialValues(platform, true));
      setSides({ en: emptySide(platform), fr: emptySide(platform) });
      return t('accounts.add.done', { name: channel.name });
    });
  }

  const text = (id: string, label: string, value: string, onChange: (v: string) => void, hint?: string, optional = false) => (
    <div className="field">
      <label htmlFor={`${ids}-${id}`}>{label}</label>
      {hint && (
        <span className="hint" id={`${ids}-${id}-hint`}>
          {hint}
        </span>
      )}
      <input
        id={`${ids}-${id}`}
        name={id}
        type="text"
        autoComplete="off"
        spellCheck={false}
        required={!optional}
        value={value}
        aria-describedby={hint ? `${ids}-${id}-hint` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );

  const sharedSpecs = credentialFields[platform].filter((f) => f.shared);
  return (
    <form className="panel add-pair" onSubmit={submit} aria-labelledby={`${ids}-heading`} aria-busy={busy}>
      <h2 id={`${ids}-heading`}>{t('accounts.add.heading')}</h2>
      <div className="field">
        <label htmlFor={`${ids}-platform`}>{t('accounts.add.platform')}</label>
        <select id={`${ids}-platform`} value={platform} aria-describedby={`${ids}-platform-hint`} onChange={(e) => choose(e.target.value as Platform)}>
          {platforms.map((p) => (
            <option key={p} value={p}>
              {t(`platforms.${p}`)}
            </option>
          ))}
        </select>
      </div>
      <p>{t('accounts.add.intro', { platform: platformName })}</p>
      <p className="hint" id={`${ids}-platform-hint`}>
        {t(`accounts.platformHint.${platform}`)}
      </p>
      {text('name', t('accounts.add.name'), name, setName, t('accounts.add.nameHint'))}
      {text('nameFr', t('accounts.add.nameFr'), nameFr, setNameFr, t('accounts.add.nameFrHint'), true)}
      {sharedSpecs.length > 0 && (
        <div className="two-columns">
          {sharedSpecs.map((spec) => (
            <CredentialField key={spec.name} id={`${ids}-${spec.name}`} spec={spec} value={shared[spec.name] ?? ''} onChange={(v) => setShared((f) => ({ ...f, [spec.name]: v }))} />
          ))}
        </div>
      )}
      <div className="two-columns">
        {(['en', 'fr'] as const).map((lang) => (
          <fieldset key={lang}>
            <legend>{t(`accounts.add.${lang}Account`)}</legend>
            {text(`${lang}-handle`, t('accounts.add.handle'), sides[lang].handle, (v) => update(lang, { handle: v }), t(`accounts.handleHint.${platform}`))}
            {text(`${lang}-displayName`, t('accounts.add.displayName'), sides[lang].displayName, (v) => update(lang, { displayName: v }))}
            {credentialFields[platform]
              .filter((f) => !f.shared)
              .map((spec) => (
                <CredentialField
                  key={spec.name}
                  id={`${ids}-${lang}-${spec.name}`}
                  spec={spec}
                  value={sides[lang].fields[spec.name] ?? ''}
                  onChange={(v) => update(lang, { fields: { ...sides[lang].fields, [spec.name]: v } })}
                />
              ))}
          </fieldset>
        ))}
      </div>
      <FormFooter error={error} status={busy ? t('accounts.add.submitting', { platform: platformName }) : done} busy={busy} label={t('accounts.add.submit')} />
    </form>
  );
}
