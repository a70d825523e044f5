// Audit trail benchmark: `npm run bench:audit` (about a minute).
//   Builds a database holding 1,000,000 audit events (keyed hashes, inserted directly in one
//   transaction), then times, through the real services:
//   1. opening the app on it: the first time (every event is new to the signed record beside the
//      database, so all are verified) and then as usual (only what follows the record);
//   2. `audit.list` as the audit view calls it, signed in as an administrator: while the start-up
//      re-check of the whole chain runs in the background, and once it is done;
//   3. how long the background re-check takes, and the longest the event loop (the publisher's
//      timers, the window's calls) waits meanwhile;
//   4. one event recorded, with the signed record beside the database kept up to date.
// Prints a table, then one JSON line with every number. Timings are printed, never asserted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTandem, type Tandem } from '../src/main/app';
import { openDatabase } from '../src/main/db';
import { createLogger } from '../src/main/log';
import { signEvent } from '../src/main/services/audit';
import { MemorySecretStore } from './memory-secrets';
import { round, roundSummary, summarize, table, type Summary, progress, runBench } from './stats';

/** The one client the benchmark calls from (one window, as on a desk). */
const benchCaller = { client: 'bench' };

const events = Number(process.env['AUDIT_BENCH_EVENTS'] ?? 1_000_000);
const listCalls = 30;
const coldRuns = 5;
const appends = 2_000;

const quiet = createLogger(() => undefined);
const admin = { username: 'admin', displayName: 'Admin', passphrase: 'admin correct horse battery' };

async function call(tandem: Tandem, method: string, input?: unknown): Promise<unknown> {
  const result = await tandem.dispatch(benchCaller, method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code}`);
  return result.value;
}

interface Page {
  events: unknown[];
  integrity: { state: string };
}

/** The call the audit view makes when it opens. */
const viewInput = { limit: 500 };

async function timeMs<T>(work: () => Promise<T>): Promise<[number, T]> {
  const began = performance.now();
  const value = await work();
  return [performance.now() - began, value];
}

/** Fills the trail with `count` events the way the app would have recorded them (same key, same chain). */
async function fill(dbFile: string, secrets: MemorySecretStore, count: number): Promise<number> {
  const key = (await secrets.getAuditKey())!;
  const db = openDatabase(dbFile);
  try {
    const began = performance.now();
    let prev = db.prepare('SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1').pluck().get() as string;
    const insert = db.prepare(
      'INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const actions = [
      'pair.created',
      'pair.edited',
      'pair.submitted',
      'pair.approved',
      'pair.scheduled',
      'delivery.sent',
    ];
    const start = Date.now() - count * 60_000;
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const action = actions[i % actions.length]!;
        const fields = {
          at: start + i * 60_000,
          actor: i % actions.length === 5 ? 'system:publisher' : `person${i % 40}`,
          action,
          subject: `pair-${Math.floor(i / actions.length)}`,
          detail: JSON.stringify(
            action === 'pair.approved' ? { version: 2, comment: 'OK to publish' } : { version: 1 },
          ),
        };
        const hash = signEvent(key, prev, fields);
        insert.run(fields.at, fields.actor, fields.action, fields.subject, fields.detail, prev, hash);
        prev = hash;
        if (i > 0 && i % 200_000 === 0) progress(`${i} events`);
      }
    })();
    return performance.now() - began;
  } finally {
    db.close();
  }
}

function open(dbFile: string, secrets: MemorySecretStore): Tandem {
  // No platform: nothing is due, the publisher stays idle; only the trail is measured.
  return createTandem({ dbFile, secrets, adapters: [], log: quiet });
}

/** The longest the event loop waited while `work` ran (a 1 ms timer that notes how late it fires). */
async function worstLoopDelay(work: () => Promise<void>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return worst;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-audit-'));
  const dbFile = path.join(dir, 'tandem.db');
  const secrets = new MemorySecretStore();
  try {
    const first = open(dbFile, secrets);
    await call(first, 'users.bootstrap', admin);
    await first.close();

    progress(`filling the trail with ${events} events`);
    const fillMs = await fill(dbFile, secrets, events);
    const sizeMb = fs.statSync(dbFile).size / 1e6;

    progress('first open (every event new to the signed record)');
    const [firstOpenMs, firstApp] = await timeMs(async () => {
      const tandem = open(dbFile, secrets);
      await tandem.ready;
      return tandem;
    });
    await firstApp.close();

    progress('usual opens');
    const openMs: number[] = [];
    const recheckMs: number[] = [];
    const recheckLoopMs: number[] = [];
    const duringRecheck: number[] = [];
    for (let run = 0; run < coldRuns; run++) {
      const [ms, tandem] = await timeMs(async () => {
        const t = open(dbFile, secrets);
        await t.ready;
        return t;
      });
      openMs.push(ms);
      const began = performance.now();
      recheckLoopMs.push(
        await worstLoopDelay(async () => {
          // The audit view opened while the whole chain is still being re-checked.
          await call(tandem, 'session.signIn', { username: admin.username, passphrase: admin.passphrase });
          for (let i = 0; i < 5; i++) {
            const [callMs, page] = await timeMs(() => call(tandem, 'audit.list', viewInput));
            if ((page as { integrity: { complete: boolean } }).integrity.complete) break;
            duringRecheck.push(callMs);
          }
          await tandem.audit.whenChecked();
        }),
      );
      recheckMs.push(performance.now() - began);
      await tandem.close();
    }

    progress('audit.list once the re-check is done');
    const tandem = open(dbFile, secrets);
    await tandem.ready;
    await call(tandem, 'session.signIn', { username: admin.username, passphrase: admin.passphrase });
    await tandem.audit.whenChecked();
    const list: number[] = [];
    let last: Page | null = null;
    for (let i = 0; i < 5 + listCalls; i++) {
      const [ms, page] = await timeMs(() => call(tandem, 'audit.list', viewInput));
      if (i >= 5) list.push(ms);
      last = page as Page;
    }

    progress('recording events');
    const appendMs: number[] = [];
    for (let i = 0; i < appends; i++) {
      const began = performance.now();
      await tandem.sql.tx(() => tandem.audit.append('admin', 'settings.changed', 'settings', { graceMinutes: i }));
      // The signed record is written once the transaction is over, on the next turn of the loop.
      await new Promise((resolve) => setImmediate(resolve));
      appendMs.push(performance.now() - began);
    }
    const afterAppends = (await call(tandem, 'audit.list', viewInput)) as { integrity: { state: string } };
    await tandem.close();

    const summaries: Record<string, Summary> = {
      'open (usual)': summarize(openMs),
      'audit.list, re-check done': summarize(list),
      'audit.list, during re-check': summarize(duringRecheck),
      'open to background re-check done': summarize(recheckMs),
      'event loop: worst wait during re-check': summarize(recheckLoopMs),
      'one event recorded + signed head': summarize(appendMs),
    };
    const out: string[] = [];
    out.push(`== Audit trail: ${events.toLocaleString('en-CA')} events, ${sizeMb.toFixed(0)} MB database ==`);
    out.push(`filling (direct inserts, keyed hashes, one transaction): ${(fillMs / 1000).toFixed(1)} s`);
    out.push(
      `first open after the fill (all ${events.toLocaleString('en-CA')} events new to the head): ${(firstOpenMs / 1000).toFixed(2)} s`,
    );
    out.push(
      table(
        ['ms', 'n', 'p50', 'p99', 'max'],
        Object.entries(summaries).map(([name, s]) => [name, String(s.n), s.p50, s.p99, s.max]),
      ),
    );
    out.push(
      `integrity after the runs: ${last?.integrity.state}, then ${afterAppends.integrity.state}; page: ${last?.events.length} events`,
    );
    process.stdout.write(out.join('\n') + '\n');
    process.stdout.write(
      JSON.stringify({
        events,
        sizeMb: round(sizeMb, 1),
        fillMs: round(fillMs),
        firstOpenMs: round(firstOpenMs),
        ...Object.fromEntries(Object.entries(summaries).map(([name, s]) => [name, roundSummary(s)])),
      }) + '\n',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
