// The window's language for every component, read from one context. react-i18next's own hook,
// called in each component, copies the i18next instance (every property) the first time each
// component draws and subscribes each one to language changes: a page of the Queue (50 pairs, a
// dozen translated parts each) spent about 25 ms of its 70 ms render there. Here it is called
// once, at the root, and what it gives (a new `t` when the language changes, so every reader is
// drawn again) is handed down.
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useTranslation as useRootTranslation } from 'react-i18next';
import i18next from 'i18next';

type Translation = Pick<ReturnType<typeof useRootTranslation>, 't' | 'i18n'>;

const Context = createContext<Translation | null>(null);

/** Gives the window's language to everything under it (main.tsx: the whole window). */
export function TranslationProvider({ children }: { children: ReactNode }) {
  const { t, i18n } = useRootTranslation();
  const value = useMemo(() => ({ t, i18n }), [t, i18n]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/** Outside the provider (never in the window): the instance itself, not redrawn on a change of language. */
const outside: Translation = { t: i18next.t.bind(i18next) as Translation['t'], i18n: i18next };

/** `t` and `i18n`, as react-i18next's `useTranslation()` gives them. */
export function useTranslation(): Translation {
  return useContext(Context) ?? outside;
}
