// Workspace settings, stored in SQLite; changes are audited.
import type { Db } from '../db';
import type { ParsedInput, WorkspaceSettings } from '../../shared/contract';
import { checkSettingsSchema } from '../../shared/contract';
import { defaultCheckSettings, type CheckSettings } from '../../shared/checks';
import type { AuditLog } from './audit';
import type { UserService } from './users';
import { signedIn, type CallContext } from './context';

export class SettingsService {
  private readonly read;
  private readonly write;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly defaults: { graceMinutes: number },
  ) {
    this.read = db.prepare('SELECT value FROM setting WHERE key = ?').pluck();
    this.write = db.prepare('INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(): WorkspaceSettings {
    const grace = this.read.get('graceMinutes') as string | undefined;
    return { graceMinutes: grace === undefined ? this.defaults.graceMinutes : Number(grace), checks: this.checks() };
  }

  /** Stored check settings, with defaults for checks added since they were saved. */
  checks(): CheckSettings {
    const raw = this.read.get('checks') as string | undefined;
    if (raw === undefined) return defaultCheckSettings;
    const stored = JSON.parse(raw) as Partial<CheckSettings>;
    const merged = {
      severity: { ...defaultCheckSettings.severity, ...stored.severity },
      piiAllowList: stored.piiAllowList ?? [],
      flaggedTerms: stored.flaggedTerms ?? [],
      frenchStyle: stored.frenchStyle ?? defaultCheckSettings.frenchStyle,
    };
    const parsed = checkSettingsSchema.safeParse(merged);
    return parsed.success ? parsed.data : defaultCheckSettings;
  }

  update(ctx: CallContext, next: ParsedInput<'settings.update'>): WorkspaceSettings {
    const user = signedIn(ctx);
    this.users.authorize(user, 'workspace.settings', [], 'settings');
    const before = this.get();
    this.db.transaction(() => {
      if (next.graceMinutes !== undefined) {
        this.write.run('graceMinutes', String(next.graceMinutes));
        this.audit.append(user.username, 'settings.changed', 'settings', { graceMinutes: next.graceMinutes, was: before.graceMinutes });
      }
      if (next.checks !== undefined) {
        this.write.run('checks', JSON.stringify(next.checks));
        this.audit.append(user.username, 'settings.changed', 'settings', {
          checks: JSON.stringify(next.checks),
          was: JSON.stringify(before.checks),
        });
      }
    })();
    return this.get();
  }
}
