"""The product target's delay condition, shared by bench/gen3-eval and bench/scenario-compare:
a median detection delay of at most 2 minutes *at a baseline of at least one report a minute*.
Standard library only."""
import bisect
import csv
import json
import os
from datetime import datetime


def rfc3339(s):
    """Seconds since the epoch of an RFC 3339 UTC time as the package format writes it."""
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def baselines(pkg):
    """Per true outage id of the package directory `pkg`: its provider's reports a minute in the
    hour before its start."""
    times = {}
    with open(os.path.join(pkg, "reports.csv"), newline="") as fh:
        for row in csv.DictReader(fh):
            times.setdefault(row["provider"], []).append(rfc3339(row["time"]))
    for ts in times.values():
        ts.sort()
    with open(os.path.join(pkg, "truth.json")) as fh:
        truth = json.load(fh)["outages"]
    out = {}
    for o in truth:
        start, ts = rfc3339(o["start"]), times.get(o["provider"], [])
        out[o["id"]] = (bisect.bisect_left(ts, start) - bisect.bisect_left(ts, start - 3600)) / 60
    return out
