// Accounts, channels (EN/FR account pairs), post pairs, deliveries and the audit log.
// Times are integer milliseconds since the epoch, UTC.
export const migration001 = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE account (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL CHECK (platform IN ('x')),
  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),
  handle TEXT NOT NULL,
  display_name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth')),
  credential_set_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (platform, handle COLLATE NOCASE)
) STRICT;

CREATE TABLE channel (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL CHECK (platform IN ('x')),
  name TEXT NOT NULL,
  en_account_id TEXT NOT NULL UNIQUE REFERENCES account(id),
  fr_account_id TEXT NOT NULL UNIQUE REFERENCES account(id),
  created_at INTEGER NOT NULL,
  CHECK (en_account_id <> fr_account_id)
) STRICT;

CREATE TABLE post_pair (
  id TEXT PRIMARY KEY,
  en_text TEXT NOT NULL,
  fr_text TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('draft', 'translation', 'review', 'approved', 'scheduled', 'publishing', 'published', 'partial',
     'held', 'failed', 'cancelled')),
  scheduled_at INTEGER,
  author_tz TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX post_pair_created ON post_pair (created_at DESC, id);

CREATE TABLE pair_channel (
  pair_id TEXT NOT NULL REFERENCES post_pair(id) ON DELETE CASCADE,
  channel_id TEXT NOT NULL REFERENCES channel(id),
  PRIMARY KEY (pair_id, channel_id)
) STRICT;

CREATE TABLE delivery (
  id TEXT PRIMARY KEY,
  pair_id TEXT NOT NULL REFERENCES post_pair(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES account(id),
  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),
  status TEXT NOT NULL CHECK (status IN
    ('pending', 'sending', 'checking', 'retrying', 'held', 'sent', 'failed', 'cancelled')),
  attempt INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  remote_id TEXT,
  remote_url TEXT,
  sent_at INTEGER,
  last_error TEXT,
  UNIQUE (pair_id, account_id)
) STRICT;

-- The scheduler asks only "when is the next delivery due?" and "which are due now?".
CREATE INDEX delivery_due ON delivery (next_attempt_at)
  WHERE status IN ('pending', 'retrying', 'checking');
CREATE INDEX delivery_pair ON delivery (pair_id);

CREATE TABLE audit_event (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
) STRICT;

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE TABLE account (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL CONSTRAINT account_platform_check CHECK (platform IN ('x')),
  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),
  handle TEXT NOT NULL,
  display_name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth')),
  credential_set_at BIGINT,
  created_at BIGINT NOT NULL
);
-- SQLite: UNIQUE (platform, handle COLLATE NOCASE).
CREATE UNIQUE INDEX account_platform_handle ON account (platform, lower(handle));

CREATE TABLE channel (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL CONSTRAINT channel_platform_check CHECK (platform IN ('x')),
  name TEXT NOT NULL,
  en_account_id TEXT NOT NULL UNIQUE REFERENCES account(id),
  fr_account_id TEXT NOT NULL UNIQUE REFERENCES account(id),
  created_at BIGINT NOT NULL,
  CHECK (en_account_id <> fr_account_id)
);

CREATE TABLE post_pair (
  id TEXT PRIMARY KEY,
  en_text TEXT NOT NULL,
  fr_text TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('draft', 'translation', 'review', 'approved', 'scheduled', 'publishing', 'published', 'partial',
     'held', 'failed', 'cancelled')),
  scheduled_at BIGINT,
  author_tz TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX post_pair_created ON post_pair (created_at DESC, id);

CREATE TABLE pair_channel (
  pair_id TEXT NOT NULL REFERENCES post_pair(id) ON DELETE CASCADE,
  channel_id TEXT NOT NULL REFERENCES channel(id),
  PRIMARY KEY (pair_id, channel_id)
);

CREATE TABLE delivery (
  id TEXT PRIMARY KEY,
  pair_id TEXT NOT NULL REFERENCES post_pair(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES account(id),
  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),
  status TEXT NOT NULL CHECK (status IN
    ('pending', 'sending', 'checking', 'retrying', 'held', 'sent', 'failed', 'cancelled')),
  attempt INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  remote_id TEXT,
  remote_url TEXT,
  sent_at BIGINT,
  last_error TEXT,
  UNIQUE (pair_id, account_id)
);

CREATE INDEX delivery_due ON delivery (next_attempt_at)
  WHERE status IN ('pending', 'retrying', 'checking');
CREATE INDEX delivery_pair ON delivery (pair_id);

CREATE TABLE audit_event (
  seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
);

CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only';
END $$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
-- SQLite has no TRUNCATE; PostgreSQL's skips row triggers, so it is refused on its own.
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
`,
};
