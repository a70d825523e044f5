import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditIntegrity, AuditPage, AuditProblem } from '../../../../shared/contract';
import type { ErrorInfo } from '../../../../shared/domain';
import { call, toErrorInfo } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useDateFormat } from '../../lib/format';
import { useCan } from '../../lib/session';
import { useCall } from '../../lib/query';

interface Filters {
  actor: string;
  action: string;
  from: string;
  to: string;
}
const noFilters: Filters = { actor: '', action: '', from: '', to: '' };

/** The append-only trail, with filters, its integrity check, and the records export. */
export function AuditView() {
  const { t } = useTranslation();
  const can = useCan();
  const formatDate = useDateFormat();
  const ids = useId();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [exported, setExported] = useState<string | null>(null);

  const read = useCall(
    'audit.list',
    {
      actor: applied.actor || undefined,
      action: applied.action || undefined,
      from: applied.from ? new Date(applied.from).toISOString() : undefined,
      to: applied.to ? new Date(applied.to).toISOString() : undefined,
      limit: 500,
    },
    // While older events are still being re-checked (after a start), look again until it is done.
    { refetchInterval: (query) => (query.state.data && !query.state.data.integrity.complete ? 2_000 : false) },
  );
  const page: AuditPage | null = read.data ?? null;
  /** Asks with these filters; the same filters again ask again. */
  const load = (f: Filters) => {
    setError(null);
    if (JSON.stringify(f) === JSON.stringify(applied)) void read.refetch();
    else setApplied(f);
  };

  function apply(event: FormEvent) {
    event.preventDefault();
    load(filters);
  }

  async function exportAs(format: 'csv' | 'json') {
    setError(null);
    setExported(null);
    try {
      const file = await call('audit.exportPublished', { format });
      const url = URL.createObjectURL(new Blob([file.content], { type: `${file.mimeType};charset=utf-8` }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExported(t('audit.exported', { count: file.count, filename: file.filename }));
    } catch (caught) {
      setError(toErrorInfo(caught));
    }
  }

  const field = (name: keyof Filters, type: string) => (
    <div className="field">
      <label htmlFor={`${ids}-${name}`}>{t(`audit.filter.${name}`)}</label>
      <input
        id={`${ids}-${name}`}
        type={type}
        step={type === 'datetime-local' ? 1 : undefined}
        value={filters[name]}
        onChange={(e) => setFilters((f) => ({ ...f, [name]: e.target.value }))}
      />
    </div>
  );

  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h1 id="audit-heading">{t('audit.heading')}</h1>
      {page && <IntegrityReport integrity={page.integrity} />}
      <form className="filters" onSubmit={apply} aria-label={t('audit.filtersLabel')}>
        {field('actor', 'text')}
        {field('action', 'text')}
        {field('from', 'datetime-local')}
        {field('to', 'datetime-local')}
        <div className="actions">
          <button type="submit" className="primary">
            {t('audit.apply')}
          </button>
          <button
            type="button"
            onClick={() => {
              setFilters(noFilters);
              load(noFilters);
            }}
          >
            {t('audit.clear')}
          </button>
        </div>
      </form>
      {can('audit.export') && (
        <div className="actions export">
          <span>{t('audit.exportLabel')}</span>
          <button type="button" onClick={() => void exportAs('csv')}>
            {t('audit.exportCsv')}
          </button>
          <button type="button" onClick={() => void exportAs('json')}>
            {t('audit.exportJson')}
          </button>
        </div>
      )}
      <div role="status" className="status-line">
        {exported}
      </div>
      <ErrorMessage error={error ?? read.error?.info ?? null} />
      {page && (
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
          <tbody>
            {page.events.map((event) => (
              <tr key={event.seq} data-testid="audit-event" data-action={event.action} className={isFlagged(page.integrity.problems, event.seq) ? 'broken' : undefined}>
                <td>{formatDate(event.at)}</td>
                <td>{event.actor}</td>
                <td>
                  {t(`auditActions.${event.action}`, { defaultValue: event.action })} <code className="muted">{event.action}</code>
                </td>
                <td className="subject">{event.subject}</td>
                <td className="detail">
                  <code>{JSON.stringify(event.detail)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && page.events.length === 0 && <p className="empty">{t('audit.empty')}</p>}
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
  return problems.some(
    (p) => p.count !== undefined && p.seq !== undefined && seq >= p.seq && seq < p.seq + p.count,
  );
}
