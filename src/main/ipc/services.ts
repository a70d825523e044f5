// What each domain's handlers are built from. app.ts assembles the services and hands each domain
// the ones it needs; the handlers only bind the contract to them.
import type { StartupProblem } from '../../shared/contract';
import type { User } from '../../shared/domain';
import type { EventBus } from '../events';
import type { Publisher } from '../publisher/publisher';
import type { AccountService } from '../services/accounts';
import type { MediaService } from '../services/media';
import type { MetricsService } from '../services/metrics';
import type { PairService } from '../services/pairs';
import type { PiiRequestService } from '../services/piiRequests';
import type { RecordsService } from '../services/records';
import type { SettingsService } from '../services/settings';
import type { UnsentService } from '../services/unsent';
import type { UserService } from '../services/users';

export interface Services {
  users: UserService;
  accounts: AccountService;
  pairs: PairService;
  media: MediaService;
  unsent: UnsentService;
  settings: SettingsService;
  piiRequests: PiiRequestService;
  metrics: MetricsService;
  records: RecordsService;
  publisher: Publisher;
  events: EventBus;
  /** The database file, whose backups the administrator lists and restores. */
  dbFile: string;
  /** The host's restart hook (host.ts); absent when the services run alone (tests). */
  restore?: (name: string, actor: User) => Promise<StartupProblem | null>;
}
