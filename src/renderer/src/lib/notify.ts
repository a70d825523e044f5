import type { Pair, PairStatus } from '../../../shared/domain';

/** Outcomes an officer wants to hear about even when Tandem is in the background. */
const notable: ReadonlySet<PairStatus> = new Set(['published', 'partial', 'failed', 'held']);

/**
 * Compares the queue with what it was and shows a desktop notification for each pair that has
 * just reached a notable outcome. The first look at the queue only records it.
 */
export function createOutcomeNotifier(title: (status: PairStatus) => string, body: (pair: Pair) => string) {
  let known: Map<string, PairStatus> | null = null;
  return (pairs: Pair[]) => {
    const previous = known;
    known = new Map(pairs.map((p) => [p.id, p.status]));
    if (!previous || typeof Notification === 'undefined') return;
    for (const pair of pairs) {
      const before = previous.get(pair.id);
      if (before === undefined || before === pair.status || !notable.has(pair.status)) continue;
      show(title(pair.status), body(pair).slice(0, 120));
    }
  };
}

function show(title: string, body: string): void {
  if (Notification.permission === 'granted') {
    new Notification(title, { body });
  } else if (Notification.permission === 'default') {
    void Notification.requestPermission().then((permission) => {
      if (permission === 'granted') new Notification(title, { body });
    });
  }
}
