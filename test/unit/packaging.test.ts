// The installers' configuration (electron-builder.json) and the fuses packaging sets. Electron's
// binary cannot be downloaded on the machine these tests run on, so no installer is built here:
// what is checked is the configuration electron-builder would read (against its own schema, by
// its own validation) and the afterPack hook, run on a stand-in binary that carries Electron's
// fuse wire, read back with @electron/fuses as Electron reads it at start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const config = JSON.parse(fs.readFileSync(path.join(root, 'electron-builder.json'), 'utf8')) as Record<string, unknown> & {
  files: string[];
  afterPack: string;
  win: { target: { target: string }[] };
  mac: { target: { target: string }[] };
  linux: { target: string[] };
};
const afterPack = require(path.join(root, config.afterPack)) as ((context: unknown) => Promise<void>) & {
  fuseSettings: (platform: string) => Record<number, boolean>;
};

describe('installers (electron-builder.json)', () => {
  it('is a configuration electron-builder accepts', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration: (config: unknown, logger: { isEnabled: boolean; add: () => void }) => Promise<void>;
    };
    const { $schema: _schema, ...checked } = config;
    await expect(validateConfiguration(checked, { isEnabled: false, add: () => undefined })).resolves.toBeUndefined();
    // …and the check is real: a misspelt option is refused.
    await expect(validateConfiguration({ ...checked, nsiss: {} }, { isEnabled: false, add: () => undefined })).rejects.toThrow(/nsiss/);
  });

  it('builds NSIS and MSI for Windows, a dmg for macOS, deb and AppImage for Linux', () => {
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis', 'msi']);
    expect(config.mac.target.map((t) => t.target)).toEqual(['dmg']);
    expect(config.linux.target).toEqual(['deb', 'AppImage']);
  });

  it('packs the built app only: no sources, tests or server', () => {
    expect(config.files).toEqual(['out/**/*', 'package.json', '!**/*.map']);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main.startsWith('./out/')).toBe(true);
    expect(pkg.scripts.dist).toContain('electron-builder');
  });

  it('has the app icon, square and large enough for every platform (1024 px)', () => {
    const png = fs.readFileSync(path.join(root, 'resources/icon.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 1024]);
  });
});

describe('fuses set by packaging (scripts/fuses.cjs)', () => {
  const sentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

  /** A file laid out as Electron's binary is around its fuses: the sentinel, version 1, the wire (all "on"). */
  function standInBinary(dir: string, name: string): string {
    const wire = Buffer.alloc(8, '1');
    const file = path.join(dir, name);
    fs.writeFileSync(file, Buffer.concat([Buffer.from('\x7fELF…electron…'), Buffer.from(sentinel), Buffer.from([1, wire.length]), wire, Buffer.from('…')]));
    return file;
  }

  for (const platform of ['linux', 'win32'] as const) {
    it(`turns off running as Node, NODE_OPTIONS and --inspect, and loads the app only from its archive (${platform})`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-fuses-'));
      try {
        const binary = standInBinary(dir, platform === 'win32' ? 'Tandem.exe' : 'tandem');
        await afterPack({
          electronPlatformName: platform,
          appOutDir: dir,
          arch: 1,
          packager: { executableName: 'tandem', appInfo: { productFilename: 'Tandem' } },
        });
        const fuses = await getCurrentFuseWire(binary);
        const on = (option: FuseV1Options) => String.fromCharCode(fuses[option] as unknown as number);
        expect(on(FuseV1Options.RunAsNode)).toBe('0');
        expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe('0');
        expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe('0');
        expect(on(FuseV1Options.EnableCookieEncryption)).toBe('1');
        expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe('1');
        expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe('0');
        // The archive's hash is embedded by electron-builder 25 on macOS only (see fuses.cjs).
        expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe('0');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('checks the archive against its embedded hash on macOS', () => {
    expect(afterPack.fuseSettings('darwin')[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(FuseVersion.V1).toBe('1');
  });
});
