// Unsent composer text, per person: what someone typed and has not saved as a draft yet. Kept by
// main rather than in the window, so it is restored only to the person who typed it.
export const migration009 = {
  version: 9,
  name: 'unsent',
  sql: `
CREATE TABLE unsent_draft (
  user_id TEXT PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
  content TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE TABLE unsent_draft (
  user_id TEXT PRIMARY KEY REFERENCES "user"(id) ON DELETE CASCADE,
  content TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
`,
};
