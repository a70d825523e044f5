// What reconciliation after a crash needs: when a delivery was claimed for sending, and the
// platform's id for each account (to look up its recent posts).
export const migration003 = {
  version: 3,
  name: 'reconcile',
  sql: `
ALTER TABLE delivery ADD COLUMN claimed_at INTEGER;
ALTER TABLE account ADD COLUMN remote_user_id TEXT;
-- Start-up looks for deliveries a crash left mid-send; without this it reads the whole history.
CREATE INDEX delivery_sending ON delivery (pair_id) WHERE status = 'sending';
`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
ALTER TABLE delivery ADD COLUMN claimed_at BIGINT;
ALTER TABLE account ADD COLUMN remote_user_id TEXT;
CREATE INDEX delivery_sending ON delivery (pair_id) WHERE status = 'sending';
`,
};
