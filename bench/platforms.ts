// Part 4 of `npm run bench`: what issue 5 added.
//   - Live limits: what the composer computes on every keystroke with five platforms selected
//     (text measured each platform's way for both languages, plus the image checks).
//   - Adding an image: media.upload of a 4.5 MB PNG through the dispatch (base64 decode, type and
//     size read from the bytes, sha256, insert).
//   - One pair with two 1 MB images to X, Mastodon, Facebook and LinkedIn (loopback fakes):
//     time from due to each side sent, and the EN/FR spread per platform.
// Bluesky is left out here: its real local PDS is measured by the tests, not benchmarked.
import { createTandem, type Tandem, type TandemOptions } from '../src/main/app';
import { XAdapter } from '../src/main/platforms/x';
import { MastodonAdapter } from '../src/main/platforms/mastodon';
import { FacebookAdapter } from '../src/main/platforms/facebook';
import { LinkedInAdapter } from '../src/main/platforms/linkedin';
import { createLogger } from '../src/main/log';
import { defaultLimits, measureMedia, measureText } from '../src/shared/limits';
import { platforms, type Channel, type MediaFile, type Pair, type Platform, type User } from '../src/shared/domain';
import { FakeX, credentialsOf as xCredentials, fakeAccount, fakeApp } from '../test/fakes/x-api';
import { FakeMastodon, credentialsOf as mastodonCredentials } from '../test/fakes/mastodon-api';
import { FakeFacebook, fakePage, credentialsOf as facebookCredentials } from '../test/fakes/facebook-api';
import { FakeLinkedIn, fakeOrganization, credentialsOf as linkedinCredentials } from '../test/fakes/linkedin-api';
import { makePng } from '../test/fakes/images';
import { MemorySecretStore } from './memory-secrets';
import { round, roundSummary, summarize, type Summary } from './stats';

/** The one client the benchmark calls from (one window, as on a desk). */
const benchCaller = { client: 'bench' };

export interface PlatformsResult {
  liveLimitsMs: Summary;
  uploadMs: Summary;
  uploadMb: number;
  pairs: number;
  /** Per platform: due → sent of each side, and |EN − FR| sent times. */
  sendMs: Record<string, Summary>;
  skewMs: Record<string, Summary>;
}

async function call<T>(tandem: Tandem, method: string, input?: unknown): Promise<T> {
  const result = await tandem.dispatch(benchCaller, method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${JSON.stringify(result.error.params ?? {})}`);
  return result.value as T;
}

function liveLimits(runs: number): Summary {
  const en = 'Housing starts rose 5% in October, led by Ontario and Quebec. Full release: https://www150.statcan.gc.ca/n1/daily-quotidien/261123/dq261123a-eng.htm #StatCan @StatCan_eng 🇨🇦';
  const fr = 'Les mises en chantier ont augmenté de 5 % en octobre, sous l’impulsion de l’Ontario et du Québec. Communiqué : https://www150.statcan.gc.ca/n1/daily-quotidien/261123/dq261123a-fra.htm #StatCan 🇨🇦';
  const media = [1, 2, 3].map(() => ({ mime: 'image/png', bytes: 900_000, alt: 'Bar chart of housing starts by province, October 2026' }));
  const times: number[] = [];
  for (let i = 0; i < runs + 50; i++) {
    // A keystroke changes the text: measure a slightly different one each time.
    const suffix = 'x'.repeat(i % 7);
    const start = performance.now();
    for (const platform of platforms) {
      for (const [lang, text] of [['en', en + suffix], ['fr', fr + suffix]] as const) {
        measureText(defaultLimits[platform], lang, text);
        measureMedia(defaultLimits[platform], lang, media);
      }
    }
    if (i >= 50) times.push(performance.now() - start);
  }
  return roundSummary(summarize(times));
}

/** Where the measured app keeps its data: a SQLite file, or a PostgreSQL database (then `dbFile` is unused). */
export type Store = Pick<TandemOptions, 'dbFile' | 'postgres'>;

export async function benchPlatforms(store: Store, progress: (message: string) => void): Promise<PlatformsResult> {
  const x = new FakeX();
  const mastodon = new FakeMastodon();
  const facebook = new FakeFacebook();
  const linkedin = new FakeLinkedIn();
  await Promise.all([x.start(), mastodon.start(), facebook.start(), linkedin.start()]);
  const tandem = createTandem({
    ...store,
    secrets: new MemorySecretStore(),
    adapters: [
      new XAdapter({ apiBase: x.url }),
      new MastodonAdapter(),
      new FacebookAdapter({ apiBase: facebook.url }),
      new LinkedInAdapter({ apiBase: linkedin.url }),
    ],
    log: createLogger(() => undefined),
  });
  try {
    progress('part 4: live limits…');
    const liveLimitsMs = liveLimits(2_000);

    await call(tandem, 'users.bootstrap', { username: 'bench', displayName: 'Bench', passphrase: 'bench correct horse battery' });
    const me = (await call<{ user: User }>(tandem, 'session.current')).user;
    for (const role of ['drafter', 'approver', 'publisher'] as const) await call(tandem, 'roles.grant', { userId: me.id, role, channelId: null, expiresAt: null });

    progress('part 4: adding images…');
    const big = makePng(2, 2, { padTo: 4.5 * 1024 * 1024 });
    const uploadTimes: number[] = [];
    for (let i = 0; i < 15; i++) {
      // A different file each time, so nothing is deduplicated.
      big.writeUInt32BE(i, big.length - 20);
      const data = big.toString('base64');
      const start = performance.now();
      await call<MediaFile>(tandem, 'media.upload', { data });
      if (i >= 3) uploadTimes.push(performance.now() - start);
    }

    const app = fakeApp();
    const host = new URL(mastodon.url).host;
    const sides: Record<Exclude<Platform, 'bluesky'>, { en: [string, unknown]; fr: [string, unknown] }> = {
      x: { en: ['Bench_eng', xCredentials(fakeAccount(x, 'Bench_eng', app))], fr: ['Bench_fra', xCredentials(fakeAccount(x, 'Bench_fra', app))] },
      mastodon: {
        en: [`Bench_eng@${host}`, mastodonCredentials(mastodon, mastodon.addAccount('Bench_eng'))],
        fr: [`Bench_fra@${host}`, mastodonCredentials(mastodon, mastodon.addAccount('Bench_fra'))],
      },
      facebook: { en: ['Bench.eng', facebookCredentials(fakePage(facebook, { username: 'Bench.eng' }))], fr: ['Bench.fra', facebookCredentials(fakePage(facebook, { username: 'Bench.fra' }))] },
      linkedin: { en: ['bench-eng', linkedinCredentials(fakeOrganization(linkedin, 'bench-eng'))], fr: ['bench-fra', linkedinCredentials(fakeOrganization(linkedin, 'bench-fra'))] },
    };
    const channelIds: string[] = [];
    for (const [platform, side] of Object.entries(sides)) {
      const channel = await call<Channel>(tandem, 'accounts.addPair', {
        platform,
        name: platform,
        en: { handle: side.en[0], displayName: 'EN', credentials: side.en[1] },
        fr: { handle: side.fr[0], displayName: 'FR', credentials: side.fr[1] },
      });
      await call(tandem, 'accounts.setSelfApproval', { channelId: channel.id, allowed: true });
      channelIds.push(channel.id);
    }

    const pairs = 20;
    progress(`part 4: ${pairs} pairs with two 1 MB images to four platforms…`);
    const sendMs: Record<string, number[]> = {};
    const skewMs: Record<string, number[]> = {};
    for (let i = 0; i < pairs; i++) {
      const images = await Promise.all(
        [0, 1].map((n) => call<MediaFile>(tandem, 'media.upload', { data: makePng(8, 8 + n, { padTo: 1_000_000, colour: [i, n, 90] }).toString('base64') })),
      );
      const media = images.map((file) => ({ en: file.id, fr: file.id, altEn: 'Chart of housing starts', altFr: 'Graphique des mises en chantier' }));
      let pair = await call<Pair>(tandem, 'pairs.create', { channelIds, enText: `Housing starts, release ${i}`, frText: `Mises en chantier, communiqué ${i}`, media, authorTz: 'UTC' });
      pair = await call<Pair>(tandem, 'pairs.submitForReview', { id: pair.id, version: pair.version });
      pair = await call<Pair>(tandem, 'pairs.approve', { id: pair.id, version: pair.version, comment: '' });
      const due = Date.now();
      pair = await call<Pair>(tandem, 'pairs.schedule', { id: pair.id, version: pair.version, when: 'now' });
      for (;;) {
        const current = (await tandem.pairs.get(pair.id))!;
        if (current.status === 'published') {
          for (const platform of Object.keys(sides)) {
            const sent = current.deliveries.filter((d) => d.platform === platform).map((d) => Date.parse(d.sentAt!));
            (sendMs[platform] ??= []).push(...sent.map((at) => at - due));
            (skewMs[platform] ??= []).push(Math.abs(sent[0]! - sent[1]!));
          }
          break;
        }
        if (current.status === 'failed' || current.status === 'partial' || current.status === 'held') {
          throw new Error(`pair ${i} ended ${current.status}: ${JSON.stringify(current.deliveries.map((d) => d.lastError))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    const summaries = (values: Record<string, number[]>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, roundSummary(summarize(v))]));
    return {
      liveLimitsMs,
      uploadMs: roundSummary(summarize(uploadTimes)),
      uploadMb: round(big.length / 1024 / 1024, 1),
      pairs,
      sendMs: summaries(sendMs),
      skewMs: summaries(skewMs),
    };
  } finally {
    await tandem.close();
    await Promise.all([x.stop(), mastodon.stop(), facebook.stop(), linkedin.stop()]);
  }
}
