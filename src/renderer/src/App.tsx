import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Channel } from '../../shared/domain';
import { setLanguage } from './i18n';
import { call } from './lib/api';
import { useApiEvent } from './lib/useEvent';
import { AccountsView } from './features/accounts/AccountsView';
import { Composer } from './features/composer/Composer';
import { Queue } from './features/queue/Queue';

type View = 'publish' | 'accounts';

export function App() {
  const { t, i18n } = useTranslation();
  const [view, setView] = useState<View>('publish');
  const [channels, setChannels] = useState<Channel[] | null>(null);

  const loadChannels = useCallback(() => {
    void call('accounts.list').then(setChannels, () => setChannels([]));
  }, []);
  useEffect(loadChannels, [loadChannels]);
  useApiEvent('accounts.changed', loadChannels);

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
        <button
          type="button"
          className="link-button"
          lang={other}
          title={t('language.switchLabel')}
          onClick={() => setLanguage(other)}
        >
          {t('language.switch')}
        </button>
      </header>
      <nav className="app-nav" aria-label={t('nav.label')}>
        {(['publish', 'accounts'] as const).map((name) => (
          <button
            key={name}
            type="button"
            aria-current={view === name ? 'page' : undefined}
            onClick={() => setView(name)}
          >
            {t(`nav.${name}`)}
          </button>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        {channels === null ? (
          <p>{t('app.loading')}</p>
        ) : view === 'publish' ? (
          <div className="publish-layout">
            <Composer channels={channels} onAddAccounts={() => setView('accounts')} />
            <Queue />
          </div>
        ) : (
          <AccountsView channels={channels} />
        )}
      </main>
    </>
  );
}
