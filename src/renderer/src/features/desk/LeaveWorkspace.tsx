import { useRef } from 'react';
import { useTranslation } from '../../lib/translation';
import { call } from '../../lib/api';
import { ConfirmDialog, useConfirm } from '../../lib/ConfirmDialog';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useAction } from '../../lib/useAction';

/**
 * "Leave this workspace", behind a confirmation: the desk signs out of the server (if it answers),
 * forgets the session and the workspace, and asks again how Tandem is used on this computer.
 * Escape or Cancel closes the dialog and puts focus back on the button that opened it.
 */
export function LeaveWorkspace({ url, onLeft }: { url: string; onLeft: () => void }) {
  const { t } = useTranslation();
  const confirm = useConfirm();
  const opener = useRef<HTMLButtonElement>(null);
  const { busy, error, run, setError } = useAction();

  function open() {
    setError(null);
    confirm.open();
  }

  function leave() {
    void run(async () => {
      await call('desk.leave', { confirm: 'leave' });
      confirm.close();
      onLeft();
      return null;
    });
  }

  return (
    <>
      <button type="button" className="link-button" ref={opener} onClick={open}>
        {t('desk.leave.button')}
      </button>
      <ConfirmDialog
        confirm={confirm}
        title={t('desk.leave.title')}
        body={t('desk.leave.body', { url })}
        confirmLabel={t('desk.leave.confirm')}
        cancelLabel={t('desk.leave.cancel')}
        onConfirm={leave}
        // Closed by Escape, Cancel or leaving: focus goes back where the person was.
        onClose={() => opener.current?.focus()}
        busy={busy}
      >
        <ErrorMessage error={error} />
      </ConfirmDialog>
    </>
  );
}
