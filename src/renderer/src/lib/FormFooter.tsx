import type { ErrorInfo } from '../../../shared/domain';
import { ErrorMessage } from './ErrorMessage';

/** What ends every form: the error main returned, the live status line, and the submit button. */
export function FormFooter({ error, status, busy, label }: { error: ErrorInfo | null; status: string | null; busy: boolean; label: string }) {
  return (
    <>
      <ErrorMessage error={error} />
      <div role="status" className="status-line">
        {status}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {label}
      </button>
    </>
  );
}
