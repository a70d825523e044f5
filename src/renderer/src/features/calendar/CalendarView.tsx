// The calendar (issue 13, item 4): a week or a month of pairs in their slots, in the person's time
// zone, named in words; a scheduled pair moved to another slot by dragging it, or from the
// keyboard (Space picks it up, the arrows move it, Enter drops it, Escape puts it back), each step
// said aloud; a publisher's move keeps the approval. "Due today" beside it.
import { useCallback, useEffect, useId, useMemo, useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from '../../lib/translation';
import type { PairPage, Input } from '../../../../shared/contract';
import type { Channel, ErrorInfo, Pair, PairStatus, Platform } from '../../../../shared/domain';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useDateFormat, useZoneName } from '../../lib/format';
import { useNavigation } from '../../lib/navigation';
import { useCall, useCallMutation } from '../../lib/query';
import { useCan } from '../../lib/session';

type Mode = 'week' | 'month';

/** Pairs that have a time to be shown at: scheduled, going out, out, or waiting on a person. */
const timedStatuses = ['scheduled', 'publishing', 'published', 'partial', 'held', 'failed'] as const satisfies readonly PairStatus[];

function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function addDays(date: Date, days: number): Date {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** The first day of the week where the person lives (Sunday in Canada), as the browser knows it. */
function firstWeekday(locale: string): number {
  const info = (new Intl.Locale(locale) as Intl.Locale & { getWeekInfo?: () => { firstDay: number } }).getWeekInfo?.();
  // Intl counts Monday 1 … Sunday 7; Date counts Sunday 0 … Saturday 6.
  return info ? info.firstDay % 7 : 0;
}

function startOfWeek(date: Date, first: number): Date {
  const day = startOfDay(date);
  return addDays(day, -((day.getDay() - first + 7) % 7));
}

/** The days shown: a week, or the whole weeks that hold the month. */
function visibleDays(mode: Mode, anchor: Date, first: number): Date[] {
  if (mode === 'week') {
    const start = startOfWeek(anchor, first);
    return Array.from({ length: 7 }, (_, i) => addDays(start, i));
  }
  const monthStart = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
  const start = startOfWeek(monthStart, first);
  const monthEnd = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 1);
  const days: Date[] = [];
  for (let day = start; day < monthEnd || days.length % 7 !== 0; day = addDays(day, 1)) days.push(day);
  return days;
}

/** When a pair is (to be) published: its scheduled time, else when it was created. */
function timeOf(pair: Pair): Date {
  return new Date(pair.scheduledAt ?? pair.createdAt);
}

/** Where a pair is while it is being moved (keyboard) or after a drop, until the pair as stored says so. */
interface Move {
  pairId: string;
  /** The pair itself: drawn in its new slot even in a week or month it was not fetched for. */
  pair: Pair;
  /** The pair as it was picked up: the move is dropped once the stored pair changes. */
  version: number;
  from: string;
  at: Date;
}

export default function CalendarView() {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const locale = i18n.language === 'fr' ? 'fr-CA' : 'en-CA';
  const zone = useZoneName();
  const formatMoment = useDateFormat();
  const { go } = useNavigation();
  const can = useCan();
  const first = firstWeekday(locale);
  const [mode, setMode] = useState<Mode>('week');
  const [anchor, setAnchor] = useState(() => startOfDay(new Date()));
  const days = useMemo(() => visibleDays(mode, anchor, first), [mode, anchor, first]);
  const from = days[0]!;
  const to = addDays(days.at(-1)!, 1);
  const accounts = useCall('accounts.list');

  // The move under way (picked up from the keyboard), and one dropped but not yet seen stored.
  const [moving, setMoving] = useState<Move | null>(null);
  const [dropped, setDropped] = useState<Move | null>(null);
  const [dragging, setDragging] = useState<Pair | null>(null);
  const [said, setSaid] = useState('');
  const [refusal, setRefusal] = useState<ErrorInfo | null>(null);
  const reschedule = useCallMutation('pairs.reschedule');

  const platformsOf = useCallback(
    (pair: Pair): Platform[] => {
      const fromDeliveries = [...new Set(pair.deliveries.map((d) => d.platform))];
      if (fromDeliveries.length > 0) return fromDeliveries;
      const known: Channel[] = accounts.data ?? [];
      return [...new Set(pair.channelIds.flatMap((id) => known.filter((c) => c.id === id).map((c) => c.platform)))];
    },
    [accounts.data],
  );
  const describe = (pair: Pair) =>
    t('calendar.pairName', {
      text: snippet(i18n.language === 'fr' ? pair.frText || pair.enText : pair.enText || pair.frText),
      status: t(`queue.status.${pair.status}`),
    });

  /** Why this pair may not be moved by this person now, or null if it may. */
  function refusalFor(pair: Pair): ErrorInfo | null {
    if (pair.status !== 'scheduled') return { code: 'pair.wrongState', params: { status: pair.status } };
    if (!can('pair.reschedule', pair.channelIds)) return { code: 'permission.denied', params: { action: 'pair.reschedule' } };
    return null;
  }

  function refuse(error: ErrorInfo, pair: Pair) {
    setRefusal(error);
    setSaid(t('calendar.move.stays', { pair: describe(pair), date: formatMoment(timeOf(pair).toISOString()) }));
  }

  function drop(pair: Pair, at: Date) {
    setMoving(null);
    if (at.getTime() === timeOf(pair).getTime()) {
      setSaid(t('calendar.move.unchanged', { pair: describe(pair), date: formatMoment(at.toISOString()) }));
      return;
    }
    if (at.getTime() <= Date.now()) return refuse({ code: 'schedule.inPast' }, pair);
    const move: Move = { pairId: pair.id, pair, version: pair.version, from: timeOf(pair).toISOString(), at };
    setDropped(move);
    setRefusal(null);
    setSaid(t('calendar.move.saving', { pair: describe(pair), date: formatMoment(at.toISOString()) }));
    reschedule.mutate(
      { id: pair.id, version: pair.version, scheduledAt: at.toISOString() },
      {
        onSuccess: (moved) => {
          // The pair as it now is, drawn (and picked up again) from this copy until the calendar's own pages are asked again.
          setDropped({ pairId: moved.id, pair: moved, version: moved.version, from: moved.scheduledAt!, at: new Date(moved.scheduledAt!) });
          setSaid(t('calendar.move.done', { pair: describe(moved), date: formatMoment(moved.scheduledAt!) }));
        },
        onError: (error) => {
          // Back where it was, and the refusal said in words.
          setDropped(null);
          refuse(error.info, pair);
        },
      },
    );
  }

  /** Brings the visible range to a moment the pair was moved to. */
  function follow(at: Date) {
    if (at < from || at >= to) setAnchor(startOfDay(at));
  }

  // The pair moved from the keyboard keeps the focus when it is drawn anew: in another slot, or in
  // another week or month as the view follows it (and back, when Escape puts it back).
  const keepFocus = useRef<string | null>(null);

  const grid = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const id = keepFocus.current;
    const chip = id ? grid.current?.querySelector<HTMLElement>(`[data-pair-id="${CSS.escape(id)}"]`) : null;
    if (!chip) return;
    if (document.activeElement !== chip) chip.focus();
    keepFocus.current = null;
  });

  function onPairKey(event: KeyboardEvent<HTMLButtonElement>, pair: Pair) {
    const picked = moving?.pairId === pair.id ? moving : null;
    if (event.key === ' ' || (picked && (event.key === 'Escape' || event.key === 'Enter' || event.key.startsWith('Arrow')))) {
      keepFocus.current = pair.id;
    }
    if (!picked) {
      if (event.key !== ' ') return;
      // Space picks the pair up (Enter and a click open it).
      event.preventDefault();
      const why = refusalFor(pair);
      if (why) return refuse(why, pair);
      setRefusal(null);
      const at = timeOf(pair);
      setMoving({ pairId: pair.id, pair, version: pair.version, from: at.toISOString(), at });
      setSaid(t(`calendar.move.picked_${mode}`, { pair: describe(pair), date: formatMoment(at.toISOString()) }));
      return;
    }
    const step: Record<string, [number, number]> =
      mode === 'week'
        ? { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }
        : { ArrowUp: [-7, 0], ArrowDown: [7, 0], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const by = step[event.key];
    if (by) {
      event.preventDefault();
      const at = new Date(picked.at);
      at.setDate(at.getDate() + by[0]);
      at.setHours(at.getHours() + by[1]);
      setMoving({ ...picked, at });
      follow(at);
      setSaid(t('calendar.move.at', { date: formatMoment(at.toISOString()) }));
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      drop(pair, picked.at);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setMoving(null);
      follow(new Date(picked.from));
      setSaid(t('calendar.move.cancelled', { pair: describe(pair), date: formatMoment(picked.from) }));
    } else if (event.key === 'Tab') {
      // Leaving the pair puts it back: nothing moves without a drop.
      setMoving(null);
      setSaid(t('calendar.move.cancelled', { pair: describe(pair), date: formatMoment(picked.from) }));
    }
  }

  /** Where each pair is drawn: where it is being moved to, where it was dropped, or where it is. */
  const placed = useCallback(
    (pair: Pair): Date => {
      for (const move of [moving, dropped]) {
        if (move && move.pairId === pair.id && move.version === pair.version && move.from === timeOf(pair).toISOString()) return move.at;
      }
      return timeOf(pair);
    },
    [moving, dropped],
  );

  /**
   * The pairs fetched, each as the freshest copy known (a move's answer may come before the page is
   * asked again), with one being moved (or just dropped) from another week or month.
   */
  function withMoves(pages: Pair[]): Pair[] {
    const fetched = pages.map((pair) => {
      const newer = [moving, dropped].find((move) => move && move.pairId === pair.id && move.pair.version > pair.version);
      return newer ? newer.pair : pair;
    });
    const extra = [moving, dropped].flatMap((move) =>
      move && !fetched.some((p) => p.id === move.pairId) && placed(move.pair) >= from && placed(move.pair) < to ? [move.pair] : [],
    );
    return [...fetched, ...extra.filter((p, i) => extra.findIndex((q) => q.id === p.id) === i)];
  }

  function onDropAt(event: DragEvent, slot: (original: Date) => Date) {
    event.preventDefault();
    const pair = dragging;
    setDragging(null);
    if (!pair) return;
    drop(pair, slot(timeOf(pair)));
  }

  const chip = (pair: Pair, inList: boolean) => {
    const at = placed(pair);
    const movable = refusalFor(pair) === null;
    const isMoving = moving?.pairId === pair.id;
    return (
      <button
        key={pair.id}
        type="button"
        className={`calendar-pair calendar-pair-${pair.status}${isMoving ? ' calendar-pair-moving' : ''}`}
        data-pair-id={pair.id}
        data-testid="calendar-pair"
        data-status={pair.status}
        draggable={movable}
        aria-describedby={`${ids}-how-${mode}`}
        aria-pressed={isMoving ? true : undefined}
        onClick={() => {
          if (!isMoving) go({ view: 'pair', pairId: pair.id });
        }}
        onKeyDown={(event) => onPairKey(event, pair)}
        onKeyUp={(event) => {
          // Space picked the pair up or dropped it: it does not also open it.
          if (event.key === ' ') event.preventDefault();
        }}
        onDragStart={(event) => {
          event.dataTransfer.effectAllowed = 'move';
          event.dataTransfer.setData('text/plain', pair.id);
          setDragging(pair);
          setRefusal(null);
          setSaid(t('calendar.drag.started', { pair: describe(pair) }));
        }}
        onDragEnd={() => setDragging(null)}
      >
        <span className="calendar-time">{timeLabel(locale, at)}</span>{' '}
        <span className={`badge badge-${pair.status}`}>{t(`queue.status.${pair.status}`)}</span>{' '}
        <span className="calendar-platforms">{platformsOf(pair).map((p) => t(`platforms.${p}`)).join(', ')}</span>{' '}
        <span className="calendar-snippet" lang={i18n.language === 'fr' ? 'fr' : 'en'}>
          {snippet(i18n.language === 'fr' ? pair.frText || pair.enText : pair.enText || pair.frText)}
        </span>
      </button>
    );
  };

  const step = (direction: 1 | -1) =>
    setAnchor((current) =>
      mode === 'week' ? addDays(current, 7 * direction) : new Date(current.getFullYear(), current.getMonth() + direction, 1),
    );
  const title =
    mode === 'week'
      ? new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).formatRange(from, days.at(-1)!)
      : new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric' }).format(anchor);

  return (
    <section className="panel calendar" aria-labelledby={`${ids}-h`}>
      <h1 id={`${ids}-h`} tabIndex={-1}>
        {t('calendar.heading')}
      </h1>
      <div className="calendar-layout">
        <div className="calendar-main" ref={grid}>
          <div className="calendar-toolbar" role="group" aria-label={t('calendar.toolbar')}>
            <div role="radiogroup" aria-label={t('calendar.view')} className="calendar-modes">
              {(['week', 'month'] as const).map((m) => (
                <label key={m} className="check">
                  <input type="radio" name={`${ids}-mode`} checked={mode === m} onChange={() => setMode(m)} />
                  {t(`calendar.mode.${m}`)}
                </label>
              ))}
            </div>
            <button type="button" onClick={() => step(-1)}>
              {t(`calendar.previous.${mode}`)}
            </button>
            <button type="button" onClick={() => setAnchor(startOfDay(new Date()))}>
              {t('calendar.today')}
            </button>
            <button type="button" onClick={() => step(1)}>
              {t(`calendar.next.${mode}`)}
            </button>
          </div>
          <h2 className="calendar-range" aria-live="polite" data-testid="calendar-range">
            {title}
          </h2>
          <p className="muted" data-testid="calendar-zone">
            {t('calendar.zone', { zone })}
          </p>
          <p id={`${ids}-how-week`} className="visually-hidden">
            {t('calendar.how_week')}
          </p>
          <p id={`${ids}-how-month`} className="visually-hidden">
            {t('calendar.how_month')}
          </p>
          <p className="calendar-said" role="status" aria-live="polite" data-testid="calendar-said">
            {said}
          </p>
          <ErrorMessage error={refusal} />
          <PairsBetween from={from} to={to}>
            {(fetched, complete) => {
              const pairs = withMoves(fetched);
              return (
              <div aria-busy={!complete}>
                {mode === 'week' ? (
                  <table className="calendar-grid calendar-week" data-testid="calendar-week">
                    <caption className="visually-hidden">{t('calendar.caption.week', { range: title, zone })}</caption>
                    <thead>
                      <tr>
                        <td />
                        {days.map((day) => (
                          <th key={day.getTime()} scope="col" aria-current={sameDay(day, new Date()) ? 'date' : undefined}>
                            {dayLabel(locale, day, 'short')}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {Array.from({ length: 24 }, (_, hour) => (
                        <tr key={hour}>
                          <th scope="row" className="calendar-hour">
                            {new Intl.DateTimeFormat(locale, { hour: 'numeric' }).format(new Date(2026, 0, 1, hour))}
                          </th>
                          {days.map((day) => {
                            const slot = (original: Date) =>
                              new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, original.getMinutes());
                            const here = pairs.filter((pair) => {
                              const at = placed(pair);
                              return sameDay(at, day) && at.getHours() === hour;
                            });
                            return (
                              <Slot key={day.getTime()} day={day} hour={hour} dragging={dragging !== null} onDrop={(e) => onDropAt(e, slot)}>
                                {here.map((pair) => chip(pair, false))}
                              </Slot>
                            );
                          })}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <table className="calendar-grid calendar-month" data-testid="calendar-month">
                    <caption className="visually-hidden">{t('calendar.caption.month', { range: title, zone })}</caption>
                    <thead>
                      <tr>
                        {days.slice(0, 7).map((day) => (
                          <th key={day.getDay()} scope="col">
                            {new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(day)}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {Array.from({ length: days.length / 7 }, (_, week) => (
                        <tr key={week}>
                          {days.slice(week * 7, week * 7 + 7).map((day) => {
                            const slot = (original: Date) =>
                              new Date(day.getFullYear(), day.getMonth(), day.getDate(), original.getHours(), original.getMinutes());
                            const here = pairs.filter((pair) => sameDay(placed(pair), day));
                            return (
                              <Slot
                                key={day.getTime()}
                                day={day}
                                dragging={dragging !== null}
                                outside={day.getMonth() !== anchor.getMonth()}
                                today={sameDay(day, new Date())}
                                onDrop={(e) => onDropAt(e, slot)}
                              >
                                {here.map((pair) => chip(pair, false))}
                              </Slot>
                            );
                          })}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {complete && pairs.length === 0 && <p className="empty">{t(`calendar.empty.${mode}`)}</p>}
              </div>
              );
            }}
          </PairsBetween>
        </div>
        <DueToday chip={chip} />
      </div>
    </section>
  );
}

/** One slot of the grid: a day (month) or an hour of a day (week), where a dragged pair may be dropped. */
function Slot({
  day,
  hour,
  dragging,
  outside = false,
  today = false,
  onDrop,
  children,
}: {
  day: Date;
  hour?: number;
  dragging: boolean;
  outside?: boolean;
  today?: boolean;
  onDrop: (event: DragEvent) => void;
  children: ReactNode;
}) {
  const { i18n } = useTranslation();
  const [over, setOver] = useState(false);
  const locale = i18n.language === 'fr' ? 'fr-CA' : 'en-CA';
  const label = dayLabel(locale, day, 'long');
  return (
    <td
      className={['calendar-slot', over ? 'calendar-slot-over' : '', outside ? 'calendar-outside' : '', today ? 'calendar-today' : ''].join(' ').trim()}
      data-day={`${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`}
      data-hour={hour}
      data-testid="calendar-slot"
      onDragOver={(event) => {
        if (!dragging) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        setOver(false);
        onDrop(event);
      }}
    >
      {hour === undefined && (
        <span className="calendar-day-number">
          <span aria-hidden="true">{day.getDate()}</span>
          <span className="visually-hidden">{label}</span>
        </span>
      )}
      {children}
    </td>
  );
}

/** Today's pairs, soonest first: what is due, what went, what waits on a person. */
function DueToday({ chip }: { chip: (pair: Pair, inList: boolean) => ReactNode }) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const locale = i18n.language === 'fr' ? 'fr-CA' : 'en-CA';
  const today = startOfDay(new Date());
  return (
    <aside className="calendar-due" aria-labelledby={`${ids}-h`} data-testid="due-today">
      <h2 id={`${ids}-h`}>{t('calendar.dueToday')}</h2>
      <p className="muted">{dayLabel(locale, today, 'long')}</p>
      <PairsBetween from={today} to={addDays(today, 1)}>
        {(pairs, complete) =>
          !complete ? (
            <p>{t('app.loading')}</p>
          ) : pairs.length === 0 ? (
            <p className="empty">{t('calendar.nothingDue')}</p>
          ) : (
            <ol className="calendar-due-list">
              {pairs.map((pair) => (
                <li key={pair.id}>{chip(pair, true)}</li>
              ))}
            </ol>
          )
        }
      </PairsBetween>
    </aside>
  );
}

/**
 * Every pair with a time in [from, to), soonest first: `pairs.query` page after page, each page a
 * call of its own (kept, shared and refreshed like every read), following `next` until done.
 */
function PairsBetween({ from, to, children }: { from: Date; to: Date; children: (pairs: Pair[], complete: boolean) => ReactNode }) {
  const query = useMemo<Input<'pairs.query'>>(
    () => ({ from: from.toISOString(), to: to.toISOString(), sort: 'scheduled', status: [...timedStatuses], limit: 200 }),
    // By time, not by Date object: a new Date for the same moment asks nothing again.
    [from.getTime(), to.getTime()],
  );
  const key = JSON.stringify(query);
  const [pages, setPages] = useState<{ key: string; byCursor: Map<string, PairPage> }>({ key, byCursor: new Map() });
  const onPage = useCallback(
    (after: string, page: PairPage) =>
      setPages((current) => {
        const byCursor = new Map(current.key === key ? current.byCursor : []);
        byCursor.set(after, page);
        return { key, byCursor };
      }),
    [key],
  );
  // The pages in order from the first, as they now link: a page no longer reached is left out.
  const byCursor = pages.key === key ? pages.byCursor : new Map<string, PairPage>();
  const byId = new Map<string, Pair>();
  let cursor = '';
  let complete = false;
  for (let seen = 0; seen <= byCursor.size; seen++) {
    const page = byCursor.get(cursor);
    if (!page) break;
    for (const pair of page.pairs) byId.set(pair.id, pair);
    if (!page.next) {
      complete = true;
      break;
    }
    cursor = page.next;
  }
  return (
    <>
      <Page query={query} after={null} onPage={onPage} />
      {children([...byId.values()], complete)}
    </>
  );
}

function Page({ query, after, onPage }: { query: Input<'pairs.query'>; after: string | null; onPage: (after: string, page: PairPage) => void }) {
  const page = useCall('pairs.query', after ? { ...query, after } : query);
  useEffect(() => {
    if (page.data) onPage(after ?? '', page.data);
  }, [page.data, after, onPage]);
  if (page.isError) return <ErrorMessage error={page.error.info} />;
  return page.data?.next ? <Page query={query} after={page.data.next} onPage={onPage} /> : null;
}

/** The start of a text, for a slot: a line at most. */
function snippet(text: string): string {
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** Tuesday, December 1; mardi 1er décembre (federal style writes the first as an ordinal). */
function dayLabel(locale: string, day: Date, width: 'short' | 'long'): string {
  const text = new Intl.DateTimeFormat(locale, { weekday: width, day: 'numeric', month: width }).format(day);
  return locale === 'fr-CA' && day.getDate() === 1 ? text.replace(/(^|\s)1(\s)/, '$11er$2') : text;
}

function timeLabel(locale: string, at: Date): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(at);
}
