// How the queue's search compares text, the same on both engines: both sides folded — lower case,
// accents removed, white space made single spaces — and the folded texts kept with the pair
// (post_pair.search_text), so a search is a LIKE over one column and neither engine needs
// PostgreSQL's unaccent or a function of its own (SQLite has none for accents).
//
// What makes it fast is an index of the folded text's trigrams (migration 015): on PostgreSQL a
// GIN index (pg_trgm) that the planner uses for the LIKE itself; on SQLite an FTS5 table with the
// trigram tokenizer (pair_search, kept in step by triggers) that gives the candidate pairs, which
// the same LIKE then checks. A search shorter than three characters has no trigram: SQLite reads
// the LIKE over every pair once to find the first few that match (searchCondition); PostgreSQL
// finds a pair of characters through an index of each pair's pairs of characters (migration 018).
import type { Param, Sql } from './sql';
import { fold } from '../../shared/fold';

export { fold };

/** What a pair keeps for search: its EN text, a line break (never in a folded search), its FR text. */
export function searchText(enText: string, frText: string): string {
  return `${fold(enText)}\n${fold(frText)}`;
}

/** A LIKE pattern finding `needle` anywhere, its own `%`, `_` and `\` taken literally (ESCAPE '\'). */
export function containsPattern(needle: string): string {
  return `%${fold(needle).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Up to how many matching pairs a search counts as narrow (the page is then read through them):
 * alone, 1,000 (beyond, walking the page's order finds 50 sooner than sorting them all); beside a
 * filter on a set of pairs (account pair, platform, person, visibility), which only the pairs
 * read are checked against, 20,000 (walking the order may then read every pair for a few matches).
 */
export const fewMatches = { alone: 1_000, combined: 20_000 };

export interface SearchCondition {
  /** A condition on post_pair `p`, and its parameters. */
  where: string;
  params: Param[];
  /**
   * Whether at most `fewMatches` pairs match (known for three characters or more): the page is
   * best read through those pairs and sorted, not by walking the page's order until enough match
   * (which reads every pair when the other filters leave few of them — the planners cannot know).
   */
  narrow: boolean;
}

/**
 * A search's condition: the same pairs on both engines, found through the trigram index from
 * three characters. SQLite: the pairs of pair_search; a narrow search is followed pair by pair (a
 * lookup each), a wide one probed as the index of the page's order or of the counts is read
 * (`+p.rowid`), so a common word costs one pass, not a lookup per pair. PostgreSQL: the LIKE,
 * which the planner answers from the GIN index; how narrow it is, the caller uses for the page.
 */
export async function searchCondition(sql: Sql, needle: string, combined: boolean): Promise<SearchCondition> {
  const folded = fold(needle);
  const few = combined ? fewMatches.combined : fewMatches.alone;
  const indexed = [...folded].length >= 3;
  const like = "p.search_text LIKE ? ESCAPE '\\'";
  if (sql.engine === 'sqlite' && indexed) {
    // An FTS5 string: the text between double quotes, its own double quotes doubled. With the
    // trigram tokenizer (case-sensitive: the text is folded already, as the LIKE compares it) it
    // matches exactly where the text holds it — what the LIKE finds.
    const match = `"${folded.replace(/"/g, '""')}"`;
    const found = await sql.value<number>('SELECT count(*) FROM (SELECT 1 FROM pair_search WHERE pair_search MATCH ? LIMIT ?)', [match, few + 1]);
    const narrow = (found ?? 0) <= few;
    return { where: `${narrow ? 'p.rowid IN' : '+p.rowid IN'} (SELECT rowid FROM pair_search WHERE pair_search MATCH ?)`, params: [match], narrow };
  }
  const pattern = containsPattern(needle);
  if (!indexed) {
    // No trigram to look up: the LIKE reads every pair's text once, here, keeping the first few
    // that match. When that is all of them (a rare pair of letters, "T3"), the page and the counts
    // read those pairs alone; when more match, walking the page's order finds a page soon, and only
    // the counts read every pair again. (Before, a rare one was read in full twice: 110–200 ms.)
    // PostgreSQL finds a pair of characters through the index of each pair's pairs of characters
    // (migration 018) rather than reading every text; the LIKE checks what it finds.
    const key = sql.engine === 'sqlite' ? 'p.rowid' : 'p.id';
    const probe = (through: string, params: Param[]) =>
      sql.all<{ key: number | string }>(`SELECT ${key} AS key FROM post_pair p WHERE ${through}${like} LIMIT ?`, [...params, pattern, few + 1]);
    const found =
      sql.engine === 'postgres' && [...folded].length === 2 && !sql.inTransaction
        ? // For a common pair the planner would rather scan the pairs until enough match, computing
          // each one's set on the way (a third of a millisecond each); the index is the cheaper
          // way for every pair of characters, so it is the only way offered, for this transaction
          // (and no JIT compiling, which the scan's cost would bring: 20 ms for an 8 ms read).
          await sql.tx(async () => {
            await sql.run("SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)");
            return probe('tandem_letter_pairs(p.search_text) @> ARRAY[?]::text[] AND ', [folded]);
          })
        : await probe('', []);
    if (found.length > few) return { where: like, params: [pattern], narrow: false };
    return { where: `${key} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(found.map((row) => row.key))], narrow: true };
  }
  const found = await sql.value<number>(`SELECT count(*) FROM (SELECT 1 FROM post_pair p WHERE ${like} LIMIT ?) AS found`, [pattern, few + 1]);
  return { where: like, params: [pattern], narrow: (found ?? 0) <= few };
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
