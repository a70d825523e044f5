// Workspace settings an administrator can change (first: the late-publishing grace period).
export const migration004 = {
  version: 4,
  name: 'settings',
  sql: `
CREATE TABLE setting (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE TABLE setting (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
};
