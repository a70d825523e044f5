import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import fr from './fr.json';
import type { Lang } from '../../../shared/domain';

export const resources = { en: { translation: en }, fr: { translation: fr } } as const;

const storageKey = 'tandem.lang';

function initialLanguage(): Lang {
  const saved = localStorage.getItem(storageKey);
  if (saved === 'en' || saved === 'fr') return saved;
  return navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export function setLanguage(lang: Lang): void {
  localStorage.setItem(storageKey, lang);
  void i18next.changeLanguage(lang);
}

i18next.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});

void i18next.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

// `{{n, number}}` (the only format the catalogues use) with one Intl formatter per language: the
// built-in one makes a formatter per call, and its cache keys each formatter by the call's values
// too (a new one for every count), while the composer's counters format two numbers a keystroke.
const numberFormats = new Map<string, Intl.NumberFormat>();
i18next.services.formatter?.add('number', (value: unknown, lng: string | undefined) => {
  const key = lng ?? 'en';
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(key)));
  return typeof value === 'number' ? format.format(value) : String(value);
});

export default i18next;
