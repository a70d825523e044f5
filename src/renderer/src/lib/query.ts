// The renderer's one data layer (issue 13, item 7): every read is a query keyed by its method and
// input, every change a mutation; main's push events mark the reads they touch as stale, so each
// view on screen is asked again once and the others when they are next shown.
import { useEffect } from 'react';
import {
  QueryClient,
  infiniteQueryOptions,
  keepPreviousData,
  useInfiniteQuery,
  type InfiniteData,
  useMutation,
  useQuery,
  type UseMutationOptions,
  type UseQueryOptions,
} from '@tanstack/react-query';
import type { Input, Output } from '../../../shared/contract';
import type { ErrorInfo } from '../../../shared/domain';
import type { EventName, Method } from '../../../shared/methods';
import { call, toErrorInfo } from './api';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Main tells when something changed (below): no polling, no refetch on focus.
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        // A refusal is an answer, not a fault to try again: it is shown at once.
        retry: false,
      },
      mutations: { retry: false },
    },
  });
}

/** The error a call failed with, as main said it (anything else is an internal fault). */
export class CallError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.code);
  }
}

async function run<M extends Method>(method: M, input: Input<M> | undefined): Promise<Output<M>> {
  try {
    return await call(method, input);
  } catch (caught) {
    throw new CallError(toErrorInfo(caught));
  }
}

/** The key a call's answer is kept under: its method, then its input. */
export function callKey<M extends Method>(method: M, input?: Input<M>): readonly [M, Input<M> | null] {
  return [method, input ?? null];
}

type QueryOptions<M extends Method, T> = Omit<UseQueryOptions<Output<M>, CallError, T, readonly [M, Input<M> | null]>, 'queryKey' | 'queryFn'>;

/** Reads `method` with `input`, kept and shared by key, asked again when main says it changed. */
export function useCall<M extends Method, T = Output<M>>(method: M, input?: Input<M>, options?: QueryOptions<M, T>) {
  return useQuery({ queryKey: callKey(method, input), queryFn: () => run(method, input), ...options });
}

/** A change through `method`; its error (`.error?.info`) is what main said. */
export function useCallMutation<M extends Method, C = unknown>(
  method: M,
  options?: Omit<UseMutationOptions<Output<M>, CallError, Input<M>, C>, 'mutationFn'>,
) {
  return useMutation({ mutationFn: (input: Input<M>) => run(method, input), ...options });
}

/** The methods whose answers each push event makes stale (`*`: every one). */
const staleBy: Record<EventName, readonly string[]> = {
  'pairs.changed': ['pairs.', 'outbox.', 'audit.'],
  'accounts.changed': ['accounts.', 'pairs.', 'users.'],
  'users.changed': ['users.', 'pairs.'],
  'settings.changed': ['settings.', 'pii.'],
  'session.changed': ['*'],
  'storage.problem': ['storage.'],
  'desk.status': ['outbox.', 'desk.'],
};

/** Mounted once under the client: turns main's push events into stale reads. */
export function useStaleOnEvents(client: QueryClient): void {
  useEffect(() => {
    const offs = (Object.keys(staleBy) as EventName[]).map((event) =>
      window.api.on(event, () => {
        const prefixes = staleBy[event];
        void client.invalidateQueries({
          predicate: (query) => {
            const method = query.queryKey[0];
            return typeof method === 'string' && prefixes.some((prefix) => prefix === '*' || method.startsWith(prefix));
          },
        });
      }),
    );
    return () => offs.forEach((off) => off());
  }, [client]);
}

/** How a paged read is asked and kept: shared by the hook that shows it and by `askPaged`. */
function pagedOptions<M extends Method>(method: M, input: Input<M>, nextOf: (page: Output<M>) => string | null) {
  return infiniteQueryOptions<Output<M>, CallError, InfiniteData<Output<M>>, readonly [M, Input<M> | null], string | null>({
    queryKey: callKey(method, input),
    queryFn: ({ pageParam }) => run(method, (pageParam === null ? input : { ...input, after: pageParam }) as Input<M>),
    initialPageParam: null,
    getNextPageParam: (page: Output<M>) => nextOf(page),
  });
}

/**
 * Reads `method` page by page: `input` is the question, each further page asks it again with the
 * previous page's `next` cursor as `after`. Kept and made stale like `useCall`. While a new question
 * is asked, the last answer stays on screen (`isPlaceholderData`) rather than an empty list.
 */
export function usePagedCall<M extends Method>(method: M, input: Input<M>, nextOf: (page: Output<M>) => string | null) {
  return useInfiniteQuery({ ...pagedOptions(method, input, nextOf), placeholderData: keepPreviousData });
}

/**
 * Asks the first page of a paged read now, from the event that changed the question: the answer is
 * on its way while the view draws itself again, and `usePagedCall` then finds it (or its request)
 * under the same key instead of asking once the new view is on screen. An answer kept and not
 * stale is not asked again.
 */
export function askPaged<M extends Method>(client: QueryClient, method: M, input: Input<M>, nextOf: (page: Output<M>) => string | null): void {
  void client.prefetchInfiniteQuery(pagedOptions(method, input, nextOf));
}
