#!/usr/bin/env bash
# Schemathesis against a live `radar serve` (fresh embedded store in a temporary folder, an
# operator token, two declared incidents, a statement, a probe and a report to read back):
# every operation of /api/openapi.json, with the checks not_a_server_error,
# status_code_conformance, content_type_conformance and response_schema_conformance.
# Fails (exit 1) on any failure.
#
#   tests/schemathesis/run.sh [MAX_EXAMPLES]     (test cases per operation and phase; default 30)
#
# RADAR_BIN: the radar binary (default target/debug/radar, built if missing).
# SCHEMATHESIS_VENV: where schemathesis is installed if missing (default
# ~/.cache/outage-radar/schemathesis-venv). SCHEMATHESIS_SEED: default 1, so that CI runs are
# repeatable; any other seed explores other cases.
set -euo pipefail
cd "$(dirname "$0")/../.."

examples="${1:-30}"
version=4.32.5
venv=$(realpath -m "${SCHEMATHESIS_VENV:-$HOME/.cache/outage-radar/schemathesis-venv}")
source tests/live-server.sh
ensure_venv "$venv" "schemathesis==$version"
start_server schemathesis

# Something to read: the examples of the document name these ids.
for i in 1 2; do
  send POST /api/v1/incidents "{\"id\":\"net-$i\",\"provider\":\"o2-de\",\"category\":\"network\",\"services\":[\"mobile-data\"],\"regions\":[\"DE-BY\"],\"title\":{\"de\":\"Störung $i\",\"en\":\"Outage $i\"}}"
done
send POST /api/v1/incidents/net-1/statements '{"text":{"de":"Wir arbeiten daran.","en":"We are working on it."}}'
send POST /api/v1/probes '{"provider":"o2-de","component":"ran-lte","region":"DE-BY","ok":false}'
send POST /api/v1/reports '{"provider":"o2-de","service":"mobile-data","problem":"no-internet","region":"DE-BY"}'

started=$(date +%s)
# POST /api/v1/subscriptions is left out: a generated case could subscribe a public address,
# and the incidents the other cases declare would then be delivered to it. It is covered by
# crates/server/tests/api/subscriptions.rs and tests/webhooks/run.sh.
set +e
# From the temporary folder: schemathesis keeps a cache in the working directory.
(cd "$work" && timeout 900 "$venv/bin/st" run "$base/api/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --workers 1 \
  --header "Authorization: Bearer $token" \
  --exclude-operation-id create_subscription \
  --no-color) | tee "$work/st.log"
rc=${PIPESTATUS[0]}
set -e
# The cases as one closing line, "schemathesis: N passed, M failed" (its own summary reads
# "G generated, G passed" or "G generated, F found U unique failures[, E errored][, S skipped]").
cases=$(grep -E '^ *[0-9]+ generated' "$work/st.log" | tail -n1 || true)
count() { sed -n "s/.*\b\([0-9][0-9]*\) $1.*/\1/p" <<<"$cases" | head -n1; }
generated=$(count generated)
found=$(count found)
errored=$(count errored)
skipped=$(count skipped)
failed=$((${found:-0} + ${errored:-0}))
passed=$((${generated:-0} - failed - ${skipped:-0}))
echo "schemathesis took $(($(date +%s) - started)) s, exit $rc"
if [ "$rc" -ne 0 ]; then
  echo "---- the end of the server's log:"
  tail -n 40 "$work/serve.log"
fi
echo "schemathesis: $passed passed, $failed failed"
exit "$rc"
