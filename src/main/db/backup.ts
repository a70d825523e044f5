// Copies of the database in a `backups/` folder beside it: taken with SQLite's online backup
// (consistent while the app writes), verified before they count, pruned to the newest few, and
// restored by putting one back in the database's place while the services are closed.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backupNamePattern, type BackupInfo, type BackupReason } from '../../shared/contract';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Db } from './index';
import { auditHeadFile } from './files';

export const backupFolderName = 'backups';
/** How many backups are kept (besides the newest daily one and the newest of each schema version). */
export const defaultKeep = 10;
export const dayMs = 24 * 60 * 60 * 1000;
const hourMs = 60 * 60 * 1000;

export const backupFolder = (dbFile: string): string => path.join(path.dirname(dbFile), backupFolderName);

/** 2025-01-02T03:04:05.678Z → 20250102T030405678Z: sorts by time, and no colon (Windows). */
function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:.]/g, '');
}

function parseStamp(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(text)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
}

export function backupName(at: number, schemaVersion: number, reason: BackupReason): string {
  return `tandem-${stamp(at)}-v${schemaVersion}-${reason}.db`;
}

interface BackupFile {
  name: string;
  file: string;
  takenAt: number;
  schemaVersion: number;
  reason: BackupReason;
}

/** The backups in the folder, newest first; any other file there (a partial copy, a file set aside) is not one. */
export function backupFiles(dbFile: string): BackupFile[] {
  const folder = backupFolder(dbFile);
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: BackupFile[] = [];
  for (const name of names) {
    const m = backupNamePattern.exec(name);
    if (!m) continue;
    found.push({
      name,
      file: path.join(folder, name),
      takenAt: parseStamp(m[1]!),
      schemaVersion: Number(m[2]),
      reason: m[3] as BackupReason,
    });
  }
  return found.sort((a, b) => b.takenAt - a.takenAt || b.name.localeCompare(a.name));
}

/**
 * Opens a backup (or any database file) to read its schema version, and checks its pages when
 * asked: `quick_check` reads every page, so listing does not, restoring does.
 */
function inspect(file: string, check: boolean): { schemaVersion: number; pairs: number | null } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    if (check && db.pragma('quick_check', { simple: true }) !== 'ok') {
      throw new Error(`backup ${path.basename(file)} failed quick_check`);
    }
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const hasPairs =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'post_pair'").get() !== undefined;
    const pairs = hasPairs ? (db.prepare('SELECT COUNT(*) FROM post_pair').pluck().get() as number) : null;
    return { schemaVersion, pairs };
  } finally {
    db.close();
  }
}

/** What "Restore from a backup" offers, newest first. A backup that cannot be opened is listed as unusable. */
export function listBackups(dbFile: string, supportedVersion: number): BackupInfo[] {
  return backupFiles(dbFile).map((backup) => {
    const base = {
      name: backup.name,
      takenAt: new Date(backup.takenAt).toISOString(),
      reason: backup.reason,
      bytes: fs.statSync(backup.file).size,
    };
    try {
      const { schemaVersion, pairs } = inspect(backup.file, false);
      return { ...base, schemaVersion, pairs, usable: schemaVersion >= 1 && schemaVersion <= supportedVersion };
    } catch {
      // Listed anyway, so the person sees it exists; it cannot be chosen.
      return { ...base, schemaVersion: backup.schemaVersion, pairs: null, usable: false };
    }
  });
}

/**
 * Takes a backup of an open database: online backup to a temporary name, switched out of WAL so
 * the copy is one self-contained file, checked page by page, and only then given its real name.
 */
export async function takeBackup(db: Db, dbFile: string, reason: BackupReason, at: number): Promise<string> {
  const folder = backupFolder(dbFile);
  fs.mkdirSync(folder, { recursive: true });
  const version = db.pragma('user_version', { simple: true }) as number;
  const name = backupName(at, version, reason);
  const partial = path.join(folder, `${name}.partial`);
  const headPartial = path.join(folder, `${name}.audit-head.partial`);
  try {
    // The audit trail's head goes with the copy, taken first so it never points past what the
    // copy holds (events after it are checked with the key when the copy is opened).
    const head = copyIfExists(auditHeadFile(dbFile), headPartial);
    await db.backup(partial);
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      if (copy.pragma('quick_check', { simple: true }) !== 'ok') throw new Error('backup copy failed quick_check');
    } finally {
      copy.close();
    }
    if (head) fs.renameSync(headPartial, auditHeadFile(path.join(folder, name)));
    fs.renameSync(partial, path.join(folder, name));
    return name;
  } catch (error) {
    fs.rmSync(partial, { force: true });
    fs.rmSync(headPartial, { force: true });
    throw error;
  }
}

/** Backs up a database file no connection has open yet (before migrating it). */
export async function backupFile(dbFile: string, reason: BackupReason, at: number): Promise<string> {
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    return await takeBackup(db, dbFile, reason, at);
  } finally {
    db.close();
  }
}

/**
 * Deletes old backups, keeping the newest `keep`, the newest daily one and the newest of each
 * schema version (the last copy an older Tandem can still open). Only called after a new backup
 * was verified, so the newest good copy is never the one deleted. Returns the names deleted.
 */
export function pruneBackups(dbFile: string, keep = defaultKeep): string[] {
  const all = backupFiles(dbFile);
  const kept = new Set(all.slice(0, keep).map((b) => b.name));
  const newestDaily = all.find((b) => b.reason === 'daily');
  if (newestDaily) kept.add(newestDaily.name);
  const versions = new Set<number>();
  for (const backup of all) {
    if (versions.has(backup.schemaVersion)) continue;
    versions.add(backup.schemaVersion);
    kept.add(backup.name);
  }
  const deleted = all.filter((b) => !kept.has(b.name));
  for (const backup of deleted) {
    fs.rmSync(backup.file, { force: true });
    fs.rmSync(auditHeadFile(backup.file), { force: true });
  }
  return deleted.map((b) => b.name);
}

/**
 * Why a database was put aside: before a backup replaced it, started over from an unusable one, or
 * moved into a team workspace (its pairs are the workspace's to publish now, never this desk's).
 */
export type SetAsideLabel = 'before-restore' | 'set-aside' | 'moved-to-workspace';

/**
 * Moves the database file and its -wal and -shm companions into the backups folder as
 * `tandem.db.<time>.<label>` (and `…-wal`, `…-shm`, as SQLite names them), so nothing of it is
 * lost and nothing stale of it is applied to whatever takes its place. Returns the new name, or
 * null when there was no file.
 */
export function setAside(dbFile: string, label: SetAsideLabel, at: number): string | null {
  const folder = backupFolder(dbFile);
  fs.mkdirSync(folder, { recursive: true });
  const name = `${path.basename(dbFile)}.${stamp(at)}.${label}`;
  let moved = false;
  for (const suffix of ['', '-wal', '-shm', auditHeadFile('')]) {
    try {
      fs.renameSync(dbFile + suffix, path.join(folder, name + suffix));
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return moved ? name : null;
}

/**
 * Renames every backup of the database (and its audit head) to `<name>.<label>`, a name that is
 * no longer a backup's: kept for whoever needs to look, but never offered for restoring. For a
 * desk moved into a workspace, whose backups hold pairs the workspace now publishes. Returns the
 * backups' former names.
 */
export function setAsideBackups(dbFile: string, label: SetAsideLabel): string[] {
  const backups = backupFiles(dbFile);
  for (const backup of backups) {
    for (const file of [backup.file, auditHeadFile(backup.file)]) {
      try {
        fs.renameSync(file, `${file}.${label}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return backups.map((b) => b.name);
}

export class BackupUnusableError extends Error {}

/**
 * Puts a backup in the database's place. The services must be closed. The current file (even
 * damaged) is first set aside as `*.before-restore`; the backup is checked page by page and
 * copied under a temporary name, then renamed into place, so a failure leaves either the old
 * state set aside or the restored file, never half of one.
 */
export function restoreBackup(dbFile: string, name: string, supportedVersion: number, at: number): void {
  const backup = backupFiles(dbFile).find((b) => b.name === name);
  if (!backup) throw new BackupUnusableError(`no backup named ${name}`);
  let schemaVersion: number;
  try {
    ({ schemaVersion } = inspect(backup.file, true));
  } catch (error) {
    throw new BackupUnusableError(error instanceof Error ? error.message : String(error));
  }
  if (schemaVersion < 1 || schemaVersion > supportedVersion) {
    throw new BackupUnusableError(`backup version ${schemaVersion}`);
  }
  const restoring = `${dbFile}.restoring`;
  fs.copyFileSync(backup.file, restoring);
  const fd = fs.openSync(restoring, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  setAside(dbFile, 'before-restore', at);
  // The backup's audit head comes back with it, so the restored trail is checked against where it
  // ended when the backup was taken, not against the later trail it replaces.
  copyIfExists(auditHeadFile(backup.file), auditHeadFile(dbFile));
  fs.renameSync(restoring, dbFile);
}

function copyIfExists(from: string, to: string): boolean {
  try {
    fs.copyFileSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Runs `tick` every `ms` until the returned function is called. Tests pass their own. */
export type Every = (ms: number, tick: () => void) => () => void;

export const everyInterval: Every = (ms, tick) => {
  const handle = setInterval(tick, ms);
  // A backup timer alone must not keep a closing process alive.
  handle.unref();
  return () => clearInterval(handle);
};

/**
 * The daily backup while the app runs: one at once if the newest backup (of any kind) is a day
 * old or there is none, then a look every hour. A failed backup is logged and tried again at the
 * next look; it never stops the app.
 */
export class DailyBackups {
  private stopTimer: (() => void) | null = null;
  private running: Promise<string | null> | null = null;

  constructor(
    private readonly db: Db,
    private readonly dbFile: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: { keep?: number; every?: Every } = {},
  ) {}

  start(): void {
    void this.tick();
    this.stopTimer = (this.options.every ?? everyInterval)(hourMs, () => void this.tick());
  }

  /** Takes the daily backup if one is due; resolves to its name, or null if none was due or it failed. */
  tick(): Promise<string | null> {
    this.running ??= this.backupIfDue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer and waits for a backup in progress, so the database can be closed after. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = null;
    await this.running;
  }

  private async backupIfDue(): Promise<string | null> {
    const now = this.clock.now();
    const newest = backupFiles(this.dbFile)[0];
    if (newest && now - newest.takenAt < dayMs) return null;
    try {
      const name = await takeBackup(this.db, this.dbFile, 'daily', now);
      const pruned = pruneBackups(this.dbFile, this.options.keep);
      this.log.info('backup.taken', { name, pruned: pruned.length });
      return name;
    } catch (error) {
      this.log.error('backup.failed', { error: error instanceof Error ? error.message : String(error) });
      return null;
    }
  }
}
