// A publishing process for the crash test: opens the shared database and publishes whatever is
// due until nothing is left, printing "ready" once its services are up. The test kills it with
// SIGKILL at random moments and starts it again.
import { createTandem } from '../../src/main/app';
import { KeytarSecretStore } from '../../src/main/secrets';
import { XAdapter } from '../../src/main/platforms/x';
import { BlueskyAdapter } from '../../src/main/platforms/bluesky';
import { MastodonAdapter } from '../../src/main/platforms/mastodon';
import { createLogger } from '../../src/main/log';

const dbFile = process.env['CRASH_DB']!;
const service = process.env['CRASH_SERVICE']!;
const apiBase = process.env['CRASH_X']!;
/** Set on the PostgreSQL run: the test's database, which the workers share in place of the file. */
const postgres = process.env['CRASH_PG'] ? { connectionString: process.env['CRASH_PG'] } : undefined;
/**
 * Set when several workers run at once on one PostgreSQL, as a server's instances do: each takes
 * over only the leases that ran out (short here, so a killed one's sends are taken over quickly).
 */
const shared = process.env['CRASH_SHARED'] === '1' ? { soleOwner: false, leaseMs: 1_500, renewEveryMs: 400, sweepMs: 100 } : {};

const tandem = createTandem({
  dbFile,
  postgres,
  secrets: new KeytarSecretStore(service),
  // Bluesky and Mastodon reach their servers from the accounts' own credentials (loopback).
  adapters: [new XAdapter({ apiBase, timeoutMs: 2_000 }), new BlueskyAdapter({ timeoutMs: 5_000 }), new MastodonAdapter({ timeoutMs: 2_000 })],
  log: createLogger(() => undefined),
  publisher: { maxAttempts: 50, backoff: { baseMs: 20, capMs: 100 }, offlineRetryMs: 50, concurrency: Number(process.env['CRASH_CONCURRENCY'] ?? 4), ...shared },
});
await tandem.ready;
process.stdout.write('ready\n');

const timer = setInterval(() => {
  void tandem.sql.value<number>("SELECT COUNT(*) FROM delivery WHERE status NOT IN ('sent', 'failed', 'cancelled')").then((open) => {
    if (open !== 0) return;
    clearInterval(timer);
    void tandem.close().then(() => {
      process.stdout.write('done\n');
      process.exit(0);
    });
  });
}, 20);
