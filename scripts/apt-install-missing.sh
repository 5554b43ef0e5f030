#!/usr/bin/env bash
# Installs the given Debian packages; the setup scripts call it with what they found missing.
# Usage: apt-install-missing.sh <who, for messages> <package>...
# Needs root and apt-get; says why and exits 1 when it cannot install.
set -u
who=$1
shift
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "$who: cannot install $* (need root and apt-get)"; exit 1
fi
echo "$who: installing $* from Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1
apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || { echo "$who: apt-get install $* failed"; exit 1; }
