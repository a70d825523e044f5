// French spacing as the Translation Bureau writes it (the default), and France's convention as a
// workspace setting. Each case is what a federal writer would type, and what the one-click fix
// must make of it — changing nothing else.
import { describe, expect, it } from 'vitest';
import { defaultCheckSettings, runChecks } from '../../src/shared/checks';
import { fixFrenchSpacing } from '../../src/shared/typography';

const nb = '\u00a0';
const fine = '\u202f';

describe('Canadian federal style (default)', () => {
  it.each([
    ['a question with no space', 'Le saviez-vous?'],
    ['a question with a narrow no-break space', `Le saviez-vous${fine}?`],
    ['an exclamation with no space', 'Bonne fête du Canada!'],
    ['a semicolon with no space', 'Inscrivez-vous; les places sont limitées.'],
    ['a colon with a no-break space', `Taux de chômage${nb}: 6,5${nb}%.`],
    ['guillemets with no-break spaces', `Le rapport «${nb}Regards sur la société${nb}» est paru.`],
    ['a run of marks', 'Attention!!! Ça y est?!'],
    ['emoticons', 'Merci :) À bientôt ;-) Super :D'],
    ['times and ratios', 'Conférence à 14:30 ou à 14 h 30; rapport de 3:1.'],
    ['a link with a query and colons', 'Voir https://www150.statcan.gc.ca/t1/tbl1/fr/tv.action?pid=1410028701&a=1:2 maintenant.'],
    ['an e-mail address and a mention', 'Écrivez à infostats@statcan.gc.ca ou à @StatCan_fra.'],
    ['money and a percentage already spaced', `Un budget de 61${nb}234${nb}567${nb}000${nb}$, en hausse de 2,4${nb}%.`],
    ['units already spaced', `Il a fait 20${nb}°C à 9 h; 10${nb}km à pied.`],
    ['a colon not followed by a space', 'Note:voir plus bas.'],
  ])('%s is left as it is', (_name, text) => {
    expect(fixFrenchSpacing(text)).toBe(text);
    expect(runChecks({ en: 'Hello', fr: text }, defaultCheckSettings).filter((f) => f.check === 'typography.frenchSpacing')).toEqual([]);
  });

  it.each([
    ['a space before a question mark is removed, never made a no-break space', 'Le saviez-vous ?', 'Le saviez-vous?'],
    ['France’s no-break space before ! is removed', `Bravo${nb}!`, 'Bravo!'],
    ['a colon gets its no-break space', 'Détails: en ligne', `Détails${nb}: en ligne`],
    ['a plain space before a colon becomes a no-break space', 'Détails : en ligne', `Détails${nb}: en ligne`],
    ['guillemets get no-break spaces inside', '«Bonjour» et « salut »', `«${nb}Bonjour${nb}» et «${nb}salut${nb}»`],
    ['a percentage gets a no-break space', 'Une hausse de 6,5% en août', `Une hausse de 6,5${nb}% en août`],
    ['a plain space before % becomes a no-break space', 'Une hausse de 6,5 % en août', `Une hausse de 6,5${nb}% en août`],
    ['a dollar amount gets a no-break space', 'Coût : 25$', `Coût${nb}: 25${nb}$`],
    ['unit symbols get a no-break space', 'Il a plu 12 mm et fait 3 °C sur 10 km.', `Il a plu 12${nb}mm et fait 3${nb}°C sur 10${nb}km.`],
    ['only the first mark of !!! is looked at', 'Attention !!!', 'Attention!!!'],
    ['a space after a link before ? stays, so the mark is not read as part of the link', 'Voir https://canada.ca/fr ?', 'Voir https://canada.ca/fr ?'],
  ])('%s', (_name, text, fixed) => {
    expect(fixFrenchSpacing(text)).toBe(fixed);
    // The fix is stable, and nothing but spaces changed.
    expect(fixFrenchSpacing(fixed)).toBe(fixed);
    expect(fixed.replace(/[ \u00a0\u202f]/g, '')).toBe(text.replace(/[ \u00a0\u202f]/g, ''));
  });

  it('leaves an elided article after a year alone (2025 l’emploi is no unit)', () => {
    expect(fixFrenchSpacing('En 2025 l’emploi a progressé.')).toBe('En 2025 l’emploi a progressé.');
  });

  it('leaves an emoticon alone even right after a word', () => {
    expect(fixFrenchSpacing('Merci :)')).toBe('Merci :)');
    expect(fixFrenchSpacing('Bonne journée :-(')).toBe('Bonne journée :-(');
  });
});

describe('France’s convention (workspace setting)', () => {
  const settings = { ...defaultCheckSettings, frenchStyle: 'france' as const };

  it.each([
    ['a narrow no-break space before ? is added', 'Le saviez-vous?', `Le saviez-vous${fine}?`],
    ['a plain space before ! becomes narrow and no-break', 'Bravo !', `Bravo${fine}!`],
    ['only before the first mark of a run', 'Attention!!!', `Attention${fine}!!!`],
    ['a no-break space before : as in Canada', 'Détails: en ligne', `Détails${nb}: en ligne`],
  ])('%s', (_name, text, fixed) => {
    expect(fixFrenchSpacing(text, 'france')).toBe(fixed);
    const [finding] = runChecks({ en: 'Hello', fr: text }, settings).filter((f) => f.check === 'typography.frenchSpacing');
    expect(finding?.fix).toBe(fixed);
  });

  it('accepts a full no-break space before ; ! ? too', () => {
    expect(fixFrenchSpacing(`Bravo${nb}!`, 'france')).toBe(`Bravo${nb}!`);
  });
});
