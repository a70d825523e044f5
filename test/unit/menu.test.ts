// Tandem's application menu and what a packaged app turns off: built as plain data, so checked
// here without Electron.
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { aboutPanelOptions, buildMenuTemplate, menuLanguage } from '../../src/main/menu';
import { devServerUrlFor, isDevToolsShortcut } from '../../src/main/production';

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}
const roles = (template: MenuItemConstructorOptions[]) =>
  items(template)
    .map((item) => item.role)
    .filter(Boolean);
const labels = (template: MenuItemConstructorOptions[]) =>
  items(template)
    .map((item) => item.label)
    .filter(Boolean);

describe('the application menu', () => {
  it('in a packaged app offers no reload and no developer tools, on any platform', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const lang of ['en', 'fr'] as const) {
        const found = roles(buildMenuTemplate({ lang, isPackaged: true, platform }));
        for (const role of ['reload', 'forceReload', 'toggleDevTools'])
          expect(found, `${platform} ${lang}`).not.toContain(role);
      }
    }
  });

  it('in development has reload and the developer tools', () => {
    const found = roles(buildMenuTemplate({ lang: 'en', isPackaged: false, platform: 'linux' }));
    expect(found).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']));
  });

  it('keeps an Edit menu, so copy, paste and select-all work in text fields', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const found = roles(buildMenuTemplate({ lang: 'fr', isPackaged: true, platform }));
      expect(found).toEqual(expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']));
    }
  });

  it('on macOS opens with the Tandem menu (About, Hide, Quit); elsewhere File holds Quit and Help holds About', () => {
    const mac = buildMenuTemplate({ lang: 'en', isPackaged: true, platform: 'darwin' });
    expect(mac[0]!.label).toBe('Tandem');
    expect(roles([mac[0]!])).toEqual(['about', 'hide', 'hideOthers', 'unhide', 'quit']);
    const windows = buildMenuTemplate({ lang: 'en', isPackaged: true, platform: 'win32' });
    expect(windows.map((menu) => menu.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help']);
    expect(roles([windows[0]!])).toEqual(['quit']);
    expect(roles([windows[4]!])).toEqual(['help', 'about']);
  });

  it('is written in French for a French system, and in English otherwise, with the same items', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const en = buildMenuTemplate({ lang: 'en', isPackaged: false, platform });
      const fr = buildMenuTemplate({ lang: 'fr', isPackaged: false, platform });
      expect(roles(fr)).toEqual(roles(en));
      expect(
        items(fr)
          .filter((i) => i.type !== 'separator')
          .every((i) => typeof i.label === 'string' && i.label !== ''),
      ).toBe(true);
      // Every label translated, except the product name and "Zoom", the same word in French.
      const same = labels(fr).filter((label, index) => label === labels(en)[index]);
      expect(
        same.every((label) => label === 'Tandem' || label === 'Zoom'),
        same.join(', '),
      ).toBe(true);
    }
    expect(buildMenuTemplate({ lang: 'fr', isPackaged: true, platform: 'win32' }).map((menu) => menu.label)).toEqual([
      'Fichier',
      'Édition',
      'Affichage',
      'Fenêtre',
      'Aide',
    ]);
    expect(menuLanguage('fr-CA')).toBe('fr');
    expect(menuLanguage('FR')).toBe('fr');
    expect(menuLanguage('en-US')).toBe('en');
    expect(menuLanguage('de')).toBe('en');
  });
});

describe('a packaged app', () => {
  it('ignores ELECTRON_RENDERER_URL: only development trusts the dev server', () => {
    const env = { ELECTRON_RENDERER_URL: 'http://localhost:5173' };
    expect(devServerUrlFor(true, env)).toBeUndefined();
    expect(devServerUrlFor(false, env)).toBe('http://localhost:5173');
    expect(devServerUrlFor(false, {})).toBeUndefined();
  });

  it('recognises the keys that open the developer tools, and nothing an editor uses', () => {
    const key = (
      k: string,
      code: string,
      mods: Partial<Record<'control' | 'meta' | 'shift' | 'alt', boolean>> = {},
      type = 'keyDown',
    ) => ({
      type,
      key: k,
      code,
      control: false,
      meta: false,
      shift: false,
      alt: false,
      ...mods,
    });
    expect(isDevToolsShortcut(key('F12', 'F12'))).toBe(true);
    expect(isDevToolsShortcut(key('I', 'KeyI', { control: true, shift: true }))).toBe(true);
    expect(isDevToolsShortcut(key('J', 'KeyJ', { control: true, shift: true }))).toBe(true);
    expect(isDevToolsShortcut(key('ˆ', 'KeyI', { meta: true, alt: true }))).toBe(true);
    expect(isDevToolsShortcut(key('c', 'KeyC', { meta: true, alt: true }))).toBe(true);
    expect(isDevToolsShortcut(key('F12', 'F12', {}, 'keyUp'))).toBe(false);
    expect(isDevToolsShortcut(key('c', 'KeyC', { control: true }))).toBe(false);
    expect(isDevToolsShortcut(key('i', 'KeyI', { meta: true }))).toBe(false);
    expect(isDevToolsShortcut(key('I', 'KeyI', { shift: true }))).toBe(false);
  });
});

describe('the About box', () => {
  it('names Tandem, its version and what it is for, in the menu language', () => {
    const en = aboutPanelOptions('en', '1.2.3', '/icon.png');
    const fr = aboutPanelOptions('fr', '1.2.3', '/icon.png');
    expect(en).toMatchObject({ applicationName: 'Tandem', applicationVersion: '1.2.3', iconPath: '/icon.png' });
    expect(en.credits).toMatch(/English and French/);
    expect(fr.credits).toMatch(/en anglais et en français/);
    expect(fr.copyright).toMatch(/licence MIT/);
  });
});
