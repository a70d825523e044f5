// A private PostgreSQL cluster for one test file: initdb in a new temporary folder, listening only
// on 127.0.0.1 at a free port, fsync off, removed afterwards. Debian's binaries
// (/usr/lib/postgresql/<major>/bin, package `postgresql`), or POSTGRES_BIN. initdb refuses to run
// as root, so as root the cluster belongs to the `postgres` user the package creates.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestPostgres {
  /** postgres://tandem@127.0.0.1:PORT/tandem */
  url: string;
  port: number;
  /** A new, empty database in the cluster, by URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function binDir(): string {
  const fromEnv = process.env['POSTGRES_BIN'];
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = majors.map((m) => path.join(root, m, 'bin')).find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!found) {
    throw new Error('PostgreSQL is not installed: install Debian\'s `postgresql` package (or set POSTGRES_BIN to its bin folder)');
  }
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-pg-'));
  const data = path.join(dir, 'data');
  const asOwner = (cmd: string, args: string[]) =>
    root ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { stdio: 'pipe' }) : execFileSync(path.join(bin, cmd), args, { stdio: 'pipe' });
  if (root) execFileSync('chown', ['postgres', dir]);
  asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'tandem', '-E', 'UTF8', '--locale=C.UTF-8']);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const started = root
      ? spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start'])
      : spawnSync(path.join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
    if (started.status === 0) break;
    // Another process took the port between the probe and the start: try another.
    if (attempt >= 3) throw new Error(`PostgreSQL did not start: ${fs.readFileSync(path.join(dir, 'log'), 'utf8').slice(-2000)}`);
  }
  const psql = (sql: string) => asOwner('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'tandem', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  psql('CREATE DATABASE tandem');
  let stopped = false;
  return {
    url: `postgres://tandem@127.0.0.1:${port}/tandem`,
    port,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a database name: ${name}`);
      psql(`CREATE DATABASE ${name}`);
      return `postgres://tandem@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
