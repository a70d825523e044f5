// The process boundaries, as a rule the build enforces: shared imports nothing of electron,
// node or the DOM; main and renderer never import each other; preload imports only shared.
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

const layerOf = (file: string) => path.relative(root, file).split(path.sep)[0];
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function violations(layer: string, rule: (spec: string, target: string | null) => boolean): string[] {
  const found: string[] = [];
  for (const file of sources(path.join(root, layer))) {
    for (const spec of imports(file)) {
      const target = spec.startsWith('.') ? layerOf(path.resolve(path.dirname(file), spec)) ?? null : null;
      if (!rule(spec, target)) found.push(`${path.relative(root, file)} -> ${spec}`);
    }
  }
  return found;
}

describe('layers', () => {
  it('finds the imports it checks', () => {
    expect(imports(path.join(root, 'main/app.ts'))).toContain('./db');
  });

  it('shared imports no electron, node built-in, or other layer', () => {
    expect(
      violations('shared', (spec, target) => spec !== 'electron' && !nodeBuiltins.has(spec) && (target === null || target === 'shared')),
    ).toEqual([]);
  });

  it('renderer imports neither main, preload, electron nor node built-ins', () => {
    expect(
      violations('renderer', (spec, target) =>
        spec !== 'electron' && !nodeBuiltins.has(spec) && (target === null || target === 'renderer' || target === 'shared'),
      ),
    ).toEqual([]);
  });

  it('main never imports the renderer or preload', () => {
    expect(violations('main', (_spec, target) => target === null || target === 'main' || target === 'shared')).toEqual([]);
  });

  it('the server imports main and shared, never the renderer, preload or electron', () => {
    expect(
      violations('server', (spec, target) => spec !== 'electron' && (target === null || target === 'server' || target === 'main' || target === 'shared')),
    ).toEqual([]);
  });

  it('preload imports only electron and shared', () => {
    expect(violations('preload', (spec, target) => spec === 'electron' || target === 'shared' || target === 'preload')).toEqual([]);
  });
});

describe('renderer features', () => {
  const features = path.join(root, 'renderer/src/features');
  const featureOf = (file: string) => {
    const parts = path.relative(features, file).split(path.sep);
    return parts.length > 1 && !parts[0]!.startsWith('..') ? parts[0]! : null;
  };

  it('never import each other: what two features share lives in lib/, and the shell moves the person between them', () => {
    const found: string[] = [];
    for (const file of sources(features)) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = featureOf(path.resolve(path.dirname(file), spec));
        if (target !== null && target !== featureOf(file)) found.push(`${path.relative(root, file)} -> ${spec}`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe('SQL has one home: src/main/db/ (the server included)', () => {
  // A statement in a string, a prepared statement, a query through the data layer, or a row cast.
  const sqlText = /(['"`])\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|BEGIN|PRAGMA|WITH)\s[^'"`]*/;
  const dataAccess = /\.prepare\(|\bsql\.(all|get|value|run)\s*[<(]|\bas\s+\w*Row(\[\])?\b/;
  const outside = [...sources(path.join(root, 'main')), ...sources(path.join(root, 'server'))].filter(
    (file) => !path.relative(root, file).startsWith(path.join('main', 'db')),
  );

  it('finds the files it checks: services, the publisher, ipc and app.ts', () => {
    const names = outside.map((file) => path.relative(root, file));
    expect(names).toEqual(
      expect.arrayContaining([
        path.join('main', 'app.ts'),
        path.join('main', 'publisher', 'publisher.ts'),
        path.join('main', 'services', 'pairs.ts'),
        path.join('server', 'server.ts'),
      ]),
    );
  });

  it('no file outside src/main/db/ writes SQL, reaches the database directly or casts rows', () => {
    const found: string[] = [];
    for (const file of outside) {
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (/^\s*(\/\/|\*)/.test(line)) return;
          if (sqlText.test(line) || dataAccess.test(line)) found.push(`${path.relative(root, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('would catch a statement written in a service', () => {
    expect(sqlText.test("await x.all('SELECT id FROM pair')")).toBe(true);
    expect(dataAccess.test('const rows = (await sql.all(text)) as PairRow[];')).toBe(true);
  });
});
