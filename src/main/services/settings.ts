// Workspace settings, stored in SQLite; changes are audited.
import type { Db } from '../db';
import type { User } from '../../shared/domain';
import type { WorkspaceSettings } from '../../shared/contract';
import type { AuditLog } from './audit';
import type { UserService } from './users';

export class SettingsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly defaults: WorkspaceSettings,
  ) {}

  get(): WorkspaceSettings {
    const raw = this.db.prepare("SELECT value FROM setting WHERE key = 'graceMinutes'").pluck().get() as string | undefined;
    return { graceMinutes: raw === undefined ? this.defaults.graceMinutes : Number(raw) };
  }

  update(next: WorkspaceSettings, user: User): WorkspaceSettings {
    this.users.authorize(user, 'workspace.settings', [], 'settings');
    const before = this.get();
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO setting (key, value) VALUES ('graceMinutes', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .run(String(next.graceMinutes));
      this.audit.append(user.username, 'settings.changed', 'settings', { graceMinutes: next.graceMinutes, was: before.graceMinutes });
    })();
    return this.get();
  }
}
