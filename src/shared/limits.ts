// Text limits per platform, measured the way each platform measures them.
// Shared so the composer's live counters and the publisher's final check agree.
import * as twitterTextNs from 'twitter-text';
import type { ErrorInfo, Lang, Platform } from './domain';

// twitter-text ships CommonJS and an ESM build whose only export is `default`;
// take whichever shape the bundler or Node handed us.
export const twitterText: typeof twitterTextNs =
  (twitterTextNs as unknown as { default?: typeof twitterTextNs }).default ?? twitterTextNs;

export interface TextMeasure {
  /** Length as the platform counts it (X: weighted length, URLs count 23). */
  length: number;
  max: number;
  valid: boolean;
  error: ErrorInfo | null;
}

export const platformLimits: Record<Platform, { maxLength: number }> = {
  x: { maxLength: 280 },
};

export function measureText(platform: Platform, lang: Lang, text: string): TextMeasure {
  const max = platformLimits[platform].maxLength;
  if (text.trim().length === 0) {
    return { length: 0, max, valid: false, error: { code: 'text.empty', params: { lang } } };
  }
  switch (platform) {
    case 'x': {
      const parsed = twitterText.parseTweet(text);
      const length = parsed.weightedLength;
      if (length > max) {
        return { length, max, valid: false, error: { code: 'text.tooLong', params: { lang, length, max } } };
      }
      if (!parsed.valid) {
        return { length, max, valid: false, error: { code: 'text.invalid', params: { lang } } };
      }
      return { length, max, valid: true, error: null };
    }
  }
}
