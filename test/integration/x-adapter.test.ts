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

  it('maps 5xx to a retryable server error', async () => {
    fake.failNext('StatCan_eng', { status: 503 });
    const error = await failure(publish());
    expect(error.kind).toBe('retryable');
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

  it('maps a timeout to a retryable network error', async () => {
    fake.failNext('StatCan_eng', { status: 201, delayMs: 1_500 });
    const error = await failure(publish());
    expect(error.kind).toBe('retryable');
    expect(error.info.code).toBe('platform.network');
  });

  it('maps a refused connection to a retryable network error', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const offline = new XAdapter({ apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const error = await failure(offline.publish({ text: 'x', lang: 'en', handle: 'a', credentials: credentialsOf(account) }));
    expect(error.kind).toBe('retryable');
    expect(error.info.code).toBe('platform.network');
  });
});

describe('GET /2/users/me', () => {
  it('tells whose credentials these are', async () => {
    expect(await x.verify(credentialsOf(account))).toEqual({ remoteUserId: account.userId, handle: 'StatCan_eng' });
  });
});
