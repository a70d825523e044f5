// Content checks a careful reviewer would make, run in the composer as the officer types and in
// main before approval and before sending. Pure functions of the two texts and the workspace's
// check settings, so both sides reach the same verdict.
import { francAll } from 'franc-min';
import { PiiSanitizer, defaultPatterns } from '@cdssnc/sanitize-pii';
import type { Lang } from './domain';

export const checkIds = [
  'language.missing',
  'language.mismatch',
  'parity.links',
  'parity.linkLanguage',
  'parity.hashtags',
  'parity.mentions',
  'typography.frenchSpacing',
  'pii',
  'terms.flagged',
  'media.altText',
  'media.altLanguage',
] as const;
export type CheckId = (typeof checkIds)[number];

export const severities = ['off', 'warn', 'block'] as const;
export type Severity = (typeof severities)[number];

export interface CheckSettings {
  severity: Record<CheckId, Severity>;
  /** The department's own public numbers and addresses: never reported as personal information. */
  piiAllowList: string[];
  /** Words or phrases to flag (case-insensitive, whole words). */
  flaggedTerms: string[];
}

export const defaultCheckSettings: CheckSettings = {
  severity: {
    'language.missing': 'block',
    'language.mismatch': 'warn',
    'parity.links': 'warn',
    'parity.linkLanguage': 'warn',
    'parity.hashtags': 'warn',
    'parity.mentions': 'warn',
    'typography.frenchSpacing': 'warn',
    pii: 'block',
    'terms.flagged': 'warn',
    // Alt text in both languages is required by default: an image without it is lost on
    // screen-reader users (WCAG 2.1 1.1.1), in either official language.
    'media.altText': 'block',
    'media.altLanguage': 'warn',
  },
  piiAllowList: [],
  flaggedTerms: [],
};

export interface Finding {
  check: CheckId;
  severity: Exclude<Severity, 'off'>;
  /** The side concerned, or null for a difference between the two. */
  lang: Lang | null;
  params: Record<string, string | number>;
  /** A corrected text for `lang`, where the fix is mechanical (French spacing). */
  fix?: string;
}

const urlPattern = /https?:\/\/[^\s<>"«»]+[^\s<>"«».,;:!?)\]]/giu;
const hashtagPattern = /(?:^|[^\p{L}\p{N}_&/])#([\p{L}\p{N}_]+)/gu;
const mentionPattern = /(?:^|[^\p{L}\p{N}_])@([A-Za-z0-9_]{1,15})\b/gu;

const urls = (text: string) => text.match(urlPattern) ?? [];
const hashtags = (text: string) => [...text.matchAll(hashtagPattern)].map((m) => m[1]!);
const mentions = (text: string) => [...text.matchAll(mentionPattern)].map((m) => m[1]!);

/** Which language a URL says its page is in, when it says so. */
export function urlLanguage(url: string): Lang | null {
  const lower = url.toLowerCase();
  const en = /\/(en|eng|english)(\/|$|\?|#)|[?&](lang|language)=(en|eng)\b|[-_.]eng?\.html?\b|-eng\b/.test(lower);
  const fr = /\/(fr|fra|francais|français)(\/|$|\?|#)|[?&](lang|language)=(fr|fra)\b|[-_.]fra?\.html?\b|-fra\b/.test(lower);
  return en === fr ? null : en ? 'en' : 'fr';
}

/** The text without links, mentions and hashtags: what language detection should look at. */
function prose(text: string): string {
  return text.replace(urlPattern, ' ').replace(/[@#][\p{L}\p{N}_]+/gu, ' ').replace(/\s+/g, ' ').trim();
}

/** The language the text reads as, or null when it is too short or too close to call. */
export function detectLanguage(text: string): Lang | null {
  const sample = prose(text);
  if (sample.length < 15) return null;
  const [first, second] = francAll(sample, { only: ['eng', 'fra'], minLength: 15 });
  if (!first || first[0] === 'und') return null;
  // Decisive only: short official posts share many words (Canada, names, numbers).
  if (second && second[1] >= 0.8) return null;
  return first[0] === 'eng' ? 'en' : 'fr';
}

const nbsp = '\u00a0';
const narrowNbsp = '\u202f';

/**
 * French spacing: a non-breaking space before : ; ! ? and inside « ». Links, times (14:30),
 * ratios and emoticons are left alone.
 */
export function fixFrenchSpacing(text: string): string {
  const kept: string[] = [];
  const masked = text.replace(urlPattern, (url) => {
    kept.push(url);
    return `\u0000${kept.length - 1}\u0000`;
  });
  const fixed = masked
    // « x » : inside the guillemets
    .replace(/«[ \t\u00a0\u202f]*/g, `«${nbsp}`)
    .replace(/[ \t\u00a0\u202f]*»/g, `${nbsp}»`)
    // word : / word: -> word : ; not between digits (14:30, 3:1)
    .replace(/(?<=\S)[ \t]*([:;!?])(?=\s|$|[»)"'])/g, (match, mark: string, offset: number, whole: string) => {
      const before = whole[offset - 1];
      if (before === nbsp || before === narrowNbsp) return match;
      return `${nbsp}${mark}`;
    })
    .replace(/(?<=[^\s\d\u00a0\u202f])([:;!?])(?=\S)/g, (match, mark: string, offset: number, whole: string) =>
      /\d/.test(whole[offset + 1] ?? '') || mark === ':' ? match : `${nbsp}${mark}`,
    );
  return fixed.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)]!);
}

const piiKinds: [RegExp, string][] = [
  [/^sin$/, 'sin'],
  [/^phone/, 'phone'],
  [/^postal_code$/, 'postalCode'],
  [/^health_card/, 'healthCard'],
  [/^drivers_license/, 'driversLicence'],
  [/^passport/, 'passport'],
  [/^credit_card$/, 'creditCard'],
  [/^bank_account/, 'bankAccount'],
  [/^address/, 'address'],
  [/^po_box$/, 'poBox'],
];
export const piiKindNames = [...piiKinds.map(([, k]) => k), 'other'] as const;

const sanitizer = new PiiSanitizer({ patterns: defaultPatterns });
const digitsOnly = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();

function personalInformation(text: string, allowList: readonly string[]): { kind: string; match: string }[] {
  const allowed = allowList.map(digitsOnly).filter((a) => a.length >= 3);
  // The same number written with or without a country code or spacing is the same number.
  const isAllowed = (match: string) => {
    const m = digitsOnly(match);
    return allowed.some((a) => a === m || (m.length >= 6 && a.endsWith(m)) || (a.length >= 6 && m.endsWith(a)));
  };
  // Links are public addresses, not personal information (and their digits confuse the patterns).
  const found = sanitizer.detectPii(text.replace(urlPattern, ' '));
  return found
    .filter(({ match }) => !isAllowed(match))
    .map(({ pattern, match }) => ({ kind: piiKinds.find(([re]) => re.test(pattern))?.[1] ?? 'other', match }));
}

function flaggedTerms(text: string, terms: readonly string[]): string[] {
  const lower = text.toLocaleLowerCase('fr-CA');
  return terms.filter((term) => {
    const t = term.trim().toLocaleLowerCase('fr-CA');
    if (!t) return false;
    const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(lower);
  });
}

/** Runs every check that is not off; findings are in a stable order. */
/** What the checks read of a pair's images: the alt text on each side. */
export interface MediaAlt {
  altEn: string;
  altFr: string;
}

export function runChecks(texts: Record<Lang, string>, settings: CheckSettings, media: readonly MediaAlt[] = []): Finding[] {
  const out: Finding[] = [];
  const add = (check: CheckId, lang: Lang | null, params: Finding['params'] = {}, fix?: string) => {
    const severity = settings.severity[check];
    if (severity === 'off') return;
    out.push(fix === undefined ? { check, severity, lang, params } : { check, severity, lang, params, fix });
  };
  const langs = ['en', 'fr'] as const;

  for (const lang of langs) if (texts[lang].trim() === '') add('language.missing', lang);

  for (const lang of langs) {
    if (texts[lang].trim() === '') continue;
    const detected = detectLanguage(texts[lang]);
    if (detected && detected !== lang) add('language.mismatch', lang, { detected });
  }

  if (texts.en.trim() && texts.fr.trim()) {
    const links = { en: urls(texts.en), fr: urls(texts.fr) };
    if (links.en.length !== links.fr.length) add('parity.links', null, { en: links.en.length, fr: links.fr.length });
    for (const lang of langs) {
      for (const url of links[lang]) {
        const pageLang = urlLanguage(url);
        if (pageLang && pageLang !== lang) add('parity.linkLanguage', lang, { url, pageLang });
      }
    }
    const tags = { en: hashtags(texts.en), fr: hashtags(texts.fr) };
    if (tags.en.length !== tags.fr.length) add('parity.hashtags', null, { en: tags.en.length, fr: tags.fr.length });
    const people = { en: mentions(texts.en), fr: mentions(texts.fr) };
    if (people.en.length !== people.fr.length) add('parity.mentions', null, { en: people.en.length, fr: people.fr.length });
  }

  const fixed = fixFrenchSpacing(texts.fr);
  if (texts.fr.trim() && fixed !== texts.fr) add('typography.frenchSpacing', 'fr', {}, fixed);

  for (const lang of langs) {
    for (const { kind, match } of personalInformation(texts[lang], settings.piiAllowList)) {
      add('pii', lang, { kind, match });
    }
  }

  for (const lang of langs) {
    for (const term of flaggedTerms(texts[lang], settings.flaggedTerms)) add('terms.flagged', lang, { term });
  }

  media.forEach((item, index) => {
    const position = index + 1;
    const alt = { en: item.altEn.trim(), fr: item.altFr.trim() };
    for (const lang of langs) {
      if (alt[lang] === '') {
        add('media.altText', lang, { position });
        continue;
      }
      const detected = detectLanguage(alt[lang]);
      if (detected && detected !== lang) add('media.altLanguage', lang, { position, detected });
      for (const { kind, match } of personalInformation(alt[lang], settings.piiAllowList)) add('pii', lang, { kind, match });
    }
    // The same words on both sides: one of them was not translated.
    if (alt.en !== '' && alt.en === alt.fr) add('media.altLanguage', null, { position });
  });
  return out;
}

export const blocking = (findings: readonly Finding[]) => findings.filter((f) => f.severity === 'block');
