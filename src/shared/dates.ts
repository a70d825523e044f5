// Dates and times as each language writes them (Canadian English; French as the federal
// Translation Bureau writes it): "December 1, 2026 at 9:22 p.m."; « 1er décembre 2026 à 21 h 22 »
// (the sentence around it says « le »). Time zones named in words: "Eastern Time", « heure de l’Est ».
import type { Lang } from './domain';

const locales: Record<Lang, string> = { en: 'en-CA', fr: 'fr-CA' };

/** French writes the first of the month as an ordinal: 1er décembre (and only the first). */
function ordinalFirst(text: string, lang: Lang): string {
  return lang === 'fr' ? text.replace(/(^|\s)1 (?=\p{L})/gu, '$11er ') : text;
}

/** Day and time: December 1, 2026 at 9:22 p.m.; 1er décembre 2026 à 21 h 22. */
export function formatDateTime(iso: string | number | Date, lang: Lang, timeZone?: string): string {
  const format = new Intl.DateTimeFormat(locales[lang], { dateStyle: 'long', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) });
  return ordinalFirst(format.format(new Date(iso)), lang);
}

/** The day alone: December 1, 2026; 1er décembre 2026. */
export function formatDay(iso: string | number | Date, lang: Lang, timeZone?: string): string {
  const format = new Intl.DateTimeFormat(locales[lang], { dateStyle: 'long', ...(timeZone ? { timeZone } : {}) });
  return ordinalFirst(format.format(new Date(iso)), lang);
}

/** The time alone: 9:22 p.m.; 21 h 22. */
export function formatTime(iso: string | number | Date, lang: Lang, timeZone?: string): string {
  return new Intl.DateTimeFormat(locales[lang], { timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
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
