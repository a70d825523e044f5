// Bluesky, Mastodon, Facebook Pages and LinkedIn beside X, and images with alt text per language.
// SQLite cannot change a CHECK constraint, so account and channel are rebuilt (SQLite's documented
// procedure: new table, copy, drop, rename; foreign keys are checked after the migration).
export const migration006 = {
  version: 6,
  name: 'platforms-media',
  sql: `
CREATE TABLE account_new (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL CHECK (platform IN ('x', 'bluesky', 'mastodon', 'facebook', 'linkedin')),
  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),
  handle TEXT NOT NULL,
  display_name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth')),
  credential_set_at INTEGER,
  created_at INTEGER NOT NULL,
  remote_user_id TEXT,
  -- This account's own limits where they differ from the platform's (a Mastodon instance's), JSON.
  limits TEXT,
  UNIQUE (platform, handle COLLATE NOCASE)
) STRICT;
INSERT INTO account_new (id, platform, lang, handle, display_name, status, credential_set_at, created_at, remote_user_id)
  SELECT id, platform, lang, handle, display_name, status, credential_set_at, created_at, remote_user_id FROM account;
DROP TABLE account;
ALTER TABLE account_new RENAME TO account;

CREATE TABLE channel_new (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL CHECK (platform IN ('x', 'bluesky', 'mastodon', 'facebook', 'linkedin')),
  name TEXT NOT NULL,
  en_account_id TEXT NOT NULL UNIQUE REFERENCES account(id),
  fr_account_id TEXT NOT NULL UNIQUE REFERENCES account(id),
  created_at INTEGER NOT NULL,
  allow_self_approval INTEGER NOT NULL DEFAULT 0 CHECK (allow_self_approval IN (0, 1)),
  CHECK (en_account_id <> fr_account_id)
) STRICT;
INSERT INTO channel_new (id, platform, name, en_account_id, fr_account_id, created_at, allow_self_approval)
  SELECT id, platform, name, en_account_id, fr_account_id, created_at, allow_self_approval FROM channel;
DROP TABLE channel;
ALTER TABLE channel_new RENAME TO channel;

-- Set at a delivery's first claim and kept across attempts and crashes: Bluesky's record key,
-- Mastodon's Idempotency-Key.
ALTER TABLE delivery ADD COLUMN idem_key TEXT;
-- Look-ups since the last send that could not say whether the post exists: bounded, so a
-- platform that cannot be asked does not keep Tandem asking forever.
ALTER TABLE delivery ADD COLUMN lookups INTEGER NOT NULL DEFAULT 0;

-- Image files, stored once by content (sha256), so a pair's EN and FR sides may share one.
CREATE TABLE media_blob (
  id TEXT PRIMARY KEY,
  mime TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- A pair's images in order: the EN and FR file (often the same) and alt text in each language.
CREATE TABLE pair_media (
  pair_id TEXT NOT NULL REFERENCES post_pair(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),
  en_blob TEXT NOT NULL REFERENCES media_blob(id),
  fr_blob TEXT NOT NULL REFERENCES media_blob(id),
  alt_en TEXT NOT NULL DEFAULT '',
  alt_fr TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (pair_id, position)
) STRICT;
CREATE INDEX pair_media_en_blob ON pair_media (en_blob);
CREATE INDEX pair_media_fr_blob ON pair_media (fr_blob);

-- Approval evidence covers the images and their alt text too, as JSON [{en, fr, altEn, altFr}].
ALTER TABLE approval ADD COLUMN media TEXT NOT NULL DEFAULT '[]';
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
-- SQLite rebuilds the two tables to change their CHECK; PostgreSQL alters the constraint.
ALTER TABLE account DROP CONSTRAINT account_platform_check,
  ADD CONSTRAINT account_platform_check CHECK (platform IN ('x', 'bluesky', 'mastodon', 'facebook', 'linkedin'));
ALTER TABLE account ADD COLUMN limits TEXT;
ALTER TABLE channel DROP CONSTRAINT channel_platform_check,
  ADD CONSTRAINT channel_platform_check CHECK (platform IN ('x', 'bluesky', 'mastodon', 'facebook', 'linkedin'));

ALTER TABLE delivery ADD COLUMN idem_key TEXT;
ALTER TABLE delivery ADD COLUMN lookups INTEGER NOT NULL DEFAULT 0;

CREATE TABLE media_blob (
  id TEXT PRIMARY KEY,
  mime TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE pair_media (
  pair_id TEXT NOT NULL REFERENCES post_pair(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),
  en_blob TEXT NOT NULL REFERENCES media_blob(id),
  fr_blob TEXT NOT NULL REFERENCES media_blob(id),
  alt_en TEXT NOT NULL DEFAULT '',
  alt_fr TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (pair_id, position)
);
CREATE INDEX pair_media_en_blob ON pair_media (en_blob);
CREATE INDEX pair_media_fr_blob ON pair_media (fr_blob);

ALTER TABLE approval ADD COLUMN media TEXT NOT NULL DEFAULT '[]';
`,
};
