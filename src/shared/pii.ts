// Personal information in a post: what identifies a person, and not what an agency publishes.
// Pure functions of the text and the allow-list, run in the composer as the officer types and in
// main before approval and before sending.
//
// Built on @cdssnc/sanitize-pii and departing from it where its patterns, written to scrub logs,
// raise false alarms on agency text or miss what identifies a person:
// - `sin` and `pri` take any 8 or 9 digits, so counts and money are SINs or record numbers
//   ('41 465 298', '$61 234 567 000'). Here a SIN is 3-3-3 digits with one separator (space, hyphen,
//   dot) or none, not part of a longer number, an amount or a percentage, with a valid Luhn check
//   digit and a first digit issued to persons (1-7, 9); 0 and 8, and digits grouped with no-break or
//   thin spaces (how counts are typeset), only where the text says SIN / NAS. A record number (PRI)
//   only beside "PRI" / "CIDP".
// - `phone_number` takes any ten digits ('DOI: 10.25318/1410028701-eng'). Here a phone number has the
//   North American shape (area code and exchange 2xx-9xx), written with separators, parentheses or +1;
//   ten bare digits only with a Canadian area code and a word such as "call" / "composez". Toll-free
//   numbers (800, 833, 844, 855, 866, 877, 888) are never reported: the one called pays nothing, the
//   organisation does, so they belong to organisations, not persons. Nor is a line given for the
//   media (news releases' contacts), unless the text says it is a home or personal line.
// - `health_card_*`, `drivers_license_*`, `passport_canada` match shapes found everywhere in agency
//   text (catalogue 11-627-M2025047 is `health_card_nwt`, 75-006-X202400100003 is
//   `drivers_license_quebec`). They are kept as shapes, and reported only near a word naming the
//   document, in English or French ("health card", "carte santé", "OHIP", "RAMQ", "passeport",
//   "permis de conduire"…).
// - `credit_card` without the Luhn check matched any 16 digits; the check is added.
// - `address_en` / `address_fr` ignore case ("in 2 supreme court rulings") and miss the Quebec
//   "456, rue Sainte-Catherine"; replaced by patterns that want a civic number, capitalised street
//   name and street type, in either order of the two languages, with the apartment if there is one.
//   An address is a person's unless it is on the allow-list, is followed by a K1A postal code (the
//   federal government's own), or the words just before it name a public place (centre, office,
//   library, bureau, bibliothèque, édifice…) and nothing says someone lives there.
// - `postal_code` ignores case and letters Canada Post never uses; here upper case, valid letters,
//   not K1A, and not when it belongs to an address reported or allowed just before it.
// - `ip_address` is not reported: in a public post it is a server's, not a person's.
// - E-mail addresses are not in sanitize-pii at all; added (see `emailIsPersonal`).
// - `PiiSanitizer.detectPii` reports only the first match of each pattern and removes text between
//   patterns, so results depended on order; here every match is reported once, with its position.
// Kept as they are: `po_box` (plus the French "C.P." / "case postale", under the address rule),
// `bank_account_canada`, `api_key_gc_notify`, `phone_number_international` (outside +1).
import { defaultPatterns } from '@cdssnc/sanitize-pii';

export const piiKindNames = [
  'sin',
  'pri',
  'phone',
  'email',
  'postalCode',
  'healthCard',
  'driversLicence',
  'passport',
  'creditCard',
  'bankAccount',
  'address',
  'poBox',
  'apiKey',
] as const;
export type PiiKind = (typeof piiKindNames)[number];

export interface PiiFinding {
  kind: PiiKind;
  /** The text as typed, as the officer sees it and as it would go on the allow-list. */
  match: string;
  /** Where it starts in the text. */
  index: number;
}

/** Kinds a drafter would call an address rather than a number (for the "this is public" wording). */
export const piiAddressKinds: ReadonlySet<PiiKind> = new Set(['address', 'postalCode', 'poBox']);

/** sanitize-pii's own pattern, by name (the version is pinned; a test checks every name used exists). */
function sanitizePattern(name: string): RegExp {
  const found = defaultPatterns.find((p) => p.name === name);
  if (!found) throw new Error(`@cdssnc/sanitize-pii has no pattern ${name}`);
  return found.regex;
}
export const sanitizePatternsUsed = [
  'api_key_gc_notify',
  'bank_account_canada',
  'po_box',
  'postal_code',
  'phone_number_international',
  'health_card_alberta',
  'health_card_newfoundland',
  'health_card_nova_scotia',
  'health_card_nwt',
  'health_card_ontario',
  'health_card_quebec',
  'drivers_license_alberta',
  'drivers_license_manitoba',
  'drivers_license_newfoundland',
  'drivers_license_nova_scotia',
  'drivers_license_ontario',
  'drivers_license_quebec',
  'passport_canada',
] as const;

// Pieces of the patterns: a space of any width (typed, no-break, narrow no-break, thin), a hyphen
// (typed, non-breaking, en dash), a separator between groups of digits.
const S = '[ \\u00a0\\u202f\\u2009]';
const H = '[-\\u2010\\u2011\\u2013]';
const D = `(?:${S}|${H}|\\.)`;
/** Not glued to a word, a number, a link's path or a handle. */
const START = `(?<![\\p{L}\\p{N}_/@#+.\\-\\u2011]|\\d${D})`;
const END = `(?![\\p{L}\\p{N}_]|${D}\\d)`;
const re = (source: string, flags = 'gu') => new RegExp(source, flags);

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const onlyDigits = (s: string) => s.replace(/\D/g, '');
/** Letters and digits only, lower case: how the allow-list compares (spacing, +1, case aside). */
export const piiKey = (s: string) => s.normalize('NFKC').replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();

// --- Words around a match --------------------------------------------------------------------

/**
 * Whole words or phrases from a `|`-separated list written across lines, with boundaries that know
 * accented letters (`\b` does not: it would never match "école" or "déménagé").
 */
const anyOf = (list: string, flags = 'iu') =>
  new RegExp(`(?<![\\p{L}\\p{N}_])(?:${list.replace(/\s*\n\s*/g, '')})(?![\\p{L}\\p{N}_])`, flags);

const sinWords = anyOf('SIN|NAS|[Ss]ocial[ -][Ii]nsurance|[Aa]ssurance[ -]sociale', 'u');
const priWords = anyOf('PRI|CIDP|personal record identifier|identification de dossier personnel');
const phoneWords = anyOf(`t[ée]l[ée]?(?:phone)?|phone|call|cell(?:ulaire)?|mobile|fax|t[ée]l[ée]copieur|appele[rz]|
  composez|joindre|texte?o?|sms`);
const mediaWords = anyOf(`media|m[ée]dias|press|presse|attach[ée]e? de presse|press secretary|spokesperson|
  porte-parole|journalists?|journalistes`);
const privateLineWords = anyOf('home|personal|private|maison|domicile|personnel(?:le)?|priv[ée]e?');
/** Words shortly before a number that say it is a reference, not a person's number. */
const references = anyOf(`ISBN|ISSN|DOI|catalogue|cat|serial|s[ée]rie|table(?:au)?|PID|vecteur|vector|d[ée]cret|
  P\\.C|SOR|DORS`);
const referenceWords = new RegExp(`${references.source}[^\\n]{0,14}$`, 'iu');
/** What follows a count or an amount. */
const units = anyOf(`dollars?|millions?|milliards?|billions?|cents?|people|persons|personnes|residents|résidents|
  habitants|jobs|emplois|households|ménages|tonnes|tons|litres|liters|barrels|barils|visitors|visiteurs|vehicles|
  véhicules|workers|travailleurs|immigrants|students|étudiants|doses|hectares|acres|km|kg`);
const amountAfter = new RegExp(`^[ \\u00a0\\u202f]?(?:\\$|%|‰|k\\$|M\\$|G\\$|${units.source})`, 'iu');
const amountBefore = /(?:\$|US|CA|C)[ \u00a0\u202f]?$/u;

const healthCardWords = anyOf(`health[- ]?card|health (?:insurance |care )?(?:number|no\\.?|card)|
  personal health number|PHN|OHIP|RAMQ|AHCIP|MSP|MCP|NAM|carte[- ](?:d['’]assurance[- ]maladie|sant[ée]|soleil)|
  assurance[- ]maladie|num[ée]ro de sant[ée]|services card|care card`);
const passportWords = anyOf('pass(?:e)?ports?|travel document|document de voyage');
const driversLicenceWords = anyOf(`driver['’]?s?['’]? licen[cs]es?|driving licen[cs]es?|permis de condui(?:re|te)|
  DL ?(?:#|no\\.?|number)`);

const publicPlaceWords = anyOf(`centre|center|office|offices|library|hall|museum|gallery|arena|school|college|
  university|hospital|clinic|building|headquarters|embassy|consulate|courthouse|station|church|theatre|theater|
  stadium|airport|complex|campus|legislature|parliament|plaza|mall|auditorium|community|venue|government|agency|
  department|
  Service Canada|Canada Post|bureaux?|biblioth[èe]que|salle|mus[ée]e|galerie|ar[ée]na|[ée]cole|coll[èe]ge|
  universit[ée]|h[ôo]pital|clinique|[ée]difice|immeuble|si[èe]ge|ambassade|consulat|palais de justice|gare|
  [ée]glise|th[ée][âa]tre|stade|a[ée]roport|h[ôo]tel de ville|gouvernement|parlement|complexe|agence|minist[èe]re|
  Postes Canada|lieu`);
const residenceWords = anyOf(`lives?|living|lived|resides?|residing|residence of|home|house|
  (?:his|her|their|my) address|mailing address|moved to|habite|habitait|demeure|domicile|r[ée]side|r[ée]sidence|
  maison|chez (?:lui|elle|eux)|son adresse|mon adresse|d[ée]m[ée]nag[ée]e?s?`);
const apartmentWords = /(?<![\p{L}])(?:apt|apartment|unit|app|appartement|logement)(?![\p{L}])|#\s?\d/iu;

// --- E-mail -------------------------------------------------------------------------------

const label = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const emailPattern = re(
  `(?<![\\p{L}\\p{N}._%+-])[\\p{L}\\p{N}](?:[\\p{L}\\p{N}._%+-]*[\\p{L}\\p{N}_])?` +
    `@${label}(?:\\.${label})*\\.[A-Za-z]{2,}(?![\\p{L}\\p{N}])`,
);
const domainIn = (list: string) => new RegExp(`(?:^|\\.)(?:${list.replace(/\s+/g, '').replace(/\./g, '\\.')})$`);

/** Governments' own domains: addresses there are institutional or business contacts. */
const governmentDomain = domainIn(`gc.ca|canada.ca|gov|mil|gouv.qc.ca|gov.[a-z]{2}.ca|gnb.ca|ontario.ca|quebec.ca|
  alberta.ca|novascotia.ca|yukon.ca|gouv.fr|gov.uk|europa.eu|un.org`);
/** Consumer mail and Canadian Internet providers: an address there belongs to a person. */
const personalDomain = domainIn(`gmail.com|googlemail.com|hotmail.(?:com|ca|fr|co.uk)|outlook.(?:com|fr|ca)|
  live.(?:com|ca|fr)|msn.com|yahoo.(?:com|ca|fr|co.uk)|ymail.com|rocketmail.com|icloud.com|me.com|mac.com|aol.com|
  protonmail.(?:com|ch)|proton.me|pm.me|gmx.(?:com|net|fr|de)|mail.com|zoho.com|fastmail.com|tutanota.com|hey.com|
  yandex.(?:com|ru)|videotron.(?:ca|qc.ca)|sympatico.ca|bell.net|rogers.com|shaw.ca|telus.net|cogeco.ca|eastlink.ca|
  sasktel.net|mts.net|globetrotter.net|primus.ca|xplornet.(?:com|ca)|orange.fr|free.fr|laposte.net|sfr.fr|wanadoo.fr`);
/** Mailboxes of a role or a service, whoever reads them. */
const roleWords = new Set(
  `info infos information informations media medias press presse communications comms communication contact contacts
   questions question help aide support service services admin office bureau reception accueil inquiries enquiries
   renseignements general generale events evenements evenement webmaster web feedback commentaires retroaction
   secretariat hr rh careers carrieres emplois jobs sales ventes billing facturation privacy confidentialite atip aiprp
   noreply no-reply donotreply newsletter bulletin donations dons partnerships partenariats volunteer volunteers
   benevoles benevolat registration inscription inscriptions stats infostats library bibliotheque team equipe hello
   bonjour membership adhesion programs programmes program programme grants subventions festival festivals
   relations desk redaction newsroom salle admissions registrar`.split(/\s+/),
);
const plain = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/**
 * Whether an e-mail address identifies a person: any address at a consumer provider (gmail,
 * hotmail, videotron…); elsewhere one that reads as a person's name (first.last, j.tremblay) and is
 * not a role mailbox. Never one on a government domain (institutional, or a public servant's business
 * contact, which the Privacy Act does not treat as personal information).
 */
export function emailIsPersonal(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = plain(address.slice(0, at));
  const domain = address.slice(at + 1).toLowerCase();
  if (governmentDomain.test(domain)) return false;
  if (personalDomain.test(domain)) return true;
  const parts = local.split(/[._-]+/).filter(Boolean);
  if (parts.some((p) => roleWords.has(p.replace(/\d+$/, '')))) return false;
  const names = parts.map((p) => p.replace(/\d+$/, ''));
  const nameLike = names.every((p) => /^[a-z]+$/.test(p)) && names.some((p) => p.length >= 2);
  return nameLike && names.length >= 2 && names.length <= 3;
}

// --- Patterns --------------------------------------------------------------------------------

const urlPattern = /\b(?:https?:\/\/|www\.)[^\s<>"«»]+/giu;
const handlePattern = /(?<![\p{L}\p{N}_.])[@#][\p{L}\p{N}_]+/gu;
const tollFree = new Set(['800', '833', '844', '855', '866', '877', '888']);
const canadianAreaCodes = new Set(
  `204 226 236 249 250 257 263 289 306 343 354 365 367 368 382 387 403 416 418 428 431 437 438 450 460 468 474
   506 514 519 548 579 581 584 587 600 604 613 639 647 672 683 705 709 742 753 778 780 782 807 819 825 867 873
   879 902 905 942`.split(/\s+/),
);

/** A number an agency publishes: matched first and set aside so no other pattern reads its digits. */
const NUM = `\\d{1,3}(?:[ ,.\\u00a0\\u202f\\u2009]\\d{3})+(?:[.,]\\d+)?|\\d+(?:[.,]\\d+)?`;
const publicNumbers: RegExp[] = [
  // DOIs, ISBN, ISSN.
  /\b10\.\d{4,9}\/[^\s"<>]+/gu,
  /\bISBN(?:-1[03])?:?\s*(?:97[89][- ]?)?\d{1,5}[- ]?\d{1,7}[- ]?\d{1,7}[- ]?[\dX]\b/giu,
  /\b97[89]-\d{1,5}-\d{1,7}-\d{1,7}-\d\b/gu,
  /\bISSN:?\s*\d{4}-\d{3}[\dX]\b/giu,
  // Statistics Canada catalogue numbers (11-627-M2025047, 75-006-X202400100003) and tables (14-10-0287-01).
  /\b\d{2}-\d{3}-[A-Z]\d*\b/gu,
  /\b\d{2}-\d{2}-\d{4}(?:-\d{2})?\b/gu,
  // A business number with its program account (123456789 RT0001): a business, not a person.
  /\b\d{9}\s?R[CPRTZ]\s?\d{4}\b/gu,
  // Money and percentages, either side of the number: $61,234,567,000, 61 234 567 000 $, 6,5 %.
  re(`(?:\\$|US\\$|CA\\$|C\\$)${S}?(?:${NUM})(?:${S}?(?:millions?|billions?|milliards?|k|M|G)\\b)?`),
  re(
    `(?<![\\d,.])(?:${NUM})${S}?` +
      `(?:k\\$|M\\$|G\\$|\\$|%|‰|dollars?\\b|(?:millions?|milliards?|billions?) (?:de )?(?:dollars?|\\$))`,
  ),
];

const phoneFormatted = re(
  `${START}(?:(\\+?1)${D}?)?(?:\\((\\d{3})\\)${S}?|(\\d{3})${D})(\\d{3})${D}(\\d{4})` +
    `(?:${S}?,?${S}?(?:ext\\.?|extension|x|poste|p\\.)${S}?\\d{1,6})?(?![\\p{L}\\p{N}_]|${D}\\d)`,
  'giu',
);
const phoneBare = re(`${START}(\\+?1)?(\\d{3})(\\d{3})(\\d{4})${END}`);
const phoneInternational = sanitizePattern('phone_number_international');

const sinPattern = re(`${START}(\\d{3})(${S}|${H}|\\.|)(\\d{3})\\2(\\d{3})${END}`);
const priPattern = re(`${START}\\d{2,3}${D}?\\d{3}${D}?\\d{3}${END}`);
// 4-4-4-4 (Visa, Mastercard…) or 4-6-5 (American Express), one separator throughout.
const creditCardPattern = re(
  `${START}(?:\\d{4}(${S}|${H}|)\\d{4}\\1\\d{4}\\1\\d{4}|\\d{4}(${S}|${H}|)\\d{6}\\2\\d{5})${END}`,
);
const bankAccountPattern = sanitizePattern('bank_account_canada');
const apiKeyPattern = sanitizePattern('api_key_gc_notify');

/** Number-shaped documents: sanitize-pii's shapes plus the provinces it lacks, kept only beside their name. */
const documents: { kind: PiiKind; words: RegExp; shapes: RegExp[] }[] = [
  {
    kind: 'healthCard',
    words: healthCardWords,
    shapes: [
      ...['ontario', 'quebec', 'alberta', 'newfoundland', 'nova_scotia', 'nwt'].map((p) =>
        sanitizePattern(`health_card_${p}`),
      ),
      re(`\\b\\d{4}${D}?\\d{3}${D}?\\d{3}(?:${D}?[A-Z]{2})?\\b`),
      re(`\\b[A-Z]{4}${D}?\\d{4}${D}?\\d{4}\\b`),
      re(`\\b\\d{3}${D}?\\d{3}${D}?\\d{3}(?:${D}?\\d{3})?\\b`),
      /\b\d{8}\b/g,
    ],
  },
  {
    kind: 'passport',
    words: passportWords,
    shapes: [sanitizePattern('passport_canada'), /\b[A-Z]{1,2}\d{6,8}\b/g, /\b\d{9}\b/g],
  },
  {
    kind: 'driversLicence',
    words: driversLicenceWords,
    shapes: [
      ...['ontario', 'quebec', 'alberta', 'manitoba', 'newfoundland', 'nova_scotia'].map((p) =>
        sanitizePattern(`drivers_license_${p}`),
      ),
      re(`\\b[A-Z]{1,5}${D}?\\d{5,14}\\b`),
      re(`\\b[A-Z]\\d{4}${D}\\d{5}${D}\\d{5}\\b`),
      /\b\d{5,9}\b/g,
    ],
  },
];

// Street types, capitalised or not; only those that do not also end ordinary phrases ("2 Supreme Court").
const streetTypesEn = `Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Ct|Crescent|Cres|Place|Pl|Way|
  Terrace|Terr|Circle|Cir|Parkway|Pkwy|Trail|Trl|Square|Sq|Highway|Hwy|Driveway|Sideroad|Concession|Promenade|
  Private|Mews|Landing`
  .split(/[|\s]+/)
  .filter(Boolean)
  .map((t) => `[${t[0]}${t[0]!.toLowerCase()}]${t.slice(1)}`)
  .join('|');
const civic = `(?:\\d{1,5}[A-Z]?${H})?\\d{1,6}[A-Z]?`;
const capitalWord = `(?:\\p{Lu}[\\p{L}'’.\\-]*|\\d{1,3}(?:st|nd|rd|th))`;
const unitWord = '(?:Apt|Apartment|Unit|Suite|app|appartement|unité|logement|bureau|local|#)';
const unitAfter = `(?:,?${S}*${unitWord}\\.?${S}*\\d+[A-Z]?)?`;
const addressEn = re(
  `(?<![\\p{L}\\p{N}.,])${civic}${S}+(?:${capitalWord}${S}+){1,4}(?:${streetTypesEn})\\.?(?![\\p{L}])` +
    `(?:${S}+(?:North|South|East|West|N|S|E|W|NE|NW|SE|SW)\\.?(?![\\p{L}]))?${unitAfter}`,
);
const frTypes = `rue|avenue|av\\.|boulevard|boul\\.|bd|chemin|ch\\.|route|rang|allée|place|promenade|montée|côte|
  croissant|impasse|terrasse|voie|quai|autoroute|sentier|ruelle|carré`
  .split(/[|\s]+/)
  .filter(Boolean)
  .map((t) => `[${t[0]}${t[0]!.toUpperCase()}]${t.slice(1)}`)
  .join('|');
const addressFr = re(
  `(?<![\\p{L}\\p{N}.,])${civic},?${S}+` +
    // "3e Avenue", or a street type, its particle and its name.
    `(?:\\d{1,3}(?:e|re|er)${S}+(?:${frTypes})(?![\\p{L}])|(?:${frTypes})(?![\\p{L}])${S}+` +
    `(?:(?:de${S}la|de${S}l['’]|du|des|de|d['’]|la|le|les)${S}*)?` +
    `[\\p{Lu}\\d][\\p{L}\\d'’.\\-]*(?:[${S.slice(1, -1)}\\-]+(?:\\p{Lu}[\\p{L}'’.\\-]*|\\d+e?))*)${unitAfter}`,
);
const poBoxPattern = sanitizePattern('po_box');
// Not "C.P. 2025-0123": that is an order in council (décret), not a box.
const poBoxFr = re(`\\b(?:C\\.${S}?P\\.|[Cc]ase${S}postale)${S}*\\d+(?![\\d\\-])`);
const postalCodePattern = sanitizePattern('postal_code');
const postalCodeShape = /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ \u00a0-]?\d[ABCEGHJ-NPRSTV-Z]\d$/;

// --- Detection -------------------------------------------------------------------------------

/** The word that names a document, for reading a number of that kind on its own. */
const namedAs: Partial<Record<PiiKind, string>> = {
  healthCard: 'health card',
  passport: 'passport',
  driversLicence: 'driver’s licence',
  pri: 'PRI',
  sin: 'SIN',
};

/**
 * Whether this text, on its own, is one whole item of that kind as the check reports it: what may
 * be asked onto the allow-list (a fragment such as "gmail.com" would allow far more than one number).
 */
export function isFlaggedAs(match: string, kind: PiiKind): boolean {
  const prefix = namedAs[kind] ? `${namedAs[kind]} ` : '';
  const found = findPersonalInformation(`${prefix}${match}`);
  return found.some((f) => f.kind === kind && f.match === match && f.index === prefix.length);
}

/** The text with what has been read set aside (replaced by spaces), so indices stay those of the text. */
class Reading {
  masked: string;
  constructor(readonly text: string) {
    this.masked = text;
  }
  setAside(index: number, length: number): void {
    this.masked = this.masked.slice(0, index) + ' '.repeat(length) + this.masked.slice(index + length);
  }
  before(index: number, chars: number): string {
    const start = Math.max(0, index - chars);
    const slice = this.text.slice(start, index);
    // Not across a line or a paragraph: a keyword there speaks of something else.
    return slice.slice(slice.lastIndexOf('\n') + 1);
  }
  after(index: number, chars: number): string {
    const slice = this.text.slice(index, index + chars);
    const newline = slice.indexOf('\n');
    return newline === -1 ? slice : slice.slice(0, newline);
  }
  matches(pattern: RegExp): RegExpExecArray[] {
    const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
    return [...this.masked.matchAll(new RegExp(pattern.source, flags))];
  }
}

function nearWords(reading: Reading, index: number, length: number, words: RegExp, before = 60, after = 30): boolean {
  return words.test(reading.before(index, before)) || words.test(reading.after(index + length, after));
}

/** A candidate without the words sanitize-pii's looser shapes take in front of the digits ("is 123456789"). */
function trimmed(m: RegExpExecArray): { index: number; text: string } {
  const lead = /^(?:\s|\S*[a-z]\S*\s+)*/u.exec(m[0])![0].length;
  return { index: m.index + lead, text: m[0].slice(lead).trimEnd() };
}

/**
 * Personal information in one text, in order: everything that identifies a person and is not on the
 * allow-list (compared on letters and digits, so spacing, +1 and case do not matter).
 */
export function findPersonalInformation(text: string, allowList: readonly string[] = []): PiiFinding[] {
  const reading = new Reading(text);
  const found: PiiFinding[] = [];
  const allowed = allowList.map(piiKey).filter((a) => a.length >= 3);
  const isAllowed = (match: string) => {
    const m = piiKey(match);
    return allowed.some((a) => a === m || (m.length >= 6 && a.includes(m)) || (a.length >= 6 && m.includes(a)));
  };
  const report = (kind: PiiKind, index: number, match: string) => {
    reading.setAside(index, match.length);
    if (!isAllowed(match)) found.push({ kind, match, index });
  };
  const setAll = (pattern: RegExp) => {
    for (const m of reading.matches(pattern)) reading.setAside(m.index, m[0].length);
  };

  // Links are public addresses (and their digits confuse the patterns); then e-mail addresses, so
  // the domain of one is not read as a link or its digits as a number.
  for (const m of reading.matches(emailPattern)) {
    if (emailIsPersonal(m[0])) report('email', m.index, m[0]);
    else reading.setAside(m.index, m[0].length);
  }
  setAll(urlPattern);
  setAll(handlePattern);
  for (const m of reading.matches(apiKeyPattern)) report('apiKey', m.index, m[0]);

  // Toll-free numbers: an organisation's, public by nature.
  for (const m of reading.matches(phoneFormatted)) {
    if (tollFree.has((m[2] ?? m[3])!)) reading.setAside(m.index, m[0].length);
  }
  for (const pattern of publicNumbers) setAll(pattern);

  // Phone numbers first: their shape is the most telling, and a number near "health card" may be one.
  for (const m of reading.matches(phoneFormatted)) {
    const area = (m[2] ?? m[3])!;
    if (!/^[2-9]\d\d$/.test(area) || /^[2-9]11$/.test(area) || !/^[2-9]/.test(m[4]!) || tollFree.has(area)) continue;
    if (referenceWords.test(reading.before(m.index, 30))) continue;
    const before = reading.before(m.index, 120);
    // A media line (a news release's contacts) is a business contact, unless said to be private.
    const mediaLine = mediaWords.test(before) && !privateLineWords.test(reading.before(m.index, 40));
    if (mediaLine) reading.setAside(m.index, m[0].length);
    else report('phone', m.index, m[0]);
  }
  for (const m of reading.matches(phoneBare)) {
    const [, country, area, exchange] = m;
    if (tollFree.has(area!) || !canadianAreaCodes.has(area!) || !/^[2-9]/.test(exchange!)) continue;
    if (country !== '+1' && !phoneWords.test(reading.before(m.index, 40))) continue;
    report('phone', m.index, m[0]);
  }
  for (const m of reading.matches(phoneInternational)) {
    if (m[0].startsWith('+1')) continue;
    report('phone', m.index, m[0]);
  }

  // Identity documents, where the text names them.
  for (const { kind, words, shapes } of documents) {
    const candidates = shapes
      .flatMap((shape) => reading.matches(shape).map(trimmed))
      .filter((c) => onlyDigits(c.text).length >= 3)
      .sort((a, b) => a.index - b.index || b.text.length - a.text.length);
    let end = -1;
    for (const c of candidates) {
      if (c.index < end) continue;
      end = c.index + c.text.length;
      // "SIN" right before it: a SIN, whatever document is named around it.
      if (sinWords.test(reading.before(c.index, 25))) continue;
      if (nearWords(reading, c.index, c.text.length, words, 80, 40)) report(kind, c.index, c.text);
    }
  }

  // Counts typeset with no-break or thin spaces, or in groups a SIN never has (41 465 298,
  // 1 234 567 890), unless the text says it is a SIN.
  for (const m of reading.matches(re(`(?<![\\d.,])\\d{1,3}(?:[\\u00a0\\u202f\\u2009]\\d{3})+(?![\\d])`))) {
    if (!nearWords(reading, m.index, m[0].length, sinWords)) reading.setAside(m.index, m[0].length);
  }
  setAll(re(`(?<![\\d.,])(?:\\d{1,2}(?: \\d{3})+|\\d{3}(?: \\d{3}){3,})(?![ \\u00a0]?\\d)`));
  setAll(/(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])/g);

  for (const m of reading.matches(creditCardPattern)) {
    if (luhnValid(onlyDigits(m[0])) && /^[3-6]/.test(m[0])) report('creditCard', m.index, m[0]);
  }
  for (const m of reading.matches(bankAccountPattern)) {
    const partOfLonger = /\d[-_.\s]$/.test(reading.masked.slice(Math.max(0, m.index - 2), m.index));
    if (!partOfLonger) report('bankAccount', m.index, m[0]);
  }

  for (const m of reading.matches(sinPattern)) {
    const digits = onlyDigits(m[0]);
    const said = sinWords.test(reading.before(m.index, 60));
    if (!luhnValid(digits)) continue;
    if (referenceWords.test(reading.before(m.index, 30))) continue;
    const after = reading.after(m.index + m[0].length, 16);
    const amount = amountBefore.test(reading.before(m.index, 4)) || amountAfter.test(after);
    if (amount) continue;
    if (!said && !/^[1-79]/.test(digits)) continue;
    report('sin', m.index, m[0]);
  }
  for (const m of reading.matches(priPattern)) {
    if (priWords.test(reading.before(m.index, 40))) report('pri', m.index, m[0]);
  }

  // Street addresses and post office boxes: a person's unless public (see the top of this file);
  // a postal code after one belongs to it.
  const placeEnds: number[] = [];
  const unitBefore = /\b(?:apt|app|unit|appartement)\b\.?\s*\d+\s*,?\s*$/iu;
  const federalPostalCodeAfter = /^[^\n]{0,30}?\bK1A[ \u00a0]?\d[A-Z]\d\b/u;
  const place = (index: number, match: string) => {
    const before = reading.before(index, 80);
    const lives = residenceWords.test(before) || apartmentWords.test(match) || unitBefore.test(before);
    const isPublic =
      !lives && (publicPlaceWords.test(before) || federalPostalCodeAfter.test(reading.after(index + match.length, 40)));
    if (isPublic) reading.setAside(index, match.length);
    else report('address', index, match);
    placeEnds.push(index + match.length);
  };
  const streets = [...reading.matches(addressFr), ...reading.matches(addressEn)].sort((a, b) => a.index - b.index);
  let lastEnd = -1;
  for (const m of streets) {
    if (m.index < lastEnd) continue;
    lastEnd = m.index + m[0].length;
    // "In 2024 Main Street shops…": a year, not a civic number.
    const afterPreposition = /\b(?:in|since|by|of|en|depuis|de)\s*$/iu.test(reading.before(m.index, 10));
    const year = afterPreposition && /^(?:19|20)\d\d$/.test(m[0].split(/\s/)[0]!);
    // Without the sentence's full stop (an abbreviation keeps its own: "St.", "W.").
    if (!year) place(m.index, m[0].replace(/[,\s]+$/u, '').replace(/(?<=\p{L}{4})\.$/u, ''));
  }
  for (const pattern of [poBoxPattern, poBoxFr]) {
    for (const m of reading.matches(pattern)) {
      const before = reading.before(m.index, 80);
      const isPublic = !residenceWords.test(before) && publicPlaceWords.test(before);
      if (isPublic) reading.setAside(m.index, m[0].length);
      else report('poBox', m.index, m[0]);
      placeEnds.push(m.index + m[0].length);
    }
  }
  for (const m of reading.matches(postalCodePattern)) {
    const code = m[0];
    if (!postalCodeShape.test(code) || code.startsWith('K1A')) continue;
    // The address it completes was reported, allowed or public: said once, or not at all.
    const completes = (end: number) =>
      end <= m.index && m.index - end <= 60 && !text.slice(end, m.index).includes('\n');
    if (placeEnds.some(completes)) continue;
    report('postalCode', m.index, code);
  }

  return found.sort((a, b) => a.index - b.index);
}
