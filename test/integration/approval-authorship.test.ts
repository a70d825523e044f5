// Nobody approves text they wrote: who wrote or edited each language is recorded per language,
// approval is refused to any of them (unless the account pair allows self-approval), and the
// records export names the people who really wrote each language.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, waitFor, type TestApp } from '../support';
import type { Pair } from '../../src/shared/domain';
import type { PublishedRecord } from '../../src/main/services/records';
import { makePng } from '../fakes/images';

const tz = 'America/Toronto';
let t: TestApp;
let channelId: string;

beforeEach(async () => {
  t = await startTestApp();
  channelId = await t.addChannel('Statistics', { allowSelfApproval: false });
  await t.addUser('dana', ['drafter']);
  await t.addUser('theo', ['translator', 'approver']);
  await t.addUser('alex', ['approver']);
  await t.addUser('pat', ['publisher']);
});
afterEach(async () => t.cleanup());

const call = <T = Pair>(method: string, input?: unknown) => t.call<T>(method, input);

/** Dana drafts the English, Theo writes the French, Dana edits her English and submits. */
async function draftedTranslatedEdited(): Promise<Pair> {
  await t.signInAs('dana');
  let pair = await call('pairs.create', { channelIds: [channelId], enText: 'Population estimates, Q3', frText: '', authorTz: tz });
  pair = await call('pairs.requestTranslation', { id: pair.id, version: pair.version });
  await t.signInAs('theo');
  pair = await call('pairs.update', { id: pair.id, version: pair.version, enText: pair.enText, frText: 'Estimations de la population, T3' });
  await t.signInAs('dana');
  pair = await call('pairs.update', { id: pair.id, version: pair.version, enText: 'Population estimates, third quarter', frText: pair.frText });
  return call('pairs.submitForReview', { id: pair.id, version: pair.version });
}

describe('who wrote each language', () => {
  it('the translator who wrote the French cannot approve it after the drafter submitted it', async () => {
    const pair = await draftedTranslatedEdited();
    expect(pair.writtenBy).toEqual({ en: ['dana'], fr: ['theo'] });
    expect(pair.translatedBy).toBe('theo');

    await t.signInAs('theo');
    expect(await t.tandem.dispatch(t.caller, 'pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' })).toEqual({
      ok: false,
      error: { code: 'approval.selfNotAllowed' },
    });
    // Someone who wrote neither language approves it.
    await t.signInAs('alex');
    const approved = await call('pairs.approve', { id: pair.id, version: pair.version, comment: 'Both read' });
    expect(approved.approval).toMatchObject({ by: 'alex', version: pair.version });
  });

  it('changing only the French alt text of an image makes that person a writer of the French', async () => {
    await t.signInAs('admin');
    const image = await call<{ id: string }>('media.upload', { data: makePng(40, 30).toString('base64') });
    await t.signInAs('dana');
    let pair = await call('pairs.create', {
      channelIds: [channelId],
      enText: 'Chart of the day',
      frText: 'Graphique du jour',
      authorTz: tz,
      media: [{ en: image.id, fr: image.id, altEn: 'A bar chart', altFr: 'Un graphique' }],
    });
    await t.signInAs('theo');
    pair = await call('pairs.update', {
      id: pair.id,
      version: pair.version,
      enText: pair.enText,
      frText: pair.frText,
      media: [{ en: image.id, fr: image.id, altEn: 'A bar chart', altFr: 'Un graphique à barres' }],
    });
    expect(pair.writtenBy).toEqual({ en: ['dana'], fr: ['dana', 'theo'] });
    pair = await call('pairs.submitForReview', { id: pair.id, version: pair.version });
    expect(await t.tandem.dispatch(t.caller, 'pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' })).toMatchObject({
      ok: false,
      error: { code: 'approval.selfNotAllowed' },
    });
  });

  it('the records export names who wrote each language, not who pressed submit', async () => {
    let pair = await draftedTranslatedEdited();
    await t.signInAs('alex');
    pair = await call('pairs.approve', { id: pair.id, version: pair.version, comment: 'Both read' });
    await t.signInAs('pat');
    pair = await call('pairs.schedule', { id: pair.id, version: pair.version, when: 'now' });
    await t.signInAs('admin');
    await waitFor(async () => (await call<Pair[]>('pairs.list', {})).find((p) => p.id === pair.id)?.status === 'published', 8_000, 'published');
    const file = await call<{ content: string }>('audit.exportPublished', { format: 'json' });
    const [record] = (JSON.parse(file.content) as { pairs: PublishedRecord[] }).pairs;
    expect(record).toMatchObject({ draftedBy: 'dana', translatedBy: 'theo', enWrittenBy: 'dana', frWrittenBy: 'theo', approvedBy: 'alex', publishedBy: 'pat' });
  });
});
