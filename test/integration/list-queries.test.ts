// The queue costs a fixed number of queries whatever its length: a page of 40 pairs with images,
// deliveries, decisions and several writers reads the database as many times as a page of 2.
// Over a network (a team's PostgreSQL) a query per pair would be the queue's whole cost.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support';
import { makePng } from '../fakes/images';
import type { MediaFile, Pair } from '../../src/shared/domain';

let t: TestApp;
let statements: string[] = [];
let channel: string;

beforeEach(async () => {
  t = await startTestApp({ traceSql: (sql) => statements.push(sql) });
  channel = await t.addChannel('Department');
});
afterEach(async () => t.cleanup());

async function makePairs(count: number): Promise<void> {
  const image = await t.call<MediaFile>('media.upload', { data: makePng(40, 30).toString('base64') });
  const other = await t.call<MediaFile>('media.upload', { data: makePng(30, 40).toString('base64') });
  for (let i = 0; i < count; i++) {
    const media = [
      { en: image.id, fr: other.id, altEn: `Chart ${i}`, altFr: `Graphique ${i}` },
      { en: other.id, fr: other.id, altEn: `Table ${i}`, altFr: `Tableau ${i}` },
    ];
    let pair = await t.call<Pair>('pairs.create', { enText: `Release ${i}`, frText: `Diffusion ${i}`, channelIds: [channel], media, authorTz: 'America/Toronto' });
    if (i % 2 === 0) {
      // Every other pair is approved and scheduled: decisions and deliveries to read.
      pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
      pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'OK' });
      await t.call('pairs.schedule', { id: pair.id, version: pair.version, when: 'at', scheduledAt: new Date(Date.now() + 86_400_000).toISOString() });
    }
  }
}

/** The statements `pairs.list` runs for a page of `limit`, and what it returned. */
async function listing(limit: number): Promise<{ count: number; pairs: Pair[] }> {
  statements = [];
  const pairs = await t.call<Pair[]>('pairs.list', { limit });
  // Sign-in and permission reads are per call, not per pair; count everything the call ran.
  return { count: statements.length, pairs };
}

describe('the queue reads a page in a fixed number of queries', () => {
  it('runs as many statements for 40 pairs as for 2, and each pair is complete', async () => {
    await makePairs(40);
    // Only the call's own statements are counted: the publisher's timers and the audit trail's
    // check of new events (every 25 ms, on PostgreSQL 250 ms) would otherwise land in the middle.
    await t.tandem.publisher.stop();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const small = await listing(2);
    const large = await listing(40);
    expect(small.pairs).toHaveLength(2);
    expect(large.pairs).toHaveLength(40);
    expect(large.count).toBe(small.count);
    expect(large.count).toBeLessThanOrEqual(12);

    // What each pair shows is what it holds, read back through the single-pair path too.
    for (const pair of large.pairs) {
      expect(pair.media).toHaveLength(2);
      expect(pair.channelIds).toEqual([channel]);
      expect(pair).toEqual(await t.tandem.pairs.get(pair.id));
    }
    const scheduled = large.pairs.filter((p) => p.status === 'scheduled');
    expect(scheduled).toHaveLength(20);
    for (const pair of scheduled) {
      expect(pair.approval?.by).toBe('admin');
      expect(pair.deliveries.map((d) => d.lang)).toEqual(['en', 'fr']);
    }
    expect(large.pairs[0]!.media[0]!.altFr).toBe('Graphique 39');
  });
});
