#!/usr/bin/env bash
# Installs what the benchmarks need beyond node_modules: redis-server (Debian package), for the
# BullMQ + Redis comparison in bench/e2e-throughput.ts. Idempotent and quiet when present;
# needs root + apt-get to install anything.
set -u
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
exec bash "$(dirname "$0")/apt-install-missing.sh" setup-bench-env "${missing[@]}"
