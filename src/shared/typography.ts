// French typography as the Government of Canada writes it, and France's convention for those who
// want it. Pure: the composer shows the same fix main checks.
//
// | Before / around              | Canadian federal (default)                  | France                         |
// |------------------------------|---------------------------------------------|--------------------------------|
// | `:`                          | no-break space U+00A0                       | no-break space U+00A0          |
// | inside `« »`                 | no-break space U+00A0                       | no-break space U+00A0          |
// | `;` `!` `?`                  | nothing, or narrow no-break space U+202F    | narrow no-break space U+202F   |
// |                              | (a full space is removed, never inserted)   | (U+00A0 also accepted)         |
// | `%`, `$` after a number      | no-break space U+00A0 (6,5 %, 25 $)         | same                           |
// | unit symbols after a number  | no-break space U+00A0 (10 km, 20 °C, 5 Go)  | same                           |
//
// Sources: Translation Bureau, Termium Plus writing tools, « Le guide du rédacteur » (espacement
// avant et après les signes de ponctuation: espace insécable avant le deux-points; aucune espace
// avant le point-virgule, le point d'exclamation et le point d'interrogation, ou une espace fine
// insécable là où les moyens techniques le permettent); Office québécois de la langue française,
// Banque de dépannage linguistique (espacement; symboles d'unités et pourcentage).
//
// Never touched: links, e-mail addresses, mentions and hashtags; times (14:30, 14 h 30) and ratios
// (3:1); emoticons (:) ;-) :D); a run of marks such as !!! or ?! (only the space before the first
// mark counts); a colon not followed by a space (Note:voir, a scheme). The fix changes only the
// spaces listed above: every other character is kept as typed.

export const frenchStyles = ['canada', 'france'] as const;
export type FrenchStyle = (typeof frenchStyles)[number];

const nbsp = '\u00a0';
const narrow = '\u202f';
/** Spaces a person may have typed before a mark: plain, no-break, narrow no-break, thin, tab. */
const anySpace = '[ \\t\\u00a0\\u202f\\u2009]';

/** Spans left exactly as typed: links, e-mail addresses, @mentions, #hashtags, emoticons. */
const protectedSpans = new RegExp(
  [
    // scheme://… or www.…, up to whitespace or a closing guillemet
    String.raw`(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s«»<>"]+`,
    // e-mail addresses
    String.raw`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`,
    // @user@instance and @user, #hashtag
    String.raw`[@#][\p{L}\p{M}\p{N}_.-]*[\p{L}\p{M}\p{N}_]`,
    // emoticons, standing alone: :) :-) ;) :D :P :( :/ :3 xD ^^ <3
    String.raw`(?<![\p{L}\p{N}])[:;=]-?[)(DPpOo3\]\[/\\|*]+(?![\p{L}\p{N}])`,
  ].join('|'),
  'giu',
);

const units = [
  'km', 'm', 'cm', 'mm', 'µm', 'kg', 'g', 'mg', 't', 'L', 'l', 'mL', 'ml', 'ha',
  'km²', 'm²', 'cm²', 'km2', 'm2', 'm³', 'm3', '°C', '°F', 'K', 'kWh', 'MWh', 'GWh', 'TWh', 'W', 'kW', 'MW', 'GW',
  'km/h', 'm/s', 'Mo', 'Go', 'To', 'ko', 'Mbit/s', 'Gbit/s', 'Mb/s', 'Gb/s',
  'min',
  // millions and billions of dollars, as federal French abbreviates them (2,5 M$, 47 G$)
  'k$', 'M$', 'G$', 'Md$',
];
const unitPattern = units
  .sort((a, b) => b.length - a.length)
  .map((u) => u.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
  .join('|');

/** Where a protected span ends: a link or an emoticon keeps a space typed before ; ! ? (see below). */
const endKept = '\ue002';
const endOther = '\ue001';
const keepsSpaceAfter = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.|[:;=])/i;

/** The text with protected spans replaced by placeholders, and a function to put them back. */
function mask(text: string): { masked: string; unmask: (s: string) => string } {
  const kept: string[] = [];
  // Private-use characters cannot appear in what a person typed and survive the replacements.
  const masked = text.replace(protectedSpans, (span) => {
    kept.push(span);
    return `\ue000${kept.length - 1}${keepsSpaceAfter.test(span) ? endKept : endOther}`;
  });
  return { masked, unmask: (s) => s.replace(/\ue000(\d+)[\ue001\ue002]/g, (_, i: string) => kept[Number(i)]!) };
}

/** The French text with its spacing corrected for the style; identical when nothing is wrong. */
export function fixFrenchSpacing(text: string, style: FrenchStyle = 'canada'): string {
  const { masked, unmask } = mask(text);
  const fixed = masked
    // « inside the guillemets »: one no-break space, whatever was typed.
    .replace(new RegExp(`«${anySpace}*`, 'g'), `«${nbsp}`)
    .replace(new RegExp(`${anySpace}*»`, 'g'), `${nbsp}»`)
    // Colon after a word, followed by a space, the end, or a closing mark: a no-break space before.
    // Not between digits (14:30, 3:1); not before anything else (a scheme, "Note:voir").
    .replace(
      new RegExp(`(?<=[^\\s\\d:])${anySpace}*:(?=[\\s»)"'’]|$)|(?<=\\d)${anySpace}+:(?=[\\s»)"'’]|$)|(?<=\\d):(?=\\s|$)`, 'g'),
      `${nbsp}:`,
    )
    // ; ! ? — only the space before the first mark of a run (!!!, ?!) is looked at.
    .replace(new RegExp(`(?<=\\S)(${anySpace}*)([;!?])`, 'g'), (match, spaces: string, mark: string, offset: number, whole: string) => {
      const before = whole[offset - 1] ?? '';
      if (/[;!?]/.test(before)) return match;
      if (style === 'canada') {
        // A space after a link stays: without it the mark would be read as part of the link. So
        // does one after an emoticon (":) !"). After a mention, a hashtag or an e-mail address the
        // space goes as anywhere else: platforms end those before ; ! ?.
        if (before === endKept) return match;
        // Nothing, or a narrow no-break space: both are federal style and left as they are.
        if (spaces === '' || spaces === narrow) return match;
        return mark;
      }
      if (spaces === narrow || spaces === nbsp) return match;
      return `${narrow}${mark}`;
    })
    // 6,5 % and 25 $: a no-break space between the number and the sign.
    .replace(new RegExp(`(?<=\\d)${anySpace}*([%$])`, 'g'), `${nbsp}$1`)
    // 10 km, 20 °C: a no-break space between the number and the unit symbol. A one-letter unit
    // typed with no space (3t, 2m) is too often something else, and is left alone; "14 h 30" is
    // a time (no unit h here). An apostrophe after it is French elision (2025 l’emploi), not a unit.
    .replace(
      new RegExp(`(?<=\\d)(${anySpace}*)(${unitPattern})(?![\\p{L}\\p{N}'’])`, 'gu'),
      (match, spaces: string, unit: string) => {
        if (spaces === nbsp || (spaces === '' && unit.length === 1)) return match;
        return `${nbsp}${unit}`;
      },
    );
  return unmask(fixed);
}
