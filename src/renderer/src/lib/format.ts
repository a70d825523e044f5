import { useTranslation } from 'react-i18next';
import type { ErrorInfo } from '../../../shared/domain';

/** Renders an error from main in the user's language; a `lang` param is shown as a language name. */
export function useErrorText(): (error: ErrorInfo) => string {
  const { t, i18n } = useTranslation();
  const number = new Intl.NumberFormat(i18n.language === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 1 });
  return (error) => {
    const params: Record<string, string | number> = { ...error.params };
    // Numbers as the language writes them: 1.5 MB, 1,5 Mo; 3,000 bytes, 3 000 octets.
    for (const [key, value] of Object.entries(params)) if (typeof value === 'number') params[key] = number.format(value);
    if (params['lang'] === 'en' || params['lang'] === 'fr') params['lang'] = t(`lang.${params['lang']}`);
    if (typeof params['platform'] === 'string') params['platform'] = t(`platforms.${params['platform']}`);
    if (error.code === 'permission.denied' && typeof params['action'] === 'string') {
      params['action'] = t(`actions.${params['action']}`);
    }
    if (error.code === 'checks.blocked' && typeof params['check'] === 'string') {
      params['check'] = t(`checks.names.${params['check']}`);
    }
    if (error.code === 'pair.wrongState' && typeof params['status'] === 'string') {
      params['status'] = t(`queue.status.${params['status']}`);
    }
    return t(`errors.${error.code}`, params);
  };
}

export function useDateFormat(): (iso: string) => string {
  const { i18n } = useTranslation();
  const locale = i18n.language === 'fr' ? 'fr-CA' : 'en-CA';
  return (iso) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}
