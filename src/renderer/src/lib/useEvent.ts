import { useEffect } from 'react';
import type { EventPayload } from '../../../shared/contract';
import type { EventName } from '../../../shared/methods';

export function useApiEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void {
  useEffect(() => window.api.on(event, listener), [event, listener]);
}
