// "Waiting for me" (issue 13, item 1): where everyone lands. One section per list the person's
// roles give — sent back, to translate, to approve, to publish, problems — each with its count and
// the oldest pairs first; each pair opens on its own.
import { useId } from 'react';
import { useTranslation } from '../../lib/translation';
import type { WaitingKind } from '../../../../shared/contract';
import type { Channel, Pair } from '../../../../shared/domain';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useChannelName, useDateFormat, useDayFormat } from '../../lib/format';
import { useNavigation } from '../../lib/navigation';
import { useCall } from '../../lib/query';
import { noRoleReason } from '../../lib/roles';
import { useUser } from '../../lib/session';
import { waitingKindsFor } from '../../lib/waiting';

/** The first words of a text, whole words only. */
function firstWords(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/** When the pair started waiting in this list, as far as the pair tells. */
function waitingSince(kind: WaitingKind, pair: Pair): string {
  if (kind === 'sentBack' && pair.rejection) return pair.rejection.at;
  if (kind === 'publish' && pair.approval) return pair.approval.at;
  return pair.updatedAt;
}

export default function WaitingView() {
  const { t } = useTranslation();
  const ids = useId();
  const user = useUser();
  const formatDay = useDayFormat();
  const waiting = useCall('pairs.waiting', undefined);
  const channels = useCall('accounts.list').data ?? [];
  const kinds = waitingKindsFor(user.grants);
  const total = waiting.data ? kinds.reduce((sum, kind) => sum + waiting.data[kind].count, 0) : null;
  const why = noRoleReason(user.grants);

  return (
    <section className="waiting" aria-labelledby={`${ids}-heading`}>
      <h1 id={`${ids}-heading`}>{total === null ? t('waiting.heading') : t('waiting.headingCount', { count: total })}</h1>
      {why ? (
        <p className="empty" data-testid="no-channels">
          {why.reason === 'roleEnded' ? t('composer.noChannelsBecause.roleEnded', { date: formatDay(why.date) }) : t('composer.noChannelsBecause.noRole')}
        </p>
      ) : waiting.isPending ? (
        waiting.isError ? null : <p>{t('app.loading')}</p>
      ) : null}
      <ErrorMessage error={waiting.error?.info ?? null} />
      {waiting.data && !why && total === 0 && (
        <p className="empty" data-testid="nothing-waiting">
          {t('waiting.nothing')}
        </p>
      )}
      {waiting.data &&
        kinds.map((kind) => <WaitingSection key={kind} kind={kind} list={waiting.data[kind]} channels={channels} />)}
    </section>
  );
}

function WaitingSection({ kind, list, channels }: { kind: WaitingKind; list: { count: number; pairs: Pair[] }; channels: Channel[] }) {
  const { t } = useTranslation();
  const ids = useId();
  const { go, offers } = useNavigation();
  const formatDate = useDateFormat();
  const channelName = useChannelName();
  const open = offers('pair');
  return (
    <section className="panel waiting-section" aria-labelledby={`${ids}-h`} data-testid={`waiting-${kind}`} data-count={list.count}>
      <h2 id={`${ids}-h`}>{t(`waiting.kinds.${kind}`, { count: list.count })}</h2>
      {list.count === 0 ? (
        <p className="empty">{t(`waiting.empty.${kind}`)}</p>
      ) : (
        <>
          <ul className="waiting-list">
            {list.pairs.map((pair) => {
              const names = pair.channelIds.map((id) => {
                const channel = channels.find((c) => c.id === id);
                return channel ? channelName(channel) : id;
              });
              const who = pair.names?.[pair.createdBy] ?? pair.createdBy;
              const content = (
                <>
                  <span className="waiting-texts">
                    <span lang="en">
                      <span className="lang-tag">EN</span> {pair.enText.trim() ? firstWords(pair.enText) : <em className="muted">{t('queue.missingText')}</em>}
                    </span>
                    <span lang="fr">
                      <span className="lang-tag">FR</span> {pair.frText.trim() ? firstWords(pair.frText) : <em className="muted">{t('queue.missingText')}</em>}
                    </span>
                  </span>
                  <span className="muted waiting-meta">
                    {names.join(', ')} · {t('waiting.byWhoSince', { user: who, date: formatDate(waitingSince(kind, pair)) })}
                  </span>
                </>
              );
              return (
                <li key={pair.id} data-testid="waiting-pair">
                  {open ? (
                    <button type="button" className="waiting-pair" onClick={() => go({ view: 'pair', pairId: pair.id })}>
                      {content}
                    </button>
                  ) : (
                    <div className="waiting-pair">{content}</div>
                  )}
                </li>
              );
            })}
          </ul>
          {list.count > list.pairs.length && (
            <p className="muted">
              {t('waiting.more', { count: list.count - list.pairs.length })}{' '}
              <button type="button" className="link-button" onClick={() => go({ view: 'queue' })}>
                {t('waiting.toQueue')}
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}
