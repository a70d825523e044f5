// An in-memory SecretStore for the benchmark only. The OS keychain (keytar) is deliberately
// left out: it is not what is measured here, it would need a keyring daemon, and its latency
// would blur the publisher's own timing. The app itself always uses KeytarSecretStore.
import type { SecretStore } from '../src/main/secrets';
import type { Credentials } from '../src/shared/contract';

export class MemorySecretStore implements SecretStore {
  private readonly store = new Map<string, Credentials>();

  async set(accountId: string, credentials: Credentials): Promise<void> {
    this.store.set(accountId, { ...credentials });
  }

  async get(accountId: string): Promise<Credentials | null> {
    const found = this.store.get(accountId);
    return found ? { ...found } : null;
  }

  async delete(accountId: string): Promise<void> {
    this.store.delete(accountId);
  }

  private auditKey: Buffer | null = null;

  async getAuditKey(): Promise<Buffer | null> {
    return this.auditKey;
  }

  async setAuditKey(key: Buffer): Promise<void> {
    this.auditKey = key;
  }
}
