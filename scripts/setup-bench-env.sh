#!/usr/bin/env bash
# Installs what the benchmarks need beyond node_modules: redis-server (Debian package), for the
# BullMQ + Redis comparison in bench/e2e-throughput.ts. Idempotent and quiet when present;
# needs root + apt-get to install anything.
set -u
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-bench-env: cannot install ${missing[*]} (need root and apt-get)"; exit 1
fi
echo "setup-bench-env: installing ${missing[*]} from Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || { echo "setup-bench-env: apt-get install ${missing[*]} failed"; exit 1; }
