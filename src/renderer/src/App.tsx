import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from './lib/translation';
import { useQueryClient } from '@tanstack/react-query';
import type { Channel, Grant, Pair } from '../../shared/domain';
import { allowedRoles } from '../../shared/permissions';
import type { DeskState, SessionState, StartupProblem as Problem } from '../../shared/contract';
import { setLanguage } from './i18n';
import { call } from './lib/api';
import { useApiEvent } from './lib/useEvent';
import { StorageBanner } from './lib/StorageBanner';
import signatureEn from './assets/gc/sig-blk-en.svg';
import signatureFr from './assets/gc/sig-blk-fr.svg';
import wordmarkEn from './assets/gc/wmms-spl-en.svg';
import wordmarkFr from './assets/gc/wmms-spl-fr.svg';
import { ChangePassphrase } from './features/profile/ChangePassphrase';
import { SessionContext, useCan, useUser } from './lib/session';
import { NavigationContext, type Place, type ViewName } from './lib/navigation';
import { useCall } from './lib/query';
import { holdsRole } from './lib/roles';
import { waitingKindsFor } from './lib/waiting';
import { createOutcomeNotifier } from './lib/notify';
import WaitingView from './features/waiting/WaitingView';
import { signOut } from './lib/signOut';
import { SignIn } from './features/session/SignIn';
import { StartupProblem } from './features/startup/StartupProblem';
import { DeskChoice } from './features/desk/DeskChoice';
import { LeaveWorkspace } from './features/desk/LeaveWorkspace';
import { WorkspaceBanner } from './features/outbox/WorkspaceBanner';
import { useOutbox, WorkspaceOfflineContext } from './lib/outbox';

export function App() {
  const { t, i18n } = useTranslation();
  const [session, setSessionState] = useState<SessionState | null>(null);
  const queryClient = useQueryClient();
  // What one person read is never shown to the next: a change of person empties the data layer.
  const signedIn = useRef<string | null>(null);
  const setSession = useCallback(
    (next: SessionState | null) => {
      const id = next?.user?.id ?? null;
      if (next !== null && id !== signedIn.current) {
        queryClient.clear();
        signedIn.current = id;
      }
      setSessionState(next);
    },
    [queryClient],
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const [desk, setDesk] = useState<DeskState | null>(null);
  // Set when the person has just chosen (or left): focus goes to what replaces the choice.
  const justChose = useRef(false);

  // What this desk is (not chosen yet: the choice is all there is to show), whether main could
  // open the database at all, and who is signed in: asked together, used in that order (an
  // unchosen desk or a start-up problem wins, and the later answers, or refusals, are not used).
  const loadSession = useCallback(() => {
    const problemAsked = call('startup.problem').then(
      (found) => ({ found }),
      (caught: unknown) => ({ caught }),
    );
    const sessionAsked = call('session.current').catch(() => null);
    void call('desk.state')
      .then(async (found) => {
        setDesk(found);
        if (found.mode === 'unchosen') return null;
        const asked = await problemAsked;
        if ('caught' in asked) throw asked.caught;
        setProblem(asked.found);
        if (asked.found) return null;
        return (await sessionAsked) ?? call('session.current');
      })
      .then(
        (state) => state && setSession(state),
        () => setSession({ user: null, needsBootstrap: false }),
      );
  }, [setSession]);
  useEffect(loadSession, [loadSession]);
  useApiEvent('session.changed', loadSession);

  const chosen = useCallback(() => {
    justChose.current = true;
    setSession(null);
    loadSession();
  }, [loadSession, setSession]);
  useEffect(() => {
    if (!justChose.current || desk?.mode === 'unchosen' || (session === null && problem === null)) return;
    justChose.current = false;
    document.getElementById('main')?.focus();
  }, [desk, session, problem]);

  useEffect(() => {
    document.title = t('app.title');
  }, [t, i18n.language]);

  const other = i18n.language === 'fr' ? 'en' : 'fr';
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        {/* The Government of Canada signature, as the GC Design System shows it (its own title names it). */}
        <img className="gc-signature" src={i18n.language === 'fr' ? signatureFr : signatureEn} alt={t('app.signature')} />
        <div className="app-brand">
          <span className="app-title">{t('app.title')}</span>
          <span className="app-tagline">{t('app.tagline')}</span>
        </div>
        <div className="header-tools">
          {desk?.mode === 'workspace' && desk.url && (
            <>
              <span className="muted workspace-address">{t('desk.workspace.address', { url: desk.url })}</span>
              <LeaveWorkspace url={desk.url} onLeft={loadSession} />
            </>
          )}
          {desk?.mode !== 'unchosen' && session?.user && (
            <>
              <span className="muted">{t('session.signedInAs', { name: session.user.displayName })}</span>
              <ChangePassphrase />
              <button type="button" className="link-button" onClick={() => void signOut().then(loadSession)}>
                {t('session.signOut')}
              </button>
              <button type="button" className="link-button" onClick={() => void signOut(true).then(loadSession)}>
                {t('session.signOutEverywhere')}
              </button>
            </>
          )}
          <button type="button" className="link-button" lang={other} title={t('language.switchLabel')} onClick={() => setLanguage(other)}>
            {t('language.switch')}
          </button>
        </div>
      </header>
      <StorageBanner />
      {desk?.mode === 'unchosen' ? (
        <main id="main" tabIndex={-1}>
          <DeskChoice onChosen={chosen} />
        </main>
      ) : problem ? (
        <main id="main" tabIndex={-1}>
          <StartupProblem problem={problem} onChange={loadSession} />
        </main>
      ) : session === null ? (
        <main id="main" tabIndex={-1}>
          <p>{t('app.loading')}</p>
        </main>
      ) : session.user ? (
        <SessionContext.Provider value={session.user}>
          <Workspace key={session.user.id} solo={desk?.mode === 'solo'} onMoved={chosen} />
        </SessionContext.Provider>
      ) : (
        <main id="main" tabIndex={-1}>
          <SignIn bootstrap={session.needsBootstrap} onDone={loadSession} />
        </main>
      )}
      <footer className="app-footer">
        <img className="gc-wordmark" src={i18n.language === 'fr' ? wordmarkFr : wordmarkEn} alt={t('app.wordmark')} />
      </footer>
    </>
  );
}

/** What every view may need from the shell. */
interface Shared {
  channels: Channel[];
  solo: boolean;
  onMoved: () => void;
  outbox: ReturnType<typeof useOutbox>;
}

type Can = ReturnType<typeof useCan>;
type Allow = (can: Can, grants: readonly Grant[]) => boolean;
interface ViewEntry<V extends ViewName> {
  /** Listed in the navigation (in this order) under `nav.<view>`; unlisted places are reached from other views. */
  listed: boolean;
  allowed: Allow;
  /** Drawn once the account pairs are known (the others ask for what they need themselves). */
  needsChannels?: boolean;
  render: (place: Extract<Place, { view: V }>, shared: Shared) => ReactNode;
}

// Each view is loaded when first shown, so the first screen's bundle holds only the shell and "Waiting
// for me" (everyone's first screen: in the bundle, not a chunk asked for once the session is known).
const CalendarView = lazy(() => import('./features/calendar/CalendarView'));
const ReviewScreen = lazy(() => import('./features/review/ReviewScreen'));
const QueueView = lazy(() => import('./features/queue/QueueView'));
const ComposeView = lazy(() => import('./features/composer/ComposeView'));
const AccountsView = lazy(() => import('./features/accounts/AccountsView').then((m) => ({ default: m.AccountsView })));
const PeopleView = lazy(() => import('./features/people/PeopleView').then((m) => ({ default: m.PeopleView })));
const MoveToWorkspace = lazy(() => import('./features/desk/MoveToWorkspace').then((m) => ({ default: m.MoveToWorkspace })));
const AuditView = lazy(() => import('./features/audit/AuditView').then((m) => ({ default: m.AuditView })));
const BackupsView = lazy(() => import('./features/backups/BackupsView').then((m) => ({ default: m.BackupsView })));
const OutboxPanel = lazy(() => import('./features/outbox/OutboxPanel').then((m) => ({ default: m.OutboxPanel })));

const everyone: Allow = () => true;

/** The shell's one table of places: what each shows and who is offered it. */
const views: { [V in ViewName]?: ViewEntry<V> } = {
  waiting: { listed: true, allowed: everyone, render: () => <WaitingView /> },
  calendar: { listed: true, allowed: everyone, render: () => <CalendarView /> },
  // One pair on its own, from Waiting for me, the queue or the calendar: read-only where the person may not act.
  pair: { listed: false, allowed: everyone, render: (place) => <ReviewScreen key={place.pairId} pairId={place.pairId} /> },
  queue: { listed: true, allowed: everyone, render: () => <QueueView /> },
  // Listed for whoever may draft somewhere; editing a pair (from the queue) opens it for a translator too.
  compose: {
    listed: true,
    needsChannels: true,
    allowed: (_can, grants) => holdsRole(grants, allowedRoles['pair.create']),
    render: (place, s) => <ComposeView key={place.pair ? `${place.pair.id}:${place.pair.version}` : 'new'} channels={s.channels} editing={place.pair ?? null} />,
  },
  accounts: { listed: true, allowed: everyone, needsChannels: true, render: (_p, s) => <AccountsView channels={s.channels} /> },
  people: {
    listed: true,
    needsChannels: true,
    allowed: (can) => can('user.manage'),
    render: (_p, s) => (
      <>
        <PeopleView channels={s.channels} />
        {/* Everyone here moves with the desk: offered where its administrator manages them. */}
        {s.solo && <MoveToWorkspace onMoved={s.onMoved} />}
      </>
    ),
  },
  audit: { listed: true, allowed: (can) => can('audit.view'), render: () => <AuditView /> },
  backups: { listed: true, allowed: (can) => can('workspace.settings'), render: () => <BackupsView /> },
  outbox: {
    listed: true,
    allowed: everyone,
    render: (_p, s) => <OutboxPanel outbox={s.outbox.outbox} onChange={s.outbox.replace} />,
  },
};

function entry(view: ViewName): ViewEntry<ViewName> | undefined {
  return views[view] as ViewEntry<ViewName> | undefined;
}

/** `solo`: Tandem on this computer alone, which its administrator may move into a workspace (then `onMoved`). */
function Workspace({ solo, onMoved }: { solo: boolean; onMoved: () => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const user = useUser();
  const [place, setPlace] = useState<Place>({ view: 'waiting' });
  const channelsQuery = useCall('accounts.list');
  const channels = channelsQuery.data ?? (channelsQuery.isError ? [] : null);
  const outbox = useOutbox();
  const status = outbox.outbox?.status ?? null;
  const needsYou = status ? status.conflicts + status.refused : 0;
  const waiting = useWaitingCount();
  // Asked once the first screen has what it needs, so it does not compete with it.
  useOutcomeNotifications(waiting !== null || place.view !== 'waiting');

  const allowed = useCallback(
    (view: ViewName) => {
      const found = entry(view);
      if (!found || !found.allowed(can, user.grants)) return false;
      // Changes made offline: listed while they need the person (and while they are settling them).
      if (view === 'outbox') return Boolean(status?.joined && (needsYou > 0 || place.view === 'outbox'));
      return true;
    },
    [can, user.grants, status, needsYou, place.view],
  );
  // Focus goes to the new view's heading once it is drawn (a lazy view may first show its loading line).
  // The first view too: after signing in, the form that had the focus is gone.
  const focusPending = useRef(true);
  const go = useCallback((next: Place) => {
    focusPending.current = true;
    setPlace(next);
  }, []);
  const offers = useCallback((view: ViewName) => (view === 'compose' ? entry(view) !== undefined : allowed(view)), [allowed]);
  const navigation = useMemo(() => ({ place, go, offers }), [place, go, offers]);
  useFocusHeadingAfter(focusPending, place);

  // Editing a pair is open to whoever may edit it; anything else the person may not see sends them home.
  const shown: Place = place.view === 'compose' && place.pair ? place : allowed(place.view) ? place : { view: 'waiting' };
  const view = entry(shown.view)!;
  const listed = navOrder.filter((view) => entry(view)?.listed && allowed(view));
  return (
    <WorkspaceOfflineContext.Provider value={status !== null && status.joined && !status.online}>
      <NavigationContext.Provider value={navigation}>
        <WorkspaceBanner status={status} onOpen={() => go({ view: 'outbox' })} />
        <nav className="app-nav" aria-label={t('nav.label')}>
          {listed.map((name) => (
            <button key={name} type="button" aria-current={shown.view === name ? 'page' : undefined} onClick={() => go({ view: name } as Place)}>
              {name === 'waiting' && waiting !== null ? t('nav.waitingCount', { count: waiting }) : t(`nav.${name}`)}
            </button>
          ))}
        </nav>
        <main id="main" tabIndex={-1}>
          {channels === null && view.needsChannels ? (
            <p>{t('app.loading')}</p>
          ) : (
            <Suspense fallback={<p>{t('app.loading')}</p>}>
              {view.render(shown, { channels: channels ?? [], solo: solo && can('workspace.settings'), onMoved, outbox })}
            </Suspense>
          )}
        </main>
      </NavigationContext.Provider>
    </WorkspaceOfflineContext.Provider>
  );
}

/** The navigation's order; a view missing from the table (not built on this branch) is skipped. */
const navOrder: ViewName[] = ['waiting', 'calendar', 'queue', 'compose', 'accounts', 'people', 'audit', 'backups', 'outbox'];

/** How many pairs wait for the person, across the lists their roles give (null until known). */
function useWaitingCount(): number | null {
  const user = useUser();
  const { data } = useCall('pairs.waiting', undefined);
  if (!data) return null;
  return waitingKindsFor(user.grants).reduce((sum, kind) => sum + data[kind].count, 0);
}

/** A desktop notification when a pair reaches a notable outcome, wherever the person is in Tandem. */
function useOutcomeNotifications(enabled: boolean): void {
  const { t, i18n } = useTranslation();
  const language = useRef(i18n.language);
  language.current = i18n.language;
  const notify = useRef<((pairs: Pair[]) => void) | null>(null);
  notify.current ??= createOutcomeNotifier(
    (status) => t(`notify.${status}`),
    (pair) => (language.current === 'fr' ? pair.frText : pair.enText),
  );
  const { data } = useCall('pairs.list', { limit: 100 }, { enabled });
  useEffect(() => {
    if (data) notify.current?.(data);
  }, [data]);
}

/**
 * After a navigation, moves focus to the first heading of the view once it is on screen. A view may
 * draw a loading line first, or replace its heading as its data arrives: until the person moves
 * focus themself, focus that fell back to the page goes to the heading now shown.
 */
function useFocusHeadingAfter(pending: { current: boolean }, place: Place): void {
  useEffect(() => {
    if (!pending.current) return;
    pending.current = false;
    const main = document.getElementById('main');
    if (!main) return;
    let focused: HTMLElement | null = null;
    const tryFocus = (): void => {
      const active = document.activeElement;
      // The person has moved on (or focus is already where it should be): leave it there.
      if (focused && active !== document.body && active !== null) return;
      // The view shown: while a lazy view loads, the one before stays in the page, hidden.
      const heading = [...main.querySelectorAll<HTMLElement>('h1, h2')].find((h) => h.getClientRects().length > 0);
      if (!heading) return;
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus();
      if (document.activeElement === heading) focused = heading;
    };
    tryFocus();
    const observer = new MutationObserver(tryFocus);
    observer.observe(main, { childList: true, subtree: true });
    // Only until the person acts: from then on, focus is theirs.
    const stop = () => observer.disconnect();
    document.addEventListener('pointerdown', stop, { once: true, capture: true });
    document.addEventListener('keydown', stop, { once: true, capture: true });
    return () => {
      stop();
      document.removeEventListener('pointerdown', stop, { capture: true });
      document.removeEventListener('keydown', stop, { capture: true });
    };
  }, [pending, place]);
}
