// Keyed audit chain and its verified checkpoint. Events recorded from now on are keyed hashes
// (HMAC-SHA256, key in the OS keychain); those before stay plain SHA-256 and are verified once
// when the app first opens this database with its key, which then writes the checkpoint.
export const migration008 = {
  version: 8,
  name: 'audit-keyed',
  sql: `
-- One row: how far the trail has been verified (seq, hash) and up to which event it predates the
-- key, signed with the key (mac) so it cannot be written by anyone without it. The same record
-- is kept beside the database file, so events deleted from the end show.
CREATE TABLE audit_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  body TEXT NOT NULL,
  mac TEXT NOT NULL
) STRICT;
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE TABLE audit_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  body TEXT NOT NULL,
  mac TEXT NOT NULL
);
`,
};
