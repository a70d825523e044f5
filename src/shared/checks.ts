// Content checks a careful reviewer would make, run in the composer as the officer types and in
// main before approval and before sending. Pure functions of the two texts and the workspace's
// check settings, so both sides reach the same verdict.
import { findPersonalInformation } from './pii';
import type { Lang, Platform } from './domain';
import { entities, type Entity, type EntityKind } from './entities';
import { detectLanguage } from './language';
import { fixFrenchSpacing, type FrenchStyle } from './typography';

export { fixFrenchSpacing, frenchStyles, type FrenchStyle } from './typography';
export { detectLanguage } from './language';

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
  /** House style for French spacing: the Government of Canada's (default) or France's. */
  frenchStyle: FrenchStyle;
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
  frenchStyle: 'canada',
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

// Links, hashtags and mentions as the platforms find them (entities.ts), not with patterns of our
// own: a pair goes to several platforms, so a link, a hashtag or a mention is one when any of
// them makes it one. So canada.ca/fr/sante is a link (X and Bluesky link it), @jean@mastodon.social
// is one mention, and #2026 is no hashtag (no platform tags it). Spans that overlap between
// platforms (X's @jean inside Mastodon's @jean@mastodon.social) are one item, read as the longest.
// LinkedIn finds what Facebook finds.
const entityPlatforms: readonly Platform[] = ['x', 'bluesky', 'mastodon', 'facebook'];

function items(text: string): Record<EntityKind, Entity[]> {
  const out: Record<EntityKind, Entity[]> = { link: [], hashtag: [], mention: [] };
  if (!/[.#@＃＠]/.test(text)) return out;
  const found = entityPlatforms.flatMap((platform) => entities(platform, text));
  for (const kind of ['link', 'hashtag', 'mention'] as const) {
    const spans = found.filter((e) => e.kind === kind).sort((a, b) => a.start - b.start || b.end - a.end);
    const merged: Entity[] = [];
    let end = -1;
    for (const span of spans) {
      const last = merged[merged.length - 1];
      if (last && span.start < end) {
        if (span.end - span.start > last.end - last.start) merged[merged.length - 1] = span;
        end = Math.max(end, span.end);
      } else {
        merged.push(span);
        end = span.end;
      }
    }
    out[kind] = merged;
  }
  return out;
}

/**
 * Sites whose host name is in one language, for pages whose path does not say: the Government of
 * Canada's paired domains (parks.canada.ca / parcs.canada.ca…) and the Bank of Canada's.
 */
const hostLanguage: [host: string, lang: Lang][] = [
  ['parks.canada.ca', 'en'],
  ['parcs.canada.ca', 'fr'],
  ['open.canada.ca', 'en'],
  ['ouvert.canada.ca', 'fr'],
  ['natural-resources.canada.ca', 'en'],
  ['ressources-naturelles.canada.ca', 'fr'],
  ['jobbank.gc.ca', 'en'],
  ['guichetemplois.gc.ca', 'fr'],
  ['travel.gc.ca', 'en'],
  ['voyage.gc.ca', 'fr'],
  ['weather.gc.ca', 'en'],
  ['meteo.gc.ca', 'fr'],
  ['census.gc.ca', 'en'],
  ['recensement.gc.ca', 'fr'],
  ['bankofcanada.ca', 'en'],
  ['banqueducanada.ca', 'fr'],
];

/** Which language a URL says its page is in, when it says so: by its path, else by its host. */
export function urlLanguage(url: string): Lang | null {
  const lower = url.toLowerCase();
  // /en/ /eng/ /english/; lang=en, lang=eng, lang=e (census profiles, Elections Canada);
  // -eng.htm, -en.html, canada.ca/en.html, -eng at the end of a name; _e.html (weather.gc.ca).
  const en =
    /\/(en|eng|english)(\/|$|\?|#)|[?&](lang|language)=(en|eng|english|e)\b|[-_./]eng?\.html?\b|-eng\b|[-_]e\.(s?html?|php|aspx?|cfm|jsp)\b/.test(lower);
  const fr =
    /\/(fr|fra|francais|français)(\/|$|\?|#)|[?&](lang|language)=(fr|fra|francais|f)\b|[-_./]fra?\.html?\b|-fra\b|[-_]f\.(s?html?|php|aspx?|cfm|jsp)\b/.test(lower);
  if (en !== fr) return en ? 'en' : 'fr';
  if (en) return null;
  const host = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:@]+)/.exec(lower)?.[1] ?? '';
  return hostLanguage.find(([name]) => host === name || host.endsWith(`.${name}`))?.[1] ?? null;
}

/**
 * A post may link a page in the other language when it says so, as federal posts do:
 * "(en anglais seulement)", "(in French only)".
 */
const saysOtherLanguage: Record<Lang, RegExp> = {
  en: /\(\s*(?:in\s+)?French(?:\s+only)?\s*\)|\b(?:in French only|only in French)\b/i,
  fr: /\(\s*en anglais(?:\s+(?:seulement|uniquement))?\s*\)|\ben anglais (?:seulement|uniquement)\b/i,
};

export { piiKindNames, type PiiKind } from './pii';

/** Personal information (see pii.ts for what counts, and where it departs from sanitize-pii). */
function personalInformation(text: string, allowList: readonly string[]): { kind: string; match: string }[] {
  return findPersonalInformation(text, allowList).map(({ kind, match }) => ({ kind, match }));
}

/** Lower case, with one apostrophe: a term typed as d'ores matches a post's d’ores. */
const termForm = (text: string) => text.toLocaleLowerCase('fr-CA').replace(/[’‘ʼ`´]/g, "'");

function flaggedTerms(text: string, terms: readonly string[]): string[] {
  const lower = termForm(text);
  return terms.filter((term) => {
    const t = termForm(term.trim());
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
    const found = { en: items(texts.en), fr: items(texts.fr) };
    const links = { en: found.en.link, fr: found.fr.link };
    if (links.en.length !== links.fr.length) add('parity.links', null, { en: links.en.length, fr: links.fr.length });
    for (const lang of langs) {
      for (const link of links[lang]) {
        const pageLang = urlLanguage(link.value);
        if (pageLang && pageLang !== lang && !saysOtherLanguage[lang].test(texts[lang])) {
          add('parity.linkLanguage', lang, { url: link.text, pageLang });
        }
      }
    }
    const tags = { en: found.en.hashtag, fr: found.fr.hashtag };
    if (tags.en.length !== tags.fr.length) add('parity.hashtags', null, { en: tags.en.length, fr: tags.fr.length });
    const people = { en: found.en.mention, fr: found.fr.mention };
    if (people.en.length !== people.fr.length) add('parity.mentions', null, { en: people.en.length, fr: people.fr.length });
  }

  const fixed = fixFrenchSpacing(texts.fr, settings.frenchStyle);
  // `context` picks the message for the house style (i18next context: frenchSpacing_canada…).
  if (texts.fr.trim() && fixed !== texts.fr) add('typography.frenchSpacing', 'fr', { context: settings.frenchStyle }, fixed);

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
