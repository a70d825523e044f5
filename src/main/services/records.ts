// Records management: the audit trail for people who review it, and an export of what was
// published together with the approval evidence behind it.
import type { Sql } from '../db/sql';
import { publishedPairIds } from '../db/records';
import type { Clock } from '../clock';
import type { AuditEntry } from '../../shared/domain';
import type { AuditPage, ExportFile, ParsedInput } from '../../shared/contract';
import type { AuditLog } from './audit';
import type { AccountService } from './accounts';
import type { PairService } from './pairs';
import type { UserService } from './users';
import { signedIn, type CallContext } from './context';

export interface PublishedRecord {
  pairId: string;
  status: string;
  channels: string;
  enText: string;
  frText: string;
  /** The images' alt text on each side, in order, as published (" | " between images). */
  enAltText: string;
  frAltText: string;
  enPosts: string;
  frPosts: string;
  enSentAt: string;
  frSentAt: string;
  scheduledAt: string;
  draftedBy: string;
  /** Everyone other than the drafter who wrote or edited either language. */
  translatedBy: string;
  /** Who wrote or edited each language, in the order they first did ("; " between people). */
  enWrittenBy: string;
  frWrittenBy: string;
  approvedBy: string;
  approvedAt: string;
  approvalComment: string;
  approvedVersion: number | null;
  publishedBy: string;
  approvalAuditHash: string;
}

export class RecordsService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly pairs: PairService,
    private readonly accounts: AccountService,
    private readonly users: UserService,
  ) {}

  /** One page of the trail, and what the integrity checks found (only events added since the last look are checked). */
  async list(ctx: CallContext, input: ParsedInput<'audit.list'>): Promise<AuditPage> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'audit.view', [], 'audit');
    const filter = input ?? { limit: 500 };
    const events = await this.audit.query({
      actor: filter.actor,
      action: filter.action,
      subject: filter.subject,
      from: filter.from ? Date.parse(filter.from) : undefined,
      to: filter.to ? Date.parse(filter.to) : undefined,
      limit: filter.limit,
    });
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
    };
  }

  async published(): Promise<PublishedRecord[]> {
    const records: PublishedRecord[] = [];
    // One pair at a time, in order, as before: a long export asks one query at a time, never a burst.
    for (const id of await publishedPairIds(this.sql)) {
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

const columns: (keyof PublishedRecord)[] = [
  'pairId', 'status', 'channels', 'enText', 'frText', 'enAltText', 'frAltText', 'enPosts', 'frPosts', 'enSentAt', 'frSentAt', 'scheduledAt',
  'draftedBy', 'translatedBy', 'enWrittenBy', 'frWrittenBy', 'approvedBy', 'approvedAt', 'approvalComment', 'approvedVersion', 'publishedBy',
  'approvalAuditHash',
];

/**
 * RFC 4180 CSV with a BOM so spreadsheet programs read UTF-8 accents right. A cell that a
 * spreadsheet would run as a formula (= + - @ tab CR at the start) is prefixed with an apostrophe.
 */
export function toCsv(records: PublishedRecord[]): string {
  const cell = (value: unknown) => {
    let text = value === null || value === undefined ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.join(','), ...records.map((r) => columns.map((c) => cell(r[c])).join(','))];
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
