// Compose, a place of its own: a new pair, or the pair being edited (reached from the queue).
import type { Channel, Pair } from '../../../../shared/domain';
import { useNavigation } from '../../lib/navigation';
import { Composer } from './Composer';

export default function ComposeView({ channels, editing }: { channels: Channel[]; editing: Pair | null }) {
  const { go } = useNavigation();
  // A retired account pair is offered for no new pair; a pair already on it still shows it.
  const offered = channels.filter((c) => c.retiredAt === null || editing?.channelIds.includes(c.id));
  return (
    <div className="compose-layout">
      <Composer
        channels={offered}
        editing={editing}
        // Done with an edit: back to the queue the person came from, its filters as they left them.
        onDoneEditing={() => go({ view: 'queue' })}
        onAddAccounts={() => go({ view: 'accounts' })}
      />
    </div>
  );
}
