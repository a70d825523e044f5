// Who may do what, exercised through the IPC dispatch as the renderer would: the role matrix
// (generated from the shared permission table, so the two cannot drift apart), sign-in rules,
// scoping of grants to account pairs, expiry and revocation, self-approval and the workflow.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, Grant, Pair, User } from '../../src/shared/domain';
import { roles } from '../../src/shared/domain';
import type { Input, Output, Result } from '../../src/shared/contract';
import { methods, publicMethods, type Method } from '../../src/shared/methods';
import { actions, allowedRoles, type Action } from '../../src/shared/permissions';
import { credentialsOf, fakeAccount } from '../fakes/x-api';
import { passphraseOf, setDue, startTestApp, waitFor, type TestApp } from '../support';

let t: TestApp;

const tz = 'America/Toronto';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
let serial = 0;
const next = () => ++serial;

/** A typed call that returns the value or throws ApiFailure with the error code. */
function api<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
  return t.call<Output<M>>(method, input);
}
function dispatch<M extends Method>(method: M, input: Input<M>): Promise<Result<unknown>> {
  return t.tandem.dispatch(t.caller, method, input);
}
const denied = (action: Action) => ({ ok: false, error: { code: 'permission.denied', params: { action } } });

async function pairById(id: string): Promise<Pair> {
  const pair = (await api('pairs.list', { limit: 500 })).find((p) => p.id === id);
  if (!pair) throw new Error(`pair ${id} not listed`);
  return pair;
}

/** Everything the app stores except the audit trail, read straight from the database. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const { sql } = t.tandem;
  const tables = (
    await sql.all<{ name: string }>({
      sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'audit_event' ORDER BY name",
      postgres:
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'audit_event' ORDER BY table_name",
    })
  ).map((r) => r.name);
  expect(tables).toEqual(expect.arrayContaining(['post_pair', 'delivery', 'approval', 'user', 'role_grant', 'channel', 'account']));
  const contents: Record<string, unknown[]> = {};
  for (const name of tables) {
    // In an order of their own (not every table has a key to sort by, and the engines' row orders differ).
    const rows = (await sql.all<Record<string, unknown>>(`SELECT * FROM "${name}"`)).map((row) => JSON.stringify(row));
    contents[name] = rows.sort();
  }
  return contents;
}
const lastSeq = async () => (await t.tandem.sql.value<number>('SELECT COALESCE(MAX(seq), 0) FROM audit_event'))!;

/** Audit events since `seq`, read through audit.list as the admin (who is left signed in). */
async function auditSince(seq: number, filter: Input<'audit.list'> = {}): Promise<AuditEntry[]> {
  await t.signInAs('admin');
  const page = await api('audit.list', { ...filter, limit: 5_000 });
  expect(page.integrity.state).toBe('intact');
  return page.events.filter((e) => e.seq > seq);
}

/** Adds a channel with fresh fake X accounts through accounts.addPair (admin must be signed in). */
async function addSecondChannel(name: string, allowSelfApproval = false): Promise<string> {
  const n = next();
  const en = fakeAccount(t.fake, `c${n}_en_${Math.random().toString(36).slice(2, 6)}`);
  const fr = fakeAccount(t.fake, `c${n}_fr_${Math.random().toString(36).slice(2, 6)}`);
  return t.addChannel(name, { allowSelfApproval, accounts: { en, fr } });
}

// ---------------------------------------------------------------------------------------------
// 1. The role matrix
// ---------------------------------------------------------------------------------------------

interface Prepared {
  input: unknown;
  /** The pair the action is about, if any: its status and version must not move on refusal. */
  pairId?: string;
}

interface MatrixCase {
  name: string;
  action: Action;
  method: Method;
  /** Runs as the admin (who holds every role): brings the world into the state the action needs. */
  prepare(): Promise<Prepared>;
  /** After an allowed call: waits for any background work it started, and checks its effect. */
  settle?(prepared: Prepared, value: unknown): Promise<void>;
}

function matrixCase<M extends Method>(c: {
  name: string;
  action: Action;
  method: M;
  prepare(): Promise<{ input: Input<M>; pairId?: string }>;
  settle?(prepared: Prepared, value: Output<M>): Promise<void>;
}): MatrixCase {
  return c as unknown as MatrixCase;
}

let matrixChannel = '';
let targetUser: User;

async function draftPair(): Promise<Pair> {
  const n = next();
  return api('pairs.create', { channelIds: [matrixChannel], enText: `Matrix ${n}`, frText: `Matrice ${n}`, authorTz: tz });
}
async function reviewPair(): Promise<Pair> {
  const pair = await draftPair();
  return api('pairs.submitForReview', { id: pair.id, version: pair.version });
}
async function approvedPair(): Promise<Pair> {
  const pair = await reviewPair();
  return api('pairs.approve', { id: pair.id, version: pair.version, comment: 'Fine' });
}
/** A pair whose two deliveries X refused for good, so it stands 'failed'. */
async function failedPair(): Promise<Pair> {
  const pair = await approvedPair();
  t.fake.failNext(t.en.username, { status: 403, body: JSON.stringify({ title: 'Forbidden', detail: 'Not allowed' }) });
  t.fake.failNext(t.fr.username, { status: 403, body: JSON.stringify({ title: 'Forbidden', detail: 'Not allowed' }) });
  await api('pairs.schedule', { id: pair.id, version: pair.version, when: 'now' });
  return waitFor(
    async () => {
      const p = await pairById(pair.id);
      return p.status === 'failed' ? p : null;
    },
    5_000,
    'failed pair',
  );
}

/** A pair that fell due two hours ago while Tandem was closed: held for a publisher to confirm. */
async function heldPair(): Promise<Pair> {
  const pair = await approvedPair();
  await api('pairs.schedule', { id: pair.id, version: pair.version, when: 'at', scheduledAt: new Date(Date.now() + 3_600_000).toISOString() });
  await setDue(t.tandem.sql, pair.id, Date.now() - 2 * 3_600_000);
  await t.tandem.publisher.wake();
  return waitFor(
    async () => {
      const p = await pairById(pair.id);
      return p.status === 'held' ? p : null;
    },
    5_000,
    'held pair',
  );
}

const matrixCases: MatrixCase[] = [
  matrixCase({
    name: 'create a pair',
    action: 'pair.create',
    method: 'pairs.create',
    prepare: async () => ({ input: { channelIds: [matrixChannel], enText: 'New', frText: 'Nouveau', authorTz: tz } }),
    settle: async (_p, pair) => expect(pair.status).toBe('draft'),
  }),
  matrixCase({
    name: 'edit text',
    action: 'pair.edit',
    method: 'pairs.update',
    prepare: async () => {
      const pair = await draftPair();
      return { input: { id: pair.id, version: pair.version, enText: 'Edited', frText: 'Modifié' }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect([pair.version, pair.enText]).toEqual([2, 'Edited']),
  }),
  matrixCase({
    name: 'request translation',
    action: 'pair.requestTranslation',
    method: 'pairs.requestTranslation',
    prepare: async () => {
      const pair = await draftPair();
      return { input: { id: pair.id, version: pair.version }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect(pair.status).toBe('translation'),
  }),
  matrixCase({
    name: 'submit for review',
    action: 'pair.submitForReview',
    method: 'pairs.submitForReview',
    prepare: async () => {
      const pair = await draftPair();
      return { input: { id: pair.id, version: pair.version }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect(pair.status).toBe('review'),
  }),
  matrixCase({
    name: 'approve',
    action: 'pair.approve',
    method: 'pairs.approve',
    prepare: async () => {
      const pair = await reviewPair();
      return { input: { id: pair.id, version: pair.version, comment: 'Approved' }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect([pair.status, pair.approval?.by]).toEqual(['approved', 'only-approver']),
  }),
  matrixCase({
    name: 'reject',
    action: 'pair.reject',
    method: 'pairs.reject',
    prepare: async () => {
      const pair = await reviewPair();
      return { input: { id: pair.id, version: pair.version, comment: 'Needs work' }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect(pair.status).toBe('translation'),
  }),
  matrixCase({
    name: 'schedule / publish',
    action: 'pair.schedule',
    method: 'pairs.schedule',
    prepare: async () => {
      const pair = await approvedPair();
      const scheduledAt = new Date(Date.now() + 3_600_000).toISOString();
      return { input: { id: pair.id, version: pair.version, when: 'at', scheduledAt }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect([pair.status, pair.deliveries.length]).toEqual(['scheduled', 2]),
  }),
  matrixCase({
    name: 'reschedule',
    action: 'pair.reschedule',
    method: 'pairs.reschedule',
    prepare: async () => {
      const approved = await approvedPair();
      const pair = await api('pairs.schedule', {
        id: approved.id,
        version: approved.version,
        when: 'at',
        scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      return { input: { id: pair.id, version: pair.version, scheduledAt: new Date(Date.now() + 7_200_000).toISOString() }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect([pair.status, pair.approval?.by, pair.deliveries.length]).toEqual(['scheduled', 'admin', 2]),
  }),
  matrixCase({
    name: 'cancel',
    action: 'pair.cancel',
    method: 'pairs.cancel',
    prepare: async () => {
      const pair = await draftPair();
      return { input: { id: pair.id }, pairId: pair.id };
    },
    settle: async (_p, pair) => expect(pair.status).toBe('cancelled'),
  }),
  matrixCase({
    name: 'retry',
    action: 'pair.retry',
    method: 'pairs.retry',
    prepare: async () => {
      const pair = await failedPair();
      return { input: { id: pair.id }, pairId: pair.id };
    },
    settle: async (prepared) => {
      // The retry goes out (the refusals were one-off); wait so nothing is left running.
      await waitFor(async () => (await pairById(prepared.pairId!)).status === 'published', 5_000, 'retried pair published');
    },
  }),
  matrixCase({
    name: 'release a held pair',
    action: 'pair.release',
    method: 'pairs.release',
    prepare: async () => {
      const pair = await heldPair();
      return { input: { id: pair.id, version: pair.version }, pairId: pair.id };
    },
    settle: async (prepared) => {
      await waitFor(async () => (await pairById(prepared.pairId!)).status === 'published', 5_000, 'released pair published');
    },
  }),
  matrixCase({
    name: 'renew credentials',
    action: 'account.settings',
    method: 'accounts.updateCredentials',
    prepare: async () => {
      const channel = (await api('accounts.list', undefined)).find((c) => c.id === matrixChannel)!;
      return { input: { accountId: channel.fr.id, credentials: credentialsOf(t.fr) } };
    },
    settle: async (_p, channel) => expect(channel.fr.status).toBe('active'),
  }),
  matrixCase({
    name: 'change workspace settings',
    action: 'workspace.settings',
    method: 'settings.update',
    prepare: async () => ({ input: { graceMinutes: 30 } }),
    settle: async (_p, settings) => {
      expect(settings.graceMinutes).toBe(30);
      await t.signInAs('admin');
      await api('settings.update', { graceMinutes: 15 });
    },
  }),
  matrixCase({
    name: 'add an account pair',
    action: 'account.add',
    method: 'accounts.addPair',
    prepare: async () => {
      const n = next();
      const en = fakeAccount(t.fake, `m${n}_en`);
      const fr = fakeAccount(t.fake, `m${n}_fr`);
      return {
        input: {
          platform: 'x',
          name: `Matrix channel ${n}`,
          en: { handle: en.username, displayName: 'EN', credentials: credentialsOf(en) },
          fr: { handle: fr.username, displayName: 'FR', credentials: credentialsOf(fr) },
        },
      };
    },
    settle: async (prepared, channel) => expect(channel.name).toBe((prepared.input as { name: string }).name),
  }),
  matrixCase({
    name: 'set self-approval',
    action: 'account.settings',
    method: 'accounts.setSelfApproval',
    prepare: async () => ({ input: { channelId: matrixChannel, allowed: false } }),
    settle: async () => {
      expect((await api('accounts.list', undefined)).find((c) => c.id === matrixChannel)!.allowSelfApproval).toBe(false);
      await t.signInAs('admin');
      await api('accounts.setSelfApproval', { channelId: matrixChannel, allowed: true });
    },
  }),
  matrixCase({
    name: 'create user',
    action: 'user.manage',
    method: 'users.create',
    prepare: async () => ({ input: { username: `new-user-${next()}`, displayName: 'New', passphrase: 'a long enough passphrase' } }),
    settle: async (prepared, user) => expect(user.username).toBe((prepared.input as { username: string }).username),
  }),
  matrixCase({
    name: 'grant role',
    action: 'role.manage',
    method: 'roles.grant',
    prepare: async () => ({ input: { userId: targetUser.id, role: 'translator', channelId: null, expiresAt: null } }),
    settle: async (_p, grant) => expect([grant.role, grant.grantedBy]).toEqual(['translator', 'only-admin']),
  }),
  matrixCase({
    name: 'revoke role',
    action: 'role.manage',
    method: 'roles.revoke',
    prepare: async () => {
      const grant = await api('roles.grant', { userId: targetUser.id, role: 'drafter', channelId: null, expiresAt: null });
      return { input: { grantId: grant.id } };
    },
    settle: async (_p, grant) => expect(grant.revokedAt).not.toBeNull(),
  }),
  matrixCase({
    name: 'view audit',
    action: 'audit.view',
    method: 'audit.list',
    prepare: async () => ({ input: { limit: 10 } }),
    settle: async (_p, page) => expect(page.events.length).toBe(10),
  }),
  matrixCase({
    name: 'export',
    action: 'audit.export',
    method: 'audit.exportPublished',
    prepare: async () => ({ input: { format: 'json' } }),
    settle: async (_p, file) => expect(file.mimeType).toBe('application/json'),
  }),
];

const matrix = matrixCases.flatMap((c) =>
  roles.map((role) => ({ ...c, role, allowed: allowedRoles[c.action].includes(role), outcome: allowedRoles[c.action].includes(role) ? 'allowed' : 'refused' })),
);

describe('role matrix (generated from allowedRoles)', () => {
  beforeAll(async () => {
    t = await startTestApp();
    matrixChannel = await t.addChannel('Matrix');
    for (const role of roles) await t.addUser(`only-${role}`, [role]);
    targetUser = await t.addUser('target-user', []);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('covers every action in the permission table and every role', () => {
    expect(new Set(matrixCases.map((c) => c.action))).toEqual(new Set(actions));
    expect(matrix).toHaveLength(matrixCases.length * 5);
    // Sanity check on the table itself, so a silently emptied table cannot pass the matrix.
    expect(matrix.filter((r) => r.allowed)).toHaveLength(
      matrixCases.reduce((n, c) => n + allowedRoles[c.action].length, 0),
    );
    expect(matrix.filter((r) => !r.allowed).length).toBeGreaterThan(40);
  });

  it('each test user holds exactly one role, for all account pairs, with no expiry', async () => {
    const users = await api('users.list', undefined);
    for (const role of roles) {
      const user = users.find((u) => u.username === `only-${role}`)!;
      expect(user.grants.map((g) => [g.role, g.channelId, g.expiresAt, g.revokedAt])).toEqual([[role, null, null, null]]);
    }
  });

  it.each(matrix)('$role: $name ($action) is $outcome', async (row) => {
    const username = `only-${row.role}`;
    await t.signInAs('admin');
    const prepared = await row.prepare();
    await t.signInAs(username);
    const pairBefore = prepared.pairId ? await pairById(prepared.pairId) : undefined;
    const before = await snapshot();
    const fakeRequests = t.fake.requests.length;
    const mark = await lastSeq();

    const result = await t.tandem.dispatch(t.caller, row.method, prepared.input);

    if (row.allowed) {
      expect(result).toMatchObject({ ok: true });
      await row.settle?.(prepared, (result as { value: unknown }).value);
      const refusals = (await auditSince(mark, { actor: username })).filter((e) => e.action === 'permission.denied');
      expect(refusals).toEqual([]);
      return;
    }

    expect(result).toEqual(denied(row.action));
    // Nothing changed: not the stored state, not the pair, and X was not even asked.
    expect(await snapshot()).toEqual(before);
    expect(t.fake.requests.length).toBe(fakeRequests);
    if (prepared.pairId) {
      const after = await pairById(prepared.pairId);
      expect({ status: after.status, version: after.version, approval: after.approval, deliveries: after.deliveries }).toEqual({
        status: pairBefore!.status,
        version: pairBefore!.version,
        approval: pairBefore!.approval,
        deliveries: pairBefore!.deliveries,
      });
    }
    // The refusal is on the record, and it is the only thing this user did.
    const events = (await auditSince(mark, { actor: username })).filter((e) => e.actor === username);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: username, action: 'permission.denied', detail: { action: row.action } });
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Signing in
// ---------------------------------------------------------------------------------------------

describe('authentication', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('refuses every non-public method with auth.required once signed out, and changes nothing', async () => {
    const channelId = await t.addChannel();
    const pair = await t.publish(channelId, 'Signed out', 'Déconnecté', new Date(Date.now() + 3_600_000));
    const admin = (await api('session.current', undefined)).user!;
    const grantId = admin.grants[0]!.id;
    const inputs: { [M in Method]: Input<M> } = {
      'session.current': undefined,
      'session.signIn': { username: 'admin', passphrase: passphraseOf('admin') },
      'session.signOut': undefined,
      'session.signOutEverywhere': undefined,
      'users.bootstrap': { username: 'second', displayName: 'Second', passphrase: passphraseOf('second') },
      'users.list': undefined,
      'users.create': { username: 'intruder', displayName: 'Intruder', passphrase: passphraseOf('intruder') },
      'users.deactivate': { userId: admin.id },
      'roles.grant': { userId: admin.id, role: 'drafter', channelId: null, expiresAt: null },
      'roles.revoke': { grantId },
      'accounts.list': undefined,
      'accounts.addPair': {
        platform: 'x',
        name: 'Intruder',
        en: { handle: 'intruder_en', displayName: 'EN', credentials: credentialsOf(t.en) },
        fr: { handle: 'intruder_fr', displayName: 'FR', credentials: credentialsOf(t.fr) },
      },
      'accounts.setSelfApproval': { channelId, allowed: false },
      'pairs.list': { limit: 10 },
      'pairs.query': { status: ['scheduled'], search: 'signed' },
      'pairs.create': { channelIds: [channelId], enText: 'x', frText: 'y', authorTz: tz },
      'pairs.update': { id: pair.id, version: pair.version, enText: 'Changed', frText: 'Changé' },
      'pairs.requestTranslation': { id: pair.id, version: pair.version },
      'pairs.submitForReview': { id: pair.id, version: pair.version },
      'pairs.approve': { id: pair.id, version: pair.version, comment: 'ok' },
      'pairs.reject': { id: pair.id, version: pair.version, comment: 'no' },
      'pairs.schedule': { id: pair.id, version: pair.version, when: 'now' },
      'pairs.cancel': { id: pair.id },
      'pairs.retry': { id: pair.id },
      'pairs.release': { id: pair.id, version: pair.version },
      'accounts.updateCredentials': { accountId: 'any', credentials: credentialsOf(t.fr) },
      'pairs.metrics': { id: pair.id },
      'pairs.open': { id: pair.id },
      'pairs.waiting': undefined,
      'pairs.reschedule': { id: pair.id, version: pair.version, scheduledAt: new Date(Date.now() + 7_200_000).toISOString() },
      'pairs.duplicate': { id: pair.id },
      'media.upload': { data: Buffer.from('GIF89a').toString('base64') },
      'media.read': { id: 'f'.repeat(64) },
      'unsent.get': undefined,
      'unsent.save': { owner: admin.id, enText: 'Out', frText: 'Sorti', channelIds: [channelId], media: [] },
      'unsent.clear': { owner: admin.id },
      'settings.get': undefined,
      'settings.update': { graceMinutes: 5 },
      'pii.requestAllow': { match: '613-555-0199', kind: 'phone' },
      'pii.requests': undefined,
      'pii.allow': { requestId: 'any' },
      'pii.dismiss': { requestId: 'any' },
      'audit.list': { limit: 10 },
      'audit.exportPublished': { format: 'csv' },
      'startup.problem': undefined,
      'startup.retry': undefined,
      'startup.startOver': { confirm: 'start over' },
      'backups.list': undefined,
      'backups.restore': { name: 'tandem-20250102T030405678Z-v9-daily.db' },
      'storage.problem': undefined,
      'sync.pull': { cursor: null, scope: null, page: null },
      'outbox.list': undefined,
      'outbox.resolve': { id: 1, keep: 'mine' },
      'desk.state': undefined,
      'desk.useHere': undefined,
      'desk.join': { url: 'https://tandem.example.gc.ca' },
      'desk.leave': { confirm: 'leave' },
      'desk.moveToWorkspace': { url: 'https://tandem.example.gc.ca', confirm: 'move' },
    };

    expect(await dispatch('session.signOut', undefined)).toEqual({ ok: true, value: null });
    expect(await api('session.current', undefined)).toEqual({ user: null, needsBootstrap: false });
    const before = await snapshot();
    const mark = await lastSeq();
    const fakeRequests = t.fake.requests.length;
    const guarded = methods.filter((m) => !publicMethods.has(m));
    expect([...publicMethods].sort()).toEqual([
      'desk.join',
      'desk.leave',
      'desk.state',
      'desk.useHere',
      'session.current',
      'session.signIn',
      'startup.problem',
      'storage.problem',
      'users.bootstrap',
    ]);
    expect(guarded).toHaveLength(methods.length - publicMethods.size);
    for (const method of guarded) {
      expect({ method, result: await t.tandem.dispatch(t.caller, method, inputs[method]) }).toEqual({
        method,
        result: { ok: false, error: { code: 'auth.required' } },
      });
    }
    expect(await snapshot()).toEqual(before);
    expect(await lastSeq()).toBe(mark);
    expect(t.fake.requests).toHaveLength(fakeRequests);

    // The public ones still answer.
    expect(await dispatch('session.current', undefined)).toEqual({ ok: true, value: { user: null, needsBootstrap: false } });
    expect(await dispatch('users.bootstrap', inputs['users.bootstrap'])).toEqual({ ok: false, error: { code: 'auth.bootstrapDone' } });
    const signedIn = await dispatch('session.signIn', inputs['session.signIn']);
    expect(signedIn).toMatchObject({ ok: true, value: { username: 'admin' } });
    expect((await pairById(pair.id)).status).toBe('scheduled');
  });

  it('a second bootstrap is refused even when signed in, and creates no one', async () => {
    const result = await dispatch('users.bootstrap', { username: 'usurper', displayName: 'U', passphrase: passphraseOf('usurper') });
    expect(result).toEqual({ ok: false, error: { code: 'auth.bootstrapDone' } });
    expect((await api('users.list', undefined)).map((u) => u.username)).toEqual(['admin']);
  });

  it('a wrong passphrase or unknown username is auth.invalid, audited as auth.failed, and signs no one in', async () => {
    await api('session.signOut', undefined);
    const mark = await lastSeq();
    expect(await dispatch('session.signIn', { username: 'admin', passphrase: 'not the right passphrase' })).toEqual({
      ok: false,
      error: { code: 'auth.invalid' },
    });
    expect((await api('session.current', undefined)).user).toBeNull();
    expect(await dispatch('session.signIn', { username: 'ghost', passphrase: passphraseOf('ghost') })).toEqual({
      ok: false,
      error: { code: 'auth.invalid' },
    });
    expect((await api('session.current', undefined)).user).toBeNull();

    const failed = await auditSince(mark, { action: 'auth.failed' });
    expect(failed.map((e) => [e.actor, e.action, e.subject])).toEqual([
      ['ghost', 'auth.failed', 'user:ghost'],
      ['admin', 'auth.failed', 'user:admin'],
    ]);
  });

  it('users.create refuses a passphrase shorter than 12 characters and accepts 12', async () => {
    expect(await dispatch('users.create', { username: 'shorty', displayName: 'S', passphrase: '12345678901' })).toEqual({
      ok: false,
      error: { code: 'user.weakPassphrase', params: { min: 12 } },
    });
    expect((await api('users.list', undefined)).map((u) => u.username)).toEqual(['admin']);
    await api('users.create', { username: 'shorty', displayName: 'S', passphrase: '123456789012' });
    await api('session.signOut', undefined);
    await api('session.signIn', { username: 'shorty', passphrase: '123456789012' });
    expect((await api('session.current', undefined)).user?.username).toBe('shorty');
  });
});

// ---------------------------------------------------------------------------------------------
// 3-5. Scope, expiry and revocation, self-approval
// ---------------------------------------------------------------------------------------------

describe('grants', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const create = (channelIds: string[], text = `Scoped ${next()}`) =>
    dispatch('pairs.create', { channelIds, enText: text, frText: `${text} FR`, authorTz: tz });

  it('a grant scoped to one account pair covers that pair only', async () => {
    const a = await t.addChannel('Channel A', { allowSelfApproval: false });
    const b = await addSecondChannel('Channel B');
    await t.addUser('scoped', ['drafter', 'approver'], { channelId: a });
    const bPair = await api('pairs.create', { channelIds: [b], enText: 'On B', frText: 'Sur B', authorTz: tz });
    await t.signInAs('scoped');
    const pairsBefore = (await api('pairs.list', undefined)).length;
    const mark = await lastSeq();

    expect(await create([b])).toEqual(denied('pair.create'));
    expect(await create([a, b])).toEqual(denied('pair.create'));
    // A pair on an account pair they hold no role on is, to them, a pair that does not exist.
    expect(await dispatch('pairs.update', { id: bPair.id, version: 1, enText: 'Hijack', frText: 'Détourné' })).toEqual({
      ok: false,
      error: { code: 'pair.unknown' },
    });
    // A scoped grant never covers a workspace-wide action, even for a role that may do it.
    expect(await dispatch('audit.list', {})).toEqual(denied('audit.view'));
    expect((await api('pairs.list', undefined)).length).toBe(pairsBefore);

    const created = await create([a], 'Only A');
    expect(created).toMatchObject({ ok: true, value: { channelIds: [a], createdBy: 'scoped', enText: 'Only A' } });

    const refusals = (await auditSince(mark, { actor: 'scoped', action: 'permission.denied' })).reverse();
    expect(refusals.map((e) => e.detail)).toEqual([
      { action: 'pair.create', channels: [b] },
      { action: 'pair.create', channels: [a, b] },
      { action: 'pair.edit', reason: 'notVisible' },
      { action: 'audit.view', channels: [] },
    ]);
  });

  it('a grant with an expiry works until it passes, then is refused at once, saying when it ended, without signing in again', async () => {
    const channelId = await t.addChannel();
    const user = await t.addUser('temp', []);
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const grant = await api('roles.grant', { userId: user.id, role: 'drafter', channelId: null, expiresAt });
    expect(grant.expiresAt).toBe(expiresAt);
    await t.signInAs('temp');

    const before = await create([channelId]);
    expect(Date.now()).toBeLessThan(Date.parse(expiresAt));
    expect(before).toMatchObject({ ok: true, value: { createdBy: 'temp' } });

    await sleep(Date.parse(expiresAt) - Date.now() + 30);
    expect(await create([channelId])).toEqual({
      ok: false,
      error: { code: 'permission.roleEnded', params: { action: 'pair.create', date: expiresAt } },
    });
    expect((await api('session.current', undefined)).user?.username).toBe('temp');
  });

  it('refuses an expiry in the past, and an admin grant limited to one account pair', async () => {
    const channelId = await t.addChannel();
    const user = await t.addUser('someone', []);
    expect(
      await dispatch('roles.grant', {
        userId: user.id,
        role: 'drafter',
        channelId: null,
        expiresAt: new Date(Date.now() - 1_000).toISOString(),
      }),
    ).toEqual({ ok: false, error: { code: 'role.expiryInPast' } });
    expect(await dispatch('roles.grant', { userId: user.id, role: 'admin', channelId, expiresAt: null })).toEqual({
      ok: false,
      error: { code: 'role.invalidScope' },
    });
    expect((await api('users.list', undefined)).find((u) => u.id === user.id)!.grants).toEqual([]);
  });

  it('a revoked grant stops working at once', async () => {
    const channelId = await t.addChannel();
    const user = await t.addUser('revokee', ['drafter']);
    const grantId = user.grants[0]!.id;
    await t.signInAs('revokee');
    expect(await create([channelId])).toMatchObject({ ok: true });

    await t.signInAs('admin');
    const revoked = await api('roles.revoke', { grantId });
    expect(revoked.revokedAt).not.toBeNull();
    await t.signInAs('revokee');
    expect(await create([channelId])).toEqual(denied('pair.create'));

    // Same session: the admin revokes their own drafter role and the very next call is refused.
    await t.signInAs('admin');
    const admin = (await api('session.current', undefined)).user!;
    expect(await create([channelId])).toMatchObject({ ok: true });
    await api('roles.revoke', { grantId: admin.grants.find((g: Grant) => g.role === 'drafter')!.id });
    expect(await create([channelId])).toEqual(denied('pair.create'));
  });
});

describe('self-approval', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function inReview(channelIds: string[], text: string): Promise<Pair> {
    const pair = await api('pairs.create', { channelIds, enText: text, frText: `${text} (FR)`, authorTz: tz });
    return api('pairs.submitForReview', { id: pair.id, version: pair.version });
  }

  it('the author cannot approve their own pair until the admin allows it; another approver always can', async () => {
    const channelId = await t.addChannel('Strict', { allowSelfApproval: false });
    await t.addUser('author', ['drafter', 'approver']);
    await t.addUser('reviewer', ['approver']);
    await t.signInAs('author');
    const own = await inReview([channelId], 'Own work');
    const other = await inReview([channelId], 'Other work');
    const mark = await lastSeq();

    expect(await dispatch('pairs.approve', { id: own.id, version: own.version, comment: 'Mine' })).toEqual({
      ok: false,
      error: { code: 'approval.selfNotAllowed' },
    });
    expect(await pairById(own.id)).toMatchObject({ status: 'review', approval: null, version: own.version });

    await t.signInAs('reviewer');
    const approvedByOther = await api('pairs.approve', { id: other.id, version: other.version, comment: 'Checked' });
    expect(approvedByOther.approval).toMatchObject({ decision: 'approved', by: 'reviewer', comment: 'Checked' });

    const refusals = await auditSince(mark, { actor: 'author', action: 'permission.denied' });
    expect(refusals.map((e) => [e.subject, e.detail])).toEqual([[own.id, { action: 'pair.approve', reason: 'selfApproval' }]]);

    // auditSince left the admin signed in.
    await api('accounts.setSelfApproval', { channelId, allowed: true });
    await t.signInAs('author');
    const approved = await api('pairs.approve', { id: own.id, version: own.version, comment: 'Mine, allowed now' });
    expect(approved).toMatchObject({ status: 'approved', approval: { by: 'author', comment: 'Mine, allowed now' } });
  });

  it('a pair on several account pairs needs self-approval allowed on every one of them', async () => {
    const lenient = await t.addChannel('Lenient', { allowSelfApproval: true });
    const strict = await addSecondChannel('Strict', false);
    await t.addUser('author', ['drafter', 'approver']);
    await t.signInAs('author');
    const pair = await inReview([lenient, strict], 'Both');
    expect(await dispatch('pairs.approve', { id: pair.id, version: pair.version, comment: '' })).toEqual({
      ok: false,
      error: { code: 'approval.selfNotAllowed' },
    });
    const onlyLenient = await inReview([lenient], 'Lenient only');
    expect(await dispatch('pairs.approve', { id: onlyLenient.id, version: onlyLenient.version, comment: '' })).toMatchObject({
      ok: true,
      value: { status: 'approved' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Workflow rules
// ---------------------------------------------------------------------------------------------

describe('workflow', () => {
  let channelId: string;
  beforeEach(async () => {
    t = await startTestApp();
    channelId = await t.addChannel();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function inReview(text = 'Workflow'): Promise<Pair> {
    const pair = await api('pairs.create', { channelIds: [channelId], enText: text, frText: `${text} FR`, authorTz: tz });
    return api('pairs.submitForReview', { id: pair.id, version: pair.version });
  }

  it('approval records who, when and the comment, for this version', async () => {
    const pair = await inReview();
    const before = Date.now();
    const approved = await api('pairs.approve', { id: pair.id, version: pair.version, comment: '  Good to go  ' });
    const after = Date.now();
    expect(approved.status).toBe('approved');
    expect(approved.approval).toMatchObject({ decision: 'approved', by: 'admin', comment: 'Good to go', version: 1 });
    const at = Date.parse(approved.approval!.at);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
    expect((await pairById(pair.id)).approval).toEqual(approved.approval);
  });

  it('editing an approved pair sends it back to review and withdraws the approval', async () => {
    const pair = await inReview();
    const approved = await api('pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' });
    const edited = await api('pairs.update', { id: pair.id, version: approved.version, enText: 'Changed after approval', frText: approved.frText });
    expect(edited).toMatchObject({ status: 'review', approval: null, version: 2, enText: 'Changed after approval' });
    expect(await pairById(pair.id)).toMatchObject({ status: 'review', approval: null });
    // The withdrawn approval cannot be used to schedule.
    expect(await dispatch('pairs.schedule', { id: pair.id, version: 2, when: 'now' })).toEqual({
      ok: false,
      error: { code: 'pair.wrongState', params: { status: 'review' } },
    });
  });

  it('editing a scheduled pair withdraws its deliveries: nothing goes out, and it is back in review', async () => {
    const scheduled = await t.publish(channelId, 'Scheduled soon', 'Prévu bientôt', new Date(Date.now() + 700));
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.deliveries.map((d) => d.status)).toEqual(['pending', 'pending']);
    const edited = await api('pairs.update', {
      id: scheduled.id,
      version: scheduled.version,
      enText: 'Scheduled soon (fixed)',
      frText: scheduled.frText,
    });
    expect(edited).toMatchObject({ status: 'review', approval: null, scheduledAt: null, deliveries: [] });
    await sleep(1_200);
    expect(t.fake.posts).toEqual([]);
    const later = await pairById(scheduled.id);
    expect(later).toMatchObject({ status: 'review', deliveries: [] });
  });

  it('a stale version is refused and changes nothing', async () => {
    const pair = await api('pairs.create', { channelIds: [channelId], enText: 'One', frText: 'Un', authorTz: tz });
    await api('pairs.update', { id: pair.id, version: 1, enText: 'Two', frText: 'Deux' });
    expect(await dispatch('pairs.update', { id: pair.id, version: 1, enText: 'Lost update', frText: 'Perdu' })).toEqual({
      ok: false,
      error: { code: 'pair.stale' },
    });
    expect(await dispatch('pairs.submitForReview', { id: pair.id, version: 1 })).toEqual({ ok: false, error: { code: 'pair.stale' } });
    expect(await pairById(pair.id)).toMatchObject({ status: 'draft', version: 2, enText: 'Two', frText: 'Deux' });
  });

  it('rejection needs a comment and sends the pair back to translation with the rejection shown', async () => {
    const pair = await inReview();
    for (const comment of ['', '   ']) {
      expect(await dispatch('pairs.reject', { id: pair.id, version: pair.version, comment })).toEqual({
        ok: false,
        error: { code: 'approval.commentRequired' },
      });
    }
    expect((await pairById(pair.id)).status).toBe('review');
    const rejected = await api('pairs.reject', { id: pair.id, version: pair.version, comment: 'The French is wrong' });
    expect(rejected).toMatchObject({
      status: 'translation',
      approval: null,
      rejection: { decision: 'rejected', by: 'admin', comment: 'The French is wrong', version: 1 },
    });
  });

  it('schedule from review is pair.wrongState', async () => {
    const pair = await inReview();
    expect(await dispatch('pairs.schedule', { id: pair.id, version: pair.version, when: 'now' })).toEqual({
      ok: false,
      error: { code: 'pair.wrongState', params: { status: 'review' } },
    });
    expect(await pairById(pair.id)).toMatchObject({ status: 'review', deliveries: [] });
  });

  it('four people take a pair from draft to published, each step recorded under their name', async () => {
    await t.addUser('dana', ['drafter']);
    await t.addUser('theo', ['translator']);
    await t.addUser('alex', ['approver']);
    await t.addUser('pat', ['publisher']);

    await t.signInAs('dana');
    let pair = await api('pairs.create', { channelIds: [channelId], enText: 'Census day is May 11', frText: '', authorTz: tz });
    pair = await api('pairs.requestTranslation', { id: pair.id, version: pair.version });
    expect(pair.status).toBe('translation');

    await t.signInAs('theo');
    pair = await api('pairs.update', { id: pair.id, version: pair.version, enText: pair.enText, frText: 'Le jour du recensement est le 11 mai' });
    pair = await api('pairs.submitForReview', { id: pair.id, version: pair.version });
    expect(pair).toMatchObject({ status: 'review', translatedBy: 'theo', version: 2 });

    await t.signInAs('alex');
    pair = await api('pairs.approve', { id: pair.id, version: pair.version, comment: 'Approved for release' });

    await t.signInAs('pat');
    pair = await api('pairs.schedule', { id: pair.id, version: pair.version, when: 'now' });
    const id = pair.id;
    const published = await waitFor(
      async () => {
        const p = await pairById(id);
        return p.status === 'published' ? p : null;
      },
      5_000,
      'published',
    );

    expect({
      createdBy: published.createdBy,
      translatedBy: published.translatedBy,
      approvedBy: published.approval?.by,
      scheduledBy: published.scheduledBy,
    }).toEqual({ createdBy: 'dana', translatedBy: 'theo', approvedBy: 'alex', scheduledBy: 'pat' });
    expect(published.approval).toMatchObject({ comment: 'Approved for release', version: 2 });
    expect(t.fake.posts.map((p) => [p.username, p.text]).sort()).toEqual(
      [
        [t.en.username, 'Census day is May 11'],
        [t.fr.username, 'Le jour du recensement est le 11 mai'],
      ].sort(),
    );
    const byLang = Object.fromEntries(published.deliveries.map((d) => [d.lang, d.remoteUrl]));
    expect(byLang).toEqual({
      en: `https://x.com/${t.en.username}/status/${t.fake.postsBy(t.en.username)[0]!.id}`,
      fr: `https://x.com/${t.fr.username}/status/${t.fake.postsBy(t.fr.username)[0]!.id}`,
    });
  });
});
