#!/usr/bin/env bash
# Accessibility check of the public pages with axe-core (@axe-core/cli from npm) in Debian's
# headless Chromium, against a live `radar demo` (the May 2017 week, played into a fresh
# embedded store): the overview, O2's page in English and German, the LTE incident net-1, the
# CRM shutdown sec-1 (in German, with its operator-signal charts) and O2's history. Fails on any violation of impact "serious" or "critical" (WCAG 2.1 A and AA
# rules and axe's best practices); prints every violation found.
#
#   tests/a11y/run.sh
#
# RADAR_BIN: the radar binary (default target/debug/radar, built if missing).
# AXE_DIR: where @axe-core/cli is installed if missing (default ~/.cache/outage-radar/axe);
# its own chromedriver download is skipped: Debian's /usr/bin/chromedriver drives
# /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."

axe_version=4.13.0
axe_dir=$(realpath -m "${AXE_DIR:-$HOME/.cache/outage-radar/axe}")
chromium=${RADAR_CHROMIUM:-/usr/bin/chromium}
chromedriver=${RADAR_CHROMEDRIVER:-/usr/bin/chromedriver}
if [ ! -x "$chromium" ] || [ ! -x "$chromedriver" ]; then
  echo "a11y: $chromium and $chromedriver are needed (apt-get install chromium chromium-driver)"
  exit 1
fi
if ! [ "$(node -p "require('$axe_dir/node_modules/@axe-core/cli/package.json').version" 2>/dev/null)" = "$axe_version" ]; then
  echo "installing @axe-core/cli $axe_version into $axe_dir"
  mkdir -p "$axe_dir"
  [ -f "$axe_dir/package.json" ] || echo '{"private": true}' >"$axe_dir/package.json"
  (cd "$axe_dir" && CHROMEDRIVER_SKIP_DOWNLOAD=true npm install --silent --no-audit --no-fund \
    "@axe-core/cli@$axe_version")
fi

bin="${RADAR_BIN:-target/debug/radar}"
if [ ! -x "$bin" ]; then cargo build -p radar; fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
RADAR_LOG=warn "$bin" demo --listen "127.0.0.1:$port" >"$work/demo.log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

# The demo plays up to 17 May 12:20 at once, then the LTE outage minute by minute: wait for
# the declared incident net-1, then a little longer so that its reports are on the pages.
started=$(date +%s)
until curl -fsS "$base/api/v1/incidents/net-1" >/dev/null 2>&1; do
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/demo.log"
    echo "a11y: the demo server stopped"
    exit 1
  fi
  if [ $(($(date +%s) - started)) -gt 240 ]; then
    cat "$work/demo.log"
    echo "a11y: incident net-1 did not appear within 240 s"
    exit 1
  fi
  sleep 1
done
sleep 5

pages=(
  "$base/?lang=en"
  "$base/providers/o2-de?lang=en"
  "$base/providers/o2-de?lang=de"
  "$base/incidents/net-1?lang=en"
  "$base/incidents/sec-1?lang=de"
  "$base/providers/o2-de/history?lang=en"
)
"$axe_dir/node_modules/.bin/axe" "${pages[@]}" \
  --tags wcag2a,wcag2aa,wcag21a,wcag21aa,best-practice \
  --chromedriver-path "$chromedriver" --chrome-path "$chromium" \
  --chrome-options "headless=new,no-sandbox,disable-gpu,disable-dev-shm-usage" \
  --load-delay 500 --timeout 60 --dir "$work" --save axe.json --show-errors false

python3 - "$work/axe.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
bad = 0
for page in results:
    for v in page["violations"]:
        print(f'{v["impact"]:8} {v["id"]}: {v["help"]} ({len(v["nodes"])}×) on {page["url"]}')
        for n in v["nodes"][:3]:
            print("           ", n["target"], n.get("failureSummary", "").replace("\n", " ")[:200])
        bad += v["impact"] in ("serious", "critical")
total = sum(len(p["violations"]) for p in results)
passes = sum(len(p["passes"]) for p in results)
print(f"a11y: {len(results)} pages, {passes} rules passed, {total} violations, {bad} serious or critical")
sys.exit(1 if bad else 0)
PY
