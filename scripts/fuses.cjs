// electron-builder's afterPack hook: sets Electron's fuses in the packaged binary (Electron's
// security checklist, "Use fuses"), before the installers are built and signed. The fuse values
// live in fuseSettings() so a test reads exactly what packaging writes.
const path = require('node:path');
const { flipFuses, FuseV1Options, FuseVersion } = require('@electron/fuses');

/** What every packaged Tandem runs with; `platform` is electron-builder's ('darwin', 'win32', 'linux'). */
function fuseSettings(platform) {
  return {
    // No `ELECTRON_RUN_AS_NODE`, no NODE_OPTIONS, no --inspect: the binary cannot be turned into
    // a general-purpose Node.js that reads the keychain under Tandem's name.
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // Cookies (the harness's client id, any platform session) encrypted at rest with the OS key.
    [FuseV1Options.EnableCookieEncryption]: true,
    // The app's code only from its own archive, checked against the hash built into the binary.
    // electron-builder 25 writes that hash on macOS only; elsewhere the check would refuse to
    // start, so it is on where the hash exists.
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: platform === 'darwin',
    // file:// gets no more than a web page would: Tandem's pages come from its own app:// scheme.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

function executable(context) {
  const { electronPlatformName: platform, appOutDir, packager } = context;
  const name = packager.appInfo.productFilename;
  if (platform === 'darwin' || platform === 'mas') return path.join(appOutDir, `${name}.app`);
  if (platform === 'win32') return path.join(appOutDir, `${name}.exe`);
  return path.join(appOutDir, packager.executableName);
}

async function afterPack(context) {
  const platform = context.electronPlatformName;
  await flipFuses(executable(context), {
    version: FuseVersion.V1,
    // Changing the binary breaks the ad-hoc signature of an arm64 macOS build: sign it again.
    resetAdHocDarwinSignature: platform === 'darwin' && context.arch === 3 /* Arch.arm64 */,
    ...fuseSettings(platform),
  });
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseSettings = fuseSettings;
