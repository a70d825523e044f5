// Account credentials live in the OS keychain (keytar), never in SQLite or logs.
import keytar from 'keytar';
import { credentialsSchema, type Credentials } from '../../shared/credentials';

export interface SecretStore {
  set(accountId: string, credentials: Credentials): Promise<void>;
  /** Null when nothing is stored or what is stored is unreadable. */
  get(accountId: string): Promise<Credentials | null>;
  delete(accountId: string): Promise<void>;
  /** The key that signs the audit trail (32 bytes), or null when none was made yet. */
  getAuditKey(): Promise<Buffer | null>;
  setAuditKey(key: Buffer): Promise<void>;
}

/** Credentials as stored (JSON), or null when what is stored is not credentials Tandem can use. */
export function parseStoredCredentials(raw: string): Credentials | null {
  try {
    const stored: unknown = JSON.parse(raw);
    // Entries written before Tandem spoke other platforms are X's and carry no platform.
    const legacy = stored && typeof stored === 'object' && !('platform' in stored) && 'appKey' in stored;
    const parsed = credentialsSchema.safeParse(legacy ? { platform: 'x', ...stored } : stored);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export class KeychainUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the OS keychain could not be reached', { cause });
  }
}

export const defaultKeychainService = 'ca.gc.tandem';
/** The keychain entry (beside the accounts' credentials) holding the audit trail's key. */
const auditKeyAccount = 'audit-key';

export class KeytarSecretStore implements SecretStore {
  constructor(private readonly service: string = defaultKeychainService) {}

  async set(accountId: string, credentials: Credentials): Promise<void> {
    await this.guard(() => keytar.setPassword(this.service, accountId, JSON.stringify(credentials)));
  }

  async get(accountId: string): Promise<Credentials | null> {
    const raw = await this.guard(() => keytar.getPassword(this.service, accountId));
    return raw === null ? null : parseStoredCredentials(raw);
  }

  async delete(accountId: string): Promise<void> {
    await this.guard(() => keytar.deletePassword(this.service, accountId));
  }

  async getAuditKey(): Promise<Buffer | null> {
    const raw = await this.guard(() => keytar.getPassword(this.service, auditKeyAccount));
    const key = raw === null ? null : Buffer.from(raw, 'base64');
    // Anything else than 32 bytes was not written by Tandem: treated as no key at all.
    return key?.length === 32 ? key : null;
  }

  async setAuditKey(key: Buffer): Promise<void> {
    await this.guard(() => keytar.setPassword(this.service, auditKeyAccount, key.toString('base64')));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new KeychainUnavailableError(error);
    }
  }
}
