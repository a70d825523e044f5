// Records management: the audit trail for people who review it, and an export of what was
// published together with the approval evidence behind it.
import type { Sql } from '../db/sql';
import { countEvents, publishedPairIds } from '../db/records';
import { AppError } from '../errors';
import { displayNames, subjectLabels } from '../db/audit';
import { fold } from '../db/search';
import { csv } from '../../shared/csv';
import type { Clock } from '../clock';
import type { AuditEntry } from '../../shared/domain';
import { maxAuditExport, type AuditExport, type AuditPage, type ExportFile, type ParsedInput, type PublishedRecord, type RecordsExport } from '../../shared/contract';
export type { PublishedRecord } from '../../shared/contract';
import type { AuditLog } from './audit';
import type { AccountService } from './accounts';
import type { PairService } from './pairs';
import type { UserService } from './users';
import { signedIn, type CallContext } from './context';

export class RecordsService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly pairs: PairService,
    private readonly accounts: AccountService,
    private readonly users: UserService,
  ) {}

  /**
   * One page of the trail, newest first, with who each person is and what each subject is, and
   * what the integrity checks found (only events added since the last look are checked). A person
   * is found by any part of their name or username, ignoring case and accents ("david chen",
   * "Lavoie"); pages go back as far as the trail does (`before`).
   */
  async list(ctx: CallContext, input: ParsedInput<'audit.list'>): Promise<AuditPage> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'audit.view', [], 'audit');
    const filter = input ?? { limit: 500 };
    let actors: string[] | undefined;
    if (filter.person !== undefined) {
      const wanted = fold(filter.person);
      actors = (await this.users.list())
        .filter((u) => fold(u.displayName).includes(wanted) || fold(u.username).includes(wanted))
        .map((u) => u.username);
    }
    const found = await this.audit.query({
      actor: filter.actor,
      actors,
      action: filter.action,
      actions: filter.actions,
      subject: filter.subject,
      from: filter.from ? Date.parse(filter.from) : undefined,
      to: filter.to ? Date.parse(filter.to) : undefined,
      before: filter.before,
      limit: filter.limit + 1,
    });
    const events = found.slice(0, filter.limit);
    return {
      events: events.map(
        (e): AuditEntry => ({
          seq: e.seq,
          at: new Date(e.at).toISOString(),
          actor: e.actor,
          action: e.action,
          subject: e.subject,
          detail: e.detail,
          hash: e.hash,
        }),
      ),
      integrity: await this.audit.integrity(),
      next: found.length > filter.limit ? events.at(-1)!.seq : null,
      people: await displayNames(this.sql, events.map((e) => e.actor)),
      subjects: await subjectLabels(this.sql, subjectsOf(events)),
    };
  }

  /** The trail between two times, oldest first, with names and subjects, for the window to write out; recorded as an export. */
  async exportTrail(ctx: CallContext, input: ParsedInput<'audit.exportTrail'>): Promise<AuditExport> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'audit.export', [], 'audit');
    const range = { from: input.from ? Date.parse(input.from) : undefined, to: input.to ? Date.parse(input.to) : undefined };
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) throw new AppError('input.invalid', { field: 'to' });
    const count = await countEvents(this.sql, range);
    if (count > maxAuditExport) throw new AppError('audit.exportTooLarge', { count, max: maxAuditExport });
    const events = (await this.audit.query({ ...range, limit: maxAuditExport })).reverse();
    await this.audit.append(user.username, 'audit.exported', 'audit', { format: 'trail', events: events.length, from: input.from ?? null, to: input.to ?? null });
    return {
      exportedAt: new Date(this.clock.now()).toISOString(),
      exportedBy: user.username,
      from: input.from ?? null,
      to: input.to ?? null,
      events: events.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), actor: e.actor, action: e.action, subject: e.subject, detail: e.detail, hash: e.hash })),
      people: await displayNames(this.sql, events.map((e) => e.actor)),
      subjects: await subjectLabels(this.sql, subjectsOf(events)),
    };
  }

  /** What was published between two times (when due), with the evidence; recorded as an export. */
  async exportRecords(ctx: CallContext, input: ParsedInput<'audit.exportRecords'>): Promise<RecordsExport> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'audit.export', [], 'audit');
    const range = { from: input.from ? Date.parse(input.from) : undefined, to: input.to ? Date.parse(input.to) : undefined };
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) throw new AppError('input.invalid', { field: 'to' });
    const records = await this.published(range);
    await this.audit.append(user.username, 'audit.exported', 'audit', { format: 'records', pairs: records.length, from: input.from ?? null, to: input.to ?? null });
    const usernames = records.flatMap((r) => [r.draftedBy, r.approvedBy, r.publishedBy, ...r.enWrittenBy.split('; '), ...r.frWrittenBy.split('; ')]);
    return {
      exportedAt: new Date(this.clock.now()).toISOString(),
      exportedBy: user.username,
      from: input.from ?? null,
      to: input.to ?? null,
      records,
      people: await displayNames(this.sql, usernames.filter(Boolean)),
    };
  }

  async published(range: { from?: number; to?: number } = {}): Promise<PublishedRecord[]> {
    const records: PublishedRecord[] = [];
    // One pair at a time, in order, as before: a long export asks one query at a time, never a burst.
    for (const id of await publishedPairIds(this.sql, range)) {
      const pair = (await this.pairs.get(id))!;
      const side = (lang: 'en' | 'fr') => pair.deliveries.filter((d) => d.lang === lang && d.status === 'sent');
      const events = await this.audit.list(id);
      // A reschedule carries the approval to the new version (only the time changed): followed
      // back, newest first, to the version the approver decided on.
      let approvedVersion: unknown = pair.approval?.version;
      for (const e of [...events].reverse()) {
        if (e.action === 'pair.rescheduled' && e.detail['version'] === approvedVersion) approvedVersion = e.detail['carriedFrom'];
      }
      const approvalEvent = events.filter((e) => e.action === 'pair.approved' && e.detail['version'] === approvedVersion).at(-1);
      const channels: string[] = [];
      for (const c of pair.channelIds) channels.push((await this.accounts.get(c))?.name ?? c);
      records.push({
        pairId: pair.id,
        status: pair.status,
        channels: channels.join('; '),
        enText: pair.enText,
        frText: pair.frText,
        enAltText: pair.media.map((m) => m.altEn).join(' | '),
        frAltText: pair.media.map((m) => m.altFr).join(' | '),
        enPosts: side('en').map((d) => d.remoteUrl).join(' '),
        frPosts: side('fr').map((d) => d.remoteUrl).join(' '),
        enSentAt: side('en').map((d) => d.sentAt).join(' '),
        frSentAt: side('fr').map((d) => d.sentAt).join(' '),
        scheduledAt: pair.scheduledAt ?? '',
        draftedBy: pair.createdBy,
        translatedBy: pair.translatedBy ?? '',
        enWrittenBy: pair.writtenBy.en.join('; '),
        frWrittenBy: pair.writtenBy.fr.join('; '),
        approvedBy: pair.approval?.by ?? '',
        approvedAt: pair.approval?.at ?? '',
        approvalComment: pair.approval?.comment ?? '',
        approvedVersion: pair.approval?.version ?? null,
        publishedBy: pair.scheduledBy ?? '',
        approvalAuditHash: approvalEvent?.hash ?? '',
      });
    }
    return records;
  }

  async exportPublished(ctx: CallContext, input: ParsedInput<'audit.exportPublished'>): Promise<ExportFile> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'audit.export', [], 'audit');
    const records = await this.published();
    const stamp = new Date(this.clock.now()).toISOString().slice(0, 10);
    await this.audit.append(user.username, 'audit.exported', 'audit', { format: input.format, pairs: records.length });
    if (input.format === 'json') {
      return {
        filename: `tandem-published-${stamp}.json`,
        mimeType: 'application/json',
        content: JSON.stringify({ exportedAt: new Date(this.clock.now()).toISOString(), exportedBy: user.username, pairs: records }, null, 2),
        count: records.length,
      };
    }
    return { filename: `tandem-published-${stamp}.csv`, mimeType: 'text/csv', content: toCsv(records), count: records.length };
  }
}

/** Every subject of the events, and the account pairs and roles their details name (by id). */
function subjectsOf(events: readonly { subject: string; detail: Record<string, unknown> }[]): string[] {
  const found = events.map((e) => e.subject);
  for (const { detail } of events) {
    for (const key of ['channel', 'channels', 'grant'] as const) {
      const value = detail[key];
      for (const id of Array.isArray(value) ? value : [value]) {
        if (typeof id === 'string') found.push(key === 'grant' ? `grant:${id}` : id);
      }
    }
  }
  return found;
}

const columns: (keyof PublishedRecord)[] = [
  'pairId', 'status', 'channels', 'enText', 'frText', 'enAltText', 'frAltText', 'enPosts', 'frPosts', 'enSentAt', 'frSentAt', 'scheduledAt',
  'draftedBy', 'translatedBy', 'enWrittenBy', 'frWrittenBy', 'approvedBy', 'approvedAt', 'approvalComment', 'approvedVersion', 'publishedBy',
  'approvalAuditHash',
];

/** The published records as CSV, one column per field (shared/csv.ts). */
export function toCsv(records: PublishedRecord[]): string {
  return csv([columns, ...records.map((r) => columns.map((c) => r[c]))]);
}
