import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Channel, Pair } from '../../shared/domain';
import type { DeskState, SessionState, StartupProblem as Problem } from '../../shared/contract';
import { setLanguage } from './i18n';
import { call } from './lib/api';
import { useApiEvent } from './lib/useEvent';
import { StorageBanner } from './lib/StorageBanner';
import { SessionContext, useCan } from './lib/session';
import { signOut } from './lib/signOut';
import { SignIn } from './features/session/SignIn';
import { AccountsView } from './features/accounts/AccountsView';
import { Composer } from './features/composer/Composer';
import { Queue } from './features/queue/Queue';
import { PeopleView } from './features/people/PeopleView';
import { AuditView } from './features/audit/AuditView';
import { StartupProblem } from './features/startup/StartupProblem';
import { BackupsView } from './features/backups/BackupsView';
import { DeskChoice } from './features/desk/DeskChoice';
import { LeaveWorkspace } from './features/desk/LeaveWorkspace';
import { WorkspaceBanner } from './features/outbox/WorkspaceBanner';
import { OutboxPanel } from './features/outbox/OutboxPanel';
import { useOutbox, WorkspaceOfflineContext } from './lib/outbox';
import { MoveToWorkspace } from './features/desk/MoveToWorkspace';

type View = 'publish' | 'accounts' | 'people' | 'audit' | 'backups' | 'outbox';

export function App() {
  const { t, i18n } = useTranslation();
  const [session, setSession] = useState<SessionState | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [desk, setDesk] = useState<DeskState | null>(null);
  // Set when the person has just chosen (or left): focus goes to what replaces the choice.
  const justChose = useRef(false);

  // First what this desk is (not chosen yet: the choice is all there is to show); then whether
  // main could open the database at all; only then who is signed in.
  const loadSession = useCallback(() => {
    void call('desk.state')
      .then((found) => {
        setDesk(found);
        return found.mode === 'unchosen' ? undefined : call('startup.problem');
      })
      .then((found) => {
        if (found === undefined) return null;
        setProblem(found);
        return found ? null : call('session.current');
      })
      .then(
        (state) => state && setSession(state),
        () => setSession({ user: null, needsBootstrap: false }),
      );
  }, []);
  useEffect(loadSession, [loadSession]);
  useApiEvent('session.changed', loadSession);

  const chosen = useCallback(() => {
    justChose.current = true;
    setSession(null);
    loadSession();
  }, [loadSession]);
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
        <div>
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
    </>
  );
}

/** `solo`: Tandem on this computer alone, which its administrator may move into a workspace (then `onMoved`). */
function Workspace({ solo, onMoved }: { solo: boolean; onMoved: () => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const [view, setView] = useState<View>('publish');
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [editing, setEditing] = useState<Pair | null>(null);

  const loadChannels = useCallback(() => {
    void call('accounts.list').then(setChannels, () => setChannels([]));
  }, []);
  useEffect(loadChannels, [loadChannels]);
  useApiEvent('accounts.changed', loadChannels);
  const { outbox, replace: setOutbox } = useOutbox();
  const status = outbox?.status ?? null;
  const needsYou = status ? status.conflicts + status.refused : 0;

  const views: View[] = [
    'publish',
    'accounts',
    ...(can('user.manage') ? (['people'] as const) : []),
    ...(can('audit.view') ? (['audit'] as const) : []),
    ...(can('workspace.settings') ? (['backups'] as const) : []),
    // Shown while changes made offline need the person (and while they are settling them).
    ...(status?.joined && (needsYou > 0 || view === 'outbox') ? (['outbox'] as const) : []),
  ];
  return (
    <WorkspaceOfflineContext.Provider value={status !== null && status.joined && !status.online}>
      <WorkspaceBanner status={status} onOpen={() => setView('outbox')} />
      <nav className="app-nav" aria-label={t('nav.label')}>
        {views.map((name) => (
          <button key={name} type="button" aria-current={view === name ? 'page' : undefined} onClick={() => setView(name)}>
            {t(`nav.${name}`)}
          </button>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        {channels === null ? (
          <p>{t('app.loading')}</p>
        ) : view === 'publish' ? (
          <div className="publish-layout">
            <Composer
              key={editing ? `${editing.id}:${editing.version}` : 'new'}
              channels={channels}
              editing={editing}
              onDoneEditing={() => setEditing(null)}
              onAddAccounts={() => setView('accounts')}
            />
            <Queue channels={channels} onEdit={setEditing} />
          </div>
        ) : view === 'accounts' ? (
          <AccountsView channels={channels} />
        ) : view === 'people' ? (
          <>
            <PeopleView channels={channels} />
            {/* Everyone here moves with the desk: offered where its administrator manages them. */}
            {solo && can('workspace.settings') && <MoveToWorkspace onMoved={onMoved} />}
          </>
        ) : view === 'backups' ? (
          <BackupsView />
        ) : view === 'outbox' ? (
          <OutboxPanel outbox={outbox} onChange={setOutbox} />
        ) : (
          <AuditView />
        )}
      </main>
    </WorkspaceOfflineContext.Provider>
  );
}
