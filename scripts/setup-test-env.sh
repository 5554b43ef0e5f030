#!/usr/bin/env bash
# Installs the system tools the tests use (git, chromium, tmux, redis for benchmarks) when missing.
# Idempotent and quiet when everything is present; needs root + apt-get to install anything.
set -u
missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-env: cannot install ${missing[*]} (need root and apt-get)"; exit 1
fi
echo "setup-test-env: installing ${missing[*]} from Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || { echo "setup-test-env: apt-get install ${missing[*]} failed"; exit 1; }
