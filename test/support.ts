// Shared test set-up: a real SQLite file in a temp folder, the real keychain under a
// per-test service name, the real X adapter pointed at a loopback fake.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { createTandem, type Tandem, type TandemOptions } from '../src/main/app';
import { KeytarSecretStore } from '../src/main/secrets';
import { XAdapter } from '../src/main/platforms/x';
import type { Logger } from '../src/main/log';
import { createLogger } from '../src/main/log';
import { FakeX, credentialsOf, fakeAccount, fakeApp, type FakeXAccount } from './fakes/x-api';

export function tempDir(prefix = 'tandem-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestApp {
  tandem: Tandem;
  fake: FakeX;
  dir: string;
  dbFile: string;
  service: string;
  logLines: string[];
  en: FakeXAccount;
  fr: FakeXAccount;
  /** Registers the fake EN/FR accounts as a channel through the API; returns its id. */
  addChannel(name?: string): Promise<string>;
  /** Opens a second Tandem on the same files, as after a restart. */
  reopen(overrides?: Partial<TandemOptions>): Tandem;
  cleanup(): Promise<void>;
}

export async function startTestApp(overrides: Partial<TandemOptions> = {}): Promise<TestApp> {
  const fake = new FakeX();
  await fake.start();
  const app = fakeApp();
  const suffix = randomUUID().slice(0, 6);
  const en = fakeAccount(fake, `Dept_eng_${suffix}`, app);
  const fr = fakeAccount(fake, `Dept_fra_${suffix}`, app);
  const dir = tempDir();
  const dbFile = path.join(dir, 'tandem.db');
  const service = `ca.gc.tandem.test.${randomUUID()}`;
  const logLines: string[] = [];
  const log: Logger = createLogger((line) => logLines.push(line));
  const opened: Tandem[] = [];
  const make = (more: Partial<TandemOptions> = {}) => {
    const tandem = createTandem({
      dbFile,
      secrets: new KeytarSecretStore(service),
      adapters: [new XAdapter({ apiBase: fake.url, timeoutMs: 2_000 })],
      actor: 'test-officer',
      log,
      publisher: { maxAttempts: 4, backoff: { baseMs: 40, capMs: 200 }, concurrency: 8 },
      ...overrides,
      ...more,
    });
    opened.push(tandem);
    return tandem;
  };
  const tandem = make();
  return {
    tandem,
    fake,
    dir,
    dbFile,
    service,
    logLines,
    en,
    fr,
    async addChannel(name = 'Department') {
      const result = await tandem.dispatch('accounts.addPair', {
        platform: 'x',
        name,
        en: { handle: en.username, displayName: `${name} EN`, credentials: credentialsOf(en) },
        fr: { handle: fr.username, displayName: `${name} FR`, credentials: credentialsOf(fr) },
      });
      if (!result.ok) throw new Error(`addPair failed: ${JSON.stringify(result.error)}`);
      return (result.value as { id: string }).id;
    },
    reopen: make,
    async cleanup() {
      for (const t of opened) await t.close().catch(() => undefined);
      await fake.stop();
      for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
