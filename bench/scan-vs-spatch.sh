#!/usr/bin/env bash
# Whole-tree audit, side by side in one run on Xen 4.17's xen/ (Debian's archive):
#   flushcheck scan xen/                 (ours: parse, classify, obligations, rules)
#   flushcheck scan .                    (ours from the repository root: same sites)
#   spatch --jobs 2                      (Coccinelle: a semantic patch that finds the
#                                         same flush calls with their enclosing function)
#   grep -rn                             (the floor: the same names, no parsing)
# Wall time and peak RSS from /usr/bin/time -v, median of RUNS runs (default 3).
# Goals (issue 4): ours at most 0.5x spatch's wall time, peak memory under 300 MB.
# Note: /usr/bin/time's peak RSS is per process; our workers are threads, so their
# memory counts in ours, while spatch's --jobs children are separate processes.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
out="$here/bench/out/scan-vs-spatch"
mkdir -p "$out"

need=()
command -v spatch >/dev/null || need+=(coccinelle)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

top=$(bash "$here/scripts/fetch-xen.sh")
(cd "$here" && npm run build >/dev/null)

# The flush calls flushcheck finds (the family, helpers included) define the others' query.
(cd "$top" && node "$here/bin/flushcheck.js" scan xen --format json --fail-on never) > "$out/flushcheck.json"
names=$(node -e '
  const run = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = new Set(run.sites.filter((s) => s.kind === "call" && s.family).map((s) => s.api));
  console.log([...names].sort().join("|"));
' "$out/flushcheck.json")

cat > "$out/flush-calls.cocci" <<EOF
// The flush calls with their enclosing function (same names as flushcheck's call sites).
@r@
identifier fn;
identifier flush =~ "^($names)\$";
position p;
@@
fn(...) {
  <...
  flush@p(...)
  ...>
}

@script:python@
fn << r.fn;
flush << r.flush;
p << r.p;
@@
print("%s:%s: %s in %s" % (p[0].file, p[0].line, flush, fn))
EOF

# measure NAME CMD...: runs CMD in the Xen top directory; prints "seconds kbytes".
measure() {
  local name=$1
  shift
  (cd "$top" && /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err") || true
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/$name.time" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/$name.time")
  echo "$wall $rss"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A walls rsss
for tool in flushcheck flushcheck_root spatch grep; do
  walls[$tool]=""
  rsss[$tool]=""
done
for i in $(seq 1 "$runs"); do
  # Interleaved, so a busy machine slows every tool alike.
  read -r w m < <(measure flushcheck node "$here/bin/flushcheck.js" scan xen --format json --fail-on never)
  walls[flushcheck]+="$w"$'\n'; rsss[flushcheck]+="$m"$'\n'
  # The repository root: the same sites, found from the top (issue 12); reported beside xen/.
  read -r w m < <(measure flushcheck_root node "$here/bin/flushcheck.js" scan . --format json --fail-on never)
  walls[flushcheck_root]+="$w"$'\n'; rsss[flushcheck_root]+="$m"$'\n'
  read -r w m < <(measure spatch spatch --sp-file "$out/flush-calls.cocci" --dir xen --include-headers --jobs 2 --very-quiet)
  walls[spatch]+="$w"$'\n'; rsss[spatch]+="$m"$'\n'
  read -r w m < <(measure grep grep -rnE --include='*.c' --include='*.h' "\\b($names)[[:space:]]*\\(" xen)
  walls[grep]+="$w"$'\n'; rsss[grep]+="$m"$'\n'
done

found_ours=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.sites.filter((s) => s.kind === "call" && s.family).length)' "$out/flushcheck.out")
found_root=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.sites.filter((s) => s.kind === "call" && s.family).length)' "$out/flushcheck_root.out")
found_spatch=$(sort -u "$out/spatch.out" | grep -c . || true)
found_grep=$(grep -c . "$out/grep.out" || true)

printf '%-11s %10s %12s %8s\n' tool 'wall (s)' 'peak RSS MB' 'calls'
for tool in flushcheck flushcheck_root spatch grep; do
  w=$(printf '%s' "${walls[$tool]}" | median)
  m=$(printf '%s' "${rsss[$tool]}" | median)
  case $tool in flushcheck) n=$found_ours ;; flushcheck_root) n=$found_root ;; spatch) n=$found_spatch ;; grep) n=$found_grep ;; esac
  printf '%-11s %10.2f %12.1f %8s\n' "$tool" "$w" "$(echo "$m / 1024" | bc -l)" "$n"
  eval "w_$tool=$w m_$tool=$m"
done
# shellcheck disable=SC2154
echo "wall ratio flushcheck/spatch: $(echo "$w_flushcheck / $w_spatch" | bc -l | xargs printf '%.2f') (goal <= 0.50)"
# shellcheck disable=SC2154
echo "wall ratio flushcheck (repository root)/spatch: $(echo "$w_flushcheck_root / $w_spatch" | bc -l | xargs printf '%.2f')"
# shellcheck disable=SC2154
echo "wall ratio flushcheck/grep:   $(echo "$w_flushcheck / $w_grep" | bc -l | xargs printf '%.1f')"
# shellcheck disable=SC2154
echo "peak RSS flushcheck: $(echo "$m_flushcheck / 1024" | bc -l | xargs printf '%.0f') MB (goal < 300 MB)"
