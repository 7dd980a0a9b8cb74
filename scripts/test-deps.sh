#!/usr/bin/env bash
# What the system tier (npm run test:system) needs besides npm packages: spin and
# gcc (the simulator's independent cross-check), jq (the GitHub Action's filter),
# cmark-gfm (GitHub's Markdown renderer, an oracle for the hostile corpus),
# and the real Xen source with Debian's patches (scripts/fetch-xen.sh). Installs
# them with apt on Debian, which needs root; the hermetic tier (npm test) needs none.
set -euo pipefail
need=()
command -v spin >/dev/null || need+=(spin)
command -v gcc >/dev/null || need+=(gcc)
command -v jq >/dev/null || need+=(jq)
command -v cmark-gfm >/dev/null || need+=(cmark-gfm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: the system tier must install ${need[*]} with apt-get: run it as root on Debian" >&2
    exit 2
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
bash "$(dirname "$0")/fetch-xen.sh" >/dev/null
