// EN/FR account pairs ("channels"): registration verifies both sets of credentials with the
// platform, stores them in the keychain and only then records the accounts.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql';
import * as store from '../db/accounts';
import type { Clock } from '../clock';
import type { Channel, Lang, Platform } from '../../shared/domain';
import type { Credentials, ParsedInput } from '../../shared/contract';
import type { SecretStore } from '../secrets';
import type { Identity, PlatformAdapter } from '../platforms/types';
import { PlatformError } from '../platforms/types';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { AuditLog } from './audit';
import type { UserService } from './users';

// The rows and their mapping moved to db/accounts; re-exported for modules that still import them here.

export class AccountService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly secrets: SecretStore,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly audit: AuditLog,
    private readonly users: UserService,
  ) {}

  list(): Promise<Channel[]> {
    return store.listChannels(this.sql);
  }

  /** One account pair; called per channel on every workflow step, so it reads only that one. */
  get(channelId: string): Promise<Channel | undefined> {
    return store.getChannel(this.sql, channelId);
  }

  async addPair(ctx: CallContext, input: ParsedInput<'accounts.addPair'>): Promise<Channel> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'account.add', [], 'accounts');
    const actor = user.username;
    const adapter = this.adapters.get(input.platform);
    if (!adapter) throw new AppError('input.invalid');
    if (input.en.handle.toLowerCase() === input.fr.handle.toLowerCase()) {
      throw new AppError('account.handleTaken', { handle: input.fr.handle });
    }
    await this.assertHandleFree(input.platform, input.en.handle);
    await this.assertHandleFree(input.platform, input.fr.handle);

    // Both sets of credentials must belong to the accounts named, before anything is stored.
    const [enIdentity, frIdentity] = await Promise.all(
      (['en', 'fr'] as const).map((lang) => this.verify(adapter, lang, input[lang].handle, input[lang].credentials)),
    );
    const identities = { en: enIdentity!, fr: frIdentity! };

    const now = this.clock.now();
    const channelId = randomUUID();
    const ids = { en: randomUUID(), fr: randomUUID() };
    await this.secrets.set(ids.en, input.en.credentials);
    try {
      await this.secrets.set(ids.fr, input.fr.credentials);
      await this.sql.tx(async () => {
        for (const lang of ['en', 'fr'] as const) {
          const { remoteUserId, limits, handle } = identities[lang];
          // The handle as the platform spells it (X is case-insensitive; the feed shows its case).
          await store.insertAccount(this.sql, {
            id: ids[lang],
            platform: input.platform,
            lang,
            handle,
            displayName: input[lang].displayName,
            remoteUserId,
            limits,
            at: now,
          });
        }
        await store.insertChannel(this.sql, {
          id: channelId,
          platform: input.platform,
          name: input.name,
          nameFr: input.nameFr ?? input.name,
          enAccountId: ids.en,
          frAccountId: ids.fr,
          at: now,
        });
        await this.audit.append(actor, 'channel.added', channelId, {
          platform: input.platform,
          name: input.name,
          en: input.en.handle,
          fr: input.fr.handle,
        });
        for (const lang of ['en', 'fr'] as const) {
          await this.audit.append(actor, 'credential.set', ids[lang], { handle: input[lang].handle, lang });
        }
      });
    } catch (error) {
      // Leave no orphaned secret behind when the accounts could not be recorded.
      await Promise.allSettled([this.secrets.delete(ids.en), this.secrets.delete(ids.fr)]);
      if (store.isUniqueViolation(error)) throw new AppError('account.handleTaken', { handle: input.en.handle });
      throw error;
    }
    return (await this.get(channelId))!;
  }

  /** New credentials for one account (rotated, or after X refused the old ones). */
  async updateCredentials(ctx: CallContext, accountId: string, credentials: Credentials): Promise<Channel> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'account.settings', [], accountId);
    const account = await store.getAccount(this.sql, accountId);
    if (!account) throw new AppError('account.unknown');
    const adapter = this.adapters.get(account.platform);
    if (!adapter) throw new AppError('input.invalid');
    if (credentials.platform !== account.platform) {
      throw new AppError('account.wrongPlatform', { platform: account.platform });
    }
    const identity = await this.verify(adapter, account.lang, account.handle, credentials);
    await this.secrets.set(accountId, credentials);
    await this.sql.tx(async () => {
      await store.markCredentialsSet(this.sql, accountId, this.clock.now(), identity.remoteUserId, identity.limits);
      await this.audit.append(user.username, 'credential.set', accountId, {
        handle: account.handle,
        lang: account.lang,
        renewed: true,
      });
    });
    const channelId = (await store.channelIdOfAccount(this.sql, accountId))!;
    return (await this.get(channelId))!;
  }

  private async verify(adapter: PlatformAdapter, lang: Lang, handle: string, credentials: Credentials): Promise<Identity> {
    let identity: Identity;
    try {
      identity = await adapter.verify(credentials);
    } catch (error) {
      if (error instanceof PlatformError) throw new AppError(error.info.code, { ...error.info.params, lang, platform: adapter.platform });
      throw error;
    }
    if (identity.handle.toLowerCase() !== handle.toLowerCase()) {
      throw new AppError('account.handleMismatch', { lang, expected: handle, actual: identity.handle, platform: adapter.platform });
    }
    return identity;
  }

  async setSelfApproval(ctx: CallContext, channelId: string, allowed: boolean): Promise<Channel> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'account.settings', [], channelId);
    const channel = await this.get(channelId);
    if (!channel) throw new AppError('channel.unknown', { id: channelId });
    await this.sql.tx(async () => {
      await store.setSelfApproval(this.sql, channelId, allowed);
      await this.audit.append(user.username, 'channel.selfApprovalChanged', channelId, { name: channel.name, allowed });
    });
    return (await this.get(channelId))!;
  }

  /** New names in English and French (administrators); audited with the old ones. */
  async rename(ctx: CallContext, input: ParsedInput<'accounts.rename'>): Promise<Channel> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'account.settings', [], input.channelId);
    await this.sql.tx(async () => {
      const channel = await this.get(input.channelId);
      if (!channel) throw new AppError('channel.unknown', { id: input.channelId });
      await store.renameChannel(this.sql, input.channelId, input.name, input.nameFr);
      await this.audit.append(user.username, 'channel.renamed', input.channelId, {
        fromEn: channel.name,
        fromFr: channel.nameFr,
        toEn: input.name,
        toFr: input.nameFr,
      });
    });
    return (await this.get(input.channelId))!;
  }

  /**
   * Retires an account pair (administrators): its accounts, pairs and audit trail stay, and it is
   * offered for no new pair. Refused while pairs on it are scheduled or being published — they
   * would go out on an account pair the team has stopped using; the person cancels or moves them
   * first. Retiring twice keeps the first date.
   */
  async retire(ctx: CallContext, channelId: string): Promise<Channel> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'account.settings', [], channelId);
    await this.sql.tx(async () => {
      const channel = await this.get(channelId);
      if (!channel) throw new AppError('channel.unknown', { id: channelId });
      if (channel.retiredAt !== null) return;
      const underway = await store.pairsUnderway(this.sql, channelId);
      if (underway > 0) throw new AppError('channel.busy', { count: underway });
      await store.retireChannel(this.sql, channelId, this.clock.now());
      await this.audit.append(user.username, 'channel.retired', channelId, { name: channel.name, nameFr: channel.nameFr });
    });
    return (await this.get(channelId))!;
  }

  private async assertHandleFree(platform: Platform, handle: string): Promise<void> {
    if (await store.handleTaken(this.sql, platform, handle)) throw new AppError('account.handleTaken', { handle });
  }
}
