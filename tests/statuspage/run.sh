#!/usr/bin/env bash
# Real clients against a live `radar serve` (fresh embedded store in a temporary folder):
#
# - statuspage-prometheus-exporter (PyPI), a Statuspage client, run once (RUN_MODE=once)
#   against two providers' base URLs: O2 with a declared incident, a statement and a
#   degraded component, Vodafone with nothing. Its metrics must say what our
#   /providers/{id}/api/v2/ documents say: O2 down (0) with the incident and its impact,
#   Vodafone up (1), every query successful, each component's gauge 1 exactly when
#   components.json calls it operational.
# - feedparser (PyPI), an Atom parser: /feed.atom and /providers/o2-de/feed.atom parse
#   without error (bozo 0), with the entries, titles (markup in them unescaped) and links.
#
#   tests/statuspage/run.sh
#
# RADAR_BIN: the radar binary (default target/debug/radar, built if missing).
# STATUSPAGE_VENV: where the clients are installed if missing (default
# ~/.cache/outage-radar/statuspage-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."

exporter=2.6.0
feedparser=6.0.14
venv=$(realpath -m "${STATUSPAGE_VENV:-$HOME/.cache/outage-radar/statuspage-venv}")
source tests/live-server.sh
ensure_venv "$venv" "statuspage-prometheus-exporter==$exporter" "feedparser==$feedparser"

started=$(date +%s)
start_server statuspage
send POST /api/v1/incidents '{"id":"net-1","provider":"o2-de","category":"network","state":"identified","services":["mobile-data"],"regions":["DE-BY"],"title":{"de":"Störung <mobile Daten> & \"LTE\"","en":"Outage of <mobile data> & \"LTE\""}}'
send POST /api/v1/incidents/net-1/statements '{"text":{"de":"Wir arbeiten daran.","en":"We are working on it."}}'
send PUT /api/v1/components/o2-de/crm-dsl/status '{"status":"degraded"}'

cat >"$work/services.json" <<JSON
{
  "o2": {"url": "$base/providers/o2-de/api/v2/summary.json", "name": "O2"},
  "vodafone": {"url": "$base/providers/vodafone-de/api/v2/summary.json", "name": "Vodafone"}
}
JSON

rc=0
(cd "$work" && RUN_MODE=once SERVICES_JSON_PATH="$work/services.json" \
  METRICS_TEXTFILE_PATH="$work/metrics/statuspage.prom" timeout 60 \
  "$venv/bin/statuspage-prometheus-exporter" >"$work/exporter.log" 2>&1) || rc=$?
if [ "$rc" -ne 0 ]; then
  cat "$work/exporter.log"
  echo "statuspage: the exporter failed (exit $rc)"
  echo "statuspage: 0 passed, 1 failed"
  exit 1
fi

set +e
STARTED="$started" BASE="$base" PROM="$work/metrics/statuspage.prom" timeout 60 "$venv/bin/python" - <<'PY'
import json, os, sys, urllib.request
import feedparser
from importlib.metadata import version
from prometheus_client.parser import text_string_to_metric_families

base, prom = os.environ["BASE"], os.environ["PROM"]
passed = failed = 0

def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what} {detail}")

def get(path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return r.headers, r.read()

print(f"statuspage-prometheus-exporter {version('statuspage-prometheus-exporter')}, feedparser {version('feedparser')}")
samples = [s for f in text_string_to_metric_families(open(prom).read()) for s in f.samples]
def values(name, **labels):
    return [s for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
for s in samples:
    if s.name in ("statuspage_service_status", "statuspage_probe_check", "statuspage_incident_info"):
        print(f"  {s.name}{json.dumps(s.labels, ensure_ascii=False)} {s.value}")

check("O2 is down (status 0)", [s.value for s in values("statuspage_service_status", service_name="O2")] == [0.0])
check("Vodafone is up (status 1)", [s.value for s in values("statuspage_service_status", service_name="Vodafone")] == [1.0])
for name in ("O2", "Vodafone"):
    check(f"{name}: every query succeeded", [s.value for s in values("statuspage_probe_check", service_name=name)] == [1.0])
inc = values("statuspage_incident_info", service_name="O2")
check("O2's incident net-1, impact major, named as declared",
      len(inc) == 1 and inc[0].labels.get("incident_id", inc[0].labels.get("id")) == "net-1"
      and inc[0].labels.get("impact") == "major"
      and inc[0].labels.get("incident_name", inc[0].labels.get("name")) == 'Outage of <mobile data> & "LTE"',
      inc and inc[0].labels)
check("Vodafone has no active incident",
      [s.value for s in values("statuspage_incident_info", service_name="Vodafone") if s.value != 0] == [])

for page, name in (("o2-de", "O2"), ("vodafone-de", "Vodafone")):
    _, body = get(f"/providers/{page}/api/v2/components.json")
    comps = json.loads(body)["components"]
    gauges = {s.labels["component_name"]: s.value for s in values("statuspage_component_status", service_name=name)}
    want = {c["name"]: (1.0 if c["status"] == "operational" else 0.0) for c in comps}
    check(f"{name}: a gauge per component, 1 exactly when operational ({len(want)} components)",
          gauges == want, f"{gauges} != {want}")
_, body = get("/providers/o2-de/api/v2/components.json")
bad = sorted(c["name"] for c in json.loads(body)["components"] if c["status"] != "operational")
print(f"  O2's components not operational: {bad}")
check("O2: mobile internet (the incident) and the DSL customer management (degraded) are not operational",
      {"Mobile internet", "DSL customer-management system (hosted in Spain)"} <= set(bad), bad)

for path, n in (("/feed.atom", 1), ("/providers/o2-de/feed.atom", 1), ("/providers/vodafone-de/feed.atom", 0)):
    headers, body = get(path)
    d = feedparser.parse(body)
    check(f"{path}: Atom, well-formed (bozo 0), {n} entries",
          d.bozo == 0 and d.version == "atom10" and len(d.entries) == n
          and headers["Content-Type"].startswith("application/atom+xml"),
          f"bozo={d.bozo} {d.get('bozo_exception')} version={d.version} entries={len(d.entries)}")
    check(f"{path}: feed id, title, updated, self link",
          d.feed.get("id", "").startswith("tag:") and d.feed.get("title") and d.feed.get("updated")
          and any(l.get("rel") == "self" and l["href"] == base + path for l in d.feed.get("links", [])))
    for e in d.entries:
        print(f"  entry {e.id}: {e.title!r} updated {e.updated} -> {e.link}")
        check(f"{path}: the entry's title, link, dates and latest statement",
              e.title == 'O2: Outage of <mobile data> & "LTE"' and e.link == base + "/incidents/net-1"
              and e.get("published") and e.get("updated") and e.summary == "We are working on it.",
              e)

import time
print(f"statuspage clients took {int(time.time()) - int(os.environ['STARTED'])} s (server start to last check)")
print(f"statuspage: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  echo "---- the exporter's log:"
  tail -n 40 "$work/exporter.log"
  echo "---- the end of the server's log:"
  tail -n 20 "$work/serve.log"
fi
exit "$rc"
