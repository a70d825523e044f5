// The queue (issue 13, item 2): every pair the person may see, asked of the services page by page
// with the filters chosen here (pairs.query), so it stays fast however many pairs there are.
import { startTransition, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from '../../lib/translation';
import { pairStatuses, type Input, type Output } from '../../../../shared/contract';
import { platforms, type Channel, type Pair, type PairStatus, type Platform } from '../../../../shared/domain';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useChannelName } from '../../lib/format';
import { useNavigation } from '../../lib/navigation';
import { useWorkspaceOffline } from '../../lib/outbox';
import { askPaged, useCall, usePagedCall } from '../../lib/query';
import { useUser } from '../../lib/session';
import { onBeforeSignOut } from '../../lib/signOut';
import { PairItem } from './Queue';
import { numberFormat } from '../../../../shared/dates';

type Sort = 'newest' | 'oldest' | 'scheduled';

/** What the person chose; kept while they go elsewhere and come back (per person, for this window). */
interface Filters {
  status: PairStatus[];
  channelId: string;
  platform: Platform | '';
  person: string;
  /** Local days, `yyyy-mm-dd` (both included). */
  from: string;
  to: string;
  search: string;
  sort: Sort;
}

const noFilters: Filters = { status: [], channelId: '', platform: '', person: '', from: '', to: '', search: '', sort: 'newest' };
const kept = new Map<string, Filters>();
// Signing out forgets them: what was searched is not left in the window for anyone.
onBeforeSignOut(async () => kept.clear());

// Pairs a page: several screens of them, and what the window draws when a filter changes (each
// pair is a few dozen elements): at 50, drawing the page was most of a filter's time at 100,000 pairs.
const pageSize = 25;
/** Before the account pairs are in: the same empty list each time (the items compare it). */
const noChannels: Channel[] = [];
/** Pairs drawn with a new answer's count; the rest of its page follows (below). */
const firstScreen = 6;
const usernamePattern = /^[a-z0-9._-]{2,40}$/;

/** The start of a local day as an instant; `nextDay` gives the start of the day after (an end bound). */
export function localDayStart(day: string, nextDay = false): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (nextDay ? 1 : 0));
  return Number.isNaN(date.getTime()) || date.getFullYear() > 9999 ? undefined : date.toISOString();
}

/** The question the filters ask; text fields count once the person pauses typing. */
function toQuery(filters: Filters, typed: { search: string; person: string }): Input<'pairs.query'> {
  const person = typed.person.trim().toLowerCase();
  const search = typed.search.trim();
  return {
    ...(filters.status.length > 0 ? { status: filters.status } : {}),
    ...(filters.channelId ? { channelId: filters.channelId } : {}),
    ...(filters.platform ? { platform: filters.platform } : {}),
    ...(usernamePattern.test(person) ? { person } : {}),
    ...(localDayStart(filters.from) ? { from: localDayStart(filters.from) } : {}),
    ...(localDayStart(filters.to, true) ? { to: localDayStart(filters.to, true) } : {}),
    ...(search ? { search: search.slice(0, 200) } : {}),
    sort: filters.sort,
    limit: pageSize,
  };
}

/** The typed fields as they count: what was typed once typing pauses (300 ms). */
interface Typed {
  search: string;
  person: string;
}

const typingPause = 300;
const nextOfPage = (page: Output<'pairs.query'>) => page.next;

export default function QueueView() {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const ids = useId();
  const { go, offers } = useNavigation();
  const channelName = useChannelName();
  const [filters, setFilters] = useState<Filters>(() => kept.get(user.id) ?? noFilters);
  // What publishing or scheduling a pair did: kept here, since its item is drawn anew once it changes.
  const [said, setSaid] = useState<{ pairId: string; text: string } | null>(null);
  useEffect(() => {
    kept.set(user.id, filters);
  }, [user.id, filters]);
  // Each change asks its question at once, from the event: the answer is on its way while the
  // window draws the change (the list below finds it under the same key).
  const client = useQueryClient();
  const [typed, setTyped] = useState<Typed>(() => ({ search: filters.search, person: filters.person }));
  const ask = (next: Filters, nextTyped: Typed) => askPaged(client, 'pairs.query', toQuery(next, nextTyped), nextOfPage);
  const change = (next: Filters, nextTyped = typed) => {
    setFilters(next);
    if (nextTyped !== typed) setTyped(nextTyped);
    ask(next, nextTyped);
  };
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => change({ ...filters, [key]: value });
  // Text counts once typing pauses; another key starts the pause again. Only the typed fields
  // start the pause (any other change is asked at once, above); the pause ends with the filters
  // as they are then (`latest`).
  const latest = useRef(filters);
  latest.current = filters;
  useEffect(() => {
    if (filters.search === typed.search && filters.person === typed.person) return;
    const timer = setTimeout(() => {
      const next = { search: latest.current.search, person: latest.current.person };
      ask(latest.current, next);
      setTyped(next);
    }, typingPause);
    return () => clearTimeout(timer);
  }, [filters.search, filters.person, typed]);
  const query = useMemo(() => toQuery(filters, typed), [filters, typed]);
  const channels = useCall('accounts.list').data ?? noChannels;
  const pages = usePagedCall('pairs.query', query, nextOfPage);
  // A desk whose workspace cannot be reached has no answer to the question, only its own copy:
  // the queue then shows that copy, newest first, and says the filters wait for the workspace.
  const offline = pages.error?.info.code === 'workspace.offline';
  const copy = useCall('pairs.list', { limit: 200 }, { enabled: offline });
  // Back online: the question is asked of the workspace again.
  const deskOffline = useWorkspaceOffline();
  const { refetch } = pages;
  useEffect(() => {
    if (!deskOffline && offline) void refetch();
  }, [deskOffline, offline, refetch]);
  const pairs = useMemo(
    () => (offline ? (copy.data ?? []) : (pages.data?.pages.flatMap((page) => page.pairs) ?? [])),
    [offline, copy.data, pages.data],
  );
  // A new answer draws its first screen of pairs with the count, and the rest of its page right
  // after, as a transition the window may interrupt: what the person sees comes a frame sooner
  // (each pair is a few dozen elements). The same question answered again (a change pushed, the
  // next page) is drawn whole at once, so no pair on screen is taken away and drawn anew.
  const answered = pages.isPlaceholderData ? null : `${offline}:${JSON.stringify(query)}`;
  const [drawnWhole, setDrawnWhole] = useState<string | null>(null);
  const drawingFirst = answered !== null && answered !== drawnWhole;
  useEffect(() => {
    if (drawingFirst) startTransition(() => setDrawnWhole(answered));
  }, [drawingFirst, answered]);
  const shown = drawingFirst ? pairs.slice(0, firstScreen) : pairs;
  const counts = pages.data?.pages[0]?.counts;
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : null;
  const shownCount = counts ? (filters.status.length > 0 ? filters.status.reduce((sum, s) => sum + counts[s], 0) : total) : null;

  // Names of the people the pairs name, offered when filtering by person.
  const people = useRef(new Map<string, string>());
  for (const pair of pairs) for (const [username, name] of Object.entries(pair.names ?? {})) people.current.set(username, name);

  const number = numberFormat(i18n.language);
  const filtered = JSON.stringify(filters) !== JSON.stringify(noFilters);
  // The same callbacks for every item and every drawing, so an item is drawn again only when its pair changes.
  const edit = useCallback((pair: Pair) => go({ view: 'compose', pair }), [go]);
  const open = useCallback((pairId: string) => go({ view: 'pair', pairId }), [go]);
  const { refetch: refetchCopy } = copy;
  const changed = useCallback(() => void (offline ? refetchCopy() : refetch()), [offline, refetchCopy, refetch]);
  const onSaid = useCallback((pairId: string, text: string | null) => setSaid(text === null ? null : { pairId, text }), []);

  return (
    <section className="panel queue" aria-labelledby={`${ids}-heading`}>
      <h1 id={`${ids}-heading`}>{t('queue.heading')}</h1>
      <form className="queue-filters" role="search" aria-label={t('queue.filters.label')} onSubmit={(e) => e.preventDefault()}>
        <fieldset className="status-filter">
          <legend>{t('queue.filters.status')}</legend>
          {pairStatuses.map((status) => (
            <label key={status} className="check">
              <input
                type="checkbox"
                checked={filters.status.includes(status)}
                onChange={(e) => set('status', e.target.checked ? [...filters.status, status] : filters.status.filter((s) => s !== status))}
              />
              {t('queue.filters.statusCount', { status: t(`queue.status.${status}`), count: counts?.[status] ?? 0, formatted: number.format(counts?.[status] ?? 0) })}
            </label>
          ))}
        </fieldset>
        <div className="filter-row">
          <div className="field">
            <label htmlFor={`${ids}-search`}>{t('queue.filters.search')}</label>
            <input id={`${ids}-search`} type="search" value={filters.search} maxLength={200} onChange={(e) => set('search', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-channel`}>{t('queue.filters.channel')}</label>
            <select id={`${ids}-channel`} value={filters.channelId} onChange={(e) => set('channelId', e.target.value)}>
              <option value="">{t('queue.filters.any')}</option>
              {channels.map((channel) => (
                <option key={channel.id} value={channel.id}>
                  {channelName(channel)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-platform`}>{t('queue.filters.platform')}</label>
            <select id={`${ids}-platform`} value={filters.platform} onChange={(e) => set('platform', e.target.value as Platform | '')}>
              <option value="">{t('queue.filters.any')}</option>
              {platforms.map((platform) => (
                <option key={platform} value={platform}>
                  {t(`platforms.${platform}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-person`}>{t('queue.filters.person')}</label>
            <input
              id={`${ids}-person`}
              list={`${ids}-people`}
              value={filters.person}
              maxLength={40}
              aria-describedby={`${ids}-person-hint`}
              onChange={(e) => set('person', e.target.value)}
            />
            <datalist id={`${ids}-people`}>
              {[...people.current].map(([username, name]) => (
                <option key={username} value={username}>
                  {name}
                </option>
              ))}
            </datalist>
            <span id={`${ids}-person-hint`} className="muted hint">
              {filters.person.trim() && !usernamePattern.test(filters.person.trim().toLowerCase())
                ? t('queue.filters.personInvalid')
                : t('queue.filters.personHint')}
            </span>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-from`}>{t('queue.filters.from')}</label>
            <input id={`${ids}-from`} type="date" value={filters.from} onChange={(e) => set('from', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-to`}>{t('queue.filters.to')}</label>
            <input id={`${ids}-to`} type="date" value={filters.to} onChange={(e) => set('to', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-sort`}>{t('queue.filters.sort')}</label>
            <select id={`${ids}-sort`} value={filters.sort} onChange={(e) => set('sort', e.target.value as Sort)}>
              {(['newest', 'oldest', 'scheduled'] as const).map((sort) => (
                <option key={sort} value={sort}>
                  {t(`queue.filters.sorts.${sort}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {filtered && (
          <button type="button" className="link-button" onClick={() => change(noFilters, { search: '', person: '' })}>
            {t('queue.filters.clear')}
          </button>
        )}
      </form>
      <p role="status" className="status-line" data-testid="queue-count">
        {shownCount !== null && !pages.isFetching && t('queue.filters.found', { count: shownCount, formatted: number.format(shownCount) })}
        {pages.isFetching && t('app.loading')}
      </p>
      {offline ? (
        <p className="alert alert-warning" data-testid="queue-offline">
          {t('queue.filters.offlineCopy')}
        </p>
      ) : (
        <ErrorMessage error={pages.error?.info ?? null} />
      )}
      <ErrorMessage error={copy.error?.info ?? null} />
      {(offline ? copy.data : pages.data) === undefined ? null : pairs.length === 0 ? (
        <p className="empty">{t(filtered ? 'queue.filters.none' : 'queue.empty')}</p>
      ) : (
        <>
          <ol className="queue-list" aria-busy={pages.isPlaceholderData}>
            {shown.map((pair) => (
              <PairItem
                key={`${pair.id}:${pair.version}:${pair.status}`}
                pair={pair}
                channels={channels}
                onEdit={edit}
                onOpen={offers('pair') ? open : undefined}
                onChanged={changed}
                said={said?.pairId === pair.id ? said.text : null}
                onSaid={onSaid}
              />
            ))}
          </ol>
          {!offline && pages.hasNextPage && (
            <button type="button" disabled={pages.isFetchingNextPage || pages.isPlaceholderData} onClick={() => void pages.fetchNextPage()}>
              {t('queue.showMore')}
            </button>
          )}
        </>
      )}
    </section>
  );
}
