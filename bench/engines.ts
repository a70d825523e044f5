// The engine a benchmark runs on (`--engine sqlite|postgres`): SQLite files in the temp folder, or
// a private PostgreSQL cluster on 127.0.0.1, started for the run and removed afterwards.
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../src/main/db/sql';
import { startPostgres } from '../test/postgres';
import type { Store } from './platforms';
import { progress } from './stats';

export function engineArg(argv: readonly string[]): Engine {
  const at = argv.findIndex((a) => a === '--engine' || a.startsWith('--engine='));
  if (at < 0) return 'sqlite';
  const value = argv[at]!.includes('=') ? argv[at]!.slice('--engine='.length) : argv[at + 1];
  if (value === 'sqlite' || value === 'postgres') return value;
  throw new Error(`--engine must be sqlite or postgres, not ${value ?? '(nothing)'}`);
}

export interface BenchEngine {
  name: Engine;
  /** A new, empty store for one measured app: a file in the temp folder, or a database of its own. */
  store(name: string): Promise<Store>;
  /** What the heading says of where the data lives. */
  where: string;
  stop(): Promise<void>;
}

export async function startEngine(name: Engine, dir: string): Promise<BenchEngine> {
  if (name === 'sqlite') {
    return {
      name,
      where: `SQLite files in ${os.tmpdir()}`,
      store: async (n) => ({ dbFile: path.join(dir, `${n}.db`) }),
      stop: async () => undefined,
    };
  }
  progress('starting a private PostgreSQL cluster on 127.0.0.1…');
  const cluster = await startPostgres();
  // Interrupted (Ctrl-C): the cluster and its folder go too.
  const interrupted = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping the PostgreSQL cluster`);
    void cluster.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return {
    name,
    where: `private cluster on 127.0.0.1:${cluster.port}, fsync and synchronous_commit off`,
    store: async (n) => ({ dbFile: path.join(dir, `${n}.db`), postgres: { connectionString: await cluster.createDatabase(n) } }),
    async stop() {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      await cluster.stop();
    },
  };
}

