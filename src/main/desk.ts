// What a desk is, chosen at its first start: Tandem on this computer alone (the solo desk, its
// services on the SQLite file beside this) or a desk joined to a team workspace (every call
// forwarded to tandem-server). The choice is kept in `desk.json` in the desk's data folder; the
// shell stands where either backend would (the same `dispatch` and `events` a transport binds),
// answers the `desk.*` methods itself, and passes every other call to whichever backend runs.
//
// A desk that has a solo database and no `desk.json` was set up before the choice existed: it is a
// solo desk, and its person sees no change. Leaving a workspace forgets the session and deletes
// the workspace's folder; the solo database is never deleted or touched by any of this, so
// choosing "this computer" again brings its data back. The one exception is a solo desk moved into
// a new workspace (`desk.moveToWorkspace`): its pairs are the workspace's to publish from then on,
// so its database and backups are set aside where no later solo desk can open or restore them.
// Knows nothing of Electron.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { z } from 'zod';
import type { DeskState, StartupProblem } from '../shared/contract';
import { deskMethods, isMethod, methods } from '../shared/methods';
import { canPerform } from '../shared/permissions';
import type { Tandem } from './app';
import { setAside, setAsideBackups } from './db/backup';
import { AppError } from './errors';
import { EventBus } from './events';
import type { TandemHost } from './host';
import { createDispatch, type ClientDispatch, type Handlers } from './ipc/handlers';
import { createLogger, type Logger } from './log';
import { moveDeskToWorkspace } from './remote/importDesk';
import type { WorkspaceDesk } from './remote/workspace';
import { readJsonAnswer } from './remote/answer';

/** The choice as kept in desk.json. */
export type DeskChoice = { mode: 'unchosen' } | { mode: 'solo' } | { mode: 'workspace'; url: string };

export interface DeskShellOptions {
  /** The desk's data folder: desk.json, the solo database (tandem.db), the workspace's folder. */
  dataDir: string;
  /** The solo desk's services on `<dataDir>/tandem.db`, not started. */
  solo(): TandemHost;
  /** A desk joined to the workspace at `url` (its origin), keeping what it needs in `dataDir`. */
  workspace(url: string, dataDir: string): WorkspaceDesk;
  /** A certificate authority to trust when asking a workspace's health (a department's own). */
  ca?: string | Buffer;
  log?: Logger;
  /** How long the health check of an address to join may take. */
  timeoutMs?: number;
  /** How long moving the desk into a workspace may take before the server counts as unreachable (10 minutes). */
  moveTimeoutMs?: number;
}

export const choiceFile = 'desk.json';
export const soloDatabaseFile = 'tandem.db';
export const workspaceFolder = 'workspace';

const storedChoice = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('unchosen') }),
  z.object({ mode: z.literal('solo') }),
  z.object({ mode: z.literal('workspace'), url: z.string().url() }),
]);

/** What tandem-server's `GET /health` answers (src/server/server.ts); anything else is not one. */
const healthAnswer = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['ok', 'unavailable']),
  engine: z.enum(['sqlite', 'postgres']),
});

type Backend =
  | { kind: 'none' }
  | { kind: 'solo'; host: TandemHost; untap: () => void }
  | { kind: 'workspace'; url: string; desk: WorkspaceDesk; untap: () => void };

/** The caller the shell signs out as when leaving: the workspace desk ends its one session whoever asks. */
const leavingClient = 'desk:leave';

export class DeskShell {
  /** Stays the same whatever runs behind it: transports subscribe once per client. */
  readonly events = new EventBus((client, event, payload) =>
    this.backend.kind === 'solo' ? (this.backend.host.tandem?.scopeEvent(client, event, payload) ?? payload) : payload,
  );
  readonly dispatch: ClientDispatch;
  private choice: DeskChoice;
  private backend: Backend = { kind: 'none' };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly options: DeskShellOptions) {
    this.log = options.log ?? createLogger();
    this.choice = this.readChoice();
    const own = createDispatch(this.handlers(), this.log);
    this.dispatch = async (caller, method, input) => {
      // A call that arrives while the choice changes is answered by whatever runs after it.
      await this.queue;
      const backend = this.backend;
      if (isMethod(method) && deskMethods.has(method)) {
        return own({ client: caller.client, session: null, person: null }, method, input);
      }
      // Whatever was asked, and however: nothing answers it until the person has chosen.
      if (backend.kind === 'none') {
        return { ok: false, error: { code: isMethod(method) ? 'desk.notChosen' : 'input.invalid' } };
      }
      const target = backend.kind === 'solo' ? backend.host : backend.desk;
      return target.dispatch(caller, method, input);
    };
  }

  get state(): DeskState {
    return { mode: this.choice.mode, url: this.choice.mode === 'workspace' ? this.choice.url : null };
  }

  /** The solo desk's running services (for the publisher's wake on resume), or null. */
  get tandem(): Tandem | null {
    return this.backend.kind === 'solo' ? this.backend.host.tandem : null;
  }

  /** Starts what was chosen; the solo desk's start-up problem, if its database cannot be opened. */
  start(): Promise<StartupProblem | null> {
    return this.exclusive(() => this.open());
  }

  async isRecordedPostUrl(url: string): Promise<boolean> {
    return this.backend.kind === 'solo' ? this.backend.host.isRecordedPostUrl(url) : false;
  }

  close(): Promise<void> {
    return this.exclusive(() => this.stop());
  }

  private get dataDir(): string {
    return this.options.dataDir;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async open(): Promise<StartupProblem | null> {
    if (this.backend.kind !== 'none') return null;
    const choice = this.choice;
    if (choice.mode === 'solo') {
      const host = this.options.solo();
      const untap = host.events.tap((event, payload, only) => this.events.emit(event, payload, only));
      this.backend = { kind: 'solo', host, untap };
      return host.start();
    }
    if (choice.mode === 'workspace') {
      const folder = path.join(this.dataDir, workspaceFolder);
      fs.mkdirSync(folder, { recursive: true });
      const desk = this.options.workspace(choice.url, folder);
      const untap = desk.events.tap((event, payload, only) => this.events.emit(event, payload, only));
      this.backend = { kind: 'workspace', url: choice.url, desk, untap };
    }
    return null;
  }

  private async stop(): Promise<void> {
    const backend = this.backend;
    this.backend = { kind: 'none' };
    if (backend.kind === 'none') return;
    backend.untap();
    if (backend.kind === 'solo') await backend.host.close();
    else await backend.desk.shutdown();
  }

  private readChoice(): DeskChoice {
    const file = path.join(this.dataDir, choiceFile);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Set up before there was a choice: a desk with its own database stays the solo desk it was.
      return fs.existsSync(path.join(this.dataDir, soloDatabaseFile)) ? { mode: 'solo' } : { mode: 'unchosen' };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const found = storedChoice.safeParse(parsed);
    if (found.success) return found.data;
    // Damaged (a hand edit): a desk with its own database keeps it; otherwise the person is asked again.
    this.log.warn('desk.choiceUnreadable', {});
    return fs.existsSync(path.join(this.dataDir, soloDatabaseFile)) ? { mode: 'solo' } : { mode: 'unchosen' };
  }

  /** Whole or not at all: written beside, flushed, then renamed over the previous choice. */
  private saveChoice(choice: DeskChoice): void {
    fs.mkdirSync(this.dataDir, { recursive: true });
    const file = path.join(this.dataDir, choiceFile);
    const temp = `${file}.tmp`;
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(choice)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
    this.choice = choice;
  }

  private useHere(): Promise<DeskState> {
    return this.exclusive(async () => {
      if (this.choice.mode !== 'unchosen') throw new AppError('desk.alreadyChosen');
      this.saveChoice({ mode: 'solo' });
      await this.open();
      this.log.info('desk.chosen', { mode: 'solo' });
      this.events.emit('session.changed', {});
      return this.state;
    });
  }

  private join(typed: string): Promise<DeskState> {
    return this.exclusive(async () => {
      if (this.choice.mode !== 'unchosen') throw new AppError('desk.alreadyChosen');
      const url = workspaceAddress(typed);
      await this.checkIsWorkspace(url);
      this.saveChoice({ mode: 'workspace', url: url.origin });
      await this.open();
      this.log.info('desk.chosen', { mode: 'workspace', url: url.origin });
      this.events.emit('session.changed', {});
      return this.state;
    });
  }

  private leave(): Promise<DeskState> {
    return this.exclusive(async () => {
      const backend = this.backend;
      if (this.choice.mode !== 'workspace' || backend.kind !== 'workspace') throw new AppError('desk.notInWorkspace');
      // Changes made here that the workspace does not have yet exist nowhere else: leaving would lose them.
      const unsent = backend.desk.unsent;
      if (unsent > 0) throw new AppError('desk.unsentChanges', { count: unsent });
      // Ends the session on the server if it answers, and forgets the token from the keychain either way.
      const signedOut = await backend.desk.dispatch({ client: leavingClient }, 'session.signOut', null);
      if (!signedOut.ok && signedOut.error.code !== 'auth.required') {
        this.log.warn('desk.leaveSignOut', { code: signedOut.error.code });
      }
      await this.stop();
      // Only the workspace's own folder: the solo database beside it is never touched.
      fs.rmSync(path.join(this.dataDir, workspaceFolder), { recursive: true, force: true });
      this.saveChoice({ mode: 'unchosen' });
      this.log.info('desk.left', { url: backend.url });
      this.events.emit('session.changed', {});
      return this.state;
    });
  }

  /**
   * The solo desk's data moved into the new workspace at `typed`, then the desk joined to it.
   * Only an administrator signed in on this desk may (checked here: the call never reaches the
   * services). The desk's publisher is stopped first: from the move on, the workspace publishes
   * what was scheduled here, and both must not. On any refusal or failure the publisher starts
   * again and the desk is as it was; on success its database and backups are set aside.
   */
  private moveToWorkspace(client: string, typed: string): Promise<DeskState> {
    return this.exclusive(async () => {
      const backend = this.backend;
      if (this.choice.mode !== 'solo' || backend.kind !== 'solo') throw new AppError('desk.notSolo');
      const tandem = backend.host.tandem;
      if (!tandem?.db) throw new AppError('startup.notReady');
      await this.requireAdministrator(tandem, client);
      const url = workspaceAddress(typed);
      await this.checkIsWorkspace(url);

      await tandem.publisher.stop();
      try {
        const moved = await moveDeskToWorkspace({
          db: tandem.db,
          secrets: tandem.secrets,
          url: url.origin,
          ca: this.options.ca,
          timeoutMs: this.options.moveTimeoutMs,
        });
        this.log.info('desk.moved', { url: url.origin, ...moved });
      } catch (error) {
        // Nothing reached the workspace (it refuses whole or not at all): the desk goes on publishing.
        await tandem.publisher.start();
        this.log.warn('desk.moveRefused', { code: error instanceof AppError ? error.info.code : 'internal' });
        throw error;
      }

      // Moved: from here on the desk must never publish those pairs again, whatever fails below.
      await this.stop();
      const dbFile = path.join(this.dataDir, soloDatabaseFile);
      try {
        const aside = setAside(dbFile, 'moved-to-workspace', Date.now());
        const backups = setAsideBackups(dbFile, 'moved-to-workspace');
        this.log.info('desk.setAside', { name: aside ?? '', backups: backups.length });
      } catch (error) {
        // The choice below still keeps the solo desk from starting on this file.
        this.log.error('desk.setAsideFailed', { error: error instanceof Error ? error.message : String(error) });
      }
      this.saveChoice({ mode: 'workspace', url: url.origin });
      await this.open();
      this.events.emit('session.changed', {});
      return this.state;
    });
  }

  /**
   * The caller as the solo desk's services know them (as their own dispatch reads it for every
   * call): signed in, and an administrator for every account pair.
   */
  private async requireAdministrator(tandem: Tandem, client: string): Promise<void> {
    await tandem.ready;
    const { person } = await tandem.users.context(client);
    if (!person) throw new AppError('auth.required');
    if (!canPerform(person.grants, 'workspace.settings', [], Date.now())) throw new AppError('permission.denied');
  }

  /** Asks the address's `GET /health`: only a tandem-server answering for itself is joined. */
  private checkIsWorkspace(url: URL): Promise<void> {
    return new Promise((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const req = transport.get(
        new URL('/health', url),
        { ca: this.options.ca, timeout: this.options.timeoutMs ?? 10_000, headers: { accept: 'application/json' } },
        (res) => {
          // A health answer is a few dozen bytes; whatever sends more is not one.
          void readJsonAnswer(res, 4_096).then((body) => {
            if (body === null) return reject(new AppError('workspace.unreachable'));
            const health = healthAnswer.safeParse(body);
            if (!health.success || (res.statusCode !== 200 && res.statusCode !== 503)) {
              this.log.warn('desk.notAWorkspace', { status: res.statusCode ?? 0 });
              reject(new AppError('desk.notAWorkspace'));
            } else if (health.data.status !== 'ok') {
              // A workspace whose database is not answering cannot be signed in to now.
              reject(new AppError('workspace.unreachable'));
            } else resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => reject(new AppError('workspace.unreachable')));
    });
  }

  /** The desk's own methods (the others never reach this table: they go to the backend, or are refused). */
  private handlers(): Handlers {
    const refuse = () => {
      throw new AppError('desk.notChosen');
    };
    const refuseAll = Object.fromEntries(methods.map((method) => [method, refuse])) as unknown as Handlers;
    return {
      ...refuseAll,
      'desk.state': () => this.state,
      'desk.useHere': () => this.useHere(),
      'desk.join': (_ctx, input) => this.join(input.url),
      'desk.leave': () => this.leave(),
      'desk.moveToWorkspace': (ctx, input) => this.moveToWorkspace(ctx.client, input.url),
    };
  }
}

/**
 * The address as typed, as a URL: `https://` when no scheme is given; plain `http://` only for a
 * workspace on this computer (127.0.0.1), where nothing crosses a network.
 */
export function workspaceAddress(typed: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(typed) ? typed : `https://${typed}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('desk.invalidAddress');
  }
  if (url.protocol === 'http:') {
    if (url.hostname !== '127.0.0.1') throw new AppError('desk.insecureAddress');
  } else if (url.protocol !== 'https:') throw new AppError('desk.invalidAddress');
  if (url.username || url.password) throw new AppError('desk.invalidAddress');
  return url;
}
