// The web harness answers only its own page, like Electron's sender check: a call body larger
// than any call needs is refused without being kept, and another site's page gets no event stream.
// Each browser is its own client, named by a cookie the harness sets: several people can be
// signed in from several browsers at the same time, each hearing only of what they may see.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCookie, maxBodyBytes, startHarness, type Harness } from '../harness/server';
import { passphraseOf, startTestApp, tempDir, waitFor, type TestApp } from '../support';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import type { Pair } from '../../src/shared/domain';

let t: TestApp;
let harness: Harness;
beforeAll(async () => {
  t = await startTestApp();
  const renderer = tempDir('tandem-renderer-');
  fs.writeFileSync(
    path.join(renderer, 'index.html'),
    '<!doctype html><title>Tandem</title><script type="module" src="/app.js"></script>',
  );
  harness = await startHarness(t.tandem, renderer);
});
afterAll(async () => {
  await harness?.close();
  await t?.cleanup();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over loopback, with exactly these headers; `chunks` are written one by one (no length). */
interface Sent {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  chunks?: Buffer[];
}

function request(path: string, { method = 'GET', headers = {}, body, chunks }: Sent): Promise<Answer> {
  const url = new URL(path, harness.url);
  return new Promise((resolve, reject) => {
    const target = { host: url.hostname, port: url.port, path: url.pathname, method, headers, agent: false };
    const req = http.request(target, (res) => {
      const parts: Buffer[] = [];
      // The event stream never ends by itself: its first lines are enough.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        res.once('data', (chunk: Buffer) => {
          resolve({ status: res.statusCode!, headers: res.headers, body: chunk.toString('utf8') });
          res.destroy();
        });
        return;
      }
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') });
      });
    });
    // Writing may fail once the server has answered and closed; the answer is what counts.
    req.on('error', reject);
    if (chunks) {
      const writeNext = (i: number): void => {
        if (i === chunks.length) return void req.end();
        if (req.write(chunks[i]!)) writeNext(i + 1);
        else req.once('drain', () => writeNext(i + 1));
      };
      writeNext(0);
    } else {
      req.end(body);
    }
  });
}

/** A browser without a browser: loads the page once and keeps the cookie it was given. */
async function newBrowser(): Promise<string> {
  const page = await request('/', { headers: { host: new URL(harness.url).host } });
  expect(page.status).toBe(200);
  const [cookie] = page.headers['set-cookie'] ?? [];
  return cookie!.split(';')[0]!;
}

/** The test's own client: the admin signed in on it when the test app started. */
const testBrowser = () => {
  const { name, value } = harness.cookieFor(t.caller.client);
  return `${name}=${value}`;
};

const own = (cookie = testBrowser()) => ({
  host: new URL(harness.url).host,
  origin: harness.url,
  'content-type': 'application/json',
  cookie,
});
const callAs = (headers: Record<string, string>, method: string, input?: unknown) =>
  request('/api/call', { method: 'POST', headers, body: JSON.stringify({ method, input }) });
const value = async <T>(cookie: string, method: string, input?: unknown): Promise<T> => {
  const answer = await callAs(own(cookie), method, input);
  expect(answer.status).toBe(200);
  const result = JSON.parse(answer.body) as { ok: true; value: T } | { ok: false; error: { code: string } };
  if (!result.ok) throw new Error(`${method}: ${result.error.code}`);
  return result.value;
};
const whoIs = async (cookie: string) =>
  (await value<{ user: { username: string } | null }>(cookie, 'session.current')).user?.username ?? null;

/** The events one browser's stream carries, as they arrive; resolves once the stream is open. */
async function listen(cookie: string): Promise<{ heard: { event: string; payload: unknown }[]; close(): void }> {
  const heard: { event: string; payload: unknown }[] = [];
  const url = new URL('/api/events', harness.url);
  let opened: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const req = http.get(
    { host: url.hostname, port: url.port, path: url.pathname, headers: { host: url.host, cookie }, agent: false },
    (res) => {
      opened();
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        for (const block of blocks)
          if (block.startsWith('data: ')) heard.push(JSON.parse(block.slice(6)) as (typeof heard)[number]);
      });
    },
  );
  // Closing the stream from this side ends the request; nothing else is expected of it.
  req.on('error', () => undefined);
  await open;
  return { heard, close: () => req.destroy() };
}

describe('the web harness', () => {
  it('answers its own page, as the person signed in on that browser', async () => {
    const answer = await callAs(own(), 'session.current');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: true, value: { user: { username: 'admin' } } });
    // Another browser is another client: nobody is signed in on it.
    expect(await whoIs(await newBrowser())).toBeNull();
  });

  it('names each browser with an HttpOnly, SameSite=Strict cookie on its first page load, and keeps it', async () => {
    const first = await request('/', { headers: { host: new URL(harness.url).host } });
    const [cookie] = first.headers['set-cookie'] ?? [];
    expect(cookie).toMatch(new RegExp(`^${clientCookie}=[A-Za-z0-9_-]{32}; Path=/; HttpOnly; SameSite=Strict$`));
    const again = await request('/', { headers: { host: new URL(harness.url).host, cookie: cookie!.split(';')[0]! } });
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(await newBrowser()).not.toBe(cookie!.split(';')[0]);
    // A cookie the harness never set names nobody: the page gets a new one.
    const forged = await request('/', {
      headers: { host: new URL(harness.url).host, cookie: `${clientCookie}=chosen-by-someone-else` },
    });
    expect(forged.headers['set-cookie']?.[0]).not.toContain('chosen-by-someone-else');
  });

  it('refuses a call or an event stream without a cookie it set', async () => {
    for (const cookie of ['', `${clientCookie}=chosen-by-someone-else`]) {
      const answer = await callAs(own(cookie), 'session.current');
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'ipc.untrusted' } });
      expect((await request('/api/events', { headers: { host: new URL(harness.url).host, cookie } })).status).toBe(403);
    }
  });

  it('keeps two browsers signed in as different people at the same time, each hearing only of its own pairs', async () => {
    const a = await t.addChannel('A');
    const app = fakeApp();
    const b = await t.addChannel('B', {
      accounts: { en: fakeAccount(t.fake, 'B_eng', app), fr: fakeAccount(t.fake, 'B_fra', app) },
    });
    await t.addUser('dana', ['drafter'], { channelId: a });
    await t.addUser('blake', ['drafter'], { channelId: b });
    const dana = await newBrowser();
    const blake = await newBrowser();
    await value(dana, 'session.signIn', { username: 'dana', passphrase: passphraseOf('dana') });
    await value(blake, 'session.signIn', { username: 'blake', passphrase: passphraseOf('blake') });
    expect([await whoIs(dana), await whoIs(blake), await whoIs(testBrowser())]).toEqual(['dana', 'blake', 'admin']);

    const danaHears = await listen(dana);
    const blakeHears = await listen(blake);
    try {
      const create = (cookie: string, channelId: string, text: string) =>
        value<Pair>(cookie, 'pairs.create', {
          channelIds: [channelId],
          enText: text,
          frText: `${text} FR`,
          authorTz: 'America/Toronto',
        });
      const [onA, onB] = await Promise.all([create(dana, a, 'Dana on A'), create(blake, b, 'Blake on B')]);
      expect([onA.createdBy, onB.createdBy]).toEqual(['dana', 'blake']);
      expect((await value<Pair[]>(dana, 'pairs.list')).map((p) => p.id)).toEqual([onA.id]);
      expect((await value<Pair[]>(blake, 'pairs.list')).map((p) => p.id)).toEqual([onB.id]);

      const pairIds = (heard: typeof danaHears.heard) =>
        heard.filter((e) => e.event === 'pairs.changed').flatMap((e) => (e.payload as { pairIds: string[] }).pairIds);
      await waitFor(() => pairIds(danaHears.heard).length > 0 && pairIds(blakeHears.heard).length > 0);
      t.tandem.events.emit('pairs.changed', { pairIds: [onA.id, onB.id] });
      await waitFor(() => pairIds(danaHears.heard).length > 1 && pairIds(blakeHears.heard).length > 1);
      expect(pairIds(danaHears.heard)).toEqual([onA.id, onA.id]);
      expect(pairIds(blakeHears.heard)).toEqual([onB.id, onB.id]);

      // One signs out; the other stays signed in.
      await value(dana, 'session.signOut');
      expect([await whoIs(dana), await whoIs(blake)]).toEqual([null, 'blake']);
      expect(JSON.parse((await callAs(own(dana), 'pairs.list')).body)).toEqual({
        ok: false,
        error: { code: 'auth.required' },
      });
    } finally {
      danaHears.close();
      blakeHears.close();
    }
  });

  it('refuses a call body larger than the limit with 413, and keeps serving', async () => {
    const tooLarge = JSON.stringify({ method: 'media.upload', input: { data: 'A'.repeat(maxBodyBytes) } });
    const declared = await request('/api/call', { method: 'POST', headers: own(), body: tooLarge });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ ok: false, error: { code: 'input.tooLarge' } });

    // Without a declared length, counted as it arrives.
    const chunk = Buffer.alloc(1024 * 1024, 'A');
    const streamed = await request('/api/call', {
      method: 'POST',
      headers: { ...own(), 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: Math.ceil(maxBodyBytes / chunk.length) + 2 }, () => chunk),
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({ ok: false, error: { code: 'input.tooLarge' } });

    expect((await callAs(own(), 'session.current')).status).toBe(200);
  });

  it('lets an image at the upload limit through (refused by main for what it is, not by the harness)', async () => {
    const data = Buffer.alloc(16 * 1024 * 1024, 1).toString('base64');
    const answer = await callAs(own(), 'media.upload', { data });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'media.unreadable' } });
  });

  it('gives the event stream to its own page only', async () => {
    const { host, cookie } = own();
    const sameOrigin = await request('/api/events', { headers: { host, cookie } });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.body).toContain(': connected');
    expect((await request('/api/events', { headers: { host, cookie, origin: harness.url } })).status).toBe(200);

    const otherSite = await request('/api/events', { headers: { host, cookie, origin: 'http://attacker.example' } });
    expect(otherSite.status).toBe(403);
    expect(otherSite.headers['content-type']).not.toContain('text/event-stream');
    expect((await request('/api/events', { headers: { host, cookie, origin: 'null' } })).status).toBe(403);
    // A page served under another name for this address (DNS rebinding) gets nothing either.
    expect((await request('/api/events', { headers: { host: 'attacker.example', cookie } })).status).toBe(403);
  });

  it('refuses calls from another site, as before', async () => {
    const answer = await callAs({ ...own(), origin: 'http://attacker.example' }, 'session.current');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'ipc.untrusted' } });
  });
});
