import { useTranslation } from 'react-i18next';
import type { Channel, ErrorInfo } from '../../../shared/domain';

/** Renders an error from main in the user's language; a `lang` param is shown as a language name. */
export function useErrorText(): (error: ErrorInfo) => string {
  const { t, i18n } = useTranslation();
  const formatDay = useDayFormat();
  const number = new Intl.NumberFormat(i18n.language === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 1 });
  return (error) => {
    const params: Record<string, string | number> = { ...error.params };
    // Numbers as the language writes them: 1.5 MB, 1,5 Mo; 3,000 bytes, 3 000 octets.
    for (const [key, value] of Object.entries(params)) if (typeof value === 'number') params[key] = number.format(value);
    if (params['lang'] === 'en' || params['lang'] === 'fr') params['lang'] = t(`lang.${params['lang']}`);
    if (typeof params['platform'] === 'string') params['platform'] = t(`platforms.${params['platform']}`);
    if ((error.code === 'permission.denied' || error.code === 'permission.roleEnded') && typeof params['action'] === 'string') {
      params['action'] = t(`actions.${params['action']}`);
    }
    if (error.code === 'checks.blocked' && typeof params['check'] === 'string') {
      params['check'] = t(`checks.names.${params['check']}`);
    }
    if (error.code === 'pair.wrongState' && typeof params['status'] === 'string') {
      params['status'] = t(`queue.status.${params['status']}`);
    }
    if (error.code === 'permission.roleEnded' && typeof params['date'] === 'string') params['date'] = formatDay(params['date']);
    return t(`errors.${error.code}`, params);
  };
}

/** One formatter per locale and style: building an Intl formatter costs far more than using one (a list of pairs formats many dates). */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) formatters.set(key, (found = new Intl.DateTimeFormat(locale, options)));
  return found;
}

export function useDateFormat(): (iso: string) => string {
  const { i18n } = useTranslation();
  const locale = i18n.language === 'fr' ? 'fr-CA' : 'en-CA';
  return (iso) => formatter(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

/** A day in words, as the language writes it: December 1, 2026; 1er décembre 2026. */
export function useDayFormat(): (iso: string) => string {
  const { i18n } = useTranslation();
  const locale = i18n.language === 'fr' ? 'fr-CA' : 'en-CA';
  return (iso) => {
    const day = formatter(locale, { dateStyle: 'long' }).format(new Date(iso));
    // French writes the first of the month as an ordinal: le 1er décembre.
    return locale === 'fr-CA' ? day.replace(/^1 /, '1er ') : day;
  };
}

/** An account pair named with its platform, wherever pairs are listed or chosen: Statistics Canada — Bluesky. */
export function useChannelName(): (channel: Pick<Channel, 'name' | 'platform'>) => string {
  const { t } = useTranslation();
  return (channel) => t('accounts.channelName', { name: channel.name, platform: t(`platforms.${channel.platform}`) });
}
