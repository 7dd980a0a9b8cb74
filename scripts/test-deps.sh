#!/usr/bin/env bash
# System tools the test suite uses besides npm packages: spin (the simulator's
# independent cross-check) and the real Xen source (from Debian's archive).
set -euo pipefail
need=()
command -v spin >/dev/null || need+=(spin)
command -v gcc >/dev/null || need+=(gcc)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
bash "$(dirname "$0")/fetch-xen.sh" >/dev/null
