import { describe, expect, it } from 'vitest';
import { measureText } from '../../src/shared/limits';

describe('X text length, as X counts it', () => {
  it('counts plain Latin text, accents included, one per character', () => {
    expect(measureText('x', 'fr', 'Données économiques à jour')).toMatchObject({ length: 26, max: 280, valid: true });
  });

  it('counts any URL as 23, whatever its length', () => {
    const url = 'https://www150.statcan.gc.ca/n1/daily-quotidien/231123/dq231123a-fra.htm';
    expect(measureText('x', 'fr', `Lisez : ${url}`).length).toBe(8 + 23);
  });

  it('counts CJK characters and emoji as two', () => {
    expect(measureText('x', 'en', '字字').length).toBe(4);
    expect(measureText('x', 'en', '🇨🇦').length).toBe(2);
  });

  it('accepts exactly 280 and refuses 281 with the numbers the user needs', () => {
    expect(measureText('x', 'en', 'a'.repeat(280))).toMatchObject({ valid: true, error: null });
    expect(measureText('x', 'fr', 'a'.repeat(281))).toEqual({
      length: 281,
      max: 280,
      valid: false,
      error: { code: 'text.tooLong', params: { lang: 'fr', length: 281, max: 280 } },
    });
  });

  it('treats whitespace-only text as empty, naming the language', () => {
    expect(measureText('x', 'fr', ' \n\t ').error).toEqual({ code: 'text.empty', params: { lang: 'fr' } });
  });
});
