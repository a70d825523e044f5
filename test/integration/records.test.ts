// Records management through the IPC dispatch: the audit trail (filters, order, tamper
// evidence) and the export of what was published with the approval evidence behind it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, Pair } from '../../src/shared/domain';
import type { Input, Output, Result } from '../../src/shared/contract';
import type { Method } from '../../src/shared/methods';
import type { PublishedRecord } from '../../src/main/services/records';
import type { Sql } from '../../src/main/db/sql';
import { openDirect } from '../engine';
import { startTestApp, waitFor, type TestApp } from '../support';

let t: TestApp;
let channelId: string;
beforeEach(async () => {
  t = await startTestApp();
  channelId = await t.addChannel('Statistics');
});
afterEach(async () => {
  await t.cleanup();
});

const tz = 'America/Toronto';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function api<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
  return t.call<Output<M>>(method, input);
}
function dispatch<M extends Method>(method: M, input: Input<M>): Promise<Result<unknown>> {
  return t.tandem.dispatch(t.caller, method, input);
}
const audit = (filter: Input<'audit.list'> = {}) => api('audit.list', filter);
const summary = (events: AuditEntry[]) => events.map((e) => [e.actor, e.action, e.subject]);

async function pairById(id: string): Promise<Pair> {
  const pair = (await api('pairs.list', { limit: 500 })).find((p) => p.id === id);
  if (!pair) throw new Error(`pair ${id} not listed`);
  return pair;
}

// ---------------------------------------------------------------------------------------------
// Audit trail
// ---------------------------------------------------------------------------------------------

describe('audit.list', () => {
  it('filters by actor prefix, action prefix, subject and time window, newest first, on an intact chain', async () => {
    await t.addUser('rec-alice', ['drafter']);
    await t.addUser('rec_bob', ['drafter']);
    await t.signInAs('rec-alice');
    const a = await api('pairs.create', { channelIds: [channelId], enText: 'Alice', frText: 'Alice FR', authorTz: tz });
    await api('pairs.submitForReview', { id: a.id, version: a.version });
    await t.signInAs('rec_bob');
    const b = await api('pairs.create', { channelIds: [channelId], enText: 'Bob', frText: 'Bob FR', authorTz: tz });
    await t.signInAs('admin');

    // Unfiltered: everything, newest first, intact.
    const all = await audit();
    expect(all.integrity.state).toBe('intact');
    const seqs = all.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => y - x));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(summary(all.events.slice(0, 2))).toEqual([
      ['admin', 'auth.signedIn', 'user:admin'],
      ['rec_bob', 'pair.created', b.id],
    ]);
    expect((await audit({ limit: 3 })).events).toEqual(all.events.slice(0, 3));

    // Actor: a prefix, case-insensitive, where _ and % are literal characters.
    expect(summary((await audit({ actor: 'rec-' })).events)).toEqual([
      ['rec-alice', 'pair.submitted', a.id],
      ['rec-alice', 'pair.created', a.id],
      ['rec-alice', 'auth.signedIn', 'user:rec-alice'],
    ]);
    expect((await audit({ actor: 'REC-ALICE' })).events.map((e) => e.seq)).toEqual(
      (await audit({ actor: 'rec-alice' })).events.map((e) => e.seq),
    );
    expect(summary((await audit({ actor: 'rec_' })).events)).toEqual([
      ['rec_bob', 'pair.created', b.id],
      ['rec_bob', 'auth.signedIn', 'user:rec_bob'],
    ]);
    expect((await audit({ actor: 'rec' })).events).toHaveLength(5);
    expect((await audit({ actor: '%' })).events).toEqual([]);

    // Action: a prefix.
    const roleEvents = (await audit({ action: 'role.' })).events;
    // Bootstrap: admin + the four workflow roles; then one drafter grant for each new user.
    expect(roleEvents.map((e) => [e.action, e.subject, e.detail['role']])).toEqual([
      ['role.granted', 'user:rec_bob', 'drafter'],
      ['role.granted', 'user:rec-alice', 'drafter'],
      ['role.granted', 'user:admin', 'publisher'],
      ['role.granted', 'user:admin', 'approver'],
      ['role.granted', 'user:admin', 'translator'],
      ['role.granted', 'user:admin', 'drafter'],
      ['role.granted', 'user:admin', 'admin'],
    ]);
    expect(summary((await audit({ action: 'pair.' })).events)).toEqual([
      ['rec_bob', 'pair.created', b.id],
      ['rec-alice', 'pair.submitted', a.id],
      ['rec-alice', 'pair.created', a.id],
    ]);
    expect((await audit({ action: 'pair.sub' })).events.map((e) => e.subject)).toEqual([a.id]);

    // Subject: exact.
    expect(summary((await audit({ subject: a.id })).events)).toEqual([
      ['rec-alice', 'pair.submitted', a.id],
      ['rec-alice', 'pair.created', a.id],
    ]);
    expect((await audit({ subject: a.id.slice(0, 8) })).events).toEqual([]);

    // Filters combine.
    expect(summary((await audit({ actor: 'rec', action: 'pair.created' })).events)).toEqual([
      ['rec_bob', 'pair.created', b.id],
      ['rec-alice', 'pair.created', a.id],
    ]);

    // Time window: only what happened between from and to (inclusive).
    await sleep(30);
    const from = new Date().toISOString();
    await sleep(5);
    const inside = await api('pairs.create', { channelIds: [channelId], enText: 'Inside', frText: 'Dedans', authorTz: tz });
    await sleep(5);
    const to = new Date().toISOString();
    await sleep(30);
    const outside = await api('pairs.create', { channelIds: [channelId], enText: 'After', frText: 'Après', authorTz: tz });

    expect(summary((await audit({ from, to })).events)).toEqual([['admin', 'pair.created', inside.id]]);
    expect(summary((await audit({ from })).events)).toEqual([
      ['admin', 'pair.created', outside.id],
      ['admin', 'pair.created', inside.id],
    ]);
    const until = (await audit({ to })).events;
    expect(until[0]!.subject).toBe(inside.id);
    expect(until.map((e) => e.subject)).not.toContain(outside.id);
    for (const e of (await audit({ from, to })).events) {
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(from));
      expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.parse(to));
    }
    expect((await audit()).integrity.state).toBe('intact');
  });
});

describe('tamper evidence', () => {
  async function someHistory(): Promise<Pair> {
    return t.publish(channelId, 'Evidence', 'Preuve', new Date(Date.now() + 3_600_000));
  }
  /** PostgreSQL names the table a trigger is on when dropping it; SQLite does not. */
  const dropTrigger = (sql: Sql, name: string) =>
    sql.run(sql.engine === 'postgres' ? `DROP TRIGGER ${name} ON audit_event` : `DROP TRIGGER ${name}`);

  it('plain UPDATE and DELETE of audit rows are refused by the database while the triggers exist', async () => {
    await someHistory();
    // Another program's own connection to the same database.
    const other = openDirect(t);
    try {
      await expect(other.run("UPDATE audit_event SET detail = '{}' WHERE seq = 3")).rejects.toThrow(/append-only/);
      await expect(other.run('DELETE FROM audit_event WHERE seq = 3')).rejects.toThrow(/append-only/);
      await expect(other.run('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
      // PostgreSQL's TRUNCATE skips row triggers: it is refused on its own (SQLite has none).
      if (other.engine === 'postgres') await expect(other.run('TRUNCATE audit_event')).rejects.toThrow(/append-only/);
    } finally {
      await other.close();
    }
    const page = await audit({ limit: 5_000 });
    expect(page.integrity.state).toBe('intact');
    expect(page.events.map((e) => e.seq).at(-1)).toBe(1);
  });

  it('an audit row edited behind the app’s back is reported at its sequence number', async () => {
    const pair = await someHistory();
    const approved = (await audit({ subject: pair.id, action: 'pair.approved' })).events;
    expect(approved).toHaveLength(1);
    const target = approved[0]!;
    expect(target.detail['comment']).toBe('OK to publish');
    const total = (await audit({ limit: 5_000 })).events.length;
    expect(target.seq).toBeLessThan(total); // an event in the middle of the chain

    const other = openDirect(t);
    try {
      await dropTrigger(other, 'audit_event_no_update');
      const changed = await other.run('UPDATE audit_event SET detail = ? WHERE seq = ?', [
        JSON.stringify({ ...target.detail, comment: 'Never approved' }),
        target.seq,
      ]);
      expect(changed).toBe(1);
    } finally {
      await other.close();
    }

    const page = await audit({ limit: 5_000 });
    expect(page.integrity.problems).toContainEqual({ kind: 'edited', seq: target.seq, count: 1 });
    // The edited text is what is shown: the chain, not the row, is the evidence.
    expect(page.events.find((e) => e.seq === target.seq)!.detail['comment']).toBe('Never approved');
    // New events keep being recorded after the break; the break is still reported where it is.
    await api('pairs.create', { channelIds: [channelId], enText: 'Later', frText: 'Plus tard', authorTz: tz });
    expect((await audit()).integrity.problems).toContainEqual({ kind: 'edited', seq: target.seq, count: 1 });
  });

  it('a deleted audit row is reported at the event that followed it', async () => {
    const pair = await someHistory();
    const [scheduled] = (await audit({ subject: pair.id, action: 'pair.scheduled' })).events;
    const [approved] = (await audit({ subject: pair.id, action: 'pair.approved' })).events;
    const other = openDirect(t);
    try {
      await dropTrigger(other, 'audit_event_no_delete');
      expect(await other.run('DELETE FROM audit_event WHERE seq = ?', [approved!.seq])).toBe(1);
    } finally {
      await other.close();
    }
    const page = await audit({ limit: 5_000 });
    const after = page.events.filter((e) => e.seq > approved!.seq).at(-1)!;
    expect(page.integrity.problems).toContainEqual({ kind: 'edited', seq: after.seq, count: 1 });
    expect(after.seq).toBe(scheduled!.seq);
  });
});

// ---------------------------------------------------------------------------------------------
// Export of what was published
// ---------------------------------------------------------------------------------------------

interface ExportJson {
  exportedAt: string;
  exportedBy: string;
  pairs: PublishedRecord[];
}

const csvHeader =
  'pairId,status,channels,enText,frText,enAltText,frAltText,enPosts,frPosts,enSentAt,frSentAt,scheduledAt,draftedBy,translatedBy,' +
  'enWrittenBy,frWrittenBy,approvedBy,approvedAt,approvalComment,approvedVersion,publishedBy,approvalAuditHash';

/** A strict RFC 4180 reader, so the test does not trust the writer's own idea of quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      if (cell !== '') throw new Error(`quote inside an unquoted cell at ${i}`);
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else {
      cell += c;
    }
  }
  if (quoted) throw new Error('unterminated quote');
  if (cell !== '' || row.length > 0) throw new Error('last record has no line ending');
  return rows;
}

describe('audit.exportPublished', () => {
  const people = { drafter: 'ex-dana', translator: 'ex-theo', approver: 'ex-alex', publisher: 'ex-pat' } as const;

  /** drafter -> translator -> approver -> publisher, four people; leaves the admin signed in. */
  async function throughWorkflow(enText: string, frText: string, comment: string): Promise<string> {
    await t.signInAs(people.drafter);
    let pair = await api('pairs.create', { channelIds: [channelId], enText, frText: '', authorTz: tz });
    pair = await api('pairs.requestTranslation', { id: pair.id, version: pair.version });
    await t.signInAs(people.translator);
    pair = await api('pairs.update', { id: pair.id, version: pair.version, enText, frText });
    pair = await api('pairs.submitForReview', { id: pair.id, version: pair.version });
    await t.signInAs(people.approver);
    pair = await api('pairs.approve', { id: pair.id, version: pair.version, comment });
    await t.signInAs(people.publisher);
    pair = await api('pairs.schedule', { id: pair.id, version: pair.version, when: 'now' });
    await t.signInAs('admin');
    return pair.id;
  }

  it('exports each published pair with its posts, people and approval evidence, as JSON and CSV', async () => {
    for (const [role, username] of Object.entries(people)) {
      await t.addUser(username, [role as keyof typeof people]);
    }
    const tricky = {
      en: 'Budget 2025: "Growth, jobs"\nDetails at 10:00',
      fr: '=1+1 Le budget 2025 est publié',
      comment: 'Approved, as discussed',
    };
    const plain = { en: 'Second release today', fr: 'Deuxième diffusion aujourd’hui', comment: 'Fine' };
    const first = await throughWorkflow(tricky.en, tricky.fr, tricky.comment);
    const second = await throughWorkflow(plain.en, plain.fr, plain.comment);
    await waitFor(
      async () => (await pairById(first)).status === 'published' && (await pairById(second)).status === 'published',
      8_000,
      'both pairs published',
    );

    // Pairs that have not been published stay out of the export.
    const draft = await api('pairs.create', { channelIds: [channelId], enText: 'Draft only', frText: 'Brouillon', authorTz: tz });
    let approved = await api('pairs.create', { channelIds: [channelId], enText: 'Approved only', frText: 'Approuvé', authorTz: tz });
    approved = await api('pairs.submitForReview', { id: approved.id, version: approved.version });
    approved = await api('pairs.approve', { id: approved.id, version: approved.version, comment: 'ok' });
    const later = await t.publish(channelId, 'Scheduled later', 'Prévu plus tard', new Date(Date.now() + 3_600_000));
    const cancelled = await t.publish(channelId, 'Cancelled one', 'Annulé', new Date(Date.now() + 3_600_000));
    await api('pairs.cancel', { id: cancelled.id });
    const unpublished = [draft.id, approved.id, later.id, cancelled.id];

    const expected = async (id: string, texts: { en: string; fr: string; comment: string }) => {
      const pair = await pairById(id);
      const enPost = t.fake.postsBy(t.en.username).find((p) => p.text === texts.en)!;
      const frPost = t.fake.postsBy(t.fr.username).find((p) => p.text === texts.fr)!;
      const approvals = (await audit({ subject: id, action: 'pair.approved' })).events;
      expect(approvals).toHaveLength(1);
      return {
        pairId: id,
        status: 'published',
        channels: 'Statistics',
        enText: texts.en,
        frText: texts.fr,
        enAltText: '',
        frAltText: '',
        enPosts: `https://x.com/${t.en.username}/status/${enPost.id}`,
        frPosts: `https://x.com/${t.fr.username}/status/${frPost.id}`,
        enSentAt: pair.deliveries.find((d) => d.lang === 'en')!.sentAt!,
        frSentAt: pair.deliveries.find((d) => d.lang === 'fr')!.sentAt!,
        scheduledAt: pair.scheduledAt!,
        draftedBy: people.drafter,
        translatedBy: people.translator,
        enWrittenBy: people.drafter,
        frWrittenBy: people.translator,
        approvedBy: people.approver,
        approvedAt: pair.approval!.at,
        approvalComment: texts.comment,
        approvedVersion: 2, // the translator's edit made version 2, and that is what was approved
        publishedBy: people.publisher,
        approvalAuditHash: approvals[0]!.hash,
      } satisfies PublishedRecord;
    };
    const wanted = [await expected(first, tricky), await expected(second, plain)];
    expect(wanted[0]!.approvalAuditHash).toMatch(/^[0-9a-f]{64}$/);
    expect(wanted[0]!.approvalAuditHash).not.toBe(wanted[1]!.approvalAuditHash);

    // JSON
    const mark = (await audit({ action: 'audit.exported' })).events.length;
    const json = await api('audit.exportPublished', { format: 'json' });
    expect(json.mimeType).toBe('application/json');
    expect(json.filename).toMatch(/^tandem-published-\d{4}-\d{2}-\d{2}\.json$/);
    expect(json.count).toBe(2);
    const parsed = JSON.parse(json.content) as ExportJson;
    expect(parsed.exportedBy).toBe('admin');
    expect(Number.isNaN(Date.parse(parsed.exportedAt))).toBe(false);
    expect([...parsed.pairs].sort((x, y) => (x.pairId < y.pairId ? -1 : 1))).toEqual(
      [...wanted].sort((x, y) => (x.pairId < y.pairId ? -1 : 1)),
    );
    for (const id of unpublished) expect(json.content).not.toContain(id);

    // CSV
    const csv = await api('audit.exportPublished', { format: 'csv' });
    expect(csv.mimeType).toBe('text/csv');
    expect(csv.filename).toMatch(/^tandem-published-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv.count).toBe(2);
    expect(csv.content.startsWith('\uFEFF' + csvHeader + '\r\n')).toBe(true);
    // One record per line: header, two pairs, then the final line ending (the newline inside
    // the quoted EN text is a bare \n and so does not split a record).
    const lines = csv.content.slice(1).split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    // Quoting: doubled quotes, commas and the line break kept inside one quoted cell.
    expect(csv.content).toContain('"Budget 2025: ""Growth, jobs""\nDetails at 10:00"');
    expect(csv.content).toContain(',"Approved, as discussed",');
    // Formula guard: a cell starting with = is prefixed with an apostrophe.
    expect(csv.content).toContain(",'=1+1 Le budget 2025 est publié,");
    expect(csv.content).not.toContain(',=1+1');

    const [header, ...rows] = parseCsv(csv.content.slice(1));
    expect(header!.join(',')).toBe(csvHeader);
    expect(rows).toHaveLength(2);
    const columns = header!;
    const records = rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
    const byId = new Map(records.map((r) => [r['pairId'], r]));
    for (const want of wanted) {
      const got = byId.get(want.pairId)!;
      const asText = Object.fromEntries(Object.entries(want).map(([k, v]) => [k, String(v)]));
      if (want.frText.startsWith('=')) asText['frText'] = `'${want.frText}`;
      expect(got).toEqual(asText);
    }
    for (const id of unpublished) expect(csv.content).not.toContain(id);

    // Both exports are on the record.
    const exported = (await audit({ action: 'audit.exported' })).events;
    expect(exported).toHaveLength(mark + 2);
    expect(exported.slice(0, 2).map((e) => [e.actor, e.subject, e.detail])).toEqual([
      ['admin', 'audit', { format: 'csv', pairs: 2 }],
      ['admin', 'audit', { format: 'json', pairs: 2 }],
    ]);
  });

  it('with nothing published the export is just the header, and is still audited', async () => {
    await api('pairs.create', { channelIds: [channelId], enText: 'Draft', frText: 'Brouillon', authorTz: tz });
    const csv = await api('audit.exportPublished', { format: 'csv' });
    expect(csv).toMatchObject({ count: 0, content: '\uFEFF' + csvHeader + '\r\n' });
    const json = await dispatch('audit.exportPublished', { format: 'json' });
    expect(json).toMatchObject({ ok: true, value: { count: 0 } });
    expect(JSON.parse((json as { value: { content: string } }).value.content)).toMatchObject({ pairs: [] });
    expect((await audit({ action: 'audit.exported' })).events.map((e) => e.detail)).toEqual([
      { format: 'json', pairs: 0 },
      { format: 'csv', pairs: 0 },
    ]);
  });
});
