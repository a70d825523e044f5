// The audit exports as files a records officer opens in a spreadsheet: headers in the reader's
// language, every time twice (local time with its offset, and UTC), UTF-8 with a byte-order mark.
import type { TFunction } from 'i18next';
import type { AuditExport, PublishedRecord, RecordsExport } from '../../../../shared/contract';
import { localWithOffset, utcText } from '../../../../shared/dates';
import { csv } from '../../../../shared/csv';
import { actionName, detailLines, personName, subjectText, type Describer } from './describe';

export interface ExportedFile {
  filename: string;
  mimeType: string;
  content: string;
  count: number;
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '');
const span = (from: string | null, to: string | null) => [day(from), day(to)].filter(Boolean).join('_') || 'all';
const both = (iso: string) => (iso ? [localWithOffset(iso), utcText(iso)] : ['', '']);

/** The audit trail of a period as CSV, oldest first. */
export function trailCsv(t: TFunction, lang: Describer['lang'], data: AuditExport): ExportedFile {
  const d: Describer = { t, lang, people: data.people, subjects: data.subjects };
  const head = ['seq', 'local', 'utc', 'person', 'username', 'action', 'actionCode', 'subject', 'subjectId', 'details', 'hash'].map((k) =>
    t(`audit.csv.${k}`),
  );
  const rows = data.events.map((e) => [
    e.seq,
    ...both(e.at),
    personName(d, e.actor),
    e.actor,
    actionName(t, e.action),
    e.action,
    subjectText(d, e.subject),
    e.subject,
    detailLines(d, e).join('; '),
    e.hash,
  ]);
  return {
    filename: `tandem-audit-${span(data.from, data.to)}.csv`,
    mimeType: 'text/csv',
    content: csv([head, ...rows]),
    count: data.events.length,
  };
}

const recordColumns: (keyof PublishedRecord | `${'enSentAt' | 'frSentAt' | 'scheduledAt' | 'approvedAt'}${'Local' | 'Utc'}`)[] = [
  'pairId', 'status', 'channels', 'enText', 'frText', 'enAltText', 'frAltText', 'enPosts', 'frPosts',
  'enSentAtLocal', 'enSentAtUtc', 'frSentAtLocal', 'frSentAtUtc', 'scheduledAtLocal', 'scheduledAtUtc',
  'draftedBy', 'translatedBy', 'enWrittenBy', 'frWrittenBy', 'approvedBy', 'approvedAtLocal', 'approvedAtUtc',
  'approvalComment', 'approvedVersion', 'publishedBy', 'approvalAuditHash',
];

/** The published pairs of a period, with their approval evidence, as CSV (or JSON, as the services give them). */
export function recordsFile(t: TFunction, data: RecordsExport, format: 'csv' | 'json'): ExportedFile {
  const base = `tandem-published-${span(data.from, data.to)}`;
  if (format === 'json') {
    return { filename: `${base}.json`, mimeType: 'application/json', content: JSON.stringify(data, null, 2), count: data.records.length };
  }
  const names = (list: string, separator: string) =>
    list
      .split(separator)
      .filter(Boolean)
      .map((username) => data.people[username] ?? username)
      .join(separator);
  const rows = data.records.map((r) => {
    const times = (value: string) => {
      // Several posts per language: each time, in order, both ways.
      const list = value.split(' ').filter(Boolean);
      return [list.map((iso) => localWithOffset(iso)).join(' | '), list.map((iso) => utcText(iso)).join(' | ')];
    };
    const [enLocal, enUtc] = times(r.enSentAt);
    const [frLocal, frUtc] = times(r.frSentAt);
    const [dueLocal, dueUtc] = both(r.scheduledAt);
    const [approvedLocal, approvedUtc] = both(r.approvedAt);
    const values: Record<(typeof recordColumns)[number], unknown> = {
      ...r,
      status: t(`queue.status.${r.status}`, { defaultValue: r.status }),
      enSentAt: r.enSentAt,
      enSentAtLocal: enLocal,
      enSentAtUtc: enUtc,
      frSentAtLocal: frLocal,
      frSentAtUtc: frUtc,
      scheduledAtLocal: dueLocal,
      scheduledAtUtc: dueUtc,
      approvedAtLocal: approvedLocal,
      approvedAtUtc: approvedUtc,
      draftedBy: names(r.draftedBy, '; '),
      translatedBy: names(r.translatedBy, ', '),
      enWrittenBy: names(r.enWrittenBy, '; '),
      frWrittenBy: names(r.frWrittenBy, '; '),
      approvedBy: names(r.approvedBy, '; '),
      publishedBy: names(r.publishedBy, '; '),
    };
    return recordColumns.map((column) => values[column]);
  });
  return {
    filename: `${base}.csv`,
    mimeType: 'text/csv',
    content: csv([recordColumns.map((column) => t(`audit.csv.${column}`)), ...rows]),
    count: data.records.length,
  };
}
