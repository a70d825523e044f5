// How the queue's search compares text, the same on both engines: both sides folded — lower case,
// accents removed, white space made single spaces — and the folded texts kept with the pair
// (post_pair.search_text), so a search is a LIKE over one column and neither engine needs
// PostgreSQL's unaccent or a function of its own (SQLite has none for accents).
//
// What makes it fast is an index of the folded text's trigrams (migration 015): on PostgreSQL a
// GIN index (pg_trgm) that the planner uses for the LIKE itself; on SQLite an FTS5 table with the
// trigram tokenizer (pair_search, kept in step by triggers) that gives the candidate pairs, which
// the same LIKE then checks. A search shorter than three characters has no trigram: both engines
// read the LIKE over every pair the other filters leave — the same answer, only slower.
import type { Param, Sql } from './sql';

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

/** How many matches make SQLite read the pairs in the page's order and probe the search's set, rather than follow the set. */
const fewMatches = 2_000;

/**
 * A search's condition on post_pair `p`, and its parameters: the same pairs on both engines.
 * SQLite: at three characters or more, the pairs whose folded text holds the needle, from the
 * trigram index (pair_search). With few of them, the pairs are read through that set (a lookup
 * each, then sorted); with many, the set is probed as the index of the page's order or of the
 * counts is read (`+p.rowid`), so a common word costs one pass, not a lookup per pair.
 */
export async function searchCondition(sql: Sql, needle: string): Promise<{ where: string; params: Param[] }> {
  const folded = fold(needle);
  if (sql.engine === 'sqlite' && [...folded].length >= 3) {
    // An FTS5 string: the text between double quotes, its own double quotes doubled. With the
    // trigram tokenizer (case-sensitive: the text is folded already, as the LIKE compares it) it
    // matches exactly where the text holds it — what the LIKE finds.
    const match = `"${folded.replace(/"/g, '""')}"`;
    const many = await sql.value<number>('SELECT count(*) FROM (SELECT 1 FROM pair_search WHERE pair_search MATCH ? LIMIT ?)', [match, fewMatches]);
    const among = (many ?? 0) < fewMatches ? 'p.rowid IN' : '+p.rowid IN';
    return { where: `${among} (SELECT rowid FROM pair_search WHERE pair_search MATCH ?)`, params: [match] };
  }
  return { where: "p.search_text LIKE ? ESCAPE '\\'", params: [containsPattern(needle)] };
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
