// The typed API between renderer and main: method -> zod input schema + output type,
// and push event -> payload. Main validates every input against these schemas.
import { z } from 'zod';
import type { Method, EventName } from './methods';
import type { Channel, ErrorInfo, Pair } from './domain';

const handle = z
  .string()
  .trim()
  .transform((h) => h.replace(/^@/, ''))
  .pipe(z.string().regex(/^[A-Za-z0-9_]{1,15}$/));

const secret = z.string().trim().min(1).max(200);

export const xCredentialsSchema = z.strictObject({
  appKey: secret,
  appSecret: secret,
  accessToken: secret,
  accessSecret: secret,
});
export type XCredentials = z.infer<typeof xCredentialsSchema>;

const accountInput = z.strictObject({
  handle,
  displayName: z.string().trim().min(1).max(100),
  credentials: xCredentialsSchema,
});

const id = z.string().min(1).max(64);
const postText = z.string().max(10_000);

export const contract = {
  'accounts.list': {
    input: z.null().optional(),
    output: null as unknown as Channel[],
  },
  'accounts.addPair': {
    input: z.strictObject({
      platform: z.literal('x'),
      name: z.string().trim().min(1).max(100),
      en: accountInput,
      fr: accountInput,
    }),
    output: null as unknown as Channel,
  },
  'pairs.list': {
    input: z.strictObject({ limit: z.number().int().min(1).max(500).default(50) }).optional(),
    output: null as unknown as Pair[],
  },
  'pairs.create': {
    input: z.strictObject({
      channelIds: z.array(id).max(20),
      enText: postText,
      frText: postText,
      /** 'draft' saves only; 'now' publishes at once; 'schedule' publishes at scheduledAt. */
      action: z.enum(['draft', 'now', 'schedule']),
      scheduledAt: z.iso.datetime({ offset: true }).optional(),
      authorTz: z.string().min(1).max(64),
    }),
    output: null as unknown as Pair,
  },
  'pairs.cancel': {
    input: z.strictObject({ id }),
    output: null as unknown as Pair,
  },
  'pairs.retry': {
    input: z.strictObject({ id }),
    output: null as unknown as Pair,
  },
} as const satisfies Record<Method, { input: z.ZodType; output: unknown }>;

export type Contract = typeof contract;
export type Input<M extends Method> = z.input<Contract[M]['input']>;
export type ParsedInput<M extends Method> = z.output<Contract[M]['input']>;
export type Output<M extends Method> = Contract[M]['output'];

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export interface EventPayloads {
  'pairs.changed': { pairIds: string[] };
  'accounts.changed': Record<string, never>;
}
export type EventPayload<E extends EventName> = EventPayloads[E];

/** What the preload (or the web harness shim) exposes as `window.api`. */
export interface Api {
  call<M extends Method>(method: M, input?: Input<M>): Promise<Result<Output<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
