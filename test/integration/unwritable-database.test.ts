// Publishing while Tandem cannot write its database: the disk is full, the file is read-only, or
// another program holds the lock. Real faults on the real SQLite file, started at the claim
// (before anything is sent) or at the record (after X has the posts): nothing is sent while the
// claim cannot be written, nothing is sent twice, and the person is told what is wrong.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import keytar from 'keytar';
import Database from 'better-sqlite3';
import type { Credentials } from '../../src/shared/credentials';
import type { Pair, StorageFaultCode } from '../../src/shared/domain';
import type { StorageProblem } from '../../src/shared/contract';
import type { PublisherOptions } from '../../src/main/publisher/publisher';
import { KeytarSecretStore } from '../../src/main/secrets';
import { startTestApp, testPublisher, waitFor, type TestApp } from '../support';

/** The real keychain, counting reads; `onRead` runs before the first read it sees. */
class WatchedKeychain extends KeytarSecretStore {
  reads = 0;
  onRead: (() => void) | undefined;
  constructor(readonly keychainService: string) {
    super(keychainService);
  }
  override async get(accountId: string): Promise<Credentials | null> {
    this.reads += 1;
    const hook = this.onRead;
    this.onRead = undefined;
    hook?.();
    return super.get(accountId);
  }
}

interface Fault {
  code: StorageFaultCode;
  start(): void;
  clear(): void;
  /** Whether start() failed (it runs inside the keychain or X, which would hide its error). */
  failedToStart?: unknown;
}

type FaultName = 'disk full' | 'read-only' | 'locked by another program';

function makeFault(name: FaultName, t: TestApp): Fault {
  const fault = faultOf(name, t);
  const start = fault.start;
  fault.start = () => {
    try {
      start();
    } catch (error) {
      fault.failedToStart = error;
    }
  };
  return fault;
}

function faultOf(name: FaultName, t: TestApp): Fault {
  // The desk's SQLite connection (this file runs on SQLite only).
  const db = t.tandem.db!;
  switch (name) {
    case 'disk full':
      // The file may not grow (max_page_count is this connection's), its free pages are used up,
      // and every change to a delivery needs room: as on a full disk, each of those writes fails.
      return {
        code: 'storage.full',
        start() {
          db.exec('CREATE TABLE IF NOT EXISTS test_filler (x BLOB)');
          db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
          try {
            for (;;) db.prepare('INSERT INTO test_filler VALUES (zeroblob(1000))').run();
          } catch (error) {
            if ((error as { code?: string }).code !== 'SQLITE_FULL') throw error;
          }
          db.exec(
            `CREATE TEMP TRIGGER test_grow AFTER UPDATE ON main.delivery
             BEGIN INSERT INTO test_filler VALUES (zeroblob(8000)); END`,
          );
        },
        clear() {
          db.exec('DROP TRIGGER temp.test_grow');
          db.pragma('max_page_count = 1000000');
        },
      };
    case 'read-only':
      // Tests run as root, which chmod does not stop; query_only refuses every write the same way.
      return {
        code: 'storage.readOnly',
        start: () => db.pragma('query_only = ON'),
        clear: () => db.pragma('query_only = OFF'),
      };
    case 'locked by another program': {
      let other: Database.Database | undefined;
      return {
        code: 'storage.locked',
        start() {
          other = new Database(t.dbFile);
          other.exec('BEGIN EXCLUSIVE');
          other.exec('CREATE TABLE test_lock (x)');
        },
        clear() {
          other!.exec('ROLLBACK');
          other!.close();
        },
      };
    }
  }
}

const fast: PublisherOptions = {
  ...testPublisher,
  storageBackoff: { baseMs: 100, capMs: 400 },
};

let t: TestApp | undefined;
let keychain: WatchedKeychain | undefined;
afterEach(async () => {
  await t?.cleanup();
  if (keychain) {
    for (const { account } of await keytar.findCredentials(keychain.keychainService))
      await keytar.deletePassword(keychain.keychainService, account);
  }
  t = undefined;
  keychain = undefined;
});

async function start(publisher: Partial<PublisherOptions> = fast) {
  keychain = new WatchedKeychain(`ca.gc.tandem.test.${randomUUID()}`);
  t = await startTestApp({ secrets: keychain, publisher });
  // A second post of the same text is counted rather than refused, so a duplicate would show.
  t.fake.refuseDuplicates = false;
  const problems: StorageProblem[] = [];
  t.tandem.events.subscribe(t.caller.client, (event, payload) => {
    if (event === 'storage.problem') problems.push(payload as StorageProblem);
  });
  const channelId = await t.addChannel();
  return { t, keychain, problems, channelId };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const deliveryStatuses = (t: TestApp, pairId: string) =>
  t.tandem.db!.prepare('SELECT status FROM delivery WHERE pair_id = ? ORDER BY lang').pluck().all(pairId) as string[];
const pairStatus = async (t: TestApp, id: string) => {
  const result = await t.tandem.dispatch(t.caller, 'pairs.list', undefined);
  return result.ok ? (result.value as Pair[]).find((p) => p.id === id)?.status : undefined;
};

async function expectOnePostPerSide(t: TestApp, pairId: string) {
  await waitFor(async () => (await pairStatus(t, pairId)) === 'published', 10_000, 'published');
  expect(t.fake.postsBy(t.en.username)).toHaveLength(1);
  expect(t.fake.postsBy(t.fr.username)).toHaveLength(1);
  const pair = (await t.call<Pair[]>('pairs.list')).find((p) => p.id === pairId)!;
  expect(pair.deliveries.map((d) => d.remoteId).sort()).toEqual(t.fake.posts.map((p) => p.id).sort());
}

const faults: FaultName[] = ['disk full', 'read-only', 'locked by another program'];

describe('while the database cannot be written', () => {
  it.each(faults)(
    '%s at the claim: nothing is sent, no keychain read, no request; one post per side once it clears',
    async (name) => {
      const { t, keychain, problems, channelId } = await start();
      const fault = makeFault(name, t);
      keychain.onRead = () => fault.start();
      const { id } = await t.publish(channelId, `Claim fault (${name})`, `Panne à la réservation (${name})`);

      await waitFor(() => problems.length > 0, 5_000, 'the storage problem event');
      expect(fault.failedToStart).toBeUndefined();
      expect(problems[0]).toEqual({ code: fault.code, since: expect.any(String) });
      // A window opened now learns it too.
      expect(await t.call('storage.problem')).toEqual(problems[0]);
      const reads = keychain.reads;
      const requests = t.fake.requests.length;
      await sleep(800);
      expect(t.fake.posts).toHaveLength(0);
      expect(keychain.reads - reads).toBe(0);
      expect(t.fake.requests.length - requests).toBe(0);
      expect(deliveryStatuses(t, id)).toEqual(['pending', 'pending']);

      fault.clear();
      await expectOnePostPerSide(t, id);
      await waitFor(() => problems.length === 2, 5_000, 'the all-clear event');
      expect(problems).toEqual([
        { code: fault.code, since: expect.any(String) },
        { code: null, since: null },
      ]);
      expect(await t.call('storage.problem')).toEqual({ code: null, since: null });
    },
  );

  it.each(faults)(
    '%s at the record: the posts are not sent again, and are recorded first when it clears',
    async (name) => {
      const { t, keychain, problems, channelId } = await start();
      const fault = makeFault(name, t);
      // Both posts are on X; the answers have not reached Tandem yet.
      t.fake.onPost = () => {
        if (t.fake.posts.length < 2) return;
        t.fake.onPost = undefined;
        fault.start();
      };
      const { id } = await t.publish(channelId, `Record fault (${name})`, `Panne à l’enregistrement (${name})`);

      await waitFor(() => problems.length > 0, 5_000, 'the storage problem event');
      expect(fault.failedToStart).toBeUndefined();
      expect(problems[0]!.code).toBe(fault.code);
      expect(deliveryStatuses(t, id)).toEqual(['sending', 'sending']);
      const reads = keychain.reads;
      const requests = t.fake.requests.length;
      await sleep(800);
      // `sending` is never picked again: no look-up, no second post, no credentials read.
      expect(t.fake.posts).toHaveLength(2);
      expect(t.fake.requests.length - requests).toBe(0);
      expect(keychain.reads - reads).toBe(0);

      fault.clear();
      await expectOnePostPerSide(t, id);
      // Written from memory: X was not asked what became of them.
      expect(t.fake.requests.length - requests).toBe(0);
      expect((await t.tandem.audit.list(id)).map((e) => e.action)).toEqual(
        expect.arrayContaining(['delivery.sent', 'pair.published']),
      );
      expect((await t.tandem.audit.list(id)).map((e) => e.action)).not.toContain('delivery.reconciled');
      await waitFor(() => problems.length === 2, 5_000, 'the all-clear event');
      expect(problems.at(-1)).toEqual({ code: null, since: null });
    },
  );

  it('stopped before the database is back: the next start finds the posts on X, not sending them again', async () => {
    const { t, problems, channelId } = await start();
    const fault = makeFault('read-only', t);
    t.fake.onPost = () => {
      if (t.fake.posts.length < 2) return;
      t.fake.onPost = undefined;
      fault.start();
    };
    const { id } = await t.publish(channelId, 'Closed while read-only', 'Fermé en lecture seule');
    await waitFor(() => problems.length > 0, 5_000, 'the storage problem event');
    expect(fault.failedToStart).toBeUndefined();

    // As if Tandem died here: its publisher stops with the outcomes unrecorded (the database
    // still refuses them), and a new Tandem opens the file on a connection that can write.
    await t.tandem.publisher.stop();
    expect(deliveryStatuses(t, id)).toEqual(['sending', 'sending']);
    const reopened = t.reopen();
    await waitFor(async () => (await reopened.pairs.get(id))?.status === 'published', 10_000, 'published after restart');
    fault.clear();
    expect(t.fake.postsBy(t.en.username)).toHaveLength(1);
    expect(t.fake.postsBy(t.fr.username)).toHaveLength(1);
    expect((await reopened.audit.list(id)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['delivery.interrupted', 'delivery.reconciled']),
    );
  });

  it('does not spin: keychain reads and requests stay bounded during a 2-second fault', async () => {
    // The real backoff (1 s, doubling to 60 s).
    const { storageBackoff: _fast, ...realBackoff } = fast;
    const { t, keychain, problems, channelId } = await start(realBackoff);
    const fault = makeFault('read-only', t);
    let startedAt = 0;
    let readsAtStart = 0;
    let requestsAtStart = 0;
    keychain.onRead = () => {
      fault.start();
      startedAt = Date.now();
      readsAtStart = keychain.reads;
      requestsAtStart = t.fake.requests.length;
    };
    const { id } = await t.publish(channelId, 'Two seconds read-only', 'Deux secondes en lecture seule');
    await waitFor(() => startedAt > 0, 5_000, 'the first keychain read');
    await sleep(2_000);
    expect(fault.failedToStart).toBeUndefined();
    const reads = keychain.reads - readsAtStart;
    const seconds = (Date.now() - startedAt) / 1000;
    const perSecond = (reads / seconds).toFixed(1);
    console.log(`keychain reads during a ${seconds.toFixed(1)} s read-only fault: ${reads} (${perSecond} per second)`);
    // The twin of the read that started the fault (EN and FR are checked before the claim), no more.
    expect(reads).toBeLessThanOrEqual(2);
    expect(t.fake.requests.length - requestsAtStart).toBe(0);
    expect(t.fake.posts).toHaveLength(0);
    expect(problems.map((p) => p.code)).toEqual(['storage.readOnly']);

    fault.clear();
    await expectOnePostPerSide(t, id);
  });
});

describe('a person whose action cannot be saved', () => {
  it('is told at once that another program holds the database, and publishing waits for it too', async () => {
    const { t, problems, channelId } = await start();
    const fault = makeFault('locked by another program', t);
    fault.start();
    try {
      const began = performance.now();
      const created = await t.tandem.dispatch(t.caller, 'pairs.create', {
        channelIds: [channelId],
        enText: 'Saved later',
        frText: 'Enregistré plus tard',
        authorTz: 'America/Toronto',
      });
      console.log(`pairs.create on a locked database answered in ${(performance.now() - began).toFixed(0)} ms`);
      expect(created).toEqual({ ok: false, error: { code: 'storage.locked' } });
      // Reading still works: the lock only stops writes.
      const listed = await t.tandem.dispatch(t.caller, 'pairs.list', undefined);
      expect(listed.ok).toBe(true);
      await waitFor(() => problems.length > 0, 5_000, 'the storage problem event');
      expect(fault.failedToStart).toBeUndefined();
      expect(problems[0]!.code).toBe('storage.locked');
    } finally {
      fault.clear();
    }
    await waitFor(() => problems.length === 2, 5_000, 'the all-clear event');
    expect(problems[1]).toEqual({ code: null, since: null });
    const created = await t.tandem.dispatch(t.caller, 'pairs.create', {
      channelIds: [channelId],
      enText: 'Saved now',
      frText: 'Enregistré maintenant',
      authorTz: 'America/Toronto',
    });
    expect(created.ok).toBe(true);
  });
});
