import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
// The GC Design System's tokens and its two typefaces, bundled: nothing is fetched from the internet.
import '@cdssnc/gcds-tokens/build/web/css/tokens.css';
import '@fontsource/lato/400.css';
import '@fontsource/lato/700.css';
import '@fontsource/noto-sans/400.css';
import '@fontsource/noto-sans/700.css';
import './i18n';
import './styles.css';
import { App } from './App';
import { createQueryClient, useStaleOnEvents } from './lib/query';
import { TranslationProvider } from './lib/translation';

// Earlier versions kept the composer's unsent text here, for whoever opened the composer next.
// Whose it was cannot be told, so it is removed unread; main now keeps each person's own.
localStorage.removeItem('tandem.composer.draft');

const client = createQueryClient();

/** The one data layer: every view's reads are kept here and made stale by main's push events. */
function DataLayer({ client, children }: { client: QueryClient; children: ReactNode }) {
  useStaleOnEvents(client);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <TranslationProvider>
      <DataLayer client={client}>
        <App />
      </DataLayer>
    </TranslationProvider>
  </StrictMode>,
);
