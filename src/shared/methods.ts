// Names of every call and push event the renderer may use. Kept free of any
// dependency so the sandboxed preload can import it without bundling zod.

export const methods = [
  'accounts.list',
  'accounts.addPair',
  'pairs.list',
  'pairs.create',
  'pairs.cancel',
  'pairs.retry',
] as const;

export type Method = (typeof methods)[number];

export const events = ['pairs.changed', 'accounts.changed'] as const;

export type EventName = (typeof events)[number];

export function isMethod(value: unknown): value is Method {
  return typeof value === 'string' && (methods as readonly string[]).includes(value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (events as readonly string[]).includes(value);
}

/** The two Electron IPC channels everything travels on; the method name rides inside. */
export const ipcChannels = { call: 'tandem:call', event: 'tandem:event' } as const;
