#!/usr/bin/env bash
# Runs a command with a real, unlocked Secret Service keyring (gnome-keyring) on a private
# D-Bus session, so keytar talks to a real keychain without touching the user's own.
# Where dbus-run-session or gnome-keyring is missing (macOS, Windows), the command runs as is
# against the system keychain.
set -euo pipefail

if [ -n "${TANDEM_KEYRING_READY:-}" ] || ! command -v dbus-run-session >/dev/null 2>&1 \
  || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec "$@"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/cache" "$tmp/config"
mkdir -m 700 "$tmp/runtime"
export XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config" XDG_RUNTIME_DIR="$tmp/runtime"

dbus-run-session -- bash -c '
  echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  export TANDEM_KEYRING_READY=1
  exec "$@"' bash "$@"
