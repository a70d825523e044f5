// How the queue's search compares text, the same on both engines: both sides folded — lower case,
// accents removed, white space made single spaces — and the folded texts kept with the pair
// (post_pair.search_text), so a search is a LIKE over one column and neither engine needs an
// extension (PostgreSQL's unaccent) or a function of its own (SQLite has none for accents).

/** Lower case, without accents (é → e, Ç → c, œ → oe), every run of white space one space, trimmed. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/œ/giu, 'oe')
    .replace(/æ/giu, 'ae')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/** What a pair keeps for search: its EN text, a line break (never in a folded search), its FR text. */
export function searchText(enText: string, frText: string): string {
  return `${fold(enText)}\n${fold(frText)}`;
}

/** A LIKE pattern finding `needle` anywhere, its own `%`, `_` and `\` taken literally (ESCAPE '\'). */
export function containsPattern(needle: string): string {
  return `%${fold(needle).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** French (and common Latin) accented letters and their plain letters, for folding in SQL (migration 014). */
const letters: readonly [string, string][] = [
  ...[...'àâäáãå'].map((c): [string, string] => [c, 'a']),
  ...[...'ÀÂÄÁÃÅ'].map((c): [string, string] => [c, 'a']),
  ...[...'éèêë'].map((c): [string, string] => [c, 'e']),
  ...[...'ÉÈÊË'].map((c): [string, string] => [c, 'e']),
  ...[...'îïíì'].map((c): [string, string] => [c, 'i']),
  ...[...'ÎÏÍÌ'].map((c): [string, string] => [c, 'i']),
  ...[...'ôöóòõ'].map((c): [string, string] => [c, 'o']),
  ...[...'ÔÖÓÒÕ'].map((c): [string, string] => [c, 'o']),
  ...[...'ùûüú'].map((c): [string, string] => [c, 'u']),
  ...[...'ÙÛÜÚ'].map((c): [string, string] => [c, 'u']),
  ['ç', 'c'],
  ['Ç', 'c'],
  ['ñ', 'n'],
  ['Ñ', 'n'],
  ['ÿ', 'y'],
  ['Ÿ', 'y'],
  ['œ', 'oe'],
  ['Œ', 'oe'],
  ['æ', 'ae'],
  ['Æ', 'ae'],
];

/**
 * An SQL expression folding `column` as `fold` does for French and English text (both engines:
 * replace and ASCII lower). White space is left as stored: only pairs written before migration 014
 * are folded this way, and `fold` takes over at their next edit.
 */
export function sqlFold(column: string): string {
  let expression = column;
  for (const [from, to] of letters) expression = `replace(${expression}, '${from}', '${to}')`;
  return `lower(${expression})`;
}
