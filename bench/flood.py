#!/usr/bin/env python3
# Flood attack re-run against a release `radar serve` on a fresh store, real clock: for three
# minutes, one client on one address sends every 0.5 s one request of 40 reports under 40
# invented tokens and 30 single reports under 30 invented User-Agents; then waits 75 s for the
# minutes to close and prints the answers by kind and status, the reports stored, the most
# distinct reporters counted in one minute and the outages raised.
#
# Usage: cargo build --release -p radar && bench/flood.py target/release/radar on|off
#   on:  the default per-network rate limit; off: RADAR_REPORTS_PER_MINUTE=0 (identity alone)
import json, subprocess, sys, time, urllib.request, urllib.error, tempfile, os, collections
radar = sys.argv[1]; limit = sys.argv[2]  # "on" or "off"
d = tempfile.mkdtemp()
env = dict(os.environ, RADAR_LOG="error")
if limit == "off":
    env["RADAR_REPORTS_PER_MINUTE"] = "0"
port = 29000 + (os.getpid() % 1000)
p = subprocess.Popen([radar, "serve", "--listen", f"127.0.0.1:{port}", "--data", d], env=env, stdout=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}"
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/healthz"); break
    except Exception: time.sleep(0.2)
def post(body, ua="x"):
    req = urllib.request.Request(base + "/api/v1/reports", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "User-Agent": ua})
    try:
        return urllib.request.urlopen(req).status
    except urllib.error.HTTPError as e:
        return e.code
codes = collections.Counter()
r = lambda i, tok=None: dict({"provider": "o2-de", "service": "mobile-data", "problem": "no-internet", "postcode": ["80331","10115","50667","70173"][i % 4]}, **({"reporter_token": tok} if tok else {}))
start = time.time(); n = 0
while time.time() - start < 180:
    codes["batch40:%d" % post({"reports": [r(i, f"t{n}-{i}") for i in range(40)]})] += 1
    for k in range(30):
        codes["ua:%d" % post(r(k), ua=f"Agent/{n}.{k}")] += 1
    n += 1
    time.sleep(0.5)
time.sleep(75)
outages = json.load(urllib.request.urlopen(base + "/api/v1/outages"))["outages"]
stored = json.load(urllib.request.urlopen(base + "/api/v1/providers/o2-de/reports"))["minutes"]
print(f"limit {limit}: requests by kind and status {dict(codes)}; reports stored in the last hour {sum(m['reports'] for m in stored)}, distinct reporters per minute max {max([m['reporters'] for m in stored] or [0])}; outages raised: {len(outages)}")
p.terminate(); p.wait()
