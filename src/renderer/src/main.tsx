import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n';
import './styles.css';
import { App } from './App';

// Earlier versions kept the composer's unsent text here, for whoever opened the composer next.
// Whose it was cannot be told, so it is removed unread; main now keeps each person's own.
localStorage.removeItem('tandem.composer.draft');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
