// What a team workspace keeps that a desk did not need (issue 12).
//
// People deactivated, and sessions in the database: a sign-in is a random token given to the caller once, kept
// here only as its SHA-256, with an expiry. Ending one (sign-out), all of a person's (sign out
// everywhere, a role revoked) or a stolen token's takes effect at the next call of any transport,
// on any instance of a server: every call reads its session here.
const table = (bigint: string, strict: string) => `
CREATE TABLE session (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES "user"(id),
  created_at ${bigint} NOT NULL,
  expires_at ${bigint} NOT NULL,
  revoked_at ${bigint},
  revoked_why TEXT
)${strict};
-- "End every session of this person": only the live ones are looked at.
CREATE INDEX session_person ON session (user_id) WHERE revoked_at IS NULL;

-- A person an administrator deactivated: kept, with their history, but signed out everywhere and
-- refused at sign-in.
ALTER TABLE "user" ADD COLUMN deactivated_at ${bigint};

-- Credentials and the audit key on a server (no keychain to hold them): sealed with AES-256-GCM
-- under a key kept outside the database (secrets/sealed.ts); the row's name is authenticated with
-- it, so a sealed value moved to another row does not open. Base64 text on both engines.
CREATE TABLE sealed_secret (
  name TEXT PRIMARY KEY,
  nonce TEXT NOT NULL,
  sealed TEXT NOT NULL,
  tag TEXT NOT NULL,
  updated_at ${bigint} NOT NULL
)${strict};
`;

export const migration012 = {
  version: 12,
  name: 'workspace',
  sql: table('INTEGER', ' STRICT'),
  // PostgreSQL's twin (see db/postgres.ts for how the two differ).
  postgres: table('BIGINT', ''),
};
