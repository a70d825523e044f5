// `npm run harness`: the real app in your browser at a loopback address, publishing to loopback
// stand-ins for every platform (never the real ones): fakes of X, Mastodon, Facebook and
// LinkedIn, and a real local Bluesky PDS. Prints demo credentials to paste into Accounts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AtpAgent } from '@atproto/api';
import { TestNetworkNoAppView } from '@atproto/dev-env';
import { createTandem } from '../../src/main/app';
import { TandemHost } from '../../src/main/host';
import { DeskShell, soloDatabaseFile } from '../../src/main/desk';
import { keychainTokenStore, WorkspaceDesk } from '../../src/main/remote/workspace';
import { KeytarSecretStore } from '../../src/main/secrets';
import { XAdapter } from '../../src/main/platforms/x';
import { BlueskyAdapter } from '../../src/main/platforms/bluesky';
import { MastodonAdapter } from '../../src/main/platforms/mastodon';
import { FacebookAdapter } from '../../src/main/platforms/facebook';
import { LinkedInAdapter } from '../../src/main/platforms/linkedin';
import { FakeX, fakeAccount, fakeApp } from '../fakes/x-api';
import { FakeMastodon } from '../fakes/mastodon-api';
import { FakeFacebook, fakePage } from '../fakes/facebook-api';
import { FakeLinkedIn, fakeOrganization } from '../fakes/linkedin-api';
import { FakeAppView } from '../fakes/bluesky-appview';
import { startHarness } from './server';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    port: { type: 'string', default: '5199' },
    // As a desk's first start: "Use Tandem on this computer" or "Join a team workspace" (a
    // tandem-server on 127.0.0.1). Without it, the harness is the solo desk as before.
    'first-start': { type: 'boolean', default: false },
  },
});

const dataDir = values.data ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-harness-'));
fs.mkdirSync(dataDir, { recursive: true });

const x = new FakeX();
const mastodon = new FakeMastodon();
const facebook = new FakeFacebook();
const linkedin = new FakeLinkedIn();
const appView = new FakeAppView();
await Promise.all([x.start(), mastodon.start(), facebook.start(), linkedin.start(), appView.start()]);
const network = await TestNetworkNoAppView.create({ dbPostgresSchema: 'tandem_harness' });
const pds = network.pds.url.replace('//localhost:', '//127.0.0.1:');

async function blueskyAccount(handle: string) {
  const agent = new AtpAgent({ service: pds });
  await agent.createAccount({ handle, email: `${handle}@example.test`, password: `harness-${handle}` });
  const { data } = await agent.com.atproto.server.createAppPassword({ name: 'Tandem harness' });
  return { handle, appPassword: data.password };
}

const app = fakeApp();
const host = new URL(mastodon.url).host;
const demo = {
  x: { apiKey: app.appKey, apiKeySecret: app.appSecret, en: fakeAccount(x, 'StatCan_eng', app), fr: fakeAccount(x, 'StatCan_fra', app) },
  bluesky: { server: pds, en: await blueskyAccount('statcan-eng.test'), fr: await blueskyAccount('statcan-fra.test') },
  mastodon: {
    instance: mastodon.url,
    en: { handle: `StatCan_eng@${host}`, accessToken: mastodon.addAccount('StatCan_eng').accessToken },
    fr: { handle: `StatCan_fra@${host}`, accessToken: mastodon.addAccount('StatCan_fra').accessToken },
  },
  facebook: { en: fakePage(facebook, { username: 'StatCan.eng' }), fr: fakePage(facebook, { username: 'StatCan.fra' }) },
  linkedin: { en: fakeOrganization(linkedin, 'statcan-eng'), fr: fakeOrganization(linkedin, 'statcan-fra') },
};

// Like the desktop app: a database that cannot be opened (pass --data with a broken one) shows
// the start-up problem screen, and a backup can be restored from it.
const solo = () =>
  new TandemHost({
    dbFile: path.join(dataDir, soloDatabaseFile),
    create: (options) =>
      createTandem({
        ...options,
        secrets: new KeytarSecretStore('ca.gc.tandem.harness'),
        adapters: [
          new XAdapter({ apiBase: x.url }),
          new BlueskyAdapter({ appViewUrl: appView.url }),
          new MastodonAdapter(),
          new FacebookAdapter({ apiBase: facebook.url }),
          new LinkedInAdapter({ apiBase: linkedin.url }),
        ],
      }),
  });
const tandem: TandemHost | DeskShell = values['first-start']
  ? new DeskShell({
      dataDir,
      solo,
      workspace: (url, dataDir) => new WorkspaceDesk({ url, tokens: keychainTokenStore(url, 'ca.gc.tandem.harness.workspace'), dataDir }),
    })
  : solo();
const problem = await tandem.start();
const harness = await startHarness(tandem, path.resolve('out/renderer'), Number(values.port));

console.log(`Tandem harness: ${harness.url}`);
console.log(`Data: ${dataDir}`);
if (problem) console.log(`The database could not be opened (${problem.kind}); the page says what to do.`);
console.log('Demo accounts and credentials (loopback stand-ins only):');
console.log(JSON.stringify(demo, null, 2));

const shutdown = async () => {
  await harness.close();
  await tandem.close();
  await Promise.all([x.stop(), mastodon.stop(), facebook.stop(), linkedin.stop(), appView.stop()]);
  await network.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
