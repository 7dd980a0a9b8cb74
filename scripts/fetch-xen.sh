#!/usr/bin/env bash
# Fetches the real Xen 4.17 source from Debian's archive into a cache outside
# the repo (never committed) and prints the path of its top directory.
# Used at test and bench time only.
set -euo pipefail
VERSION=4.17.5+72-g01140da4e8-1
UPSTREAM=4.17.5+72-g01140da4e8
cache=${FLUSHCHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flushcheck}/xen
top=$cache/src/xen-$UPSTREAM
if [ -f "$top/xen/include/xen/mm.h" ] && [ -d "$cache/debian/debian/patches" ]; then
  echo "$top"
  exit 0
fi
mkdir -p "$cache"
cd "$cache"
if [ ! -f "xen_$UPSTREAM.orig.tar.xz" ]; then
  # Debian source entries: the machine's own deb entries, as deb-src.
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    src=/etc/apt/sources.list.d/debian.sources
    [ -f "$src" ] || { echo "fetch-xen: no $src to derive deb-src entries from" >&2; exit 1; }
    sed 's/^Types: deb$/Types: deb-src/' "$src" > /etc/apt/sources.list.d/flushcheck-deb-src.sources
  fi
  apt-get update -qq >&2
  # Pinned: the newer security upload's source is not served.
  apt-get source --download-only "xen=$VERSION" >&2
fi
mkdir -p src debian
tar -xJf "xen_$UPSTREAM.orig.tar.xz" -C src
tar -xJf "xen_$VERSION.debian.tar.xz" -C debian
echo "$top"
