import { useTranslation } from './translation';
import type { Channel, ErrorInfo, Lang } from '../../../shared/domain';
import { formatDateTime, formatDay, formatTime, numberFormat, zoneName } from '../../../shared/dates';

/** Renders an error from main in the user's language; a `lang` param is shown as a language name. */
export function useErrorText(): (error: ErrorInfo) => string {
  const { t, i18n } = useTranslation();
  const formatDay = useDayFormat();
  const number = numberFormat(i18n.language, { maximumFractionDigits: 1 });
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

/** Day and time in the person's language and zone: December 1, 2026 at 9:22 p.m.; 1er décembre 2026 à 21 h 22. */
export function useDateFormat(): (iso: string) => string {
  const lang = useLang();
  return (iso) => formatDateTime(iso, lang);
}

/** A day in words, as the language writes it: December 1, 2026; 1er décembre 2026. */
export function useDayFormat(): (iso: string) => string {
  const lang = useLang();
  return (iso) => formatDay(iso, lang);
}

/** The time of day: 9:22 p.m.; 21 h 22. */
export function useTimeFormat(): (iso: string) => string {
  const lang = useLang();
  return (iso) => formatTime(iso, lang);
}

/** The person's time zone in words: Eastern Time; heure de l’Est. */
export function useZoneName(): string {
  const lang = useLang();
  return zoneName(lang, Intl.DateTimeFormat().resolvedOptions().timeZone);
}

function useLang(): Lang {
  const { i18n } = useTranslation();
  return i18n.language === 'fr' ? 'fr' : 'en';
}

/**
 * An account pair named in the reader's language with its platform, wherever pairs are listed or
 * chosen: Statistics Canada — Bluesky; Statistique Canada — Bluesky.
 */
export function useChannelName(): (channel: Pick<Channel, 'name' | 'nameFr' | 'platform'>) => string {
  const { t, i18n } = useTranslation();
  return (channel) =>
    t('accounts.channelName', {
      name: i18n.language === 'fr' ? channel.nameFr || channel.name : channel.name,
      platform: t(`platforms.${channel.platform}`),
    });
}
