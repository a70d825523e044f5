// "Waiting for me" (issue 13, item 1) answered by the database: five lists, one statement each
// (its first pairs, oldest waiting first, and how many wait, by a window count), then the details
// of the pairs shown (db/pairDetails.ts). Nothing is loaded to be filtered in JavaScript: the rules
// are those of services/pairMatch.ts (`waitingKindOf`, which the offline desk applies to its copy).
//
// Each list reads one status, or the few of `problems`, through post_pair_status (migration 014:
// status, created_at, id): the rows of that status only, whatever the number of pairs. The role's
// account pairs are checked per row (NOT EXISTS on pair_channel's primary key), the person's own
// pairs through post_pair's creator and pair_author's key, a send-back through approval_pair.
// Oldest waiting first is by `updated_at` — when the pair entered its status, or was last edited
// in it — which sorts the rows of that status (already all read for the count).
import type { Pair, PairStatus } from '../../shared/domain';
import { waitingKinds, waitingShown, type Waiting, type WaitingKind } from '../../shared/contract';
import { isEmptyScope, problemStatuses, type Scope, type WaitingScopes } from '../services/pairMatch';
import { pairsOfRows, type PairRow } from './pairs';
import { withJsonList, type Param, type Sql } from './sql';

interface Condition {
  text: string;
  params: Param[];
}

const always: Condition = { text: '1 = 1', params: [] };
const never: Condition = { text: '1 = 0', params: [] };

/** Every account pair of the pair is in the scope. */
function within(scope: Scope): Condition {
  if (scope === 'all') return always;
  if (scope.size === 0) return never;
  return {
    text: `NOT EXISTS (SELECT 1 FROM pair_channel sc WHERE sc.pair_id = p.id AND sc.channel_id NOT IN (SELECT value FROM json_each(?)))`,
    params: [JSON.stringify([...scope])],
  };
}

const and = (...parts: Condition[]): Condition => ({ text: parts.map((c) => `(${c.text})`).join(' AND '), params: parts.flatMap((c) => c.params) });
const or = (a: Condition, b: Condition): Condition => ({ text: `(${a.text}) OR (${b.text})`, params: [...a.params, ...b.params] });
const not = (c: Condition): Condition => ({ text: `NOT (${c.text})`, params: c.params });
const sql = (text: string, ...params: Param[]): Condition => ({ text, params });

const status = (s: PairStatus) => sql('p.status = ?', s);

/** The person created the pair, or wrote or edited either language. */
const mine = (me: string) => sql('(p.created_by = ? OR EXISTS (SELECT 1 FROM pair_author pa WHERE pa.pair_id = p.id AND pa.username = ?))', me, me);

/** The latest decision on the pair sent it back (the order `pairDetails` reads decisions in). */
const sentBackDecision = sql(
  `(SELECT r.decision FROM approval r WHERE r.pair_id = p.id ORDER BY r.at DESC, r.pair_version DESC, r.id DESC LIMIT 1) = 'rejected'`,
);

/** Every account pair of the pair lets a writer approve their own text. */
const selfApprovalEverywhere = sql(
  'NOT EXISTS (SELECT 1 FROM pair_channel ac JOIN channel c ON c.id = ac.channel_id WHERE ac.pair_id = p.id AND c.allow_self_approval = 0)',
);

const sideInTrouble = sql("EXISTS (SELECT 1 FROM delivery d WHERE d.pair_id = p.id AND d.status IN ('failed', 'held'))");

/** Each list's condition, as `waitingKindOf` decides it. */
export function waitingConditions(me: string, scopes: WaitingScopes): Record<WaitingKind, Condition> {
  return {
    sentBack: and(status('translation'), sentBackDecision, mine(me), within(scopes.edit)),
    translate: and(status('translation'), within(scopes.translate), not(and(sentBackDecision, mine(me)))),
    approve: and(status('review'), within(scopes.approve), or(not(mine(me)), selfApprovalEverywhere)),
    publish: and(status('approved'), within(scopes.publish)),
    problems: and(
      sql(`p.status IN (${problemStatuses.map(() => '?').join(', ')})`, ...problemStatuses),
      sideInTrouble,
      or(within(scopes.publish), and(sql('p.created_by = ?', me), within(scopes.creator))),
    ),
  };
}

/** The five lists for this person: counts, and the first `waitingShown` pairs of each with their details. */
export async function waitingLists(db: Sql, me: string, scopes: WaitingScopes): Promise<Waiting> {
  const conditions = waitingConditions(me, scopes);
  const possible: Record<WaitingKind, boolean> = {
    sentBack: !isEmptyScope(scopes.edit),
    translate: !isEmptyScope(scopes.translate),
    approve: !isEmptyScope(scopes.approve),
    publish: !isEmptyScope(scopes.publish),
    problems: !isEmptyScope(scopes.publish) || !isEmptyScope(scopes.creator),
  };
  const rows = await Promise.all(
    waitingKinds.map(async (kind) => {
      const c = conditions[kind];
      // No role that acts on this list: nothing to ask.
      if (!possible[kind]) return [];
      return db.all<PairRow & { total: number | string }>(
        withJsonList(`SELECT p.*, count(*) OVER () AS total FROM post_pair p WHERE ${c.text} ORDER BY p.updated_at, p.id LIMIT ?`),
        [...c.params, waitingShown],
      );
    }),
  );
  const pairs = await pairsOfRows(db, rows.flat());
  const byId = new Map<string, Pair>(pairs.map((pair) => [pair.id, pair]));
  return Object.fromEntries(
    waitingKinds.map((kind, i) => {
      const list = rows[i]!;
      return [kind, { count: list.length === 0 ? 0 : Number(list[0]!.total), pairs: list.map((row) => byId.get(row.id)!) }];
    }),
  ) as Waiting;
}
