// Account credentials live in the OS keychain (keytar), never in SQLite or logs.
import keytar from 'keytar';
import { credentialsSchema, type Credentials } from '../../shared/credentials';

export interface SecretStore {
  set(accountId: string, credentials: Credentials): Promise<void>;
  /** Null when nothing is stored or what is stored is unreadable. */
  get(accountId: string): Promise<Credentials | null>;
  delete(accountId: string): Promise<void>;
}

export class KeychainUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the OS keychain could not be reached', { cause });
  }
}

export const defaultKeychainService = 'ca.gc.tandem';

export class KeytarSecretStore implements SecretStore {
  constructor(private readonly service: string = defaultKeychainService) {}

  async set(accountId: string, credentials: Credentials): Promise<void> {
    await this.guard(() => keytar.setPassword(this.service, accountId, JSON.stringify(credentials)));
  }

  async get(accountId: string): Promise<Credentials | null> {
    const raw = await this.guard(() => keytar.getPassword(this.service, accountId));
    if (raw === null) return null;
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

  async delete(accountId: string): Promise<void> {
    await this.guard(() => keytar.deletePassword(this.service, accountId));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new KeychainUnavailableError(error);
    }
  }
}
