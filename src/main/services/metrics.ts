// Engagement of a published pair, side by side: likes, reposts, replies and impressions of each
// language on each account, read from the platforms when asked (never stored: they change).
import type { Sql } from '../db/sql';
import { accountRemoteUserId } from '../db/metrics';
import type { DeliveryMetrics, Pair, Platform, User } from '../../shared/domain';
import type { SecretStore } from '../secrets';
import { PlatformError, type PlatformAdapter } from '../platforms/types';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { PairService } from './pairs';
import type { UserService } from './users';

export class MetricsService {
  constructor(
    private readonly sql: Sql,
    private readonly pairs: PairService,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly secrets: SecretStore,
    private readonly users: UserService,
  ) {}

  async forPair(ctx: CallContext, pairId: string): Promise<DeliveryMetrics[]> {
    const user = signedIn(ctx);
    const pair = await this.visiblePair(pairId, user);
    const sent = pair.deliveries.filter((d) => d.status === 'sent' && d.remoteId !== null);
    return Promise.all(
      sent.map(async (delivery): Promise<DeliveryMetrics> => {
        const base = {
          deliveryId: delivery.id,
          lang: delivery.lang,
          platform: delivery.platform,
          handle: delivery.handle,
          remoteUrl: delivery.remoteUrl,
        };
        const none = { likes: null, reposts: null, replies: null, impressions: null };
        try {
          const adapter = this.adapters.get(delivery.platform);
          const credentials = await this.secrets.get(delivery.accountId).catch(() => {
            throw new AppError('keychain.unavailable');
          });
          if (!adapter || !credentials || credentials.platform !== delivery.platform) {
            return { ...base, ...none, error: { code: 'account.noCredentials', params: { handle: delivery.handle } } };
          }
          const remoteUserId = await accountRemoteUserId(this.sql, delivery.accountId);
          const metrics = await adapter.fetchMetrics({
            remoteId: delivery.remoteId!,
            remoteUserId: remoteUserId ?? '',
            handle: delivery.handle,
            credentials,
          });
          return { ...base, ...metrics, error: null };
        } catch (error) {
          if (error instanceof PlatformError || error instanceof AppError) {
            return { ...base, ...none, error: { ...error.info, params: { ...error.info.params, platform: delivery.platform } } };
          }
          return { ...base, ...none, error: { code: 'internal' } };
        }
      }),
    );
  }

  /** A pair the user may see: every account pair it targets is one they hold a role on. */
  private async visiblePair(pairId: string, user: User): Promise<Pair> {
    const pair = await this.pairs.get(pairId);
    const visible = await this.users.visibleChannels(user);
    if (!pair || (visible !== null && !pair.channelIds.every((id) => visible.has(id)))) throw new AppError('pair.unknown');
    return pair;
  }
}
