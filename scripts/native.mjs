// better-sqlite3 and keytar are native modules: the app (Electron) and the tests (Node) need
// them built for different ABIs. This records which runtime they were last built for and
// rebuilds only when switching. Usage: node scripts/native.mjs node|electron
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const stampFile = path.join(root, 'node_modules', '.tandem-native-runtime');
const modules = ['better-sqlite3', 'keytar'];
const runtime = process.argv[2];
const require = createRequire(import.meta.url);

function rebuild(env) {
  console.log(`native: rebuilding ${modules.join(', ')} for ${runtime}…`);
  execFileSync('npm', ['rebuild', ...modules], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
}

const stamp = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '';

if (runtime === 'node') {
  const wanted = `node-${process.versions.modules}`;
  if (stamp === wanted) process.exit(0);
  const probe = spawnSync(process.execPath, ['-e', modules.map((m) => `require(${JSON.stringify(m)})`).join(';')], {
    cwd: root,
  });
  if (probe.status !== 0) {
    const env = { npm_config_runtime: 'node', npm_config_target: process.versions.node };
    rebuild(env);
  }
  fs.writeFileSync(stampFile, wanted);
} else if (runtime === 'electron') {
  const { version } = require('electron/package.json');
  const wanted = `electron-${version}`;
  const binary = path.join(root, 'node_modules', 'electron', 'path.txt');
  if (!fs.existsSync(binary)) {
    console.error(
      'native: Electron\'s binary is not installed (was ELECTRON_SKIP_BINARY_DOWNLOAD set?).\n' +
        '        Run `node node_modules/electron/install.js` on a machine with internet access.',
    );
    process.exit(1);
  }
  if (stamp === wanted) process.exit(0);
  const env = {
    npm_config_runtime: 'electron',
    npm_config_target: version,
    npm_config_disturl: 'https://electronjs.org/headers',
    npm_config_nodedir: '',
  };
  rebuild(env);
  fs.writeFileSync(stampFile, wanted);
} else {
  console.error('usage: node scripts/native.mjs node|electron');
  process.exit(2);
}
