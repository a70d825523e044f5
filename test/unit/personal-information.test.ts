// The personal-information check: the false alarms and misses the issue lists, and the rules that
// decide them (Luhn, context words, toll-free numbers, the allow-list, public places).
import { describe, expect, it } from 'vitest';
import { defaultPatterns } from '@cdssnc/sanitize-pii';
import { emailIsPersonal, findPersonalInformation, luhnValid, sanitizePatternsUsed } from '../../src/shared/pii';
import { defaultCheckSettings, runChecks } from '../../src/shared/checks';
import { invalidSin, validSin } from '../fixtures/pii/sin';

const nb = '\u00a0';
const kinds = (text: string, allowList: string[] = []) => findPersonalInformation(text, allowList).map((f) => f.kind);
const found = (text: string, allowList: string[] = []) => findPersonalInformation(text, allowList).map((f) => [f.kind, f.match]);

describe('no false alarm on what the issue reported', () => {
  it.each([
    ['a count taken for a record number', 'Canada’s population reached 41 465 298 on July 1, 2025.'],
    ['the same count with no-break spaces', `La population du Canada a atteint 41${nb}465${nb}298 au 1er juillet 2025.`],
    ['a catalogue number taken for a health card', 'Read catalogue number 11-627-M2025047.'],
    ['a catalogue number taken for a driver’s licence', 'Published in catalogue 75-006-X202400100003.'],
    ['a DOI taken for a phone number', 'DOI: 10.25318/1410028701-eng'],
    ['money taken for a SIN', 'Revenues were $61 234 567 000 last year.'],
    ['money the French way', `Les revenus ont atteint 61${nb}234${nb}567${nb}000${nb}$ l’an dernier.`],
    ['the department’s own toll-free number, with an empty allow-list', 'Call 1-800-622-6232 or 1 800 O-Canada.'],
    ['a table number', 'Table 14-10-0287-01 is updated.'],
  ])('%s', (_name, text) => {
    expect(findPersonalInformation(text)).toEqual([]);
    expect(runChecks({ en: text, fr: text }, defaultCheckSettings).filter((f) => f.check === 'pii')).toEqual([]);
  });
});

describe('catches what the issue said was missed', () => {
  it('applies the Luhn check to SINs', () => {
    expect(luhnValid('046454286')).toBe(true);
    expect(kinds(`SIN ${validSin('27481635')}`)).toEqual(['sin']);
    expect(kinds(`SIN ${invalidSin('27481635')}`)).toEqual([]);
    expect(kinds(`NAS ${invalidSin('13069254', '-')}`)).toEqual([]);
  });

  it('catches a person’s e-mail address', () => {
    expect(found('Write to jean.tremblay@gmail.com')).toEqual([['email', 'jean.tremblay@gmail.com']]);
  });
});

describe('SINs', () => {
  it('wants 3-3-3 digits with one separator or none, not part of a longer number', () => {
    const sin = validSin('51937204', '');
    expect(kinds(`Client number ${sin.slice(0, 3)} ${sin.slice(3, 6)} ${sin.slice(6)}`)).toEqual(['sin']);
    expect(kinds(`Client number ${sin}`)).toEqual(['sin']);
    expect(kinds(`Reference 12 ${validSin('51937204')}`)).toEqual([]);
    expect(kinds(`Revenue ${validSin('51937204')} $`)).toEqual([]);
    expect(kinds(`Population: ${validSin('51937204')} people`)).toEqual([]);
  });

  it('reads digits grouped with no-break or thin spaces as a count, unless the text says SIN', () => {
    const sin = validSin('51937204', nb);
    expect(kinds(`Total: ${sin}`)).toEqual([]);
    expect(kinds(`Her SIN: ${sin}`)).toEqual(['sin']);
  });

  it('wants the word SIN / NAS for a first digit never issued to persons (0, 8)', () => {
    expect(kinds('Serial 046 454 286')).toEqual([]);
    expect(kinds('Your SIN 046 454 286 was received')).toEqual(['sin']);
  });
});

describe('phone numbers', () => {
  it.each([
    '(613) 555-0123',
    '613-555-0123',
    '613.555.0123',
    '613 555 0123',
    '+1 613 555 0123',
    '1-613-555-0123',
    '+16135550123',
    '613-555-0123 ext. 45',
    `613 555-0123, poste 45`,
  ])('catches %s', (phone) => {
    expect(found(`Reach Marie at ${phone}.`)).toEqual([['phone', phone]]);
  });

  it('takes ten bare digits only with a Canadian area code and a word saying it is a phone', () => {
    expect(kinds('Call 6135550123 now')).toEqual(['phone']);
    expect(kinds('Table PID 6135550123')).toEqual([]);
    expect(kinds('Table 1410028701')).toEqual([]);
  });

  it('never reports toll-free numbers, in any format', () => {
    for (const area of ['800', '833', '844', '855', '866', '877', '888']) {
      expect(kinds(`Call 1-${area}-555-0123 or (${area}) 555-0123`)).toEqual([]);
    }
  });

  it('leaves media lines alone unless the text says the line is a home one', () => {
    expect(kinds('Media relations: 613-555-0100')).toEqual([]);
    expect(kinds('Media: call Anne at home, 613-555-0100')).toEqual(['phone']);
  });

  it('uses the allow-list whatever the spacing or country code', () => {
    expect(kinds('Call 613-951-8116', ['+1 (613) 951 8116'])).toEqual([]);
    expect(kinds('Call 1 613 951-8116 ext. 2', ['613-951-8116'])).toEqual([]);
  });
});

describe('identity documents, only where the text names them', () => {
  it.each([
    ['healthCard', 'Her OHIP number is 1234-567-890-AB.', 'Catalogue 1234-567-890-AB'],
    ['healthCard', `Numéro RAMQ${nb}: LAVC 8512 2514`, 'Code LAVC 8512 2514'],
    ['passport', 'Lost passport AB123456 found.', 'Lost item AB123456 found.'],
    ['passport', 'Son numéro de passeport est HK789012.', 'Son code est HK789012.'],
    ['driversLicence', 'Driver’s licence T1234-567890-12 found.', 'Product T1234-567890-12 found.'],
    ['driversLicence', 'Permis de conduire S1234-56789-01234', 'Référence S1234-56789-01234'],
  ])('%s: %s', (kind, withWords, withoutWords) => {
    expect(kinds(withWords)).toEqual([kind]);
    expect(kinds(withoutWords)).toEqual([]);
  });
});

describe('e-mail addresses', () => {
  it.each([
    ['jean.tremblay@gmail.com', true],
    ['info@gmail.com', true],
    ['marie.lavoie@desjardins.com', true],
    ['j.tremblay@videotron.ca', true],
    ['jean.tremblay@canada.ca', false],
    ['media@statcan.gc.ca', false],
    ['STATCAN.infostats-infostats.STATCAN@statcan.gc.ca', false],
    ['medias@festival.ca', false],
    ['communications@example.org', false],
    ['media.relations@company.com', false],
    ['jtremblay@company.com', false],
  ])('%s is personal: %s', (address, personal) => {
    expect(emailIsPersonal(address)).toBe(personal);
  });
});

describe('street addresses', () => {
  it('reports an individual’s address in either language, with the apartment', () => {
    expect(found('Jean lives at 123 Main Street, Apt 4.')).toEqual([['address', '123 Main Street, Apt 4']]);
    expect(found('Elle habite au 456, rue Sainte-Catherine Ouest, app. 12.')).toEqual([
      ['address', '456, rue Sainte-Catherine Ouest, app. 12'],
    ]);
  });

  it('reports the postal code after a reported address once, with the address', () => {
    expect(kinds('Send it to Marie, 77 Elm Drive, Halifax NS B3H 1A1')).toEqual(['address']);
    expect(kinds('Postal code B3H 1A1')).toEqual(['postalCode']);
  });

  it('leaves public places: on the allow-list, with a K1A postal code, or named as a public place', () => {
    expect(kinds('Visit us at 395 Wellington Street.', ['395 Wellington Street, Ottawa'])).toEqual([]);
    expect(kinds('Parliament, 111 Wellington Street, Ottawa ON K1A 0A9')).toEqual([]);
    expect(kinds('Visit the library at 120 Metcalfe Street.')).toEqual([]);
    expect(kinds('Visitez la bibliothèque au 120, rue Metcalfe.')).toEqual([]);
    // Someone living there makes it a person's address again.
    expect(kinds('The librarian lives at 120 Metcalfe Street.')).toEqual(['address']);
  });
});

describe('the wrapped library', () => {
  it('still has every sanitize-pii pattern this check builds on', () => {
    const names = new Set(defaultPatterns.map((p) => p.name));
    for (const name of sanitizePatternsUsed) expect(names.has(name), name).toBe(true);
  });

  it('reports every match with its position, not only the first of each pattern', () => {
    const text = 'Call 613-555-0123 or 514-555-0199.';
    expect(findPersonalInformation(text).map((f) => [f.match, text.slice(f.index, f.index + f.match.length)])).toEqual([
      ['613-555-0123', '613-555-0123'],
      ['514-555-0199', '514-555-0199'],
    ]);
  });
});
