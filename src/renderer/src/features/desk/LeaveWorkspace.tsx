import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useAction } from '../../lib/useAction';

/**
 * "Leave this workspace", behind a confirmation: the desk signs out of the server (if it answers),
 * forgets the session and the workspace, and asks again how Tandem is used on this computer.
 * Escape or Cancel closes the dialog and puts focus back on the button that opened it.
 */
export function LeaveWorkspace({ url, onLeft }: { url: string; onLeft: () => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const { busy, error, run, setError } = useAction();

  function open() {
    setError(null);
    dialog.current?.showModal();
    // The safe answer first: Enter or Space on it leaves nothing.
    cancel.current?.focus();
  }

  function close() {
    dialog.current?.close();
  }

  // Closed by Escape, Cancel or leaving: focus goes back where the person was.
  function closed() {
    opener.current?.focus();
  }

  function leave() {
    void run(async () => {
      await call('desk.leave', { confirm: 'leave' });
      dialog.current?.close();
      onLeft();
      return null;
    });
  }

  return (
    <>
      <button type="button" className="link-button" ref={opener} onClick={open}>
        {t('desk.leave.button')}
      </button>
      <dialog
        ref={dialog}
        className="confirm-dialog"
        aria-labelledby={`${ids}-t`}
        aria-describedby={`${ids}-b`}
        onClose={closed}
      >
        <h2 id={`${ids}-t`}>{t('desk.leave.title')}</h2>
        <p id={`${ids}-b`}>{t('desk.leave.body', { url })}</p>
        <ErrorMessage error={error} />
        <div className="button-row">
          <button type="button" className="primary" disabled={busy} onClick={leave}>
            {t('desk.leave.confirm')}
          </button>
          <button type="button" ref={cancel} disabled={busy} onClick={close}>
            {t('desk.leave.cancel')}
          </button>
        </div>
      </dialog>
    </>
  );
}
