// A server's secret store: credentials and the audit key, sealed with AES-256-GCM in the database,
// under a key that never enters it (a key file given by path, such as a systemd credential). A
// desk's credentials go to the server once, over TLS, and are never sent back: nothing in the
// contract returns them, and nothing here logs them.
import fs from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql';
import { deleteSealed, readSealed, writeSealed } from '../db/sealedSecrets';
import type { Credentials } from '../../shared/credentials';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { KeychainUnavailableError, parseStoredCredentials, type SecretStore } from './index';

const auditKeyName = 'audit-key';
const accountName = (accountId: string) => `account:${accountId}`;

/** The key could not open what is stored: a different key file than the one it was sealed with, or a changed row. */
export class SealedSecretError extends Error {
  constructor(name: string) {
    super(`the sealed secret ${name} cannot be opened with this key (another key file, or the row was changed)`);
  }
}

export class SealedSecretStore implements SecretStore {
  constructor(
    private readonly sql: Sql,
    private readonly key: Buffer,
    private readonly clock: Clock = systemClock,
  ) {
    if (key.length !== 32) throw new Error('the sealing key must be 32 bytes');
  }

  async set(accountId: string, credentials: Credentials): Promise<void> {
    await this.seal(accountName(accountId), Buffer.from(JSON.stringify(credentials), 'utf8'));
  }

  async get(accountId: string): Promise<Credentials | null> {
    const opened = await this.open(accountName(accountId));
    return opened === null ? null : parseStoredCredentials(opened.toString('utf8'));
  }

  async delete(accountId: string): Promise<void> {
    await deleteSealed(this.sql, accountName(accountId));
  }

  async getAuditKey(): Promise<Buffer | null> {
    const key = await this.open(auditKeyName);
    return key?.length === 32 ? key : null;
  }

  async setAuditKey(key: Buffer): Promise<void> {
    await this.seal(auditKeyName, key);
  }

  private async seal(name: string, plain: Buffer): Promise<void> {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    // The row's name is authenticated with the value: moved to another row, it does not open.
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    const row = { nonce: nonce.toString('base64'), sealed: sealed.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
    await writeSealed(this.sql, name, row, this.clock.now());
  }

  private async open(name: string): Promise<Buffer | null> {
    const row = await readSealed(this.sql, name);
    if (!row) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(row.nonce, 'base64'));
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(Buffer.from(row.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(row.sealed, 'base64')), decipher.final()]);
    } catch {
      // Told as the keychain being unavailable: nothing is sent, and the person is told why.
      throw new KeychainUnavailableError(new SealedSecretError(name));
    }
  }
}

/**
 * The sealing key from its file: 32 raw bytes, or 64 hex digits, or base64 of 32 bytes. A file
 * that does not exist yet is made (random, readable by this user only) when `create` is set.
 */
export function loadSealingKey(file: string, create: boolean): { key: Buffer; created: boolean } {
  if (!fs.existsSync(file)) {
    if (!create) throw new Error(`no sealing key at ${file}`);
    const key = randomBytes(32);
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return { key, created: true };
  }
  const raw = fs.readFileSync(file);
  if (raw.length === 32) return { key: raw, created: false };
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return { key: Buffer.from(text, 'hex'), created: false };
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === 32) return { key: decoded, created: false };
  throw new Error(`the sealing key at ${file} is not 32 bytes (raw, hex or base64)`);
}
