import type { EventName } from '../shared/methods';
import type { EventPayload } from '../shared/contract';
import type { ClientId } from './services/context';

type Listener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;
/** Every event as emitted, before any scope, with the one client it is meant for (if only one). */
type Tap = <E extends EventName>(event: E, payload: EventPayload<E>, only: ClientId | undefined) => void;

/**
 * What one client may be told of an event: the payload cut down to what the person signed in on
 * that client may see, or null to tell it nothing (a pair they cannot see changed, or nobody is
 * signed in there).
 */
export type EventScope = <E extends EventName>(
  client: ClientId,
  event: E,
  payload: EventPayload<E>,
) => EventPayload<E> | null | Promise<EventPayload<E> | null>;

/**
 * Push events from services to whichever transport is attached (Electron IPC or the web harness).
 * Each subscriber is one client; every payload passes through the scope for that client first, so
 * ids a person may not see never leave main, and each client hears only what its own person may see.
 */
export class EventBus {
  private readonly listeners = new Set<{ client: ClientId; listener: Listener; queue: Promise<void> }>();
  private readonly taps = new Set<Tap>();

  constructor(private readonly scope: EventScope = (_client, _event, payload) => payload) {}

  /** To every client, or with `only`, to that client alone (its own sign-in or sign-out). */
  emit<E extends EventName>(event: E, payload: EventPayload<E>, only?: ClientId): void {
    for (const tap of this.taps) tap(event, payload, only);
    for (const entry of this.listeners) {
      if (only !== undefined && entry.client !== only) continue;
      // Scoping may read the database; each client still hears its events in the order emitted.
      entry.queue = entry.queue
        .then(async () => {
          const shown = await this.scope(entry.client, event, payload);
          if (shown !== null && this.listeners.has(entry)) entry.listener(event, shown);
        })
        .catch(() => undefined);
    }
  }

  /** Tells the listener what the person signed in on this client may see of each event. */
  subscribe(client: ClientId, listener: Listener): () => void {
    const entry = { client, listener, queue: Promise.resolve() };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Every event unscoped, for a bus that passes them on and scopes them itself (the host's). */
  tap(listener: Tap): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }
}
