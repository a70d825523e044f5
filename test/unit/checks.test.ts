// Content checks on real bilingual posts: what a careful reviewer would catch, and posts that
// must pass clean.
import { describe, expect, it } from 'vitest';
import {
  defaultCheckSettings,
  detectLanguage,
  fixFrenchSpacing,
  runChecks,
  urlLanguage,
  type CheckId,
  type CheckSettings,
} from '../../src/shared/checks';

const nb = '\u00a0';
const run = (en: string, fr: string, settings: CheckSettings = defaultCheckSettings) => runChecks({ en, fr }, settings);
const ids = (en: string, fr: string, settings?: CheckSettings) => run(en, fr, settings).map((f) => f.check);
const withSettings = (changes: Partial<CheckSettings>): CheckSettings => ({ ...defaultCheckSettings, ...changes });

describe('posts that must pass clean', () => {
  it.each([
    [
      'The Daily, with matching links',
      'Labour Force Survey, October 2023: employment rose by 18,000. https://www150.statcan.gc.ca/n1/daily-quotidien/231103/dq231103a-eng.htm #LFS',
      `Enquête sur la population active, octobre 2023${nb}: l’emploi a augmenté de 18${nb}000. https://www150.statcan.gc.ca/n1/daily-quotidien/231103/dq231103a-fra.htm #EPA`,
    ],
    [
      'canada.ca /en/ and /fr/ pages, a mention each, a question',
      'Are you ready for winter? Check the road conditions before you go: https://www.canada.ca/en/services/transport.html @Transport_gc',
      `Êtes-vous prêts pour l’hiver? Vérifiez l’état des routes avant de partir${nb}: https://www.canada.ca/fr/services/transport.html @Transports_gc`,
    ],
    [
      'guillemets and an exclamation',
      'Join us for “Science Odyssey”! Events across Canada this week.',
      `Joignez-vous à nous pour «${nb}Odyssée des sciences${nb}»! Des activités partout au Canada cette semaine.`,
    ],
    [
      'a time and a ratio are not punctuation',
      'Press conference today at 10:30 ET. Vote share 3:1.',
      'Conférence de presse aujourd’hui à 10:30 HE. Part des votes 3:1.',
    ],
    [
      'the department’s own toll-free number, allow-listed',
      'Questions about your benefits? Call 1-800-622-6232.',
      `Des questions sur vos prestations? Composez le 1-800-622-6232.`,
    ],
  ])('%s', (_name, en, fr) => {
    expect(run(en, fr, withSettings({ piiAllowList: ['1 800 622-6232'] }))).toEqual([]);
  });
});

describe('both languages present, each in its language', () => {
  it('blocks an empty side', () => {
    expect(run('Flu season is here. Get your shot.', '  ')).toEqual([
      { check: 'language.missing', severity: 'block', lang: 'fr', params: {} },
    ]);
  });

  it('warns when the French box holds English, and the English box French', () => {
    expect(run('Hello, this is the English version', 'Only English for now, the translation is coming')).toEqual([
      { check: 'language.mismatch', severity: 'warn', lang: 'fr', params: { detected: 'en' } },
    ]);
    expect(ids('La saison de la grippe est arrivée. Faites-vous vacciner.', 'La saison de la grippe est arrivée. Faites-vous vacciner.')).toContain(
      'language.mismatch',
    );
  });

  it('does not guess on short or ambiguous text', () => {
    expect(detectLanguage('Canada 2024')).toBeNull();
    expect(detectLanguage('Canada’s population estimates, third quarter')).not.toBe('fr');
  });
});

describe('parity between EN and FR', () => {
  it('counts links, hashtags and mentions on both sides', () => {
    expect(
      run(
        'Read the report: https://www.canada.ca/en/report.html and the data https://open.canada.ca/data/en/dataset/1 #OpenData @StatCan_eng',
        `Lisez le rapport${nb}: https://www.canada.ca/fr/rapport.html #DonnéesOuvertes #Ouvert`,
      ).map((f) => [f.check, f.params]),
    ).toEqual([
      ['parity.links', { en: 2, fr: 1 }],
      ['parity.hashtags', { en: 1, fr: 2 }],
      ['parity.mentions', { en: 1, fr: 0 }],
    ]);
  });

  it('flags an English page linked from the French post, as the URL shows it', () => {
    const findings = run(
      'Apply online: https://www.canada.ca/en/services/benefits/ei.html',
      `Présentez une demande en ligne${nb}: https://www.canada.ca/en/services/benefits/ei.html`,
    );
    expect(findings).toEqual([
      {
        check: 'parity.linkLanguage',
        severity: 'warn',
        lang: 'fr',
        params: { url: 'https://www.canada.ca/en/services/benefits/ei.html', pageLang: 'en' },
      },
    ]);
  });

  it('reads the page language from the usual Government of Canada URL forms', () => {
    expect(urlLanguage('https://www.canada.ca/en/health-canada.html')).toBe('en');
    expect(urlLanguage('https://www.canada.ca/fr/sante-canada.html')).toBe('fr');
    expect(urlLanguage('https://www150.statcan.gc.ca/n1/daily-quotidien/231103/dq231103a-eng.htm')).toBe('en');
    expect(urlLanguage('https://www150.statcan.gc.ca/n1/daily-quotidien/231103/dq231103a-fra.htm')).toBe('fr');
    expect(urlLanguage('https://example.gc.ca/page?lang=fra')).toBe('fr');
    expect(urlLanguage('https://www.statcan.gc.ca/')).toBeNull();
  });
});

describe('French typography', () => {
  it('offers a fix in federal style: no-break space before : and inside « », nothing before ; ! ?', () => {
    const fr = 'Attention: la conférence « Données ouvertes » commence à 14:30 ! Inscrivez-vous ; places limitées? Voir https://www.canada.ca/fr/x.html?a=1:2';
    const [finding] = run('Heads up: the “Open Data” conference starts at 2:30 PM! Register; places are limited? See https://www.canada.ca/en/x.html?a=1:2', fr);
    expect(finding!.check).toBe('typography.frenchSpacing');
    expect(finding!.fix).toBe(
      `Attention${nb}: la conférence «${nb}Données ouvertes${nb}» commence à 14:30! Inscrivez-vous; places limitées? Voir https://www.canada.ca/fr/x.html?a=1:2`,
    );
    // Applying the fix leaves nothing to fix.
    expect(fixFrenchSpacing(finding!.fix!)).toBe(finding!.fix);
  });

  it('leaves the English side alone', () => {
    expect(ids('Note: read this!', `Remarque${nb}: lisez ceci!`)).toEqual([]);
  });
});

describe('personal information', () => {
  it.each([
    ['a SIN', 'Your SIN 046 454 286 was received', 'sin'],
    ['a phone number', 'Call Marie at 613-555-0199 for details', 'phone'],
    ['a postal code', 'Send it to Marie, postal code K2P 1L4', 'postalCode'],
    ['a street address', 'Send it to Marie, 123 Main Street, Ottawa', 'address'],
    ['a personal e-mail address', 'Photo by jean.tremblay@gmail.com', 'email'],
  ])('blocks %s', (_name, en, kind) => {
    const findings = run(en, 'Texte français sans renseignement personnel').filter((f) => f.check === 'pii');
    expect(findings.map((f) => [f.severity, f.lang, f.params['kind']])).toContainEqual(['block', 'en', kind]);
  });

  it('does not report numbers on the allow-list, in any spacing', () => {
    expect(ids('Call 613-555-0199', 'Appelez le 613-555-0199', withSettings({ piiAllowList: ['+1 (613) 555 0199'] }))).not.toContain('pii');
  });

  it('ignores digits inside links', () => {
    expect(ids('See https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=1410028701', `Voir https://www150.statcan.gc.ca/t1/tbl1/fr/tv.action?pid=1410028701`)).toEqual([]);
  });
});

describe('flagged terms and settings', () => {
  it('flags whole words from the workspace list, in either language', () => {
    const settings = withSettings({ flaggedTerms: ['thrilled', 'Ravi'] });
    expect(run('We are thrilled to announce', 'Nous sommes ravis d’annoncer', settings).map((f) => [f.check, f.lang, f.params])).toEqual([
      ['terms.flagged', 'en', { term: 'thrilled' }],
    ]);
    expect(run('Pleased', 'Le ministre est ravi', settings).filter((f) => f.check === 'terms.flagged')).toHaveLength(1);
  });

  it('honours off / warn / block per check', () => {
    const severity = { ...defaultCheckSettings.severity, 'typography.frenchSpacing': 'block' as const, pii: 'off' as const };
    const findings = run('Call 613-555-0199: now', 'Appelez le 613-555-0199: maintenant', withSettings({ severity }));
    expect(findings.map((f) => [f.check, f.severity])).toEqual([['typography.frenchSpacing', 'block']]);
    const allOff = Object.fromEntries(Object.keys(defaultCheckSettings.severity).map((k) => [k, 'off'])) as Record<CheckId, 'off'>;
    expect(run('', 'Only English', withSettings({ severity: allOff }))).toEqual([]);
  });
});
