#!/usr/bin/env bash
# Installs the system tools the tests use (git, chromium, tmux, redis for benchmarks) when missing.
# Idempotent and quiet when everything is present; needs root + apt-get to install anything.
set -u
missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
exec bash "$(dirname "$0")/apt-install-missing.sh" setup-test-env "${missing[@]}"
