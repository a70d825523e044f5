import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import { roles, type Channel, type ErrorInfo, type Grant, type Role, type User } from '../../../../shared/domain';
import { isGrantActive } from '../../../../shared/permissions';
import { call } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { FormFooter } from '../../lib/FormFooter';
import { useChannelName, useDateFormat } from '../../lib/format';
import { useCall, useCallMutation } from '../../lib/query';
import { ConfirmDialog, useConfirm } from '../../lib/ConfirmDialog';
import { useUser } from '../../lib/session';
import { useAction } from '../../lib/useAction';

/** Admins manage who works in Tandem and which role each person holds, where, until when. */
export function PeopleView({ channels }: { channels: Channel[] }) {
  const { t } = useTranslation();
  // Asked again when main says people changed (the data layer's push events).
  const usersRead = useCall('users.list');
  const me = useUser();
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
                  {user.deactivatedAt === null && user.id !== me.id && <ResetPassphrase user={user} onDone={setStatus} />}
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
 * on every computer and they cannot sign in again; their history stays. The confirmation opens
 * with the focus on Cancel (as every other one); Escape or Cancel gives the focus back.
 */
function Deactivation({ user, onError, onDone }: { user: User; onError: (e: ErrorInfo | null) => void; onDone: (name: string) => void }) {
  const { t } = useTranslation();
  const formatDate = useDateFormat();
  const confirm = useConfirm();
  const opener = useRef<HTMLButtonElement>(null);
  const deactivate = useCallMutation('users.deactivate');
  if (user.deactivatedAt !== null) {
    return <div className="badge badge-failed">{t('people.deactivatedOn', { date: formatDate(user.deactivatedAt) })}</div>;
  }
  return (
    <>
      <button
        ref={opener}
        type="button"
        className="link-button"
        onClick={() => {
          onError(null);
          confirm.open();
        }}
      >
        {t('people.deactivate', { name: user.displayName })}
      </button>
      <ConfirmDialog
        confirm={confirm}
        title={t('people.deactivate', { name: user.displayName })}
        body={t('people.confirmDeactivate', { name: user.displayName })}
        confirmLabel={t('people.confirm')}
        cancelLabel={t('people.cancel')}
        busy={deactivate.isPending}
        onConfirm={() =>
          deactivate.mutate(
            { userId: user.id },
            {
              onSuccess: () => onDone(user.displayName),
              onError: (caught) => onError(caught.info),
              onSettled: () => confirm.close(),
            },
          )
        }
        onClose={() => {
          if (!deactivate.isSuccess) opener.current?.focus();
        }}
      />
    </>
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
          {state(grant) === 'active' && <Revoke grant={grant} user={user} onError={onError} />}
        </li>
      ))}
    </ul>
  );
}

/**
 * Revoking a role asks first, saying what it does: the person's sessions end on every computer
 * and the role stops working at once. Focus goes back to the button when nothing was revoked.
 */
function Revoke({ grant, user, onError }: { grant: Grant; user: User; onError: (e: ErrorInfo | null) => void }) {
  const { t } = useTranslation();
  const confirm = useConfirm();
  const opener = useRef<HTMLButtonElement>(null);
  const revoke = useCallMutation('roles.revoke');
  const role = t(`roles.${grant.role}`);
  return (
    <>
      <button
        type="button"
        className="link-button"
        ref={opener}
        onClick={() => {
          onError(null);
          confirm.open();
        }}
      >
        {t('people.revoke', { role, user: user.displayName })}
      </button>
      <ConfirmDialog
        confirm={confirm}
        title={t('people.revokeTitle', { role, user: user.displayName })}
        body={t('people.revokeBody', { role, user: user.displayName })}
        confirmLabel={t('people.revokeConfirm')}
        cancelLabel={t('people.cancel')}
        busy={revoke.isPending}
        onConfirm={() =>
          revoke.mutate(
            { grantId: grant.id },
            {
              onError: (caught) => onError(caught.info),
              onSettled: () => confirm.close(),
            },
          )
        }
        onClose={() => {
          if (!revoke.isSuccess) opener.current?.focus();
        }}
      />
    </>
  );
}

/**
 * An administrator sets another person's passphrase (forgotten, or handed over in person): every
 * session of theirs ends. Not offered for oneself: one's own is changed with the current one.
 */
function ResetPassphrase({ user, onDone }: { user: User; onDone: (message: string) => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const reset = useCallMutation('users.resetPassphrase');
  const field = useRef<HTMLInputElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) field.current?.focus();
  }, [open]);
  if (!open) {
    return (
      <button type="button" className="link-button" ref={opener} onClick={() => setOpen(true)}>
        {t('people.reset.open', { name: user.displayName })}
      </button>
    );
  }
  const close = () => {
    setOpen(false);
    setPassphrase('');
    reset.reset();
    requestAnimationFrame(() => opener.current?.focus());
  };
  return (
    <form
      className="inline-form"
      aria-labelledby={`${ids}-h`}
      onKeyDown={(e) => e.key === 'Escape' && close()}
      onSubmit={(event) => {
        event.preventDefault();
        reset.mutate(
          { userId: user.id, passphrase },
          {
            onSuccess: () => {
              close();
              onDone(t('people.reset.done', { name: user.displayName }));
            },
          },
        );
      }}
    >
      <h3 id={`${ids}-h`}>{t('people.reset.heading', { name: user.displayName })}</h3>
      <p className="hint">{t('people.reset.explain')}</p>
      <div className="field">
        <label htmlFor={`${ids}-p`}>{t('people.reset.passphrase')}</label>
        <span className="hint">{t('session.passphraseHint', { min: 12 })}</span>
        <input id={`${ids}-p`} ref={field} type="password" autoComplete="new-password" required value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
      </div>
      <ErrorMessage error={reset.error?.info ?? null} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={reset.isPending}>
          {t('people.reset.submit')}
        </button>
        <button type="button" onClick={close}>
          {t('people.cancel')}
        </button>
      </div>
    </form>
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
  const [chosen, setChosen] = useState<Role[]>(['drafter']);
  const [scope, setScope] = useState<string>('all');
  const [expires, setExpires] = useState('');
  const { busy, error, done, run, setError } = useAction();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen.length === 0) {
      setError({ code: 'role.noneChosen' });
      return;
    }
    void run(async () => {
      // In the order the list shows them, all given or none.
      const list = roles.filter((r) => chosen.includes(r));
      await call('roles.grantSeveral', {
        userId,
        roles: list,
        channelId: scope === 'all' ? null : scope,
        expiresAt: expires ? new Date(expires).toISOString() : null,
      });
      const user = users.find((u) => u.id === userId);
      return t('people.grantedSeveral', {
        count: list.length,
        roles: new Intl.ListFormat(t('people.listLocale'), { type: 'conjunction' }).format(list.map((r) => t(`roles.${r}`))),
        user: user?.displayName ?? '',
      });
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
      <fieldset className="field choices">
        <legend>{t('people.rolesToGive')}</legend>
        <span className="hint">{t('people.rolesHint')}</span>
        {roles.map((r) => (
          <label key={r} className="choice">
            <input
              type="checkbox"
              checked={chosen.includes(r)}
              onChange={(e) => setChosen((list) => (e.target.checked ? [...list, r] : list.filter((x) => x !== r)))}
            />{' '}
            {t(`roles.${r}`)}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${ids}-s`}>{t('people.scope')}</label>
        <select id={`${ids}-s`} value={scope} onChange={(e) => setScope(e.target.value)}>
          <option value="all">{t('people.allPairs')}</option>
          {channels
            .filter((c) => c.retiredAt === null)
            .map((c) => (
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
      <FormFooter error={error} status={done} busy={busy} label={t('people.grantSeveral', { count: chosen.length })} />
    </form>
  );
}
