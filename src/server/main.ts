// `npm run server`: tandem-server, headless (no Electron). Configured by environment:
//
//   DATABASE_URL     postgres://… — the team's PostgreSQL (≥ 15); any number of instances may share it.
//                    Unset: a SQLite file in TANDEM_DATA_DIR, for a small team (one instance only).
//   TANDEM_DATA_DIR  where the SQLite file and the single-instance lock live (default ./tandem-data).
//   TANDEM_KEY_FILE  the key that seals credentials and the audit key in the database (32 bytes:
//                    raw, hex or base64), made readable by this user only if it does not exist.
//                    Unset: the server's OS keychain (TANDEM_KEYCHAIN_SERVICE, default
//                    ca.gc.tandem-server) where it has one, else tandem-server.key in
//                    TANDEM_DATA_DIR. Keep it out of database backups.
//   HOST, PORT       where to listen (default 127.0.0.1:8443).
//   TLS_CERT_FILE, TLS_KEY_FILE
//                    PEM certificate and key; required unless HOST is a loopback address.
//   SESSION_HOURS    how long a session lasts unused (default 12).
import fs from 'node:fs';
import path from 'node:path';
import { createTandem, type Tandem } from '../main/app';
import { createLogger } from '../main/log';
import { SealedSecretStore } from '../main/secrets/sealed';
import { serverSealingKey } from './sealingKey';
import { XAdapter } from '../main/platforms/x';
import { BlueskyAdapter } from '../main/platforms/bluesky';
import { MastodonAdapter } from '../main/platforms/mastodon';
import { FacebookAdapter } from '../main/platforms/facebook';
import { LinkedInAdapter } from '../main/platforms/linkedin';
import { startServer, type TandemServer } from './server';
import { acquireInstanceLock } from './instanceLock';

export interface ServerEnv {
  DATABASE_URL?: string;
  TANDEM_DATA_DIR?: string;
  TANDEM_KEY_FILE?: string;
  /** The OS keychain service the key is kept under when there is no key file (default ca.gc.tandem-server). */
  TANDEM_KEYCHAIN_SERVICE?: string;
  HOST?: string;
  PORT?: string;
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  SESSION_HOURS?: string;
}

/** Starts a server from its environment; what `npm run server` runs. */
export async function runServer(env: ServerEnv, log = createLogger()): Promise<{ tandem: Tandem; server: TandemServer; stop: () => Promise<void> }> {
  const dataDir = path.resolve(env.TANDEM_DATA_DIR ?? 'tandem-data');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // On SQLite the publisher is the sole owner of its queue (it takes over every interrupted send at
  // start): a second instance on the same file would break that, so it is refused.
  const release = env.DATABASE_URL ? () => undefined : acquireInstanceLock(path.join(dataDir, 'tandem-server.lock'));
  try {
    const key = await serverSealingKey({ keyFile: env.TANDEM_KEY_FILE, keychainService: env.TANDEM_KEYCHAIN_SERVICE, dataDir }, log);
    const sessionHours = Number(env.SESSION_HOURS ?? 12);
    if (!(sessionHours > 0)) throw new Error('SESSION_HOURS must be a positive number');
    const tandem = createTandem({
      dbFile: path.join(dataDir, 'tandem.db'),
      ...(env.DATABASE_URL ? { postgres: { connectionString: env.DATABASE_URL } } : {}),
      secrets: (sql) => new SealedSecretStore(sql, key),
      adapters: [new XAdapter(), new BlueskyAdapter(), new MastodonAdapter(), new FacebookAdapter(), new LinkedInAdapter()],
      log,
      sessionTtlMs: sessionHours * 60 * 60_000,
      // Several instances on one PostgreSQL share the queue: each takes over only expired leases.
      publisher: { soleOwner: !env.DATABASE_URL },
    });
    await tandem.ready;
    const tls =
      env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { cert: fs.readFileSync(env.TLS_CERT_FILE), key: fs.readFileSync(env.TLS_KEY_FILE) } : undefined;
    let server: TandemServer;
    try {
      server = await startServer(tandem, { host: env.HOST ?? '127.0.0.1', port: Number(env.PORT ?? 8443), tls, log });
    } catch (error) {
      await tandem.close();
      throw error;
    }
    const stop = async () => {
      await server.close();
      await tandem.close();
      release();
    };
    return { tandem, server, stop };
  } catch (error) {
    release();
    throw error;
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename);
if (isMain) {
  const log = createLogger();
  runServer(process.env as ServerEnv, log).then(
    ({ server, stop }) => {
      process.stdout.write(`tandem-server listening on ${server.url}\n`);
      let stopping = false;
      const shutdown = () => {
        if (stopping) return;
        stopping = true;
        stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    },
    (error: unknown) => {
      process.stderr.write(`tandem-server could not start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
