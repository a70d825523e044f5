import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import { call } from '../../lib/api';
import { useAction } from '../../lib/useAction';
import { ErrorMessage } from '../../lib/ErrorMessage';

/** First run creates the administrator; afterwards, everyone signs in with their own profile. */
export function SignIn({ bootstrap, onDone }: { bootstrap: boolean; onDone: () => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const { busy, error, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      if (bootstrap) await call('users.bootstrap', { username, displayName, passphrase });
      else await call('session.signIn', { username, passphrase });
      setPassphrase('');
      onDone();
      return null;
    });
  }

  return (
    <form className="panel sign-in" onSubmit={submit} aria-labelledby={`${ids}-h`} aria-busy={busy}>
      <h1 id={`${ids}-h`}>{t(bootstrap ? 'session.bootstrapHeading' : 'session.signInHeading')}</h1>
      {bootstrap && <p>{t('session.bootstrapIntro')}</p>}
      <div className="field">
        <label htmlFor={`${ids}-u`}>{t('session.username')}</label>
        <input id={`${ids}-u`} type="text" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
      </div>
      {bootstrap && (
        <div className="field">
          <label htmlFor={`${ids}-d`}>{t('session.displayName')}</label>
          <input id={`${ids}-d`} type="text" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${ids}-p`}>{t('session.passphrase')}</label>
        {bootstrap && (
          <span className="hint" id={`${ids}-ph`}>
            {t('session.passphraseHint', { min: 12 })}
          </span>
        )}
        <input
          id={`${ids}-p`}
          type="password"
          autoComplete={bootstrap ? 'new-password' : 'current-password'}
          required
          value={passphrase}
          aria-describedby={bootstrap ? `${ids}-ph` : undefined}
          onChange={(e) => setPassphrase(e.target.value)}
        />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {t(bootstrap ? 'session.bootstrapSubmit' : 'session.signIn')}
      </button>
    </form>
  );
}
