// Sign-in throttling and per-pair audit views look events up by subject.
export const migration005 = {
  version: 5,
  name: 'audit-subject',
  sql: `
CREATE INDEX audit_event_subject ON audit_event (subject, action, seq);
`,
};
