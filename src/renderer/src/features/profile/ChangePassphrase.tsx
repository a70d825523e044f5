import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import type { ErrorInfo } from '../../../../shared/domain';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useCallMutation } from '../../lib/query';

/**
 * "Change my passphrase", from the header for everyone signed in: the current passphrase, the new
 * one twice. This session stays; every other one of the person's ends (a lost laptop signed in
 * elsewhere is signed out). Escape or Cancel closes it and gives focus back to the button.
 */
export function ChangePassphrase() {
  const { t } = useTranslation();
  const ids = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState<ErrorInfo | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const change = useCallMutation('users.changePassphrase');

  function open() {
    setCurrent('');
    setNext('');
    setAgain('');
    setMismatch(null);
    setDone(null);
    change.reset();
    dialog.current?.showModal();
    first.current?.focus();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setMismatch(null);
    if (next !== again) {
      setMismatch({ code: 'user.passphrasesDiffer' });
      return;
    }
    change.mutate(
      { current, passphrase: next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
          setAgain('');
          setDone(t('profile.changed'));
        },
      },
    );
  }

  return (
    <>
      <button type="button" className="link-button" ref={opener} onClick={open}>
        {t('profile.open')}
      </button>
      <dialog ref={dialog} className="confirm-dialog" aria-labelledby={`${ids}-h`} onClose={() => opener.current?.focus()}>
        <form onSubmit={submit}>
          <h2 id={`${ids}-h`}>{t('profile.heading')}</h2>
          <p className="hint">{t('profile.explain')}</p>
          <div className="field">
            <label htmlFor={`${ids}-c`}>{t('profile.current')}</label>
            <input id={`${ids}-c`} ref={first} type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-n`}>{t('profile.next')}</label>
            <span className="hint">{t('session.passphraseHint', { min: 12 })}</span>
            <input id={`${ids}-n`} type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-a`}>{t('profile.again')}</label>
            <input id={`${ids}-a`} type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
          </div>
          <ErrorMessage error={mismatch ?? change.error?.info ?? null} />
          <p role="status" className="status-line">
            {done}
          </p>
          <div className="button-row">
            <button type="submit" className="primary" disabled={change.isPending}>
              {t('profile.submit')}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              {done ? t('profile.close') : t('profile.cancel')}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
