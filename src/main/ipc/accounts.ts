// Channels (EN/FR account pairs): each person sees only those their roles cover.
import type { HandlersOf } from './handlers';
import type { Services } from './services';
import { signedIn } from '../services/context';

type AccountMethods =
  | 'accounts.list'
  | 'accounts.addPair'
  | 'accounts.rename'
  | 'accounts.retire'
  | 'accounts.setSelfApproval'
  | 'accounts.updateCredentials';

export function accountHandlers({
  accounts,
  users,
  events,
}: Pick<Services, 'accounts' | 'users' | 'events'>): HandlersOf<AccountMethods> {
  function accountsChanged<T>(value: T): T {
    events.emit('accounts.changed', {});
    return value;
  }
  return {
    'accounts.list': async (ctx) => {
      const visible = await users.visibleChannels(signedIn(ctx));
      return (await accounts.list()).filter((channel) => visible === null || visible.has(channel.id));
    },
    'accounts.addPair': async (ctx, input) => accountsChanged(await accounts.addPair(ctx, input)),
    'accounts.rename': async (ctx, input) => accountsChanged(await accounts.rename(ctx, input)),
    'accounts.retire': async (ctx, input) => accountsChanged(await accounts.retire(ctx, input.channelId)),
    'accounts.setSelfApproval': async (ctx, input) =>
      accountsChanged(await accounts.setSelfApproval(ctx, input.channelId, input.allowed)),
    'accounts.updateCredentials': async (ctx, input) =>
      accountsChanged(await accounts.updateCredentials(ctx, input.accountId, input.credentials)),
  };
}
