// The audit trail and the record of what was published.
import type { HandlersOf } from './handlers';
import type { Services } from './services';

export function recordHandlers({
  records,
}: Pick<Services, 'records'>): HandlersOf<'audit.list' | 'audit.exportPublished' | 'audit.exportTrail' | 'audit.exportRecords'> {
  return {
    'audit.list': (ctx, input) => records.list(ctx, input),
    'audit.exportPublished': (ctx, input) => records.exportPublished(ctx, input),
    'audit.exportTrail': (ctx, input) => records.exportTrail(ctx, input),
    'audit.exportRecords': (ctx, input) => records.exportRecords(ctx, input),
  };
}
