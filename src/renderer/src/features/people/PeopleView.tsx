import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { roles, type Channel, type ErrorInfo, type Grant, type Role, type User } from '../../../../shared/domain';
import { isGrantActive } from '../../../../shared/permissions';
import { call, toErrorInfo } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { FormFooter } from '../../lib/FormFooter';
import { useChannelName, useDateFormat } from '../../lib/format';
import { useCall } from '../../lib/query';
import { useAction } from '../../lib/useAction';

/** Admins manage who works in Tandem and which role each person holds, where, until when. */
export function PeopleView({ channels }: { channels: Channel[] }) {
  const { t } = useTranslation();
  // Asked again when main says people changed (the data layer's push events).
  const usersRead = useCall('users.list');
  const users = usersRead.data ?? null;
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (status) statusRef.current?.focus();
  }, [status]);

  return (
    <section className="panel" aria-labelledby="people-heading">
      <h1 id="people-heading">{t('people.heading')}</h1>
      <p>{t('people.intro')}</p>
      <ErrorMessage error={error ?? usersRead.error?.info ?? null} />
      <p role="status" tabIndex={-1} ref={statusRef} className={status ? 'status' : 'visually-hidden'}>
        {status}
      </p>
      {users && (
        <table className="data-table">
          <caption className="visually-hidden">{t('people.heading')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('people.person')}</th>
              <th scope="col">{t('people.roles')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-testid="person" data-username={user.username}>
                <th scope="row">
                  {user.displayName}
                  <div className="muted">{user.username}</div>
                  <Deactivation user={user} onError={setError} onDone={(name) => setStatus(t('people.deactivatedDone', { name }))} />
                </th>
                <td>
                  <GrantList user={user} channels={channels} onError={setError} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="two-columns">
        <AddPerson />
        {users && users.some((u) => u.deactivatedAt === null) && (
          <GrantRole users={users.filter((u) => u.deactivatedAt === null)} channels={channels} />
        )}
      </div>
    </section>
  );
}

/**
 * Deactivating a person, behind a confirmation that says what it does: their sessions end at once
 * on every computer and they cannot sign in again; their history stays. Keyboard first: the
 * confirmation takes the focus, Escape or Cancel gives it back.
 */
function Deactivation({ user, onError, onDone }: { user: User; onError: (e: ErrorInfo | null) => void; onDone: (name: string) => void }) {
  const { t } = useTranslation();
  const formatDate = useDateFormat();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  if (user.deactivatedAt !== null) {
    return <div className="badge badge-failed">{t('people.deactivatedOn', { date: formatDate(user.deactivatedAt) })}</div>;
  }
  const cancel = () => {
    setConfirming(false);
    requestAnimationFrame(() => openRef.current?.focus());
  };
  if (!confirming) {
    return (
      <button ref={openRef} type="button" className="link-button" onClick={() => setConfirming(true)}>
        {t('people.deactivate', { name: user.displayName })}
      </button>
    );
  }
  return (
    <div role="group" aria-label={t('people.deactivate', { name: user.displayName })} onKeyDown={(e) => e.key === 'Escape' && cancel()}>
      <p>{t('people.confirmDeactivate', { name: user.displayName })}</p>
      <button
        ref={confirmRef}
        type="button"
        disabled={busy}
        onClick={() => {
          onError(null);
          setBusy(true);
          call('users.deactivate', { userId: user.id })
            .then(() => onDone(user.displayName))
            .catch((caught: unknown) => onError(toErrorInfo(caught)))
            .finally(() => {
              setBusy(false);
              setConfirming(false);
            });
        }}
      >
        {t('people.confirm')}
      </button>{' '}
      <button type="button" className="link-button" onClick={cancel}>
        {t('people.cancel')}
      </button>
    </div>
  );
}

function GrantList({ user, channels, onError }: { user: User; channels: Channel[]; onError: (e: ErrorInfo | null) => void }) {
  const { t } = useTranslation();
  const formatDate = useDateFormat();
  const channelName = useChannelName();
  const channelScope = (channel: Channel | undefined) => channel && channelName(channel);
  const scopeName = (grant: Grant) =>
    grant.channelId === null ? t('people.allPairs') : channelScope(channels.find((c) => c.id === grant.channelId)) ?? grant.channelId;
  const state = (grant: Grant) =>
    grant.revokedAt ? 'revoked' : isGrantActive(grant, Date.now()) ? 'active' : 'expired';
  if (user.grants.length === 0) return <span className="muted">{t('people.noRoles')}</span>;
  return (
    <ul className="grants">
      {user.grants.map((grant) => (
        <li key={grant.id} data-testid="grant" data-state={state(grant)}>
          <strong>{t(`roles.${grant.role}`)}</strong> · {scopeName(grant)}
          {grant.expiresAt && <> · {t('people.until', { date: formatDate(grant.expiresAt) })}</>}
          {state(grant) !== 'active' && (
            <>
              {' '}
              · <span className="badge badge-failed">{t(`people.state.${state(grant)}`)}</span>
            </>
          )}
          {state(grant) === 'active' && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                onError(null);
                call('roles.revoke', { grantId: grant.id }).catch((caught: unknown) => onError(toErrorInfo(caught)));
              }}
            >
              {t('people.revoke', { role: t(`roles.${grant.role}`), user: user.displayName })}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

function AddPerson() {
  const { t } = useTranslation();
  const ids = useId();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const { busy, error, done, run } = useAction();
  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const user = await call('users.create', { username, displayName, passphrase });
      setUsername('');
      setDisplayName('');
      setPassphrase('');
      return t('people.added', { name: user.displayName });
    });
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('people.addHeading')}</h2>
      <div className="field">
        <label htmlFor={`${ids}-u`}>{t('session.username')}</label>
        <input id={`${ids}-u`} type="text" autoComplete="off" required value={username} onChange={(e) => setUsername(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-d`}>{t('session.displayName')}</label>
        <input id={`${ids}-d`} type="text" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-p`}>{t('people.initialPassphrase')}</label>
        <span className="hint">{t('session.passphraseHint', { min: 12 })}</span>
        <input id={`${ids}-p`} type="password" autoComplete="new-password" required value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
      </div>
      <FormFooter error={error} status={done} busy={busy} label={t('people.add')} />
    </form>
  );
}

function GrantRole({ users, channels }: { users: User[]; channels: Channel[] }) {
  const { t } = useTranslation();
  const ids = useId();
  const channelName = useChannelName();
  const [userId, setUserId] = useState(users[0]!.id);
  const [role, setRole] = useState<Role>('drafter');
  const [scope, setScope] = useState<string>('all');
  const [expires, setExpires] = useState('');
  const { busy, error, done, run } = useAction();
  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      await call('roles.grant', {
        userId,
        role,
        channelId: scope === 'all' ? null : scope,
        expiresAt: expires ? new Date(expires).toISOString() : null,
      });
      const user = users.find((u) => u.id === userId);
      return t('people.granted', { role: t(`roles.${role}`), user: user?.displayName ?? '' });
    });
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('people.grantHeading')}</h2>
      <div className="field">
        <label htmlFor={`${ids}-u`}>{t('people.person')}</label>
        <select id={`${ids}-u`} value={userId} onChange={(e) => setUserId(e.target.value)}>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.displayName} ({u.username})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-r`}>{t('people.role')}</label>
        <select id={`${ids}-r`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(`roles.${r}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-s`}>{t('people.scope')}</label>
        <select id={`${ids}-s`} value={scope} onChange={(e) => setScope(e.target.value)}>
          <option value="all">{t('people.allPairs')}</option>
          {channels.map((c) => (
            <option key={c.id} value={c.id}>
              {channelName(c)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-e`}>{t('people.expires')}</label>
        <span className="hint">{t('people.expiresHint')}</span>
        <input id={`${ids}-e`} type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </div>
      <FormFooter error={error} status={done} busy={busy} label={t('people.grant')} />
    </form>
  );
}
