// Tandem's own application menu, in English or French, instead of Electron's default one (whose
// View menu offers reload and developer tools to anyone). Built as a plain template so tests
// can read it without Electron.
import type { MenuItemConstructorOptions } from 'electron';
import type { Lang } from '../shared/domain';

const labels = {
  en: {
    about: 'About Tandem',
    hide: 'Hide Tandem',
    hideOthers: 'Hide Others',
    unhide: 'Show All',
    quit: 'Quit Tandem',
    file: 'File',
    exit: 'Exit',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select All',
    view: 'View',
    reload: 'Reload',
    forceReload: 'Force Reload',
    devTools: 'Developer Tools',
    resetZoom: 'Actual Size',
    zoomIn: 'Zoom In',
    zoomOut: 'Zoom Out',
    fullScreen: 'Full Screen',
    window: 'Window',
    minimize: 'Minimize',
    zoom: 'Zoom',
    front: 'Bring All to Front',
    close: 'Close Window',
    help: 'Help',
  },
  fr: {
    about: 'À propos de Tandem',
    hide: 'Masquer Tandem',
    hideOthers: 'Masquer les autres',
    unhide: 'Tout afficher',
    quit: 'Quitter Tandem',
    file: 'Fichier',
    exit: 'Quitter',
    edit: 'Édition',
    undo: 'Annuler',
    redo: 'Rétablir',
    cut: 'Couper',
    copy: 'Copier',
    paste: 'Coller',
    selectAll: 'Tout sélectionner',
    view: 'Affichage',
    reload: 'Actualiser',
    forceReload: 'Forcer l’actualisation',
    devTools: 'Outils de développement',
    resetZoom: 'Taille réelle',
    zoomIn: 'Zoom avant',
    zoomOut: 'Zoom arrière',
    fullScreen: 'Plein écran',
    window: 'Fenêtre',
    minimize: 'Réduire',
    zoom: 'Zoom',
    front: 'Tout ramener au premier plan',
    close: 'Fermer la fenêtre',
    help: 'Aide',
  },
} as const satisfies Record<Lang, Record<string, string>>;

/** The menu's language from the system locale (app.getLocale(): 'fr', 'fr-CA', 'en-US'…). */
export function menuLanguage(locale: string): Lang {
  return locale.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export interface MenuOptions {
  lang: Lang;
  /** A packaged (production) app has no reload and no developer tools. */
  isPackaged: boolean;
  platform: NodeJS.Platform;
}

export function buildMenuTemplate({ lang, isPackaged, platform }: MenuOptions): MenuItemConstructorOptions[] {
  const l = labels[lang];
  const mac = platform === 'darwin';
  const separator: MenuItemConstructorOptions = { type: 'separator' };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: 'Tandem',
      submenu: [
        { role: 'about', label: l.about },
        separator,
        { role: 'hide', label: l.hide },
        { role: 'hideOthers', label: l.hideOthers },
        { role: 'unhide', label: l.unhide },
        separator,
        { role: 'quit', label: l.quit },
      ],
    });
  } else {
    template.push({ label: l.file, submenu: [{ role: 'quit', label: l.exit }] });
  }
  // Without an Edit menu, copy, paste and select-all stop working in text fields on macOS.
  template.push({
    label: l.edit,
    submenu: [
      { role: 'undo', label: l.undo },
      { role: 'redo', label: l.redo },
      separator,
      { role: 'cut', label: l.cut },
      { role: 'copy', label: l.copy },
      { role: 'paste', label: l.paste },
      { role: 'selectAll', label: l.selectAll },
    ],
  });
  const development: MenuItemConstructorOptions[] = isPackaged
    ? []
    : [
        { role: 'reload', label: l.reload },
        { role: 'forceReload', label: l.forceReload },
        { role: 'toggleDevTools', label: l.devTools },
        separator,
      ];
  template.push({
    label: l.view,
    submenu: [
      ...development,
      { role: 'resetZoom', label: l.resetZoom },
      { role: 'zoomIn', label: l.zoomIn },
      { role: 'zoomOut', label: l.zoomOut },
      separator,
      { role: 'togglefullscreen', label: l.fullScreen },
    ],
  });
  template.push({
    label: l.window,
    role: 'window',
    submenu: mac
      ? [
          { role: 'minimize', label: l.minimize },
          { role: 'zoom', label: l.zoom },
          separator,
          { role: 'front', label: l.front },
        ]
      : [
          { role: 'minimize', label: l.minimize },
          { role: 'close', label: l.close },
        ],
  });
  template.push({ label: l.help, role: 'help', submenu: mac ? [] : [{ role: 'about', label: l.about }] });
  return template;
}

/** The About box (Help › About Tandem; the app menu on macOS), in the menu's language. */
export function aboutPanelOptions(lang: Lang, version: string, iconPath: string) {
  const fr = lang === 'fr';
  return {
    applicationName: 'Tandem',
    applicationVersion: version,
    // Shown beside the version on macOS; the same on every platform.
    version: '',
    copyright: fr ? '© 2026 Les contributeurs et contributrices de Tandem — licence MIT' : '© 2026 Tandem contributors — MIT licence',
    credits: fr
      ? 'Publier les messages bilingues des comptes officiels, en anglais et en français, au même moment.'
      : 'Publish bilingual posts to official accounts, in English and French, at the same time.',
    iconPath,
  };
}
