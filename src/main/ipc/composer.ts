// What the composer keeps besides pairs: images, and each person's own unsent text (only while
// the composer's person is the one signed in on that client).
import type { HandlersOf } from './handlers';
import type { Services } from './services';
import { signedIn } from '../services/context';

type ComposerMethods = 'media.upload' | 'media.read' | 'unsent.get' | 'unsent.save' | 'unsent.clear';

export function composerHandlers({
  media,
  unsent,
  pairs,
  users,
}: Pick<Services, 'media' | 'unsent' | 'pairs' | 'users'>): HandlersOf<ComposerMethods> {
  return {
    'media.upload': (ctx, input) => media.upload(ctx, input),
    'media.read': async (ctx, input) => {
      const visible = await users.visibleChannels(signedIn(ctx));
      return media.read(ctx, input.id, async (pairIds) =>
        visible === null || (await pairs.visibleAmong(pairIds, visible)).length > 0,
      );
    },
    'unsent.get': (ctx) => unsent.get(ctx),
    'unsent.save': (ctx, input) => unsent.save(ctx, input),
    'unsent.clear': (ctx, input) => unsent.clear(ctx, input),
  };
}
