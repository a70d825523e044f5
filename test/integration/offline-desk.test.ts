// A desk joined to a workspace, on a laptop that loses its network (both engines): drafting goes on
// from the desk's copy, changes are queued in order and sent once on reconnect (even when an
// answer was lost on the way), approving needs the workspace, a pair someone else changed meanwhile
// waits for the person's choice with both versions shown, and nothing typed is lost.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TandemServer } from '../../src/server/server';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { WorkspaceDesk } from '../../src/main/remote/workspace';
import { createLogger } from '../../src/main/log';
import type { Outbox, PairPage, PairReview, Result, Waiting } from '../../src/shared/contract';
import type { MediaFile, Pair, User } from '../../src/shared/domain';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import { makePng } from '../fakes/images';
import { memoryTokens, passphraseOf, startTestApp, tempDir, waitFor, type TestApp } from '../support';

let t: TestApp | undefined;
let server: TandemServer | undefined;
const desks: WorkspaceDesk[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const desk of desks.splice(0)) await desk.shutdown();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
  await t?.cleanup();
  t = undefined;
});

const tz = 'America/Toronto';
const w = { client: 'window' };

/** The workspace on a fixed port, so it can go away and come back at the same address. */
async function serveAt(port: number): Promise<void> {
  server = await startServer(t!.tandem, { host: '127.0.0.1', port, log: createLogger(() => undefined) });
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function workspace(): Promise<{ port: number; channelId: string }> {
  t = await startTestApp({ secrets: (sql) => new SealedSecretStore(sql, randomBytes(32)) });
  await t.tandem.ready;
  const channelId = await t.addChannel();
  await t.addUser('dana', ['drafter', 'translator'], { channelId });
  const port = await freePort();
  await serveAt(port);
  return { port, channelId };
}

function desk(url: string, dataDir = tempDir('tandem-desk-')): WorkspaceDesk {
  const made = new WorkspaceDesk({ url, tokens: memoryTokens(), dataDir, timeoutMs: 3_000, retryMs: 100, log: createLogger(() => undefined) });
  desks.push(made);
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return made;
}

async function call<T>(d: WorkspaceDesk, method: string, input?: unknown): Promise<T> {
  const result = await d.dispatch(w, method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code}`);
  return result.value as T;
}

const workspacePairs = async () => (await t!.call<Pair[]>('pairs.list', { limit: 100 })).filter((p) => p.createdBy === 'dana');

async function signedInDesk(url: string): Promise<WorkspaceDesk> {
  const d = desk(url);
  await call(d, 'session.signIn', { username: 'dana', passphrase: passphraseOf('dana') });
  await call(d, 'session.current');
  await d.sync();
  return d;
}

describe('a desk offline', () => {
  it('drafts, edits, adds an image and submits offline; on reconnect each change reaches the workspace once, in order', async () => {
    const { port, channelId } = await workspace();
    const d = await signedInDesk(`http://127.0.0.1:${port}`);
    const online = await call<Pair>(d, 'pairs.create', { channelIds: [channelId], enText: 'Online draft', frText: '', authorTz: tz, media: [] });

    await server!.close();
    server = undefined;
    // The first call to fail finds the workspace gone; the desk works from its copy from then on.
    const draft = await call<Pair>(d, 'pairs.create', { channelIds: [channelId], enText: 'Offline draft', frText: '', authorTz: tz, media: [] });
    expect(d.reachable).toBe(false);
    const image = await call<MediaFile>(d, 'media.upload', { data: makePng(40, 30).toString('base64') });
    const edited = await call<Pair>(d, 'pairs.update', {
      id: draft.id,
      version: draft.version,
      enText: 'Offline draft, edited',
      frText: 'Ébauche hors ligne',
      media: [{ en: image.id, fr: image.id, altEn: 'A chart', altFr: 'Un graphique' }],
    });
    expect(edited).toMatchObject({ version: 2, media: [{ altEn: 'A chart', altFr: 'Un graphique' }] });
    const translated = await call<Pair>(d, 'pairs.update', { id: online.id, version: online.version, enText: 'Online draft', frText: 'Ébauche en ligne' });
    const submitted = await call<Pair>(d, 'pairs.submitForReview', { id: edited.id, version: edited.version });
    expect(submitted.status).toBe('review');

    // The queue shows what the person did, the image reads back, approving needs the workspace.
    const list = await call<Pair[]>(d, 'pairs.list', { limit: 10 });
    expect(list.map((p) => [p.enText, p.status])).toEqual([
      ['Offline draft, edited', 'review'],
      ['Online draft', 'draft'],
    ]);
    expect(await call<{ mime: string }>(d, 'media.read', { id: image.id })).toMatchObject({ mime: 'image/png' });
    expect(await d.dispatch(w, 'pairs.approve', { id: draft.id, version: 2, comment: 'ok' })).toEqual({ ok: false, error: { code: 'workspace.offline' } });
    // Text the workspace could not store is refused here and now, as it would be online, not queued.
    expect(await d.dispatch(w, 'pairs.create', { channelIds: [channelId], enText: 'Broken \0 paste', frText: '', authorTz: tz, media: [] })).toEqual({
      ok: false,
      error: { code: 'input.invalidCharacters', params: { field: 'enText' } },
    });
    expect((await call<Outbox>(d, 'outbox.list')).status).toEqual({ joined: true, online: false, waiting: 5, conflicts: 0, refused: 0 });
    expect((await call<{ user: { username: string } }>(d, 'session.current')).user.username).toBe('dana');
    // Still in the copy after the desk restarts (a laptop closed and opened again).
    expect(await workspacePairs()).toHaveLength(1);

    await serveAt(port);
    await waitFor(async () => (await call<Outbox>(d, 'outbox.list')).status.online && (await call<Outbox>(d, 'outbox.list')).entries.length === 0, 10_000, 'the outbox sent');
    const there = await workspacePairs();
    expect(there.map((p) => [p.id, p.enText, p.frText, p.status, p.version]).sort()).toEqual(
      [
        [draft.id, 'Offline draft, edited', 'Ébauche hors ligne', 'review', 2],
        [online.id, 'Online draft', 'Ébauche en ligne', 'draft', translated.version],
      ].sort(),
    );
    expect(there.find((p) => p.id === draft.id)!.media).toMatchObject([{ altEn: 'A chart', altFr: 'Un graphique', en: { id: image.id } }]);
    expect((await t!.call<{ events: { actor: string; action: string }[] }>('audit.list', { limit: 50 })).events.filter((e) => e.actor === 'dana' && e.action === 'pair.created')).toHaveLength(2);
  });

  it('answers the queue, Waiting for me and one pair from its copy as the workspace did; rescheduling and duplicating need the workspace', async () => {
    const { port, channelId } = await workspace();
    const app = fakeApp();
    const hidden = await t!.addChannel('Hidden', { accounts: { en: fakeAccount(t!.fake, 'Hidden_eng', app), fr: fakeAccount(t!.fake, 'Hidden_fra', app) } });
    const notHers = await t!.call<Pair>('pairs.create', { channelIds: [hidden], enText: 'General election', frText: 'Élection générale', authorTz: tz });
    const d = await signedInDesk(`http://127.0.0.1:${port}`);
    // Dana's draft the approver sends back, a pair to translate, pairs found by search in either language.
    let back = await call<Pair>(d, 'pairs.create', { channelIds: [channelId], enText: 'Housing starts', frText: 'Mises en chantier', authorTz: tz, media: [] });
    back = await call<Pair>(d, 'pairs.submitForReview', { id: back.id, version: back.version });
    back = await t!.call<Pair>('pairs.reject', { id: back.id, version: back.version, comment: 'Say “rose”' });
    await d.sync();
    back = await call<Pair>(d, 'pairs.update', { id: back.id, version: back.version, enText: 'Housing starts up', frText: 'Mises en chantier en hausse' });
    const toTranslate = await t!.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Election results', frText: '', authorTz: tz });
    await t!.call('pairs.requestTranslation', { id: toTranslate.id, version: toTranslate.version });
    await t!.call('pairs.create', { channelIds: [channelId], enText: 'Prices', frText: 'Les résultats de l’ÉLECTION', authorTz: tz });
    await t!.publish(channelId, 'Scheduled', 'Programmée', new Date(Date.now() + 3_600_000));
    await d.sync();
    // As the app does at start: the account pairs (their platforms) are kept for offline use.
    await call(d, 'accounts.list');

    const questions = [
      {},
      { search: 'election' },
      { search: '  RÉSULTATS  ' },
      { status: ['translation', 'scheduled'], sort: 'oldest' },
      { person: 'dana' },
      { platform: 'x', sort: 'scheduled', limit: 2 },
      { channelId: hidden },
    ];
    const online = [];
    for (const q of questions) online.push(await call<PairPage>(d, 'pairs.query', q));
    const secondPage = await call<PairPage>(d, 'pairs.query', { platform: 'x', sort: 'scheduled', limit: 2, after: online[5]!.next });
    const waitingOnline = await call<Waiting>(d, 'pairs.waiting');
    const openOnline = await call<PairReview>(d, 'pairs.open', { id: back.id });
    expect(waitingOnline.sentBack.pairs.map((p) => p.id)).toEqual([back.id]);
    expect(waitingOnline.translate.pairs.map((p) => p.id)).toEqual([toTranslate.id]);
    expect(online[1]!.pairs).toHaveLength(2);
    expect(online[0]!.counts).toMatchObject({ draft: 1, translation: 2, scheduled: 1 });
    expect(openOnline.previous).toMatchObject({ version: 1, enText: 'Housing starts', decision: 'rejected', by: 'admin' });

    await server!.close();
    server = undefined;
    await waitFor(async () => !d.reachable, 10_000, 'offline');
    for (const [i, q] of questions.entries()) expect({ q, page: await call<PairPage>(d, 'pairs.query', q) }).toEqual({ q, page: online[i] });
    expect(await call<PairPage>(d, 'pairs.query', { platform: 'x', sort: 'scheduled', limit: 2, after: online[5]!.next })).toEqual(secondPage);
    expect(await d.dispatch(w, 'pairs.query', { after: 'bm90IGEgY3Vyc29y' })).toEqual({ ok: false, error: { code: 'input.invalid', params: { field: 'after' } } });
    expect(await call<Waiting>(d, 'pairs.waiting')).toEqual(waitingOnline);
    // One pair: what changed since the last decision as the workspace said; deciding and duplicating need it.
    expect(await call<PairReview>(d, 'pairs.open', { id: back.id })).toEqual({ ...openOnline, can: { ...openOnline.can, duplicate: false } });
    expect(openOnline.can).toMatchObject({ edit: true, duplicate: true });
    expect(await d.dispatch(w, 'pairs.open', { id: notHers.id })).toEqual({ ok: false, error: { code: 'pair.unknown' } });
    expect(await d.dispatch(w, 'pairs.duplicate', { id: back.id })).toEqual({ ok: false, error: { code: 'workspace.offline' } });
    expect(await d.dispatch(w, 'pairs.reschedule', { id: back.id, version: back.version, scheduledAt: new Date(Date.now() + 7_200_000).toISOString() })).toEqual({
      ok: false,
      error: { code: 'workspace.offline' },
    });
    // An edit made offline shows in the copy's answers at once: the sent-back draft is in review now.
    const edited = await call<Pair>(d, 'pairs.update', { id: back.id, version: back.version, enText: 'Housing starts rose', frText: 'Les mises en chantier ont augmenté' });
    await call<Pair>(d, 'pairs.submitForReview', { id: edited.id, version: edited.version });
    expect((await call<Waiting>(d, 'pairs.waiting')).sentBack).toEqual({ count: 0, pairs: [] });
    expect((await call<PairPage>(d, 'pairs.query', { search: 'augmenté' })).pairs.map((p) => [p.id, p.status])).toEqual([[back.id, 'review']]);
  });

  it('sends a change whose answer was lost once: the retry gets the first answer', async () => {
    const { port, channelId } = await workspace();
    // Between desk and workspace: a proxy that loses the answer to the first change it carries.
    let lose = true;
    const proxy = http.createServer((req, res) => {
      const upstream = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        if (lose && req.headers['idempotency-key']) {
          lose = false;
          answer.resume();
          answer.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.socket?.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      proxy.closeAllConnections();
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    });
    const d = await signedInDesk(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    const pair = await call<Pair>(d, 'pairs.create', { channelIds: [channelId], enText: 'Sent once', frText: '', authorTz: tz, media: [] });
    expect(pair.enText).toBe('Sent once');
    await waitFor(async () => (await call<Outbox>(d, 'outbox.list')).entries.length === 0 && d.reachable, 10_000, 'the retry sent');
    expect((await workspacePairs()).map((p) => [p.id, p.enText])).toEqual([[pair.id, 'Sent once']]);
  });

  it('shows a pair someone else changed meanwhile side by side; keeping mine or theirs loses nothing the person did not choose to drop', async () => {
    const { port, channelId } = await workspace();
    const d = await signedInDesk(`http://127.0.0.1:${port}`);
    const a = await call<Pair>(d, 'pairs.create', { channelIds: [channelId], enText: 'Shared A', frText: '', authorTz: tz, media: [] });
    const b = await call<Pair>(d, 'pairs.create', { channelIds: [channelId], enText: 'Shared B', frText: '', authorTz: tz, media: [] });
    await d.sync();
    await server!.close();
    server = undefined;

    const mineA = await call<Pair>(d, 'pairs.update', { id: a.id, version: a.version, enText: 'Mine A', frText: 'À moi A' }).catch(async () =>
      // The first call finds the workspace gone and goes on offline.
      call<Pair>(d, 'pairs.update', { id: a.id, version: a.version, enText: 'Mine A', frText: 'À moi A' }),
    );
    await call<Pair>(d, 'pairs.submitForReview', { id: mineA.id, version: mineA.version });
    await call<Pair>(d, 'pairs.update', { id: b.id, version: b.version, enText: 'Mine B', frText: 'À moi B' });
    // Meanwhile the administrator edits both at the workspace.
    await t!.call('pairs.update', { id: a.id, version: a.version, enText: 'Theirs A', frText: 'À eux A' });
    await t!.call('pairs.update', { id: b.id, version: b.version, enText: 'Theirs B', frText: 'À eux B' });

    await serveAt(port);
    const settled = await waitFor(async () => {
      const outbox = await call<Outbox>(d, 'outbox.list');
      // The workspace's versions arrive with the pull that follows sending.
      const ready = outbox.status.conflicts === 2 && outbox.entries.every((e) => e.state !== 'conflict' || e.theirs !== null);
      return outbox.status.online && ready ? outbox : null;
    }, 10_000, 'two conflicts');
    const conflictA = settled.entries.find((e) => e.pairId === a.id && e.state === 'conflict')!;
    const conflictB = settled.entries.find((e) => e.pairId === b.id)!;
    expect(conflictA).toMatchObject({ method: 'pairs.update', mine: { enText: 'Mine A', frText: 'À moi A' }, theirs: { enText: 'Theirs A', frText: 'À eux A' } });
    expect(conflictB).toMatchObject({ mine: { enText: 'Mine B' }, theirs: { enText: 'Theirs B' } });
    // The submit made on top of A waits behind its conflict.
    expect(settled.entries.filter((e) => e.pairId === a.id).map((e) => [e.method, e.state])).toEqual([
      ['pairs.update', 'conflict'],
      ['pairs.submitForReview', 'waiting'],
    ]);

    // Mine for A: my text goes over theirs, then my submit follows. Theirs for B: mine is dropped.
    await call(d, 'outbox.resolve', { id: conflictA.id, keep: 'mine' });
    await call(d, 'outbox.resolve', { id: conflictB.id, keep: 'theirs' });
    await waitFor(async () => (await call<Outbox>(d, 'outbox.list')).entries.length === 0, 10_000, 'the outbox empty');
    const there = await workspacePairs();
    expect(there.find((p) => p.id === a.id)).toMatchObject({ enText: 'Mine A', frText: 'À moi A', status: 'review' });
    expect(there.find((p) => p.id === b.id)).toMatchObject({ enText: 'Theirs B', frText: 'À eux B' });
    const copy = await call<Pair[]>(d, 'pairs.list', { limit: 10 });
    expect(copy.find((p) => p.id === b.id)?.enText).toBe('Theirs B');
  });

  it('keeps the copy and the outbox across a restart of the desk, and sends when the workspace is back', async () => {
    const { port, channelId } = await workspace();
    const dataDir = tempDir('tandem-desk-');
    const tokens = memoryTokens();
    const first = new WorkspaceDesk({ url: `http://127.0.0.1:${port}`, tokens, dataDir, timeoutMs: 3_000, retryMs: 100, log: createLogger(() => undefined) });
    await call(first, 'session.signIn', { username: 'dana', passphrase: passphraseOf('dana') });
    await call(first, 'session.current');
    await first.sync();
    await server!.close();
    server = undefined;
    const pair = (await first.dispatch(w, 'pairs.create', { channelIds: [channelId], enText: 'Before the lid closed', frText: '', authorTz: tz, media: [] })) as Result<Pair>;
    expect(pair.ok).toBe(true);
    await first.shutdown();

    const again = new WorkspaceDesk({ url: `http://127.0.0.1:${port}`, tokens, dataDir, timeoutMs: 3_000, retryMs: 100, log: createLogger(() => undefined) });
    desks.push(again);
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    expect((await call<Pair[]>(again, 'pairs.list', { limit: 10 })).map((p) => p.enText)).toEqual(['Before the lid closed']);
    await serveAt(port);
    await waitFor(async () => {
      await again.sync();
      return (await call<Outbox>(again, 'outbox.list')).entries.length === 0;
    }, 10_000, 'sent after the restart');
    expect((await workspacePairs()).map((p) => p.enText)).toEqual(['Before the lid closed']);
    expect(fs.existsSync(path.join(dataDir, 'copy.db'))).toBe(true);
  });
  it('notices the workspace went away without waiting for a call, and hears its events again once it is back', async () => {
    const { port, channelId } = await workspace();
    const d = await signedInDesk(`http://127.0.0.1:${port}`);
    const heard: string[] = [];
    d.events.subscribe(w.client, (event, payload) => {
      if (event === 'pairs.changed') heard.push(...(payload as { pairIds: string[] }).pairIds);
    });
    await server!.close();
    server = undefined;
    // Its event stream dropped: the desk asked, and works offline (the banner shows) with no call made.
    await waitFor(async () => !d.reachable, 10_000, 'offline without a call');
    await serveAt(port);
    await waitFor(async () => d.reachable, 10_000, 'back online');
    // What the reconnect pulled is told; from here on only the event stream can tell the desk.
    await d.sync();
    heard.length = 0;
    // The stream opens again within a second or so: the workspace edits a pair until the desk hears of it.
    let made = await t!.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Made at the workspace', frText: '', authorTz: tz });
    const deadline = Date.now() + 10_000;
    while (!heard.includes(made.id)) {
      if (Date.now() > deadline) throw new Error('the workspace’s events were not heard after it came back');
      await new Promise((resolve) => setTimeout(resolve, 300));
      made = await t!.call<Pair>('pairs.update', { id: made.id, version: made.version, enText: `${made.enText}.`, frText: '' });
    }
  });
});

describe('changes made offline outlive a sign-out', () => {
  it('keeps a person’s unsent changes when they sign out, counts them against leaving, and sends them when they sign in again', async () => {
    const { port, channelId } = await workspace();
    const d = await signedInDesk(`http://127.0.0.1:${port}`);
    await server!.close();
    server = undefined;
    await call<Pair>(d, 'pairs.create', { channelIds: [channelId], enText: 'Written before signing out', frText: '', authorTz: tz, media: [] });
    await call(d, 'session.signOut');
    // Signed out: the copy is gone (it was her view), her change is not.
    expect(d.unsent).toBe(1);
    await serveAt(port);
    await call(d, 'session.signIn', { username: 'dana', passphrase: passphraseOf('dana') });
    await call(d, 'session.current');
    await waitFor(async () => {
      await d.sync();
      return d.unsent === 0;
    }, 10_000, 'sent after signing in again');
    expect((await workspacePairs()).map((p) => p.enText)).toEqual(['Written before signing out']);
  });
});

describe('a desk’s copy follows the person’s roles', () => {
  it('drops the pairs of an account pair whose role ended, at the next pull, and keeps the rest', async () => {
    const { port, channelId } = await workspace();
    const app = fakeApp();
    const campaign = await t!.addChannel('Campaign', { accounts: { en: fakeAccount(t!.fake, 'Campaign_eng', app), fr: fakeAccount(t!.fake, 'Campaign_fra', app) } });
    const dana = (await t!.call<User[]>('users.list')).find((u) => u.username === 'dana')!;
    // An agency's campaign access: ends in a moment, with no one revoking it.
    await t!.call('roles.grant', { userId: dana.id, role: 'drafter', channelId: campaign, expiresAt: new Date(Date.now() + 1_500).toISOString() });
    await t!.call('pairs.create', { channelIds: [channelId], enText: 'Department pair', frText: '', authorTz: tz, media: [] });
    await t!.call('pairs.create', { channelIds: [campaign], enText: 'Campaign pair', frText: '', authorTz: tz, media: [] });
    const d = await signedInDesk(`http://127.0.0.1:${port}`);
    const held = async () => {
      await server!.close();
      server = undefined;
      // Read from the copy: the workspace is away.
      const list = await call<Pair[]>(d, 'pairs.list', { limit: 10 });
      await serveAt(port);
      await waitFor(() => d.reachable, 10_000, 'back online');
      return list.map((p) => p.enText).sort();
    };
    expect(await held()).toEqual(['Campaign pair', 'Department pair']);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await d.sync();
    expect(await held()).toEqual(['Department pair']);
  });
});
