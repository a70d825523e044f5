// Against the real OS keychain (gnome-keyring on Linux, via test/with-keyring.sh).
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../src/main/secrets';

const service = `ca.gc.tandem.test.${randomUUID()}`;
const credentials = { platform: 'x' as const, appKey: 'k', appSecret: 's3cr3t', accessToken: '1-token', accessSecret: 'tok3n-s3cr3t' };

afterEach(async () => {
  for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account);
});

describe('credentials in the OS keychain', () => {
  it('are stored, read back and deleted per account', async () => {
    const store = new KeytarSecretStore(service);
    await store.set('account-1', credentials);
    expect(await store.get('account-1')).toEqual(credentials);
    expect(await store.get('account-2')).toBeNull();
    // Really in the keychain, under the app's service name:
    expect(JSON.parse((await keytar.getPassword(service, 'account-1'))!)).toEqual(credentials);
    await store.delete('account-1');
    expect(await store.get('account-1')).toBeNull();
  });

  it('treats an unreadable entry as missing rather than crashing', async () => {
    await keytar.setPassword(service, 'account-3', 'not json');
    expect(await new KeytarSecretStore(service).get('account-3')).toBeNull();
    await keytar.setPassword(service, 'account-4', JSON.stringify({ appKey: 'only this' }));
    expect(await new KeytarSecretStore(service).get('account-4')).toBeNull();
  });

  it('keeps each platform\'s credentials in their own shape', async () => {
    const store = new KeytarSecretStore(service);
    const bluesky = { platform: 'bluesky' as const, service: 'https://bsky.social', identifier: 'statcan.bsky.social', appPassword: 'abcd-efgh-ijkl-mnop' };
    await store.set('account-6', bluesky);
    expect(await store.get('account-6')).toEqual(bluesky);
    // A Bluesky entry missing its app password is unreadable, not an X one.
    await keytar.setPassword(service, 'account-7', JSON.stringify({ ...bluesky, appPassword: undefined }));
    expect(await store.get('account-7')).toBeNull();
  });

  it('reads an X entry written before other platforms existed (no platform field) as X', async () => {
    const { platform: _, ...old } = credentials;
    await keytar.setPassword(service, 'account-8', JSON.stringify(old));
    expect(await new KeytarSecretStore(service).get('account-8')).toEqual(credentials);
  });

  it('replaces credentials when set again', async () => {
    const store = new KeytarSecretStore(service);
    await store.set('account-5', credentials);
    await store.set('account-5', { ...credentials, accessSecret: 'rotated' });
    expect(await store.get('account-5')).toMatchObject({ accessSecret: 'rotated' });
  });
});
