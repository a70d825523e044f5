// Requests from drafters and translators to add a flagged number (or address) to the content
// checks' allow-list: "this is a public number". An administrator allows or dismisses each; the row
// keeps who asked and when, and who decided what and when. `match_key` is the text reduced to
// letters and digits, as the allow-list compares, so the same number asked twice is one request.
export const migration010 = {
  version: 10,
  name: 'pii-requests',
  sql: `
CREATE TABLE pii_request (
  id TEXT PRIMARY KEY,
  match TEXT NOT NULL,
  match_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  requested_by TEXT NOT NULL REFERENCES user(id),
  requested_at INTEGER NOT NULL,
  pair_id TEXT REFERENCES post_pair(id),
  decided_by TEXT REFERENCES user(id),
  decided_at INTEGER,
  decision TEXT CHECK (decision IN ('allowed', 'dismissed')),
  CHECK ((decision IS NULL) = (decided_by IS NULL) AND (decision IS NULL) = (decided_at IS NULL))
) STRICT;

CREATE INDEX pii_request_pending ON pii_request (match_key) WHERE decision IS NULL;
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE TABLE pii_request (
  id TEXT PRIMARY KEY,
  match TEXT NOT NULL,
  match_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  requested_by TEXT NOT NULL REFERENCES "user"(id),
  requested_at BIGINT NOT NULL,
  pair_id TEXT REFERENCES post_pair(id),
  decided_by TEXT REFERENCES "user"(id),
  decided_at BIGINT,
  decision TEXT CHECK (decision IN ('allowed', 'dismissed')),
  CHECK ((decision IS NULL) = (decided_by IS NULL) AND (decision IS NULL) = (decided_at IS NULL))
);

CREATE INDEX pii_request_pending ON pii_request (match_key) WHERE decision IS NULL;
`,
};
