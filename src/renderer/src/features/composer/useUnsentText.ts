// Keeps the composer's unsent text in main, for the signed-in person only: 500 ms after the last
// change, and at once when the page is hidden, the composer closes or the person signs out.
// Nothing is kept in the window's own storage, which everyone using this computer shares.
import { useCallback, useEffect, useRef } from 'react';
import type { Input } from '../../../../shared/contract';
import { call } from '../../lib/api';
import { onBeforeSignOut } from '../../lib/signOut';

export type UnsentContent = Input<'unsent.save'>;

const quietMs = 500;

/** Text main must be told about once: nothing typed (channels alone are not worth keeping) is ''. */
function keyOf(content: UnsentContent | null): string {
  if (content === null || (!content.enText && !content.frText && content.media.length === 0)) return '';
  return JSON.stringify(content);
}

/**
 * `content` is what the composer holds now, `initial` what main had when it opened; both null
 * while editing a saved pair (nothing to keep). Returns `forget`, for once the text is saved as a draft.
 */
export function useUnsentText(content: UnsentContent | null, initial: UnsentContent | null): { forget: () => void } {
  /** What main has now, as far as this composer knows; null when a call failed (send again). */
  const kept = useRef<string | null>(keyOf(initial));
  const latest = useRef(content);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const queue = useRef<Promise<unknown>>(Promise.resolve());

  // One call after another, so main ends with the latest text whatever order the transport keeps.
  const send = useCallback((key: string, work: () => Promise<unknown>) => {
    kept.current = key;
    queue.current = queue.current.then(work).catch(() => {
      // Still on screen: the next change, page hide or sign-out tries again.
      if (kept.current === key) kept.current = null;
    });
    return queue.current;
  }, []);

  const flush = useCallback(() => {
    clearTimeout(timer.current);
    const now = latest.current;
    const key = keyOf(now);
    if (now === null || key === kept.current) return queue.current;
    return send(key, () => (key === '' ? call('unsent.clear', { owner: now.owner }) : call('unsent.save', now)));
  }, [send]);

  const key = keyOf(content);
  useEffect(() => {
    latest.current = content;
  });
  // On `key`, not `content`: a new object holding the same text is no change.
  useEffect(() => {
    if (key === kept.current) return;
    timer.current = setTimeout(() => void flush(), quietMs);
    return () => clearTimeout(timer.current);
  }, [key, flush]);

  useEffect(() => {
    const onHidden = () => {
      if (document.visibilityState === 'hidden') void flush();
    };
    const onPageHide = () => void flush();
    document.addEventListener('visibilitychange', onHidden);
    window.addEventListener('pagehide', onPageHide);
    const unregister = onBeforeSignOut(flush);
    return () => {
      document.removeEventListener('visibilitychange', onHidden);
      window.removeEventListener('pagehide', onPageHide);
      unregister();
      // The composer closes (another view, a pair to edit): keep what was typed since the last save.
      void flush();
    };
  }, [flush]);

  const forget = useCallback(() => {
    clearTimeout(timer.current);
    const owner = latest.current?.owner;
    if (owner !== undefined) void send('', () => call('unsent.clear', { owner }));
  }, [send]);
  return { forget };
}
