// The queue's search made fast at 100,000 pairs (issue 13, item 2): an index of the trigrams of
// `post_pair.search_text` (migration 014's folded EN and FR texts), built for the pairs already
// there; db/search.ts says how a search uses it.
//
// SQLite: an FTS5 table with the trigram tokenizer over search_text, external content (the text
// stays in post_pair alone; the index refers to each pair by its rowid), kept in step by triggers
// on every insert, delete and change of search_text. post_pair has no INTEGER PRIMARY KEY, so its
// rowids are kept only as long as the table is: a VACUUM, or a migration that rebuilds post_pair,
// must end with `INSERT INTO pair_search (pair_search) VALUES ('rebuild')`. The index is the
// engine's own, not data: a desk moved into a workspace does not copy it (db/deskImport.ts lists
// ordinary tables only); the workspace's database indexes the pairs as they arrive.
//
// Both: an index on status and queue time, so the counts per status under a date range read one
// index, not every pair's row (SQLite read the status index, then each pair for its times).
//
// PostgreSQL: a GIN index with pg_trgm's operator class, which the planner uses for the search's
// LIKE itself. pg_trgm ships with PostgreSQL (Debian's postgresql package, every managed service)
// and is a trusted extension: the database's owner may create it. Where it cannot be created
// (contrib missing, a role without CREATE on the database) the migration still succeeds without
// the index and says so (a NOTICE in the server's log): every search keeps its answer, read
// without the index as before this version; `CREATE EXTENSION pg_trgm` and the index below, run
// later by an administrator, bring the speed.

const statusWhen = 'CREATE INDEX post_pair_status_when ON post_pair (status, (coalesce(scheduled_at, created_at)), id);';

export const migration015 = {
  version: 15,
  name: 'search-index',
  sql: `
CREATE VIRTUAL TABLE pair_search USING fts5(search_text, content = 'post_pair', content_rowid = 'rowid', tokenize = 'trigram case_sensitive 1', columnsize = 0);
INSERT INTO pair_search (pair_search) VALUES ('rebuild');
CREATE TRIGGER pair_search_inserted AFTER INSERT ON post_pair BEGIN
  INSERT INTO pair_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER pair_search_deleted AFTER DELETE ON post_pair BEGIN
  INSERT INTO pair_search (pair_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER pair_search_changed AFTER UPDATE OF search_text ON post_pair BEGIN
  INSERT INTO pair_search (pair_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
  INSERT INTO pair_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
${statusWhen}
`,
  postgres: `
${statusWhen}
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'Tandem: pg_trgm could not be created (%), the queue''s search reads without an index', SQLERRM;
  END;
  IF EXISTS (SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops') THEN
    EXECUTE 'CREATE INDEX post_pair_search ON post_pair USING gin (search_text gin_trgm_ops)';
  END IF;
END
$$;
`,
};
