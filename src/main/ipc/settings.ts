// Workspace settings, and "this is a public number" requests, whose decisions change what the
// content checks show.
import type { HandlersOf } from './handlers';
import type { Services } from './services';
import { signedIn } from '../services/context';

type SettingsMethods =
  'settings.get' | 'settings.update' | 'pii.requestAllow' | 'pii.requests' | 'pii.allow' | 'pii.dismiss';

export function settingsHandlers({
  settings,
  piiRequests,
  events,
}: Pick<Services, 'settings' | 'piiRequests' | 'events'>): HandlersOf<SettingsMethods> {
  function settingsChanged<T>(value: T): T {
    events.emit('settings.changed', {});
    return value;
  }
  return {
    'settings.get': (ctx) => {
      signedIn(ctx);
      return settings.get();
    },
    'settings.update': async (ctx, input) => settingsChanged(await settings.update(ctx, input)),
    'pii.requestAllow': async (ctx, input) => settingsChanged(await piiRequests.request(ctx, input)),
    'pii.requests': (ctx) => piiRequests.pending(ctx),
    'pii.allow': async (ctx, input) => settingsChanged(await piiRequests.allow(ctx, input.requestId)),
    'pii.dismiss': async (ctx, input) => settingsChanged(await piiRequests.dismiss(ctx, input.requestId)),
  };
}
