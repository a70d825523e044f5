// What the crash tests share: starting a publishing worker process on the test's database, and
// reading back every post a real local Bluesky PDS holds.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestApp } from '../support';

export interface Worker {
  child: ChildProcess;
  /** Its services are up. */
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/** A worker (test/crash/worker.ts) on the test's database; `env` adds to what it is told. */
export function startWorker(t: TestApp, env: Record<string, string> = {}): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'worker.ts')], {
    env: { ...process.env, CRASH_DB: t.dbFile, CRASH_SERVICE: t.service, CRASH_X: t.fake.url, CRASH_PG: t.postgres?.connectionString ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

/** Every post (app.bsky.feed.post record) of these accounts on the PDS. */
export async function blueskyPosts(pds: string, dids: readonly string[]): Promise<{ did: string; rkey: string; text: string }[]> {
  const posts: { did: string; rkey: string; text: string }[] = [];
  for (const did of dids) {
    let cursor: string | undefined;
    do {
      const url = new URL('/xrpc/com.atproto.repo.listRecords', pds);
      url.search = new URLSearchParams({ repo: did, collection: 'app.bsky.feed.post', limit: '100', ...(cursor ? { cursor } : {}) }).toString();
      const page = (await (await fetch(url)).json()) as { records: { uri: string; value: { text: string } }[]; cursor?: string };
      for (const record of page.records) posts.push({ did, rkey: record.uri.split('/').at(-1)!, text: record.value.text });
      cursor = page.records.length === 100 ? page.cursor : undefined;
    } while (cursor);
  }
  return posts;
}
