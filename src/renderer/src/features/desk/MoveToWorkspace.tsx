import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import { call } from '../../lib/api';
import { ConfirmDialog, useConfirm } from '../../lib/ConfirmDialog';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useAction } from '../../lib/useAction';
import { AddressField } from './AddressField';

type Step = 'closed' | 'form' | 'confirm' | 'moving';

/**
 * "Move this desk into a team workspace", for an administrator on a solo desk: the workspace's
 * address, what moves and what it means, a confirmation, then a wait while main moves everything
 * (it can take minutes). Main checks again that the caller is an administrator. A refusal comes
 * back to the form in the person's language, the address as typed; once moved, the window shows
 * the workspace's sign-in (`onMoved`). Focus goes to what appears at each step, and Escape on the
 * confirmation goes back to the form, to the button that asked for it.
 */
export function MoveToWorkspace({ onMoved }: { onMoved: () => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [step, setStep] = useState<Step>('closed');
  // Kept through every step and refusal: the person corrects it rather than types it again.
  const [address, setAddress] = useState('');
  const opener = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const proceed = useRef<HTMLButtonElement>(null);
  const confirm = useConfirm();
  const moving = useRef<HTMLParagraphElement>(null);
  const { error, run, setError } = useAction();
  // Where focus goes once a step is drawn (a new object each time, so the same place can be asked twice).
  type Target = 'opener' | 'heading' | 'field' | 'proceed' | 'moving';
  const [focusOn, setFocusOn] = useState<{ target: Target } | null>(null);
  // What closing the confirmation means: back to the form (Escape, Cancel), to the address
  // (refused), or nothing (moved).
  const afterClose = useRef<'proceed' | 'field' | null>('proceed');

  useEffect(() => {
    if (!focusOn) return;
    const refs = { opener, heading, field, proceed, moving };
    refs[focusOn.target].current?.focus();
  }, [focusOn]);

  function open() {
    setError(null);
    setStep('form');
    setFocusOn({ target: 'heading' });
  }

  function closeForm() {
    setStep('closed');
    setFocusOn({ target: 'opener' });
  }

  function review(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setStep('confirm');
    afterClose.current = 'proceed';
    confirm.open();
  }

  function dialogClosed() {
    const target = afterClose.current;
    afterClose.current = 'proceed';
    if (target === null) return;
    setStep('form');
    setFocusOn({ target });
  }

  function move() {
    setStep('moving');
    setFocusOn({ target: 'moving' });
    void run(async () => {
      await call('desk.moveToWorkspace', { url: address, confirm: 'move' });
      return null;
    }).then((moved) => {
      // Moved: the window shows the workspace's sign-in next. Refused: back to the address, as
      // typed, with what was refused said above it.
      afterClose.current = moved ? null : 'field';
      confirm.close();
      if (moved) onMoved();
    });
  }

  if (step === 'closed') {
    return (
      <section className="panel" aria-labelledby={`${ids}-o`}>
        <h2 id={`${ids}-o`}>{t('desk.move.heading')}</h2>
        <p>{t('desk.move.teaser')}</p>
        <button type="button" ref={opener} onClick={open}>
          {t('desk.move.button')}
        </button>
      </section>
    );
  }

  const busy = step === 'moving';
  return (
    <form className="panel" onSubmit={review} aria-labelledby={`${ids}-h`} aria-busy={busy}>
      <h2 id={`${ids}-h`} tabIndex={-1} ref={heading}>
        {t('desk.move.heading')}
      </h2>
      <p>{t('desk.move.what')}</p>
      <p>{t('desk.move.where')}</p>
      <p>{t('desk.move.after')}</p>
      <AddressField
        id={`${ids}-a`}
        label={t('desk.move.address')}
        hint={t('desk.move.addressHint')}
        value={address}
        onChange={setAddress}
        invalid={Boolean(error)} disabled={busy}
        inputRef={field}
      />
      <ErrorMessage error={error} />
      <div className="button-row">
        <button type="submit" className="primary" ref={proceed} disabled={busy}>
          {t('desk.move.continue')}
        </button>
        <button type="button" disabled={busy} onClick={closeForm}>
          {t('desk.move.cancel')}
        </button>
      </div>
      <ConfirmDialog
        confirm={confirm}
        title={t('desk.move.confirmTitle', { url: address.trim() })}
        body={t('desk.move.confirmBody')}
        confirmLabel={t('desk.move.confirm')}
        cancelLabel={t('desk.move.cancel')}
        onConfirm={move}
        onClose={dialogClosed}
        busy={busy}
      >
        <p role="status" tabIndex={-1} ref={moving} className="status-line">
          {busy ? t('desk.move.moving') : null}
        </p>
      </ConfirmDialog>
    </form>
  );
}
