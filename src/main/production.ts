// What a packaged (production) app turns off that development keeps: the dev server's pages
// being trusted, and the developer tools.
import type { Input } from 'electron';

/**
 * The renderer dev server (`npm run dev`, ELECTRON_RENDERER_URL) whose pages may call the API,
 * or undefined. Never in a packaged app: there the variable is ignored, whoever sets it.
 */
export function devServerUrlFor(isPackaged: boolean, env: NodeJS.ProcessEnv): string | undefined {
  return isPackaged ? undefined : env['ELECTRON_RENDERER_URL'];
}

/** F12, Ctrl+Shift+I/J/C and Cmd+Option+I/J/C: the keys that open Chromium's developer tools. */
export function isDevToolsShortcut(
  input: Pick<Input, 'type' | 'key' | 'code' | 'control' | 'meta' | 'shift' | 'alt'>,
): boolean {
  if (input.type !== 'keyDown') return false;
  if (input.key === 'F12') return true;
  const chord = (input.control && input.shift) || (input.meta && input.alt);
  // By key position: Option+I types "ˆ" on a Mac, but its code is still KeyI.
  return chord && ['KeyI', 'KeyJ', 'KeyC'].includes(input.code);
}
