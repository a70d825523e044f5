import { describe, expect, it } from 'vitest';
import { defaultLimits, measureMedia, measureText } from '../../src/shared/limits';

const x = defaultLimits.x;

describe('X text length, as X counts it', () => {
  it('counts plain Latin text, accents included, one per character', () => {
    expect(measureText(x, 'fr', 'Données économiques à jour')).toMatchObject({ length: 26, max: 280, valid: true });
  });

  it('counts any URL as 23, whatever its length', () => {
    const url = 'https://www150.statcan.gc.ca/n1/daily-quotidien/231123/dq231123a-fra.htm';
    expect(measureText(x, 'fr', `Lisez : ${url}`).length).toBe(8 + 23);
  });

  it('counts CJK characters and emoji as two', () => {
    expect(measureText(x, 'en', '字字').length).toBe(4);
    expect(measureText(x, 'en', '🇨🇦').length).toBe(2);
  });

  it('accepts exactly 280 and refuses 281 with the numbers the user needs', () => {
    expect(measureText(x, 'en', 'a'.repeat(280))).toMatchObject({ valid: true, error: null });
    expect(measureText(x, 'fr', 'a'.repeat(281))).toEqual({
      length: 281,
      max: 280,
      valid: false,
      error: { code: 'text.tooLong', params: { lang: 'fr', length: 281, max: 280 } },
    });
  });

  it('treats whitespace-only text as empty, naming the language', () => {
    expect(measureText(x, 'fr', ' \n\t ').error).toEqual({ code: 'text.empty', params: { lang: 'fr' } });
  });
});

describe('Bluesky: 300 graphemes and 3,000 bytes', () => {
  const bluesky = defaultLimits.bluesky;
  it('counts what a reader sees as one character as one: flags, accents, family emoji', () => {
    expect(measureText(bluesky, 'fr', '🇨🇦 Été').length).toBe(5);
    expect(measureText(bluesky, 'en', '👨‍👩‍👧‍👦').length).toBe(1);
    expect(measureText(bluesky, 'en', 'e\u0301').length).toBe(1);
  });
  it('counts a link without a scheme in full too, and #Québec with a combining accent as 7', () => {
    expect(measureText(bluesky, 'fr', 'canada.ca/fr/sante').length).toBe(18);
    expect(measureText(bluesky, 'fr', '#Que\u0301bec').length).toBe(7);
  });
  it('counts a URL in full (Bluesky does not shorten links)', () => {
    const url = 'https://www150.statcan.gc.ca/n1/daily-quotidien/231123/dq231123a-eng.htm';
    expect(measureText(bluesky, 'en', url).length).toBe(url.length);
  });
  it('accepts 300 graphemes and refuses 301, naming the language', () => {
    expect(measureText(bluesky, 'fr', 'é'.repeat(300)).valid).toBe(true);
    expect(measureText(bluesky, 'fr', 'é'.repeat(301)).error).toEqual({ code: 'text.tooLong', params: { lang: 'fr', length: 301, max: 300 } });
  });
  it('refuses text within 300 graphemes but over 3,000 bytes', () => {
    const heavy = '👨‍👩‍👧‍👦'.repeat(200); // 200 graphemes, 25 bytes each
    expect(measureText(bluesky, 'en', heavy).error).toEqual({ code: 'text.tooManyBytes', params: { lang: 'en', bytes: 5_000, max: 3_000 } });
  });
});

describe('Mastodon, as an instance counts', () => {
  const mastodon = { ...defaultLimits.mastodon, maxLength: 500 };
  it('counts any URL as 23 and a remote mention as its local part', () => {
    const url = 'https://www.canada.ca/fr/services/prestations/assurance-emploi.html';
    expect(measureText(mastodon, 'fr', `Voir ${url}`).length).toBe(5 + 23);
    expect(measureText(mastodon, 'en', 'Hi @StatCan@social.example.ca').length).toBe('Hi @StatCan'.length);
  });
  it('leaves punctuation after a link out of it, as Mastodon does', () => {
    expect(measureText(mastodon, 'fr', 'Voir https://www.statcan.gc.ca/fr/donnees.').length).toBe(5 + 23 + 1);
    expect(measureText(mastodon, 'fr', '(https://www.statcan.gc.ca/fr) « https://www.canada.ca/fr »').length).toBe(1 + 23 + 1 + 1 + 2 + 23 + 2);
    expect(measureText(mastodon, 'en', 'Été 🇨🇦 https://www.statcan.gc.ca/en!').length).toBe(6 + 23 + 1);
  });

  it('counts @user.name@instance as @user.name: dots and dashes are part of a username', () => {
    expect(measureText(mastodon, 'fr', 'Merci @jean.tremblay@mastodon.social').length).toBe('Merci @jean.tremblay'.length);
    expect(measureText(mastodon, 'fr', 'Merci @marie-eve@social.example.ca').length).toBe('Merci @marie-eve'.length);
  });

  it('counts an address after = or a letter, and an e-mail address, in full: Mastodon mentions no one there', () => {
    for (const text of ['lien?a=@jean@mastodon.social', 'é@jean@mastodon.social', 'e\u0301@jean@mastodon.social', 'courriel@canada.ca']) {
      expect(measureText(mastodon, 'fr', text).length, text).toBe([...new Intl.Segmenter().segment(text)].length);
    }
  });

  it('counts a URL with a French query string as 23, where twitter-text would stop at the accent', () => {
    expect(measureText(mastodon, 'fr', 'https://www.canada.ca/fr/recherche.html?q=santé').length).toBe(23);
    expect(measureText(mastodon, 'fr', 'https://www.canada.ca/fr/recherche.html?q=santé&lang=fra').length).toBe(23);
  });

  it('counts a gemini:// link as 23, and a path ending in = as 23 plus the =', () => {
    expect(measureText(mastodon, 'en', 'gemini://gemini.circumlunar.space/docs/').length).toBe(23);
    expect(measureText(mastodon, 'en', 'https://example.com/aGVsbG8=').length).toBe(24);
    expect(measureText(mastodon, 'en', 'https://example.com/?token=').length).toBe(23);
  });

  it('counts a link without a scheme in full, as Mastodon does not link it', () => {
    expect(measureText(mastodon, 'fr', 'canada.ca/fr/sante').length).toBe(18);
  });

  it('refuses what Mastodon refuses and accepts what it accepts, at the edge of the limit', () => {
    // StatusLengthValidator's own spec cases: a long URL and a long remote address fit.
    expect(measureText(mastodon, 'en', `${'a'.repeat(476)} http://${'b'.repeat(30)}.com/example`).valid).toBe(true);
    expect(measureText(mastodon, 'en', `${'a'.repeat(475)} @alice@${'b'.repeat(30)}.com`).valid).toBe(true);
    // 476 + space + 23 = 500: accepted; a 24th counted character (the trailing =) is refused.
    const query = 'https://www.canada.ca/fr/recherche.html?q=santé';
    expect(measureText(mastodon, 'fr', `${'é'.repeat(476)} ${query}`)).toMatchObject({ length: 500, valid: true });
    expect(measureText(mastodon, 'fr', `${'é'.repeat(476)} https://example.com/aGVsbG8=`)).toMatchObject({ length: 501, valid: false });
    // An e-mail address is counted in full: 480 + 1 + 20 = 501.
    expect(measureText(mastodon, 'fr', `${'é'.repeat(480)} courriel@canada.ca.x`).valid).toBe(false);
  });

  it('uses the instance\'s own limit when it has one', () => {
    expect(measureText({ ...mastodon, maxLength: 1_000 }, 'en', 'a'.repeat(900)).valid).toBe(true);
    expect(measureText(mastodon, 'en', 'a'.repeat(900)).valid).toBe(false);
  });
});

describe('Facebook and LinkedIn: characters as UTF-16 code units', () => {
  it('counts links in full and an emoji as two, never fewer than the platform might count', () => {
    const url = 'https://www.canada.ca/fr/services.html';
    expect(measureText(defaultLimits.linkedin, 'fr', `Voir ${url}`).length).toBe(5 + url.length);
    expect(measureText(defaultLimits.facebook, 'fr', '📊 Été').length).toBe(6);
  });
  it('accepts 3,000 on LinkedIn and refuses 3,001, whatever LinkedIn escapes when it is sent', () => {
    expect(measureText(defaultLimits.linkedin, 'fr', '('.repeat(3_000)).valid).toBe(true);
    expect(measureText(defaultLimits.linkedin, 'fr', 'é'.repeat(3_001)).error?.code).toBe('text.tooLong');
  });
});

describe('Images, per platform', () => {
  const png = (bytes: number, alt = 'A chart') => ({ mime: 'image/png', bytes, alt });
  it('refuses a fifth image on X and Bluesky but not on Facebook', () => {
    const five = Array.from({ length: 5 }, () => png(1_000));
    expect(measureMedia(defaultLimits.x, 'en', five)).toEqual([{ code: 'media.tooMany', params: { lang: 'en', count: 5, max: 4 } }]);
    expect(measureMedia(defaultLimits.bluesky, 'en', five)[0]?.code).toBe('media.tooMany');
    expect(measureMedia(defaultLimits.facebook, 'en', five)).toEqual([]);
  });
  it('refuses an image over the platform\'s size, saying which one and by how much', () => {
    expect(measureMedia(defaultLimits.bluesky, 'fr', [png(900_000), png(1_200_000)])).toEqual([
      { code: 'media.tooLarge', params: { lang: 'fr', position: 2, size: 1.14, max: 0.95 } },
    ]);
    expect(measureMedia(defaultLimits.mastodon, 'fr', [png(1_200_000)])).toEqual([]);
  });
  it('refuses a type the platform does not take, and alt text over its limit', () => {
    expect(measureMedia(defaultLimits.bluesky, 'en', [{ mime: 'image/gif', bytes: 10, alt: 'x' }])[0]).toEqual({
      code: 'media.unsupportedType',
      params: { lang: 'en', position: 1, type: 'GIF' },
    });
    expect(measureMedia(defaultLimits.x, 'fr', [png(10, 'é'.repeat(1_001))])[0]?.code).toBe('media.altTooLong');
  });
});
