// The audit trail as records staff read it (issue 14, item 4), on both engines: people found by
// name, actions chosen exactly, pages back to the first event, and each subject said as what it is.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, waitFor, type TestApp } from '../support';
import type { AuditExport, AuditPage, RecordsExport } from '../../src/shared/contract';
import type { Pair, User } from '../../src/shared/domain';

let t: TestApp;
afterEach(async () => t?.cleanup());
const tz = 'America/Toronto';

describe('the audit trail for its readers', () => {
  it('finds a person by any part of their name, ignoring case and accents', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Statistics Canada');
    await t.call<User>('users.create', { username: 'hlefebvre', displayName: 'Hélène Lefèbvre', passphrase: 'a long enough passphrase' });
    const helene = (await t.call<User[]>('users.list')).find((u) => u.username === 'hlefebvre')!;
    await t.call('roles.grant', { userId: helene.id, role: 'drafter', channelId: null, expiresAt: null });
    await t.tandem.dispatch({ client: 'hl' }, 'session.signIn', { username: 'hlefebvre', passphrase: 'a long enough passphrase' });
    await t.tandem.dispatch({ client: 'hl' }, 'pairs.create', { channelIds: [channelId], enText: 'Census', frText: 'Recensement', authorTz: tz });

    for (const person of ['helene', 'LEFEBVRE', 'Hélène L', 'hlef']) {
      const page = await t.call<AuditPage>('audit.list', { person, limit: 50 });
      expect(page.events.map((e) => e.action), person).toEqual(['pair.created', 'auth.signedIn']);
      expect(page.people).toEqual({ hlefebvre: 'Hélène Lefèbvre' });
    }
    expect((await t.call<AuditPage>('audit.list', { person: 'nobody here', limit: 50 })).events).toEqual([]);
  });

  it('filters by exactly the actions chosen, and pages back through every event', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Statistics Canada');
    const made: Pair[] = [];
    for (let i = 0; i < 7; i++) {
      made.push(await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: `Post ${i}`, frText: `Message ${i}`, authorTz: tz }));
    }
    const seen: number[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page: AuditPage = await t.call<AuditPage>('audit.list', { actions: ['pair.created'], limit: 3, ...(before ? { before } : {}) });
      seen.push(...page.events.map((e) => e.seq));
      expect(page.events.every((e) => e.action === 'pair.created')).toBe(true);
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen).toHaveLength(7);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    // 'pair.created' exactly: not the prefix of anything else, and other actions stay out.
    const two = await t.call<AuditPage>('audit.list', { actions: ['pair.created', 'channel.added'], limit: 100 });
    expect(new Set(two.events.map((e) => e.action))).toEqual(new Set(['pair.created', 'channel.added']));
  });

  it('says what each subject is: a pair by its texts, an account pair by its names, a person and a role by name', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Statistics Canada');
    await t.call('accounts.rename', { channelId, name: 'Statistics Canada', nameFr: 'Statistique Canada' });
    const pair = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'The census starts', frText: 'Le recensement commence', authorTz: tz });
    const julie = await t.addUser('julie', ['translator']);

    const page = await t.call<AuditPage>('audit.list', { limit: 100 });
    expect(page.subjects[pair.id]).toEqual({ kind: 'pair', en: 'The census starts', fr: 'Le recensement commence' });
    expect(page.subjects[channelId]).toEqual({ kind: 'channel', name: 'Statistics Canada', nameFr: 'Statistique Canada', platform: 'x' });
    expect(page.subjects['user:julie']).toEqual({ kind: 'person', username: 'julie', displayName: 'julie' });
    const grant = page.events.find((e) => e.action === 'role.granted' && e.subject === 'user:julie')!;
    expect(grant.detail['role']).toBe('translator');
    expect(julie.grants[0]!.role).toBe('translator');
    expect(page.people['admin']).toBe('Admin');
  });

  it('exports the trail and the published records for a range, oldest first, and records each export', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel('Statistics Canada');
    const early = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Early', frText: 'Tôt', authorTz: tz });
    await new Promise((r) => setTimeout(r, 20));
    const from = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const late = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Late', frText: 'Tard', authorTz: tz });

    const trail = await t.call<AuditExport>('audit.exportTrail', { from });
    expect(trail.from).toBe(from);
    expect(trail.events.map((e) => e.subject)).toContain(late.id);
    expect(trail.events.map((e) => e.subject)).not.toContain(early.id);
    expect(trail.events.map((e) => e.seq)).toEqual([...trail.events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(trail.subjects[late.id]).toEqual({ kind: 'pair', en: 'Late', fr: 'Tard' });
    expect(trail.people['admin']).toBe('Admin');

    const published = await t.publish(channelId, 'Out now', 'Publié', new Date(Date.now() + 100));
    await waitFor(async () => (await t.call<Pair[]>('pairs.list')).find((p) => p.id === published.id)?.status === 'published');
    const records = await t.call<RecordsExport>('audit.exportRecords', { from: '2000-01-01T00:00:00Z' });
    expect(records.from).toBe('2000-01-01T00:00:00Z');
    expect(records.records.map((r) => [r.pairId, r.enText, r.frText])).toEqual([[published.id, 'Out now', 'Publié']]);
    expect(records.people['admin']).toBe('Admin');
    // Due before the range: left out.
    expect((await t.call<RecordsExport>('audit.exportRecords', { from: new Date(Date.now() + 60_000).toISOString() })).records).toEqual([]);
    const exports = (await t.call<AuditPage>('audit.list', { actions: ['audit.exported'], limit: 10 })).events;
    expect(exports.map((e) => e.detail['format'])).toEqual(['records', 'records', 'trail']);
    // A range that ends before it starts is bad input, said as such.
    expect((await t.tandem.dispatch(t.caller, 'audit.exportTrail', { from, to: '2000-01-01T00:00:00Z' })).ok).toBe(false);
  });
});
