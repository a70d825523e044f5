import { useEffect, useId, useState, type FormEvent } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from '../../lib/translation';
import type { AuditIntegrity, AuditPage, AuditProblem, Input } from '../../../../shared/contract';
import type { ErrorInfo } from '../../../../shared/domain';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useDateFormat, useZoneName } from '../../lib/format';
import { call, toErrorInfo } from '../../lib/api';
import { callKey, useCallMutation } from '../../lib/query';
import { useCan } from '../../lib/session';
import { actionName, actionsNamed, detailLines, personName, subjectText, type Describer } from './describe';
import { recordsFile, trailCsv, type ExportedFile } from './exportFiles';

interface Filters {
  person: string;
  action: string;
  from: string;
  to: string;
}
const noFilters: Filters = { person: '', action: '', from: '', to: '' };
const pageSize = 100;

/** A local day's start, and the start of the day after (so "to" includes its whole day). */
const dayStart = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const dayEnd = (day: string) => {
  const next = new Date(`${day}T00:00:00`);
  next.setDate(next.getDate() + 1);
  return new Date(next.getTime() - 1).toISOString();
};

/**
 * The append-only trail as records staff read it: people by name, subjects by what they are,
 * details in words; filtered by a person's name, an action's name in the reader's language and
 * days; paged back to the first event; exported for a period. Its integrity check stays on top.
 */
export function AuditView() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'fr' ? 'fr' : 'en';
  const can = useCan();
  const ids = useId();
  const zone = useZoneName();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Input<'audit.list'>>({ limit: pageSize });
  const [problem, setProblem] = useState<ErrorInfo | null>(null);

  function apply(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    let actions: ReturnType<typeof actionsNamed> | undefined;
    if (filters.action.trim()) {
      actions = actionsNamed(t, filters.action);
      if (actions.length === 0) {
        setProblem({ code: 'audit.noSuchAction', params: { text: filters.action.trim() } });
        return;
      }
    }
    if (filters.from && filters.to && filters.to < filters.from) {
      setProblem({ code: 'audit.badRange' });
      return;
    }
    setApplied({
      limit: pageSize,
      ...(filters.person.trim() ? { person: filters.person.trim() } : {}),
      ...(actions ? { actions } : {}),
      ...(filters.from ? { from: dayStart(filters.from) } : {}),
      ...(filters.to ? { to: dayEnd(filters.to) } : {}),
    });
  }

  // Pages newest first, each asked when the person wants older events; made stale, like every
  // read, when main says the trail changed.
  const trail = useInfiniteQuery({
    queryKey: callKey('audit.list', applied),
    queryFn: ({ pageParam }) => call('audit.list', pageParam ? { ...applied, before: pageParam } : applied),
    initialPageParam: 0,
    getNextPageParam: (last: AuditPage) => last.next ?? undefined,
  });
  const first = trail.data?.pages[0];
  const shown = trail.data?.pages.reduce((n, page) => n + page.events.length, 0) ?? 0;
  // While older events are still being re-checked (after a start), look again until it is done.
  const { refetch } = trail;
  const complete = first?.integrity.complete ?? true;
  useEffect(() => {
    if (complete) return;
    const timer = setTimeout(() => void refetch(), 2_000);
    return () => clearTimeout(timer);
  }, [complete, refetch, trail.dataUpdatedAt]);

  const field = (name: keyof Filters, type: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`${ids}-${name}`}>{t(`audit.filter.${name}`)}</label>
      {hint && (
        <span className="hint" id={`${ids}-${name}-hint`}>
          {hint}
        </span>
      )}
      <input
        id={`${ids}-${name}`}
        type={type}
        value={filters[name]}
        list={name === 'action' ? `${ids}-actions` : undefined}
        aria-describedby={hint ? `${ids}-${name}-hint` : undefined}
        onChange={(e) => setFilters((f) => ({ ...f, [name]: e.target.value }))}
      />
    </div>
  );
  const names = [...new Set(actionsNamed(t, '').map((a) => actionName(t, a)))].sort((a, b) => a.localeCompare(b, lang));

  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h1 id="audit-heading" tabIndex={-1}>
        {t('audit.heading')}
      </h1>
      {first && <IntegrityReport integrity={first.integrity} />}
      <form className="filters" onSubmit={apply} aria-label={t('audit.filtersLabel')}>
        {field('person', 'text', t('audit.filter.personHint'))}
        {field('action', 'text', t('audit.filter.actionHint'))}
        <datalist id={`${ids}-actions`}>
          {names.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        {field('from', 'date')}
        {field('to', 'date')}
        <div className="actions">
          <button type="submit" className="primary">
            {t('audit.apply')}
          </button>
          <button
            type="button"
            onClick={() => {
              setFilters(noFilters);
              setProblem(null);
              setApplied({ limit: pageSize });
            }}
          >
            {t('audit.clear')}
          </button>
        </div>
      </form>
      <ErrorMessage error={problem ?? (trail.error ? toErrorInfo(trail.error) : null)} />
      {can('audit.export') && <ExportPanel />}
      <p className="muted">{t('audit.timesIn', { zone })}</p>
      {trail.isPending ? (
        <p role="status">{t('audit.loading')}</p>
      ) : first && first.events.length === 0 ? (
        <p className="empty">{t('audit.empty')}</p>
      ) : (
        first && (
          <>
            <table className="data-table">
              <caption className="visually-hidden">{t('audit.heading')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('audit.col.at')}</th>
                  <th scope="col">{t('audit.col.actor')}</th>
                  <th scope="col">{t('audit.col.action')}</th>
                  <th scope="col">{t('audit.col.subject')}</th>
                  <th scope="col">{t('audit.col.detail')}</th>
                </tr>
              </thead>
              {(trail.data?.pages ?? []).map((page, i) => (
                <Rows key={i} page={page} problems={first.integrity.problems} />
              ))}
            </table>
            <div className="actions">
              <p className="muted" role="status">
                {trail.isFetchingNextPage ? t('audit.loading') : t('audit.shownCount', { count: shown })}
              </p>
              {trail.hasNextPage && (
                <button type="button" disabled={trail.isFetchingNextPage} onClick={() => void trail.fetchNextPage()}>
                  {t('audit.older')}
                </button>
              )}
            </div>
          </>
        )
      )}
    </section>
  );
}

/** One page of events as table rows. */
function Rows({ page, problems }: { page: AuditPage; problems: readonly AuditProblem[] }) {
  const { t, i18n } = useTranslation();
  const formatDate = useDateFormat();
  const d: Describer = { t, lang: i18n.language === 'fr' ? 'fr' : 'en', people: page.people, subjects: page.subjects };
  return (
    <tbody>
      {page.events.map((event) => {
        const who = personName(d, event.actor);
        return (
          <tr key={event.seq} data-testid="audit-event" data-action={event.action} className={isFlagged(problems, event.seq) ? 'broken' : undefined}>
            <td>{formatDate(event.at)}</td>
            <td>
              {who}
              {who !== event.actor && !event.actor.startsWith('system:') && <span className="muted"> ({event.actor})</span>}
            </td>
            <td>{actionName(t, event.action)}</td>
            <td className="subject">{subjectText(d, event.subject)}</td>
            <td className="detail">
              {Object.keys(event.detail).length > 0 && (
                <ul className="plain-list">
                  {detailLines(d, event).map((line, i) => (
                    <li key={i}>{line}</li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        );
      })}
    </tbody>
  );
}

/** Export a period's trail or published pairs, written in the reader's language. */
function ExportPanel() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'fr' ? 'fr' : 'en';
  const ids = useId();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<ErrorInfo | null>(null);
  const trail = useCallMutation('audit.exportTrail');
  const records = useCallMutation('audit.exportRecords');
  const busy = trail.isPending || records.isPending;
  const range = () => ({ ...(from ? { from: dayStart(from) } : {}), ...(to ? { to: dayEnd(to) } : {}) });

  function save(file: ExportedFile, message: string) {
    const url = URL.createObjectURL(new Blob([file.content], { type: `${file.mimeType};charset=utf-8` }));
    const link = document.createElement('a');
    link.href = url;
    link.download = file.filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setDone(message);
  }

  function start(kind: 'trail' | 'csv' | 'json') {
    setDone(null);
    setProblem(null);
    if (from && to && to < from) {
      setProblem({ code: 'audit.badRange' });
      return;
    }
    if (kind === 'trail') {
      trail.mutate(range(), {
        onSuccess: (data) => {
          const file = trailCsv(t, lang, data);
          save(file, t('audit.export.doneTrail', { count: file.count, filename: file.filename }));
        },
      });
    } else {
      records.mutate(range(), {
        onSuccess: (data) => {
          const file = recordsFile(t, data, kind);
          save(file, t('audit.export.doneRecords', { count: file.count, filename: file.filename }));
        },
      });
    }
  }

  return (
    <section className="export" aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('audit.export.heading')}</h2>
      <p className="muted">{t('audit.export.intro')}</p>
      <div className="filters">
        <div className="field">
          <label htmlFor={`${ids}-from`}>{t('audit.export.from')}</label>
          <input id={`${ids}-from`} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-to`}>{t('audit.export.to')}</label>
          <input id={`${ids}-to`} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => start('trail')}>
            {t('audit.export.trailCsv')}
          </button>
          <button type="button" disabled={busy} onClick={() => start('csv')}>
            {t('audit.export.recordsCsv')}
          </button>
          <button type="button" disabled={busy} onClick={() => start('json')}>
            {t('audit.export.recordsJson')}
          </button>
        </div>
      </div>
      <p role="status" className="status-line">
        {busy ? t('audit.export.working') : done}
      </p>
      <ErrorMessage error={problem ?? trail.error?.info ?? records.error?.info ?? null} />
    </section>
  );
}

/** What the integrity checks found, one alert per problem. */
function IntegrityReport({ integrity }: { integrity: AuditIntegrity }) {
  const { t } = useTranslation();
  if (integrity.state === 'intact') {
    return (
      <p className="alert alert-ok" role="status" data-testid="integrity">
        {integrity.complete ? t('audit.intact') : t('audit.intactSoFar')}
      </p>
    );
  }
  return (
    <div className={integrity.state === 'broken' ? 'alert alert-error' : 'alert alert-warning'} role="alert" data-testid="integrity">
      <p>{integrity.state === 'broken' ? t('audit.broken') : t('audit.unverifiable')}</p>
      <ul>
        {integrity.problems.map((problem) => (
          <li key={`${problem.kind}-${problem.seq ?? ''}`} data-testid="integrity-problem" data-kind={problem.kind}>
            {t(`audit.problems.${problem.kind}`, { seq: problem.seq, count: problem.count ?? 1 })}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Whether an event is one of those a problem names (changed, added outside Tandem, without key). */
function isFlagged(problems: readonly AuditProblem[], seq: number): boolean {
  return problems.some((p) => p.count !== undefined && p.seq !== undefined && seq >= p.seq && seq < p.seq + p.count);
}
