// Sign-in throttling looks events up by subject; approval needs to know who last edited.
export const migration005 = {
  version: 5,
  name: 'audit-subject',
  sql: `
CREATE INDEX audit_event_subject ON audit_event (subject, action, seq);
-- Who last changed a pair's text: they may not approve it (unless self-approval is allowed).
ALTER TABLE post_pair ADD COLUMN last_edited_by TEXT;
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
CREATE INDEX audit_event_subject ON audit_event (subject, action, seq);
ALTER TABLE post_pair ADD COLUMN last_edited_by TEXT;
`,
};
