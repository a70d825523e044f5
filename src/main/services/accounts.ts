// EN/FR account pairs ("channels"): registration verifies both sets of credentials with the
// platform, stores them in the keychain and only then records the accounts.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { Account, Channel, Lang, Platform } from '../../shared/domain';
import type { Credentials, ParsedInput } from '../../shared/contract';
import { defaultLimits, type PlatformLimits } from '../../shared/limits';
import type { SecretStore } from '../secrets';
import type { Identity, PlatformAdapter } from '../platforms/types';
import { PlatformError } from '../platforms/types';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { AuditLog } from './audit';
import type { UserService } from './users';

export interface AccountRow {
  id: string;
  platform: Platform;
  lang: Lang;
  handle: string;
  display_name: string;
  status: Account['status'];
  credential_set_at: number | null;
  limits: string | null;
}

/** The account's own limits (read from its instance when verified) over the platform's defaults. */
function limitsOf(row: AccountRow): PlatformLimits {
  const defaults = defaultLimits[row.platform];
  if (!row.limits) return defaults;
  try {
    const own = JSON.parse(row.limits) as Partial<PlatformLimits>;
    return { ...defaults, ...own, counting: defaults.counting };
  } catch {
    return defaults;
  }
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    platform: row.platform,
    lang: row.lang,
    handle: row.handle,
    displayName: row.display_name,
    status: row.status,
    credentialSetAt: row.credential_set_at === null ? null : new Date(row.credential_set_at).toISOString(),
    limits: limitsOf(row),
  };
}

interface ChannelRow {
  id: string;
  platform: Platform;
  name: string;
  en_account_id: string;
  fr_account_id: string;
  allow_self_approval: number;
}

export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly secrets: SecretStore,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly audit: AuditLog,
    private readonly users: UserService,
  ) {}

  list(): Channel[] {
    const rows = this.db.prepare('SELECT * FROM channel ORDER BY name COLLATE NOCASE, id').all() as ChannelRow[];
    return rows.map((row) => this.toChannel(row));
  }

  /** One account pair; called per channel on every workflow step, so it reads only that one. */
  get(channelId: string): Channel | undefined {
    const row = this.db.prepare('SELECT * FROM channel WHERE id = ?').get(channelId) as ChannelRow | undefined;
    return row && this.toChannel(row);
  }

  private toChannel(row: ChannelRow): Channel {
    const accountById = this.db.prepare('SELECT * FROM account WHERE id = ?');
    return {
      id: row.id,
      platform: row.platform,
      name: row.name,
      en: toAccount(accountById.get(row.en_account_id) as AccountRow),
      fr: toAccount(accountById.get(row.fr_account_id) as AccountRow),
      allowSelfApproval: row.allow_self_approval === 1,
    };
  }

  async addPair(ctx: CallContext, input: ParsedInput<'accounts.addPair'>): Promise<Channel> {
    const user = signedIn(ctx);
    this.users.authorize(user, 'account.add', [], 'accounts');
    const actor = user.username;
    const adapter = this.adapters.get(input.platform);
    if (!adapter) throw new AppError('input.invalid');
    if (input.en.handle.toLowerCase() === input.fr.handle.toLowerCase()) {
      throw new AppError('account.handleTaken', { handle: input.fr.handle });
    }
    this.assertHandleFree(input.platform, input.en.handle);
    this.assertHandleFree(input.platform, input.fr.handle);

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
      this.db.transaction(() => {
        const insertAccount = this.db.prepare(
          `INSERT INTO account (id, platform, lang, handle, display_name, status, credential_set_at, created_at, remote_user_id, limits)
           VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
        );
        for (const lang of ['en', 'fr'] as const) {
          const { remoteUserId, limits, handle } = identities[lang];
          // The handle as the platform spells it (X is case-insensitive; the feed shows its case).
          insertAccount.run(ids[lang], input.platform, lang, handle, input[lang].displayName, now, now, remoteUserId, limits ? JSON.stringify(limits) : null);
        }
        this.db
          .prepare(
            'INSERT INTO channel (id, platform, name, en_account_id, fr_account_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(channelId, input.platform, input.name, ids.en, ids.fr, now);
        this.audit.append(actor, 'channel.added', channelId, {
          platform: input.platform,
          name: input.name,
          en: input.en.handle,
          fr: input.fr.handle,
        });
        for (const lang of ['en', 'fr'] as const) {
          this.audit.append(actor, 'credential.set', ids[lang], { handle: input[lang].handle, lang });
        }
      })();
    } catch (error) {
      // Leave no orphaned secret behind when the accounts could not be recorded.
      await Promise.allSettled([this.secrets.delete(ids.en), this.secrets.delete(ids.fr)]);
      if (isUniqueViolation(error)) throw new AppError('account.handleTaken', { handle: input.en.handle });
      throw error;
    }
    return this.get(channelId)!;
  }

  /** New credentials for one account (rotated, or after X refused the old ones). */
  async updateCredentials(ctx: CallContext, accountId: string, credentials: Credentials): Promise<Channel> {
    const user = signedIn(ctx);
    this.users.authorize(user, 'account.settings', [], accountId);
    const row = this.db.prepare('SELECT * FROM account WHERE id = ?').get(accountId) as AccountRow | undefined;
    if (!row) throw new AppError('account.unknown');
    const adapter = this.adapters.get(row.platform);
    if (!adapter) throw new AppError('input.invalid');
    if (credentials.platform !== row.platform) throw new AppError('account.wrongPlatform', { platform: row.platform });
    const identity = await this.verify(adapter, row.lang, row.handle, credentials);
    await this.secrets.set(accountId, credentials);
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE account SET status = 'active', credential_set_at = ?, remote_user_id = ?, limits = ? WHERE id = ?")
        .run(this.clock.now(), identity.remoteUserId, identity.limits ? JSON.stringify(identity.limits) : null, accountId);
      this.audit.append(user.username, 'credential.set', accountId, { handle: row.handle, lang: row.lang, renewed: true });
    })();
    const channelId = this.db
      .prepare('SELECT id FROM channel WHERE en_account_id = ? OR fr_account_id = ?')
      .pluck()
      .get(accountId, accountId) as string;
    return this.get(channelId)!;
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

  setSelfApproval(ctx: CallContext, channelId: string, allowed: boolean): Channel {
    const user = signedIn(ctx);
    this.users.authorize(user, 'account.settings', [], channelId);
    const channel = this.get(channelId);
    if (!channel) throw new AppError('channel.unknown', { id: channelId });
    this.db.transaction(() => {
      this.db.prepare('UPDATE channel SET allow_self_approval = ? WHERE id = ?').run(allowed ? 1 : 0, channelId);
      this.audit.append(user.username, 'channel.selfApprovalChanged', channelId, { name: channel.name, allowed });
    })();
    return this.get(channelId)!;
  }

  private assertHandleFree(platform: Platform, handle: string): void {
    const taken = this.db
      .prepare('SELECT 1 FROM account WHERE platform = ? AND handle = ? COLLATE NOCASE')
      .get(platform, handle);
    if (taken) throw new AppError('account.handleTaken', { handle });
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT');
}
