// People and their roles, approval evidence, and who did what to each pair.
export const migration002 = {
  version: 2,
  name: 'people',
  sql: `
CREATE TABLE user (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  pass_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE role_grant (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES user(id),
  role TEXT NOT NULL CHECK (role IN ('drafter', 'translator', 'approver', 'publisher', 'admin')),
  channel_id TEXT REFERENCES channel(id),
  expires_at INTEGER,
  granted_by TEXT NOT NULL,
  granted_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revoked_by TEXT,
  CHECK (role <> 'admin' OR channel_id IS NULL)
) STRICT;
CREATE INDEX role_grant_user ON role_grant (user_id);

CREATE TABLE approval (
  id TEXT PRIMARY KEY,
  pair_id TEXT NOT NULL REFERENCES post_pair(id),
  pair_version INTEGER NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  by_user TEXT NOT NULL,
  comment TEXT NOT NULL,
  en_text TEXT NOT NULL,
  fr_text TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX approval_pair ON approval (pair_id, at);

ALTER TABLE channel ADD COLUMN allow_self_approval INTEGER NOT NULL DEFAULT 0
  CHECK (allow_self_approval IN (0, 1));
ALTER TABLE post_pair ADD COLUMN translated_by TEXT;
ALTER TABLE post_pair ADD COLUMN scheduled_by TEXT;
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE TABLE "user" (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  pass_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE role_grant (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES "user"(id),
  role TEXT NOT NULL CHECK (role IN ('drafter', 'translator', 'approver', 'publisher', 'admin')),
  channel_id TEXT REFERENCES channel(id),
  expires_at BIGINT,
  granted_by TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revoked_by TEXT,
  CHECK (role <> 'admin' OR channel_id IS NULL)
);
CREATE INDEX role_grant_user ON role_grant (user_id);

CREATE TABLE approval (
  id TEXT PRIMARY KEY,
  pair_id TEXT NOT NULL REFERENCES post_pair(id),
  pair_version INTEGER NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  by_user TEXT NOT NULL,
  comment TEXT NOT NULL,
  en_text TEXT NOT NULL,
  fr_text TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX approval_pair ON approval (pair_id, at);

ALTER TABLE channel ADD COLUMN allow_self_approval INTEGER NOT NULL DEFAULT 0
  CHECK (allow_self_approval IN (0, 1));
ALTER TABLE post_pair ADD COLUMN translated_by TEXT;
ALTER TABLE post_pair ADD COLUMN scheduled_by TEXT;
`,
};
