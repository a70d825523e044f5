// `npm run harness`: the real app in your browser at a loopback address, publishing to a
// loopback fake X API (never the real one). Prints demo credentials to paste into Accounts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTandem } from '../../src/main/app';
import { KeytarSecretStore } from '../../src/main/secrets';
import { XAdapter } from '../../src/main/platforms/x';
import { FakeX, fakeAccount, fakeApp } from '../fakes/x-api';
import { startHarness } from './server';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    port: { type: 'string', default: '5199' },
  },
});

const dataDir = values.data ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-harness-'));
fs.mkdirSync(dataDir, { recursive: true });

const fake = new FakeX();
await fake.start();
const app = fakeApp();
const en = fakeAccount(fake, 'StatCan_eng', app);
const fr = fakeAccount(fake, 'StatCan_fra', app);

const tandem = createTandem({
  dbFile: path.join(dataDir, 'tandem.db'),
  secrets: new KeytarSecretStore('ca.gc.tandem.harness'),
  adapters: [new XAdapter({ apiBase: fake.url })],
});
const harness = await startHarness(tandem, path.resolve('out/renderer'), Number(values.port));

console.log(`Tandem harness: ${harness.url}`);
console.log(`Data: ${dataDir}  Fake X API: ${fake.url}`);
console.log('Demo credentials (loopback fake only):');
console.log(JSON.stringify({ apiKey: app.appKey, apiKeySecret: app.appSecret, en, fr }, null, 2));

const shutdown = async () => {
  await harness.close();
  await tandem.close();
  await fake.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
