// One tandem-server per SQLite file. The lock file holds the owner's process id; one left by a
// process that no longer runs (a crash, a power cut) is taken over.
import fs from 'node:fs';

export class InstanceRunningError extends Error {
  constructor(file: string, pid: number) {
    super(`another tandem-server (process ${pid}) already uses this data folder (${file}); on SQLite only one may run. Use PostgreSQL (DATABASE_URL) for several.`);
  }
}

/** Takes the lock or throws InstanceRunningError; returns the function that gives it back. */
export function acquireInstanceLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // Already gone.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      // This very process counts as running: a second server in it on the same data is as wrong.
      if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) throw new InstanceRunningError(file, pid);
      // Left by a process that is gone: taken over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
