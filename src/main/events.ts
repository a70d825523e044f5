import type { EventName } from '../shared/methods';
import type { EventPayload } from '../shared/contract';

type Listener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/**
 * What a listener may be told of an event: the payload cut down to what they may see, or null
 * to tell them nothing (a pair they cannot see changed).
 */
export type EventScope = <E extends EventName>(event: E, payload: EventPayload<E>) => EventPayload<E> | null;

/**
 * Push events from services to whichever transport is attached (Electron IPC or the web harness).
 * Every payload passes through the scope first, so ids a person may not see never leave main.
 */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly scope: EventScope = (_event, payload) => payload) {}

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (this.listeners.size === 0) return;
    const shown = this.scope(event, payload);
    if (shown === null) return;
    for (const listener of this.listeners) listener(event, shown);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
