// The queue's search of two characters on PostgreSQL (issue 13, item 8): the trigram index
// (migration 015) has nothing to look up for "T3" or "ur", so each such search read every pair's
// text (60–100 ms at 100,000 pairs). This indexes each pair's folded text by the pairs of
// characters it holds: `tandem_letter_pairs(search_text)`, a GIN index over that set, which finds
// the pairs holding a rare pair of characters at once; the LIKE still checks each one.
//
// Computing a pair's set takes a third of a millisecond: the search asks the planner for the index
// alone (db/search.ts), never a scan computing it pair by pair. Building the index computes it once
// per pair: about 40 s for 100,000 pairs on this machine's cluster (seconds for the few thousand
// pairs of a department's year); a new or changed pair, once.
//
// SQLite has none: for two characters it reads the LIKE over every pair's text once (db/search.ts),
// one pass over the file mapped in memory (about 45 ms at 100,000 pairs); its FTS5 takes no
// tokenizer of our own from JavaScript, and a table of every pair's pairs of characters would be
// 20 million rows. Its version moves with PostgreSQL's, so both name one schema.
export const migration018 = {
  version: 18,
  name: 'search-letter-pairs',
  sql: `SELECT 1;`,
  postgres: `
CREATE FUNCTION tandem_letter_pairs(text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT coalesce(array_agg(DISTINCT substr($1, i, 2) COLLATE "C"), '{}') FROM generate_series(1, length($1) - 1) AS i $$;
CREATE INDEX post_pair_letter_pairs ON post_pair USING gin (tandem_letter_pairs(search_text));
`,
};
