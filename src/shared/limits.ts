// Text and media limits per platform, measured the way each platform measures them.
// Shared so the composer's live counters and previews and the publisher's final check agree.
import type { ErrorInfo, Lang, Platform, PlatformLimits } from './domain';
import { mastodonCountableText, twitterText } from './entities';

export { twitterText };

// The shape of a platform's limits lives in domain.ts (an account carries its own); re-exported here.
export type { Counting, PlatformLimits } from './domain';

const MB = 1024 * 1024;
const commonTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/** Documented defaults; Mastodon's are replaced by the instance's own (/api/v2/instance). */
export const defaultLimits: Record<Platform, PlatformLimits> = {
  x: { maxLength: 280, counting: 'x', urlLength: 23, maxBytes: null, maxImages: 4, maxImageBytes: 5 * MB, imageTypes: commonTypes, maxAltLength: 1_000 },
  bluesky: { maxLength: 300, counting: 'graphemes', urlLength: 0, maxBytes: 3_000, maxImages: 4, maxImageBytes: 1_000_000, imageTypes: ['image/jpeg', 'image/png', 'image/webp'], maxAltLength: 2_000 },
  mastodon: { maxLength: 500, counting: 'mastodon', urlLength: 23, maxBytes: null, maxImages: 4, maxImageBytes: 16 * MB, imageTypes: commonTypes, maxAltLength: 1_500 },
  facebook: { maxLength: 63_206, counting: 'chars', urlLength: 0, maxBytes: null, maxImages: 10, maxImageBytes: 4 * MB, imageTypes: ['image/jpeg', 'image/png', 'image/gif'], maxAltLength: 1_000 },
  linkedin: { maxLength: 3_000, counting: 'chars', urlLength: 0, maxBytes: null, maxImages: 20, maxImageBytes: 5 * MB, imageTypes: ['image/jpeg', 'image/png', 'image/gif'], maxAltLength: 4_086 },
};

export interface TextMeasure {
  /** Length as the platform counts it. */
  length: number;
  max: number;
  valid: boolean;
  error: ErrorInfo | null;
}

let segmenter: Intl.Segmenter | undefined;
export function countGraphemes(text: string): number {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let count = 0;
  for (const _ of segmenter.segment(text)) count++;
  return count;
}

export function textLength(limits: PlatformLimits, text: string): number {
  switch (limits.counting) {
    case 'x':
      return twitterText.parseTweet(text).weightedLength;
    case 'graphemes':
      return countGraphemes(text);
    case 'mastodon':
      return countGraphemes(mastodonCountableText(text, limits.urlLength));
    case 'chars':
      return text.length;
  }
}

export function measureText(limits: PlatformLimits, lang: Lang, text: string): TextMeasure {
  const max = limits.maxLength;
  if (text.trim().length === 0) {
    return { length: 0, max, valid: false, error: { code: 'text.empty', params: { lang } } };
  }
  const length = textLength(limits, text);
  if (length > max) {
    return { length, max, valid: false, error: { code: 'text.tooLong', params: { lang, length, max } } };
  }
  if (limits.maxBytes !== null) {
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > limits.maxBytes) {
      return { length, max, valid: false, error: { code: 'text.tooManyBytes', params: { lang, bytes, max: limits.maxBytes } } };
    }
  }
  if (limits.counting === 'x' && !twitterText.parseTweet(text).valid) {
    return { length, max, valid: false, error: { code: 'text.invalid', params: { lang } } };
  }
  return { length, max, valid: true, error: null };
}

/** What the publisher and the composer know of one image on one side of a pair. */
export interface MediaFacts {
  mime: string;
  bytes: number;
  alt: string;
}

/** A pair's images as the composer and main both hold them: a file per language, alt text per language. */
export interface BilingualMedia {
  en: { mime: string; bytes: number };
  fr: { mime: string; bytes: number };
  altEn: string;
  altFr: string;
}

/** One language's side of a pair's images, as the limits read them. */
export function sideMedia(media: readonly BilingualMedia[], lang: Lang): MediaFacts[] {
  return media.map((m) => ({ mime: m[lang].mime, bytes: m[lang].bytes, alt: lang === 'en' ? m.altEn : m.altFr }));
}

/**
 * Problems with one language's images on one platform: too many, too large, a type the
 * platform refuses, alt text too long. Missing alt text is a content check (`altText`).
 */
export function measureMedia(limits: PlatformLimits, lang: Lang, media: readonly MediaFacts[]): ErrorInfo[] {
  const problems: ErrorInfo[] = [];
  if (media.length > limits.maxImages) {
    problems.push({ code: 'media.tooMany', params: { lang, count: media.length, max: limits.maxImages } });
  }
  media.forEach((item, index) => {
    const position = index + 1;
    if (!limits.imageTypes.includes(item.mime)) {
      problems.push({ code: 'media.unsupportedType', params: { lang, position, type: item.mime.replace(/^image\//, '').toUpperCase() } });
    }
    if (item.bytes > limits.maxImageBytes) {
      problems.push({ code: 'media.tooLarge', params: { lang, position, size: formatMb(item.bytes), max: formatMb(limits.maxImageBytes) } });
    }
    const altLength = countGraphemes(item.alt);
    if (altLength > limits.maxAltLength) {
      problems.push({ code: 'media.altTooLong', params: { lang, position, length: altLength, max: limits.maxAltLength } });
    }
  });
  return problems;
}

/**
 * Megabytes to two decimals (0.97 MB against a 0.95 MB limit, not "1 MB; the limit is 1 MB"),
 * a number so the renderer formats it for the language (0,97 Mo).
 */
function formatMb(bytes: number): number {
  return Math.round((bytes / MB) * 100) / 100;
}

/** Everything about one side of a pair that one account's limits can refuse, in order. */
export function validateSide(limits: PlatformLimits, lang: Lang, text: string, media: readonly MediaFacts[]): ErrorInfo[] {
  const { error } = measureText(limits, lang, text);
  return [...(error ? [error] : []), ...measureMedia(limits, lang, media)];
}
