// The X adapter (twitter-api-v2) against the loopback fake X API over real HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XAdapter } from '../../src/main/platforms/x';
import { PlatformError } from '../../src/main/platforms/types';
import { FakeX, credentialsOf, fakeAccount, type FakeXAccount } from '../fakes/x-api';

let fake: FakeX;
let account: FakeXAccount;
let x: XAdapter;
beforeEach(async () => {
  fake = new FakeX();
  await fake.start();
  account = fakeAccount(fake, 'StatCan_eng');
  x = new XAdapter({ apiBase: fake.url, timeoutMs: 500 });
});
afterEach(async () => {
  await fake.stop();
});

const publish = (text = 'Hello Canada') =>
  x.publish({ text, lang: 'en', handle: account.username, credentials: credentialsOf(account) });

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }
  throw new Error('expected a failure');
}

describe('POST /2/tweets', () => {
  it('sends a signed JSON request with the text and returns the post id and link', async () => {
    const published = await publish('Hello Canada');
    expect(fake.posts).toHaveLength(1);
    const [post] = fake.posts;
    expect(post!.body).toEqual({ text: 'Hello Canada' });
    expect(post!.contentType).toMatch(/^application\/json/);
    expect(published).toEqual({ remoteId: post!.id, remoteUrl: `https://x.com/StatCan_eng/status/${post!.id}` });
    expect(fake.requests).toEqual([{ method: 'POST', path: '/2/tweets', username: 'StatCan_eng', status: 201 }]);
  });

  it('is refused by the fake when signed with the wrong secret (the signature is really checked)', async () => {
    const error = await failure(
      x.publish({ text: 'Hi', lang: 'en', handle: account.username, credentials: { ...credentialsOf(account), accessSecret: 'wrong' } }),
    );
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
    expect(fake.posts).toHaveLength(0);
  });

  it('maps 429 to "rate limited" and waits until x-rate-limit-reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    fake.failNext('StatCan_eng', { status: 429, headers: { 'x-rate-limit-reset': String(reset), 'x-rate-limit-remaining': '0' } });
    const error = await failure(publish());
    expect(error.kind).toBe('rateLimited');
    expect(error.retryAt).toBe(reset * 1000);
  });

  it('maps 5xx to a server error whose outcome must be checked before resending', async () => {
    fake.failNext('StatCan_eng', { status: 503 });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info).toEqual({ code: 'platform.server', params: { status: 503 } });
  });

  it('maps a duplicate refusal to a permanent error', async () => {
    await publish('Same words');
    const error = await failure(publish('Same words'));
    expect(error.kind).toBe('permanent');
    expect(error.info.code).toBe('platform.duplicate');
  });

  it('maps other 4xx to "rejected", carrying the platform’s own explanation', async () => {
    fake.failNext('StatCan_eng', { status: 400, body: JSON.stringify({ title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.' }) });
    const error = await failure(publish());
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({
      code: 'platform.rejected',
      params: { status: 400, detail: 'One or more parameters to your request was invalid.' },
    });
  });

  it.each([
    ['a body that is not JSON', '<html>oops</html>'],
    ['JSON without a post id', JSON.stringify({ data: {} })],
    ['an id that is not a number', JSON.stringify({ data: { id: '../../evil', text: 'x' } })],
  ])('treats %s as a bad response', async (_name, body) => {
    fake.failNext('StatCan_eng', { status: 201, body });
    const error = await failure(publish());
    expect(error.info.code).toBe('platform.badResponse');
  });

  it('maps a timeout to an ambiguous network error (the post may have been made)', async () => {
    fake.failNext('StatCan_eng', { status: 201, delayMs: 1_500 });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.network');
  });

  it('maps a refused connection to "offline": nothing reached X, sending again is safe', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const offline = new XAdapter({ apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const error = await failure(offline.publish({ text: 'x', lang: 'en', handle: 'a', credentials: credentialsOf(account) }));
    expect(error.kind).toBe('offline');
    expect(error.info.code).toBe('platform.network');
  });
});

describe('GET /2/users/:id/tweets (reconciliation)', () => {
  const lookup = (text: string, since = Date.now() - 5_000) =>
    x.findPublished({ text, handle: account.username, remoteUserId: account.userId, credentials: credentialsOf(account), since });

  it('finds a post the account made since the claim, and its link', async () => {
    const published = await publish('Housing starts, October');
    expect(await lookup('Housing starts, October')).toEqual(published);
    const request = fake.requests.at(-1)!;
    expect(request).toEqual({ method: 'GET', path: `/2/users/${account.userId}/tweets`, username: 'StatCan_eng', status: 200 });
  });

  it('finds nothing when the text was never posted, or was posted before the claim', async () => {
    await publish('Old news');
    expect(await lookup('Never posted')).toBeNull();
    expect(await lookup('Old news', Date.now() + 120_000)).toBeNull();
  });

  it('matches the text X returns with t.co links and escaped entities', async () => {
    const { comparable } = await import('../../src/main/platforms/x');
    expect(comparable('Q&A <live> https://t.co/abc123')).toBe(comparable('Q&amp;A &lt;live&gt; https://www.statcan.gc.ca/en/q-and-a'));
    expect(comparable('Données : 5 %')).not.toBe(comparable('Données : 6 %'));
  });

  it('reads past the first page: a post buried under 150 newer ones is still found, not resent', async () => {
    const since = Date.now() - 1_000;
    await publish('Buried under newer posts');
    for (let i = 0; i < 150; i++) await publish(`Newer post ${i}`);
    const before = fake.requests.length;
    expect(await lookup('Buried under newer posts', since)).toMatchObject({ remoteId: expect.stringMatching(/^\d+$/) });
    const pages = fake.requests.slice(before).filter((r) => r.path === `/2/users/${account.userId}/tweets`);
    expect(pages).toHaveLength(2);
  });

  it('says it cannot tell, rather than "not posted", when the window holds more posts than it reads', async () => {
    const since = Date.now() - 1_000;
    for (let i = 0; i < 1_001; i++) await publish(`Busy day ${i}`);
    const error = await failure(lookup('Never posted', since));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.lookupIncomplete');
  }, 60_000);

  it('reports a failed look-up as an error, never as "not posted"', async () => {
    fake.failNext('StatCan_eng', { status: 503, path: `/2/users/${account.userId}/tweets` });
    const error = await failure(lookup('anything'));
    expect(error.kind).toBe('ambiguous');
  });
});

describe('GET /2/users/me', () => {
  it('tells whose credentials these are', async () => {
    expect(await x.verify(credentialsOf(account))).toEqual({ remoteUserId: account.userId, handle: 'StatCan_eng' });
  });
});
