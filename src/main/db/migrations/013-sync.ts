// What a desk's offline copy of a workspace needs (issue 12, item 6).
//
// `pair_sync` marks each pair when it last changed, so a desk asks only for what changed since its
// cursor. A trigger on post_pair keeps it (on PostgreSQL once per statement, for all its rows) (every step of a pair's workflow, and the publisher's,
// writes the pair's row), so no write path can forget it. Rows of pair_sync are only ever touched
// while the pair's own row is locked, so the trigger adds no new lock order.
//   SQLite: the mark is a counter (writes are serialized); the cursor is the next mark to read.
//   PostgreSQL: the mark is the writing transaction's id. A desk's cursor is the oldest transaction
//   still running when it last pulled (pg_snapshot_xmin), so a transaction that began earlier and
//   commits later is still read next time; what is read twice is simply stored twice.
//
// `client_mutation` records each offline change a desk sent with its own id (a UUID made on the
// desk), with the answer given: a retry after a lost answer gets the same answer and changes
// nothing; the same id from another person, or for another change, is refused.
const mutations = (bigint: string, strict: string) => `
CREATE TABLE client_mutation (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES "user"(id),
  method TEXT NOT NULL,
  input_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  at ${bigint} NOT NULL
)${strict};
CREATE INDEX client_mutation_at ON client_mutation (at);
`;

export const migration013 = {
  version: 13,
  name: 'sync',
  sql: `
CREATE TABLE pair_sync (
  pair_id TEXT PRIMARY KEY,
  mark INTEGER NOT NULL
) STRICT;
CREATE INDEX pair_sync_mark ON pair_sync (mark);
INSERT INTO pair_sync (pair_id, mark) SELECT id, 1 FROM post_pair;
CREATE TRIGGER pair_sync_insert AFTER INSERT ON post_pair BEGIN
  INSERT INTO pair_sync (pair_id, mark) VALUES (NEW.id, (SELECT coalesce(max(mark), 0) + 1 FROM pair_sync))
  ON CONFLICT (pair_id) DO UPDATE SET mark = excluded.mark;
END;
CREATE TRIGGER pair_sync_update AFTER UPDATE ON post_pair BEGIN
  INSERT INTO pair_sync (pair_id, mark) VALUES (NEW.id, (SELECT coalesce(max(mark), 0) + 1 FROM pair_sync))
  ON CONFLICT (pair_id) DO UPDATE SET mark = excluded.mark;
END;
${mutations('INTEGER', ' STRICT')}`,
  postgres: `
CREATE TABLE pair_sync (
  pair_id TEXT PRIMARY KEY,
  mark BIGINT NOT NULL
);
CREATE INDEX pair_sync_mark ON pair_sync (mark);
INSERT INTO pair_sync (pair_id, mark) SELECT id, 0 FROM post_pair;
-- Once per statement, not per row: the publisher settles a batch of pairs in one UPDATE.
CREATE FUNCTION pair_sync_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pair_sync (pair_id, mark) SELECT id, pg_current_xact_id()::text::bigint FROM changed
  ON CONFLICT (pair_id) DO UPDATE SET mark = excluded.mark WHERE pair_sync.mark <> excluded.mark;
  RETURN NULL;
END $$;
CREATE TRIGGER pair_sync_inserted AFTER INSERT ON post_pair REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION pair_sync_mark();
CREATE TRIGGER pair_sync_updated AFTER UPDATE ON post_pair REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION pair_sync_mark();
${mutations('BIGINT', '')}`,
};
