// Several publishers sharing one queue (issue 11, item 4): a delivery is claimed with a lease
// (`lease_until`, ms; `lease_owner`, the claiming publisher's random id) and a fencing token
// (`fence`, incremented at each claim and at each take-over of an expired lease). A result is
// written only while the token still holds, so a publisher whose lease was taken over writes nothing.
//
// And "only one" made a constraint where it was only a rule of the code: one request waiting per
// number on the allow-list (requests already waiting twice for the same text are merged into the
// oldest, as the service does for a second ask: the later ones' askers stay in the audit trail).
// Already constraints: one delivery per (pair, account) — and so per language, an account having
// one —, one pair_channel per (pair, account pair), one account per (platform, handle), one account
// pair per account, one author row per (pair, language, person), one image per (pair, position).
/** The same on both engines: merge requests already waiting twice, then make it a constraint. */
const onePendingRequest = `DELETE FROM pii_request
  WHERE decision IS NULL AND EXISTS (
    SELECT 1 FROM pii_request older
    WHERE older.match_key = pii_request.match_key AND older.decision IS NULL
      AND (older.requested_at < pii_request.requested_at
           OR (older.requested_at = pii_request.requested_at AND older.id < pii_request.id)));
DROP INDEX pii_request_pending;
CREATE UNIQUE INDEX pii_request_pending ON pii_request (match_key) WHERE decision IS NULL;
`;

export const migration011 = {
  version: 11,
  name: 'delivery-lease',
  sql: `
ALTER TABLE delivery ADD COLUMN lease_until INTEGER;
ALTER TABLE delivery ADD COLUMN lease_owner TEXT;
ALTER TABLE delivery ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
-- Leases are cleared when a result is written, so this index holds only the few deliveries being
-- worked on: the sweep for expired leases and "when is a leased delivery free again" read it.
CREATE INDEX delivery_lease ON delivery (lease_until) WHERE lease_until IS NOT NULL;

${onePendingRequest}`,
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: `
ALTER TABLE delivery ADD COLUMN lease_until BIGINT;
ALTER TABLE delivery ADD COLUMN lease_owner TEXT;
ALTER TABLE delivery ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
CREATE INDEX delivery_lease ON delivery (lease_until) WHERE lease_until IS NOT NULL;

${onePendingRequest}`,
};
