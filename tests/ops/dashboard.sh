#!/usr/bin/env bash
# Every metric the Grafana dashboard queries must be one the code exposes on /metrics, with
# its exact name: a renamed metric would otherwise leave a panel silently empty.
#   tests/ops/dashboard.sh [DASHBOARD.json]     (default: deploy/grafana/cointent.json)
# Names come from the source: the `family("name", ...)` calls of the indexer's metrics
# (exposed as cointent_<name>), `# TYPE <name>` lines, and quoted names anywhere in indexer/.
# A histogram's _bucket, _sum and _count series count as defined when the histogram is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dash=${1:-$root/deploy/grafana/cointent.json}
src=$root/indexer

# Metrics said to be on their way (reported, not failed): none at present.
PENDING=()

command -v jq >/dev/null || { echo "jq is missing (apt-get install jq)" >&2; exit 1; }
jq -e '.panels | length > 0' "$dash" >/dev/null || { echo "$dash: no panels" >&2; exit 1; }
jq -e '[.panels[].id] | length == (unique | length)' "$dash" >/dev/null \
  || { echo "$dash: two panels share an id" >&2; exit 1; }
jq -e 'all(.panels[] | select(.type != "row"); (.targets | length) > 0
    and all(.targets[]; (.expr | length) > 0) and .gridPos.w > 0)' "$dash" >/dev/null \
  || { echo "$dash: a panel without a query or a place" >&2; exit 1; }

# The PromQL of every panel (rows' nested panels too) and of the template variables, reduced
# to its metric names: strings, label matchers, ranges, label lists and variables go, and
# what is left is a name unless an opening parenthesis (a function) follows it.
queried=$(jq -r '[.. | objects | select(has("expr")) | .expr]
    + [.templating.list[]? | .definition // empty] | .[]' "$dash" \
  | perl -ne '
      s/label_values\(\s*([^,)]+?)\s*,\s*\w+\s*\)/$1/g;
      s/"(?:[^"\\]|\\.)*"//g; s/\{[^}]*\}//g; s/\[[^\]]*\]//g; s/\$\w+//g;
      s/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)//g;
      while (/\b([A-Za-z_:][A-Za-z0-9_:]*)\b(\s*\()?/g) { print "$1\n" unless $2 }' \
  | grep -vxE 'and|or|unless|bool|offset|inf|nan' | sort -u)
[ -n "$queried" ] || { echo "$dash: no metric found in its queries" >&2; exit 1; }

families=$(perl -0ne 'print "cointent_$1\n" while /family\(\s*"([a-z_]+)"/g' \
  "$src/ingest/src/metrics.rs")
typed=$(grep -rhoE '# TYPE [A-Za-z_:][A-Za-z0-9_:]* ' "$src" --include='*.rs' | awk '{print $3}')
defined() { # defined NAME: the source exposes NAME
  grep -qxF "$1" <<<"$families"$'\n'"$typed" && return 0
  grep -rqF "\"$1\"" "$src" --include='*.rs'
}
histogram() { # histogram NAME: NAME is defined, in a file that renders histograms
  defined "$1" || return 1
  grep -qxF "$1" <<<"$typed" && grep -rqE "# TYPE $1 histogram" "$src" --include='*.rs' \
    && return 0
  grep -rlF "$1" "$src" --include='*.rs' | xargs -r grep -qi histogram
}

failed=0 pending=0
for name in $queried; do
  base=$name
  case $name in *_bucket|*_sum|*_count) base=${name%_*} ;; esac
  if defined "$name" || { [ "$base" != "$name" ] && histogram "$base"; }; then
    continue
  fi
  if printf '%s\n' "${PENDING[@]}" | grep -qxF "$base"; then
    echo "  pending: $name (the per-route request metrics are not in this tree yet)"
    pending=$((pending + 1))
    continue
  fi
  echo "  FAILED: the dashboard queries $name, which the code does not define" >&2
  failed=$((failed + 1))
done
[ $failed -eq 0 ] || exit 1
total=$(wc -w <<<"$queried")
echo "dashboard: $total metric names, $((total - pending)) defined in indexer/, $pending pending"
