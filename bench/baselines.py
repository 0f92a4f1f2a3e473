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


def hour_before(times, start):
    """How many of the sorted `times` fall in the hour before `start`."""
    return bisect.bisect_left(times, start) - bisect.bisect_left(times, start - 3600)


def baselines(pkg, times=None):
    """Per true outage id of the package directory `pkg`: its provider's reports a minute in the
    hour before its start. `times`: the package's report times per provider, sorted, for a caller
    that has read reports.csv already (else it is read here)."""
    if times is None:
        times = {}
        with open(os.path.join(pkg, "reports.csv"), newline="") as fh:
            for row in csv.DictReader(fh):
                times.setdefault(row["provider"], []).append(rfc3339(row["time"]))
        for ts in times.values():
            ts.sort()
    with open(os.path.join(pkg, "truth.json")) as fh:
        truth = json.load(fh)["outages"]
    return {o["id"]: hour_before(times.get(o["provider"], []), rfc3339(o["start"])) / 60
            for o in truth}
