// Where the person is in the dashboard (issue 13, item 1). Features move the person through this
// context, never by importing each other: the shell (App.tsx) owns the views and draws the one asked.
import { createContext, useContext } from 'react';
import type { Pair } from '../../../shared/domain';

/** Every place the shell can show; the navigation lists only those the person's roles allow. */
export type Place =
  | { view: 'waiting' }
  | { view: 'calendar' }
  | { view: 'queue' }
  /** A new pair, or `pair` to edit. */
  | { view: 'compose'; pair?: Pair }
  /** One pair on its own: the review screen, read-only where the person may not act on it. */
  | { view: 'pair'; pairId: string }
  | { view: 'accounts' }
  | { view: 'people' }
  | { view: 'audit' }
  | { view: 'backups' }
  | { view: 'outbox' };

export type ViewName = Place['view'];

export interface Navigation {
  place: Place;
  go: (place: Place) => void;
  /** Whether the shell can show this kind of place to this person (e.g. before a view exists on a branch, or a role allows it). */
  offers: (view: ViewName) => boolean;
}

export const NavigationContext = createContext<Navigation>({
  place: { view: 'waiting' },
  go: () => undefined,
  offers: () => false,
});

export function useNavigation(): Navigation {
  return useContext(NavigationContext);
}
