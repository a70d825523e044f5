// Dates and times as each language writes them (Canadian English; French as the federal
// Translation Bureau writes it): "December 1, 2026 at 9:22 p.m."; « 1er décembre 2026 à 21 h 22 »
// (the sentence around it says « le »). Time zones named in words: "Eastern Time", « heure de l’Est ».
import type { Lang } from './domain';

const locales: Record<Lang, string> = { en: 'en-CA', fr: 'fr-CA' };

/** One formatter per locale and options: making an Intl formatter costs far more than using one (a list formats many dates). */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) formatters.set(key, (found = new Intl.DateTimeFormat(locale, options)));
  return found;
}

/** Numbers as each language writes them (3,000; 3 000), one formatter per language and options, as for dates. */
const numberFormatters = new Map<string, Intl.NumberFormat>();
export function numberFormat(lang: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const locale = lang === 'fr' ? locales.fr : locales.en;
  const key = `${locale} ${JSON.stringify(options)}`;
  let found = numberFormatters.get(key);
  if (!found) numberFormatters.set(key, (found = new Intl.NumberFormat(locale, options)));
  return found;
}

/**
 * French writes the first of the month as an ordinal (1er décembre, and only the first) and the
 * hour without a leading zero (9 h 05, not 09 h 05).
 */
function ordinalFirst(text: string, lang: Lang): string {
  return lang === 'fr' ? frenchHours(text.replace(/(^|\s)1 (?=\p{L})/gu, '$11er ')) : text;
}

const frenchHours = (text: string) => text.replace(/(^|\D)0(\d)\u00a0?( h )/gu, '$1$2$3').replace(/(^|\D)0(\d) h/gu, '$1$2 h');

/** Day and time: December 1, 2026 at 9:22 p.m.; 1er décembre 2026 à 21 h 22. */
export function formatDateTime(iso: string | number | Date, lang: Lang, timeZone?: string): string {
  const format = formatter(locales[lang], { dateStyle: 'long', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) });
  return ordinalFirst(format.format(new Date(iso)), lang);
}

/** The day alone: December 1, 2026; 1er décembre 2026. */
export function formatDay(iso: string | number | Date, lang: Lang, timeZone?: string): string {
  const format = formatter(locales[lang], { dateStyle: 'long', ...(timeZone ? { timeZone } : {}) });
  return ordinalFirst(format.format(new Date(iso)), lang);
}

/** The time alone: 9:22 p.m.; 21 h 22. */
export function formatTime(iso: string | number | Date, lang: Lang, timeZone?: string): string {
  const text = formatter(locales[lang], { timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
  return lang === 'fr' ? frenchHours(text) : text;
}

/**
 * A time zone in words: Eastern Time, heure de l’Est; UTC as Coordinated Universal Time, temps
 * universel coordonné. A zone the language has no name for keeps its offset (UTC−03:30).
 */
export function zoneName(lang: Lang, timeZone: string, at: Date = new Date()): string {
  if (/^(Etc\/)?(UTC|GMT|Zulu|UCT)$/i.test(timeZone)) return lang === 'fr' ? 'temps universel coordonné' : 'Coordinated Universal Time';
  const part = new Intl.DateTimeFormat(locales[lang], { timeZone, timeZoneName: 'longGeneric' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return (part?.value ?? timeZone).replace(/^GMT/, 'UTC');
}

/**
 * A moment as a spreadsheet reads it, in a zone, with the zone's offset then: 2026-12-01 21:22:00 −05:00.
 * Without a zone, the computer's own.
 */
export function localWithOffset(iso: string | number | Date, timeZone?: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
      ...(timeZone ? { timeZone } : {}),
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  // "GMT-05:00" (or "GMT" at UTC itself); a true minus sign would not be read as a number by spreadsheets.
  const offset = parts['timeZoneName'] === 'GMT' ? '+00:00' : String(parts['timeZoneName']).replace('GMT', '');
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}:${parts['second']} ${offset}`;
}

/** The same moment in UTC: 2026-12-02 02:22:00 UTC. */
export function utcText(iso: string | number | Date): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
