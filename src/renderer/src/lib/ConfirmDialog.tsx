import { useCallback, useId, useMemo, useRef, type ReactNode, type RefObject } from 'react';

/** The handle a confirmation is opened and closed with (`useConfirm`), given to `<ConfirmDialog>`. */
export interface Confirm {
  dialog: RefObject<HTMLDialogElement | null>;
  cancel: RefObject<HTMLButtonElement | null>;
  /** Shows the dialog, modal, with focus on the safe answer: Enter or Space on it changes nothing. */
  open: () => void;
  close: () => void;
}

export function useConfirm(): Confirm {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const open = useCallback(() => {
    dialog.current?.showModal();
    cancel.current?.focus();
  }, []);
  const close = useCallback(() => dialog.current?.close(), []);
  return useMemo(() => ({ dialog, cancel, open, close }), [open, close]);
}

interface Props {
  confirm: Confirm;
  title: string;
  body: string;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  /** Closed by Escape, by Cancel or by the caller: where focus goes next is the caller's to say. */
  onClose?: () => void;
  /** While the confirmed work runs: both buttons wait, and Escape cannot hide the only sign of it. */
  busy?: boolean;
  /** Under the text: a progress line, an error. */
  children?: ReactNode;
}

/** A question asked before something that cannot be undone (leave, move, discard, revoke). */
export function ConfirmDialog({ confirm, title, body, confirmLabel, cancelLabel, onConfirm, onClose, busy = false, children }: Props) {
  const ids = useId();
  return (
    <dialog
      ref={confirm.dialog}
      className="confirm-dialog"
      aria-labelledby={`${ids}-t`}
      aria-describedby={`${ids}-b`}
      onClose={onClose}
      onCancel={(event) => busy && event.preventDefault()}
    >
      <h2 id={`${ids}-t`}>{title}</h2>
      <p id={`${ids}-b`}>{body}</p>
      {children}
      <div className="button-row">
        <button type="button" className="primary" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" ref={confirm.cancel} disabled={busy} onClick={confirm.close}>
          {cancelLabel}
        </button>
      </div>
    </dialog>
  );
}
