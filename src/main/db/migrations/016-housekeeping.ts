// Administrator housekeeping (issue 14, item 5): an account pair has a name in each language
// (Statistique Canada, Statistics Canada), may be renamed, and may be retired — kept with its
// history, no longer offered for new pairs. `name` stays the English name; pairs written before
// this version get their English name in French too until an administrator renames them.
export const migration016 = {
  version: 16,
  name: 'housekeeping',
  sql: `
ALTER TABLE channel ADD COLUMN name_fr TEXT NOT NULL DEFAULT '';
UPDATE channel SET name_fr = name;
ALTER TABLE channel ADD COLUMN retired_at INTEGER;
`,
  postgres: `
ALTER TABLE channel ADD COLUMN name_fr TEXT NOT NULL DEFAULT '';
UPDATE channel SET name_fr = name;
ALTER TABLE channel ADD COLUMN retired_at BIGINT;
`,
};
