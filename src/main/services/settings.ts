// Workspace settings, stored in the database; changes are audited.
import type { Sql } from '../db/sql';
import { lockSettings, readSetting, writeSetting } from '../db/settings';
import type { ParsedInput, WorkspaceSettings } from '../../shared/contract';
import { checkSettingsSchema } from '../../shared/contract';
import { defaultCheckSettings, type CheckSettings } from '../../shared/checks';
import type { AuditLog } from './audit';
import type { UserService } from './users';
import { signedIn, type CallContext } from './context';

export class SettingsService {
  constructor(
    private readonly sql: Sql,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly defaults: { graceMinutes: number },
  ) {}

  async get(): Promise<WorkspaceSettings> {
    const grace = await readSetting(this.sql, 'graceMinutes');
    return { graceMinutes: grace === undefined ? this.defaults.graceMinutes : Number(grace), checks: await this.checks() };
  }

  /** Stored check settings, with defaults for checks added since they were saved. */
  async checks(): Promise<CheckSettings> {
    const raw = await readSetting(this.sql, 'checks');
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

  async update(ctx: CallContext, next: ParsedInput<'settings.update'>): Promise<WorkspaceSettings> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'workspace.settings', [], 'settings');
    await this.sql.tx(async () => {
      // What each change replaced (`was`) is read under the lock, so two changes at once each
      // record the value the other left, not the one both started from.
      await lockSettings(this.sql);
      const before = await this.get();
      if (next.graceMinutes !== undefined) {
        await writeSetting(this.sql, 'graceMinutes', String(next.graceMinutes));
        await this.audit.append(user.username, 'settings.changed', 'settings', { graceMinutes: next.graceMinutes, was: before.graceMinutes });
      }
      if (next.checks !== undefined) {
        await writeSetting(this.sql, 'checks', JSON.stringify(next.checks));
        await this.audit.append(user.username, 'settings.changed', 'settings', {
          checks: JSON.stringify(next.checks),
          was: JSON.stringify(before.checks),
        });
      }
    });
    return this.get();
  }
}
