import { useTranslation } from './translation';
import type { ErrorInfo } from '../../../shared/domain';
import { useErrorText } from './format';

export function ErrorMessage({ error }: { error: ErrorInfo | null }) {
  const { t } = useTranslation();
  const text = useErrorText();
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert" data-error-code={error.code}>
      <strong>{t('errors.title')}</strong>
      <p>{text(error)}</p>
    </div>
  );
}
