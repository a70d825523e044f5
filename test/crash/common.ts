// What the crash tests share: accounts on a real local Bluesky PDS, account pairs, making the
// queue due for the worker processes, starting one, and reading back every post the PDS holds.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AtpAgent } from '@atproto/api';
import type { Channel, Pair } from '../../src/shared/domain';
import type { Credentials } from '../../src/shared/credentials';
import { TestNetworkNoAppView } from '@atproto/dev-env';
import { BlueskyAdapter } from '../../src/main/platforms/bluesky';
import { MastodonAdapter } from '../../src/main/platforms/mastodon';
import { FakeMastodon, credentialsOf as mastodonCredentials } from '../fakes/mastodon-api';
import { openDirect } from '../engine';
import { startTestApp, type TestApp } from '../support';

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

/** A new account on the PDS with an app password for Tandem; its DID is added to `dids`. */
export async function blueskyAccount(pds: string, handle: string, dids: string[]): Promise<{ handle: string; credentials: Credentials }> {
  const agent = new AtpAgent({ service: pds });
  const created = await agent.createAccount({ handle, email: `${handle}@example.test`, password: `pw-${randomBytes(6).toString('hex')}` });
  dids.push(created.data.did);
  const { data } = await agent.com.atproto.server.createAppPassword({ name: 'Tandem' });
  return { handle, credentials: { platform: 'bluesky', service: pds, identifier: handle, appPassword: data.password } };
}

/** Registers an account pair through the API, self-approval allowed (one test person runs the workflow); its id. */
export async function addAccountPair(
  t: TestApp,
  platform: Channel['platform'],
  en: { handle: string; credentials: Credentials },
  fr: { handle: string; credentials: Credentials },
): Promise<string> {
  const channel = await t.call<Channel>('accounts.addPair', {
    platform,
    name: platform,
    en: { handle: en.handle, displayName: 'EN', credentials: en.credentials },
    fr: { handle: fr.handle, displayName: 'FR', credentials: fr.credentials },
  });
  await t.call('accounts.setSelfApproval', { channelId: channel.id, allowed: true });
  return channel.id;
}

/** After set-up by the test's own app: closes it and makes every delivery due now, for the workers. */
export async function dueNowForWorkers(t: TestApp): Promise<void> {
  await t.tandem.close();
  const db = openDirect(t);
  await db.run('UPDATE delivery SET next_attempt_at = ?', [Date.now()]);
  await db.run("UPDATE post_pair SET scheduled_at = ? WHERE status = 'scheduled'", [Date.now()]);
  await db.close();
}

/** What the Bluesky and Mastodon crash tests publish to, and the test app that set it up. */
export interface CrashPlatforms {
  t: TestApp;
  /** The real local PDS, on 127.0.0.1. */
  pds: string;
  /** Forgets Idempotency-Keys: a blind resend would show as a duplicate rather than be absorbed. */
  mastodon: FakeMastodon;
  /** The PDS accounts made, for reading their posts back. */
  dids: string[];
  /** An EN/FR account pair on the PDS (handles `<prefix>-eng.test`, `<prefix>-fra.test`); its id. */
  blueskyPair(prefix: string): Promise<string>;
  /** An EN/FR account pair on the Mastodon fake (`<Prefix>_eng`, `<Prefix>_fra`); its id. */
  mastodonPair(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startCrashPlatforms(schema: string): Promise<CrashPlatforms> {
  const network = await TestNetworkNoAppView.create({ dbPostgresSchema: schema });
  const pds = network.pds.url.replace('//localhost:', '//127.0.0.1:');
  const mastodon = new FakeMastodon();
  await mastodon.start();
  mastodon.honoursIdempotencyKey = false;
  const t = await startTestApp({}, { moreAdapters: [new BlueskyAdapter(), new MastodonAdapter()] });
  const dids: string[] = [];
  const host = new URL(mastodon.url).host;
  return {
    t,
    pds,
    mastodon,
    dids,
    blueskyPair: async (prefix) =>
      addAccountPair(t, 'bluesky', await blueskyAccount(pds, `${prefix}-eng.test`, dids), await blueskyAccount(pds, `${prefix}-fra.test`, dids)),
    mastodonPair: async (prefix) => {
      const [en, fr] = [mastodon.addAccount(`${prefix}_eng`), mastodon.addAccount(`${prefix}_fra`)];
      return addAccountPair(
        t,
        'mastodon',
        { handle: `${prefix}_eng@${host}`, credentials: mastodonCredentials(mastodon, en) },
        { handle: `${prefix}_fra@${host}`, credentials: mastodonCredentials(mastodon, fr) },
      );
    },
    async stop() {
      await t.cleanup();
      await mastodon.stop();
      await network.close();
    },
  };
}

/** A pair taken through review and approval and scheduled an hour ahead (dueNowForWorkers makes it due). */
export async function scheduleLater(t: TestApp, input: { channelIds: string[]; enText: string; frText: string; media?: unknown[] }): Promise<void> {
  let pair = await t.call<Pair>('pairs.create', { media: [], ...input, authorTz: 'UTC' });
  pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
  pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: '' });
  await t.call('pairs.schedule', { id: pair.id, version: pair.version, when: 'at', scheduledAt: new Date(Date.now() + 3_600_000).toISOString() });
}
