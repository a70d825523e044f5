// Who wrote or edited each language of a pair, one row per person and language. Approval is
// refused to anyone listed on either language (unless the account pair allows self-approval),
// and the records export names them. `translated_by` recorded whoever submitted the pair, which
// was not always who wrote the translation; it stays for old readers but is no longer written.
//
// Pairs written before this version: what is known is who created the pair, who submitted it
// from translation and who last edited it. Each is counted as a writer of every language that
// has text: over-counting only ever refuses an approval, never allows a wrong one.
export const migration007 = {
  version: 7,
  name: 'authorship',
  sql: `
CREATE TABLE pair_author (
  pair_id TEXT NOT NULL REFERENCES post_pair(id),
  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),
  username TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (pair_id, lang, username)
) STRICT;

INSERT OR IGNORE INTO pair_author (pair_id, lang, username, first_at, last_at)
  SELECT p.id, l.lang, w.username, p.created_at, p.updated_at
  FROM post_pair p
  CROSS JOIN (SELECT 'en' AS lang UNION ALL SELECT 'fr') l
  JOIN (
    SELECT id, created_by AS username FROM post_pair
    UNION SELECT id, translated_by FROM post_pair WHERE translated_by IS NOT NULL
    UNION SELECT id, last_edited_by FROM post_pair WHERE last_edited_by IS NOT NULL
  ) w ON w.id = p.id
  WHERE (l.lang = 'en' AND p.en_text <> '') OR (l.lang = 'fr' AND p.fr_text <> '');
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE TABLE pair_author (
  pair_id TEXT NOT NULL REFERENCES post_pair(id),
  lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),
  username TEXT NOT NULL,
  first_at BIGINT NOT NULL,
  last_at BIGINT NOT NULL,
  PRIMARY KEY (pair_id, lang, username)
);

INSERT INTO pair_author (pair_id, lang, username, first_at, last_at)
  SELECT p.id, l.lang, w.username, p.created_at, p.updated_at
  FROM post_pair p
  CROSS JOIN (VALUES ('en'), ('fr')) AS l (lang)
  JOIN (
    SELECT id, created_by AS username FROM post_pair
    UNION SELECT id, translated_by FROM post_pair WHERE translated_by IS NOT NULL
    UNION SELECT id, last_edited_by FROM post_pair WHERE last_edited_by IS NOT NULL
  ) w ON w.id = p.id
  WHERE (l.lang = 'en' AND p.en_text <> '') OR (l.lang = 'fr' AND p.fr_text <> '')
  ON CONFLICT DO NOTHING;
`,
};
