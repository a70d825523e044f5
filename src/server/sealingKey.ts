// Where tandem-server keeps the key that seals credentials in its database: never in the database.
// A key file given by path (TANDEM_KEY_FILE, such as a systemd credential) wins; otherwise the
// server's OS keychain where it has one (made there at first start); otherwise a key file in the
// data folder, readable by the server's user only. Which one was used is logged (never the key).
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import keytar from 'keytar';
import type { Logger } from '../main/log';
import { loadSealingKey } from '../main/secrets/sealed';

export const defaultServerKeychainService = 'ca.gc.tandem-server';
const keychainAccount = 'sealing-key';

export interface SealingKeySource {
  keyFile?: string;
  /** The keychain service name (tests give their own). */
  keychainService?: string;
  dataDir: string;
}

export async function serverSealingKey(source: SealingKeySource, log: Logger): Promise<Buffer> {
  if (source.keyFile) return fromFile(path.resolve(source.keyFile), log);
  const service = source.keychainService ?? defaultServerKeychainService;
  try {
    const stored = await keytar.getPassword(service, keychainAccount);
    const key = stored === null ? null : Buffer.from(stored, 'base64');
    if (key?.length === 32) {
      log.info('server.sealingKey', { from: 'keychain', service });
      return key;
    }
    if (stored !== null) throw new Error(`the keychain entry ${service}/${keychainAccount} is not a 32-byte key`);
    const made = randomBytes(32);
    await keytar.setPassword(service, keychainAccount, made.toString('base64'));
    log.warn('server.sealingKeyCreated', { in: 'keychain', service });
    return made;
  } catch (error) {
    // A key that is there but wrong is not papered over with a new one: credentials sealed under
    // the old one would be lost.
    if (error instanceof Error && error.message.startsWith('the keychain entry')) throw error;
    // No keychain on this server (no desktop session, no secret service): a key file instead.
    return fromFile(path.join(source.dataDir, 'tandem-server.key'), log);
  }
}

function fromFile(file: string, log: Logger): Buffer {
  const { key, created } = loadSealingKey(file, true);
  if (created) log.warn('server.sealingKeyCreated', { in: 'file', file });
  else log.info('server.sealingKey', { from: 'file', file });
  return key;
}
