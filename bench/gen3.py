#!/usr/bin/env python3
"""gen3: an independent generator of scenario packages (docs: /work/shared/docs/scenario-format.md).

It knows only the package format, not the product. Its world is Italy: 12 regions (ISO 3166-2:IT,
Lombardia is ~18x Basilicata), four telecoms (TIM integrated mobile+fixed, WindTre mobile-only,
Fastweb fixed-only, Kena an MVNO on TIM's mobile network) and two online services (WhatsApp,
DAZN). Background reports follow a daily and weekly cycle with gamma-Poisson noise; faults add
reporters in proportion to the affected users, with their own onset curve (step, ramp, slow
logistic ramp, optionally self-exciting), fatigue while they last and a decay after they end.

Usage:
  python3 bench/gen3.py --kind KIND --seed N [--days D] --out DIR
  python3 bench/gen3.py --list

Deterministic in (kind, seed, days). Standard library only.
"""
import argparse
import json
import math
import os
import random
import sys
from datetime import datetime, timedelta, timezone, date

# ------------------------------------------------------------------------------------ world

# id, name, inhabitants in millions (rounded; they weight traffic, they are not statistics)
REGIONS = [
    ("IT-25", "Lombardia", 10.0),
    ("IT-62", "Lazio", 5.7),
    ("IT-72", "Campania", 5.6),
    ("IT-34", "Veneto", 4.85),
    ("IT-82", "Sicilia", 4.8),
    ("IT-45", "Emilia-Romagna", 4.4),
    ("IT-21", "Piemonte", 4.25),
    ("IT-75", "Puglia", 3.9),
    ("IT-52", "Toscana", 3.65),
    ("IT-88", "Sardegna", 1.57),
    ("IT-55", "Umbria", 0.86),
    ("IT-77", "Basilicata", 0.54),
]
REGION_IDS = [r[0] for r in REGIONS]
POP = {r[0]: r[2] for r in REGIONS}
PROBE_REGIONS = ["IT-25", "IT-62", "IT-72", "IT-82"]

MOBILE_DATA_P = {"no-internet": 0.35, "slow-internet": 0.3, "no-signal": 0.2, "other": 0.15}
VOICE_P = {"no-calls": 0.55, "no-signal": 0.3, "other": 0.15}
SMS_P = {"no-sms": 0.8, "other": 0.2}
FIXED_P = {"no-internet": 0.45, "slow-internet": 0.35, "total-outage": 0.1, "other": 0.1}
LANDLINE_P = {"no-calls": 0.7, "total-outage": 0.15, "other": 0.15}
CS_P = {"hotline": 0.4, "billing": 0.35, "login": 0.25}

# Per provider: peak national background reports per minute, subscribers (relative size for
# fault magnitudes), regional tilt, components (id: name, deps), services (id: name, techs,
# deps, share of background reports, problem mix).
PROVIDERS = {
    "tim-it": dict(
        name="TIM", kind="telecom", country="IT", rate=4.0, subs=30.0,
        tilt={"IT-72": 1.1, "IT-82": 1.15, "IT-75": 1.1, "IT-77": 1.2, "IT-25": 0.9},
        components={
            "ip-backbone": ("IP backbone", []),
            "dns": ("DNS resolvers", ["ip-backbone"]),
            "mobile-core": ("Mobile core network", ["ip-backbone"]),
            "radio-access": ("Radio access network", ["mobile-core"]),
            "ims-voice": ("IMS voice core", ["mobile-core"]),
            "sms-center": ("SMS centre", ["mobile-core"]),
            "bng": ("Broadband network gateways", ["ip-backbone"]),
            "fixed-access": ("FTTC/FTTH access network", ["bng"]),
            "voip-core": ("Fixed voice platform", ["ip-backbone"]),
            "crm": ("Customer management system", []),
            "billing": ("Billing", ["crm"]),
            "hotline": ("Hotline telephony", []),
        },
        services={
            "mobile-data": ("Mobile internet", ["5g", "lte", "umts"], ["radio-access", "mobile-core", "dns"], 0.33, MOBILE_DATA_P),
            "mobile-voice": ("Mobile calls", ["lte", "gsm"], ["radio-access", "ims-voice"], 0.12, VOICE_P),
            "sms": ("SMS", ["gsm"], ["sms-center"], 0.03, SMS_P),
            "fixed-internet": ("Home internet", ["ftth", "vdsl"], ["fixed-access", "bng", "dns"], 0.30, FIXED_P),
            "landline": ("Landline", ["ftth", "vdsl"], ["fixed-access", "voip-core"], 0.08, LANDLINE_P),
            "customer-service": ("Customer service", None, ["crm", "billing", "hotline"], 0.06, CS_P),
        },
        mobile=True, fixed=True),
    "windtre-it": dict(
        name="WindTre", kind="telecom", country="IT", rate=2.5, subs=20.0,
        tilt={"IT-25": 1.1, "IT-34": 1.1, "IT-82": 0.9, "IT-88": 0.8},
        components={
            "ip-backbone": ("IP backbone", []),
            "dns": ("DNS resolvers", ["ip-backbone"]),
            "mobile-core": ("Mobile core network", ["ip-backbone"]),
            "radio-access": ("Radio access network", ["mobile-core"]),
            "ims-voice": ("IMS voice core", ["mobile-core"]),
            "sms-center": ("SMS centre", ["mobile-core"]),
            "crm": ("Customer management system", []),
            "billing": ("Billing", ["crm"]),
            "hotline": ("Hotline telephony", []),
        },
        services={
            "mobile-data": ("Mobile internet", ["5g", "lte", "umts"], ["radio-access", "mobile-core", "dns"], 0.55, MOBILE_DATA_P),
            "mobile-voice": ("Mobile calls", ["lte", "gsm"], ["radio-access", "ims-voice"], 0.25, VOICE_P),
            "sms": ("SMS", ["gsm"], ["sms-center"], 0.05, SMS_P),
            "customer-service": ("Customer service", None, ["crm", "billing", "hotline"], 0.07, CS_P),
        },
        mobile=True, fixed=False),
    "fastweb-it": dict(
        name="Fastweb", kind="telecom", country="IT", rate=1.2, subs=3.0,
        tilt={"IT-25": 1.8, "IT-62": 1.3, "IT-34": 1.1, "IT-45": 1.1, "IT-72": 0.7, "IT-82": 0.6,
              "IT-75": 0.6, "IT-88": 0.5, "IT-77": 0.4},
        components={
            "ip-backbone": ("IP backbone", []),
            "dns": ("DNS resolvers", ["ip-backbone"]),
            "bng": ("Broadband network gateways", ["ip-backbone"]),
            "fixed-access": ("FTTH/FTTC access network", ["bng"]),
            "voip-core": ("Voice platform", ["ip-backbone"]),
            "crm": ("Customer management system", []),
            "billing": ("Billing", ["crm"]),
            "hotline": ("Hotline telephony", []),
        },
        services={
            "fixed-internet": ("Home internet", ["ftth", "vdsl", "fwa"], ["fixed-access", "bng", "dns"], 0.70, FIXED_P),
            "landline": ("Landline", ["ftth", "vdsl"], ["fixed-access", "voip-core"], 0.15, LANDLINE_P),
            "customer-service": ("Customer service", None, ["crm", "billing", "hotline"], 0.07, CS_P),
        },
        mobile=False, fixed=True),
    "kena-it": dict(
        name="Kena Mobile", kind="telecom", country="IT", rate=0.07, subs=1.8,
        tilt={},
        components={
            "mvno-core": ("Subscriber platform (HLR/HSS, PGW)", ["tim-it:mobile-core"]),
            "crm": ("Customer management system", []),
            "billing": ("Billing", ["crm"]),
            "hotline": ("Hotline telephony", []),
        },
        services={
            "mobile-data": ("Mobile internet", ["lte", "umts"], ["mvno-core", "tim-it:radio-access"], 0.55, MOBILE_DATA_P),
            "mobile-voice": ("Mobile calls", ["lte", "gsm"], ["mvno-core", "tim-it:ims-voice"], 0.25, VOICE_P),
            "customer-service": ("Customer service", None, ["crm", "billing", "hotline"], 0.1, CS_P),
        },
        mobile=True, fixed=False),
    "whatsapp": dict(
        name="WhatsApp", kind="online-service", country="US", rate=2.0, subs=35.0,
        tilt={},
        components={
            "edge": ("Edge network", []),
            "messaging": ("Messaging backend", ["edge"]),
            "media-store": ("Media storage", ["edge"]),
            "voice-relay": ("Call relays", ["edge"]),
        },
        services={
            "messages": ("Messages", None, ["messaging"], 0.65,
                         {"total-outage": 0.3, "other": 0.35, "login": 0.15, "no-internet": 0.2}),
            "calls": ("Calls", None, ["voice-relay"], 0.15, {"no-calls": 0.7, "other": 0.3}),
            "media": ("Photos and voice notes", None, ["media-store"], 0.12, {"other": 0.7, "slow-internet": 0.3}),
        },
        mobile=False, fixed=False),
    "dazn": dict(
        name="DAZN", kind="online-service", country="GB", rate=0.4, subs=2.0,
        tilt={},
        components={
            "cdn": ("Content delivery network", []),
            "streaming-platform": ("Live streaming platform", ["cdn"]),
            "auth": ("Accounts and sign-in", []),
        },
        services={
            "live": ("Live streaming", None, ["streaming-platform", "cdn"], 0.75,
                     {"slow-internet": 0.35, "total-outage": 0.3, "other": 0.35}),
            "account": ("Account", None, ["auth"], 0.2, {"login": 0.7, "billing": 0.3}),
        },
        mobile=False, fixed=False),
}
TELECOMS = ["tim-it", "windtre-it", "fastweb-it", "kena-it"]
SOURCES = {"web": 0.45, "app": 0.35, "social": 0.1, "api": 0.05, "call-center": 0.03, "email": 0.02}
FAULT_SOURCES = {"web": 0.4, "app": 0.35, "social": 0.2, "api": 0.03, "call-center": 0.01, "email": 0.01}

# hourly activity (local time), weekday; peaks at midday and in the evening, lowest ~04:00
PROFILE = [0.30, 0.20, 0.14, 0.11, 0.10, 0.13, 0.25, 0.45, 0.65, 0.80, 0.88, 0.92,
           0.95, 0.93, 0.90, 0.88, 0.88, 0.90, 0.95, 1.00, 0.98, 0.85, 0.65, 0.45]
EVENING = [0.0] * 18 + [0.1, 0.25, 0.35, 0.35, 0.25, 0.1]   # online services: more in the evening

HOLIDAYS = [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)]


def regional_weights(pid):
    t = PROVIDERS[pid]["tilt"]
    w = {r: POP[r] * t.get(r, 1.0) for r in REGION_IDS}
    s = sum(w.values())
    return {r: v / s for r, v in w.items()}


WEIGHTS = {p: regional_weights(p) for p in PROVIDERS}


def transitive_deps(pid, cid, seen=None):
    """Every (provider, component) that pid:cid depends on, itself included."""
    out = {(pid, cid)}
    for d in PROVIDERS[pid]["components"][cid][1]:
        p2, c2 = (d.split(":", 1) if ":" in d else (pid, d))
        out |= transitive_deps(p2, c2)
    return out


# ------------------------------------------------------------------------------------ time


def last_sunday(year, month):
    d = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    while d.weekday() != 6:
        d -= timedelta(days=1)
    return d


def rome_offset_h(dt):
    """UTC offset of Europe/Rome (EU summer time rules) at the UTC datetime dt."""
    y = dt.year
    start = datetime(y, 3, last_sunday(y, 3).day, 1, tzinfo=timezone.utc)
    end = datetime(y, 10, last_sunday(y, 10).day, 1, tzinfo=timezone.utc)
    return 2 if start <= dt < end else 1


def fmt(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------------ sampling


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam < 30:
        L = math.exp(-lam)
        k, p = 0, 1.0
        while True:
            p *= rng.random()
            if p <= L:
                return k
            k += 1
    return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))


def pick(rng, weights):
    """weights: dict key -> weight"""
    tot = sum(weights.values())
    x = rng.random() * tot
    for k, w in weights.items():
        x -= w
        if x <= 0:
            return k
    return k


class Gen:
    def __init__(self, kind, seed, days):
        self.kind, self.seed, self.days = kind, seed, days
        self.rng = random.Random(f"gen3/{kind}/{seed}/{days}")
        self.keys_used = set()
        self.reports = []   # (sec, provider, service, problem, region, reporter, source)
        self.events = []    # (sec, order, dict)
        self.faults = []    # dicts, see add_fault
        self.extra = []     # confounder report generators (callables)
        self.holiday = False
        self.gap = None     # (start_sec, end_sec)
        # start date: varies with the seed; holidays pick their own
        base = date(2024, 1, 8) + timedelta(days=(seed * 53 + len(kind) * 7) % 330)
        self.t0 = datetime(base.year, base.month, base.day, tzinfo=timezone.utc)
        self.total = days * 86400
        self.last_day = (days - 1) * 86400

    # ---- helpers
    def set_start_for_holiday(self):
        y = 2023 + self.rng.randrange(3)
        cands = [date(y, m, d) for m, d in HOLIDAYS if date(y, m, d).weekday() < 5]
        h = self.rng.choice(cands)
        s = h - timedelta(days=self.days - 1)
        self.t0 = datetime(s.year, s.month, s.day, tzinfo=timezone.utc)
        self.holiday = True

    def dt(self, sec):
        return self.t0 + timedelta(seconds=sec)

    def local_hour_to_sec(self, h):
        """seconds from t0 of local hour h (may be fractional, may exceed 24) on the last day"""
        off = rome_offset_h(self.dt(self.last_day + 12 * 3600))
        return int(self.last_day + (h - off) * 3600)

    def new_key(self):
        while True:
            k = "%012x" % self.rng.getrandbits(48)
            if k not in self.keys_used:
                self.keys_used.add(k)
                return k

    def activity(self, sec, pid):
        """relative activity at sec (0..~1.3) for provider pid: daily and weekly cycle"""
        dt = self.dt(sec)
        loc = dt + timedelta(hours=rome_offset_h(dt))
        h = loc.hour + loc.minute / 60.0
        wd = loc.weekday()
        scale, shift = 1.0, 0.0
        if wd == 5:
            scale, shift = 0.92, 1.0
        elif wd == 6:
            scale, shift = 0.85, 1.5
        if self.holiday and sec >= self.last_day:
            scale, shift = 0.6, 2.0
        h = (h - shift) % 24
        i = int(h)
        f = h - i
        a = PROFILE[i] * (1 - f) + PROFILE[(i + 1) % 24] * f
        if PROVIDERS[pid]["kind"] == "online-service":
            a += EVENING[i] * (1 - f) + EVENING[(i + 1) % 24] * f
            if wd >= 5:
                scale *= 1.1
        return a * scale

    def in_gap(self, sec):
        return self.gap is not None and self.gap[0] <= sec < self.gap[1]

    def add_report(self, sec, pid, svc, problem, region, key, sources=SOURCES):
        if sec < 0 or sec >= self.total or self.in_gap(sec):
            return
        self.reports.append((int(sec), pid, svc, problem, region, key, pick(self.rng, sources)))

    # ---- background
    def background(self):
        rng = self.rng
        for pid, p in PROVIDERS.items():
            svc_w = {s: v[3] for s, v in p["services"].items()}
            svc_w[""] = 0.08
            slow = 1.0
            recent = []
            for m in range(self.total // 60):
                sec = m * 60
                if m % 60 == 0:   # slow (hourly) log-normal drift
                    slow = math.exp(0.7 * math.log(slow) + rng.gauss(0, 0.07))
                lam = p["rate"] * self.activity(sec + 30, pid) * slow * rng.gammavariate(4.0, 0.25)
                for _ in range(poisson(rng, lam)):
                    t = sec + rng.randrange(60)
                    region = pick(rng, WEIGHTS[pid])
                    svc = pick(rng, svc_w)
                    if svc:
                        prob = pick(rng, p["services"][svc][4])
                    else:
                        prob = pick(rng, p["services"][pick(rng, {s: v[3] for s, v in p["services"].items()})][4])
                    key = self.new_key()
                    self.add_report(t, pid, svc, prob, region, key)
                    if rng.random() < 0.02:   # a few background users report twice
                        t2 = t + rng.randrange(60, 2400)
                        self.add_report(t2, pid, svc, prob, region, key)

    # ---- faults
    def add_fault(self, **kw):
        """A truth outage and its report model.
        provider, services, regions ('*' or list), start, end (sec), cause, root,
        peak (national-equivalent excess reports/min at full intensity and full daytime activity),
        onset ('step'|'ramp'|'slow', minutes), problems {svc: {problem: w}},
        report_provider (default provider), down [(provider, component)] probes see failing,
        hawkes (branching ratio), decay (min), fatigue (min), floor, declare (dict or None),
        truth (bool)"""
        rng = self.rng
        f = dict(kw)
        f.setdefault("report_provider", f["provider"])
        f.setdefault("hawkes", rng.choice([0.0, 0.0, 0.3, 0.5]))
        f.setdefault("decay", rng.uniform(5, 20))
        f.setdefault("fatigue", rng.uniform(90, 300))
        f.setdefault("floor", rng.uniform(0.25, 0.5))
        f.setdefault("truth", True)
        f.setdefault("declare", None)
        f.setdefault("delay_min", 0.0)
        if "down" not in f:
            r = f["root"]
            f["down"] = [tuple(r.split(":", 1)) if ":" in r else (f["provider"], r)]
        if "problems" not in f:
            f["problems"] = {s: PROVIDERS[f["report_provider"]]["services"][s][4] for s in f["services"]}
        f["start"] = int(f["start"])
        f["end"] = int(min(f["end"], self.total - 1800))
        assert f["end"] > f["start"] + 600, f
        self.faults.append(f)
        return f

    def shape(self, f, tmin):
        """intensity 0..1 at tmin minutes after the fault's start"""
        kind, D = f["onset"]
        dur = (f["end"] - f["start"]) / 60.0
        t = min(tmin, dur)
        if t < 0:
            return 0.0
        if kind == "step":
            a = 1 - math.exp(-t / max(D, 0.3))
        else:   # logistic ramp over D minutes
            a = 1 / (1 + math.exp(-(t - D / 2) / (D / 8)))
        if t > D:
            a *= max(f["floor"], math.exp(-(t - D) / f["fatigue"]))
        if tmin > dur:
            a *= math.exp(-(tmin - dur) / f["decay"])
        return a

    def fault_reports(self, f):
        rng = self.rng
        pid = f["report_provider"]
        regions = REGION_IDS if f["regions"] == "*" else f["regions"]
        w = WEIGHTS[pid]
        svc_w = {s: 1.0 for s in f["problems"]}
        if "svc_weights" in f:
            svc_w = f["svc_weights"]
        t_start = f["start"] + int(f["delay_min"] * 60)
        t_stop = min(self.total, f["end"] + int(6 * f["decay"] * 60))
        events = []
        for m in range((t_stop - t_start) // 60 + 1):
            sec = t_start + m * 60
            a = self.shape(f, m + 0.5)
            if a < 1e-3:
                continue
            act = self.activity(sec + 30, pid) ** 0.7
            noise = rng.gammavariate(6.0, 1 / 6.0)
            for r in regions:
                lam = f["peak"] * w[r] * a * act * noise
                for _ in range(poisson(rng, lam)):
                    events.append((sec + rng.randrange(60), r, 0))
        # self-exciting part: each report may trigger more (a shared link, a news item)
        b = f["hawkes"]
        if b > 0:
            queue = list(events)
            while queue:
                t, r, gen = queue.pop()
                if gen >= 4:
                    continue
                for _ in range(poisson(rng, b)):
                    t2 = t + int(rng.expovariate(1 / 240.0))
                    if t2 < f["end"] + 600:
                        ev = (t2, r, gen + 1)
                        events.append(ev)
                        queue.append(ev)
        for t, r, _ in events:
            svc = pick(rng, svc_w)
            prob = pick(rng, f["problems"][svc])
            if rng.random() < 0.06:
                svc = ""
            key = self.new_key()
            self.add_report(t, pid, svc, prob, r, key, FAULT_SOURCES)
            if rng.random() < 0.03:
                self.add_report(t + rng.randrange(120, 1800), pid, svc, prob, r, key, FAULT_SOURCES)

    def declare(self, f, delay_min, category="network", state="confirmed", title=None):
        """operator declares the fault: incident, component status, statement, resolution"""
        iid = "inc-%04d" % self.rng.randrange(10000)
        comp = f["root"]
        t = f["start"] + int(delay_min * 60)
        title = title or {"it": "Disservizio " + f["cause"], "en": "Disruption: " + f["cause"]}
        base = {"type": "incident", "id": iid, "provider": f["provider"], "category": category,
                "components": [comp], "title": title}
        self.events.append((t, 1, dict(base, time=fmt(self.dt(t)), state=state)))
        self.events.append((t + 60, 2, {"time": fmt(self.dt(t + 60)), "type": "component", "provider": f["provider"],
                                        "component": comp, "status": "major-outage"}))
        ts = t + int(self.rng.uniform(10, 40) * 60)
        if ts < f["end"]:
            self.events.append((ts, 3, {"time": fmt(self.dt(ts)), "type": "statement", "incident": iid,
                                        "text": {"it": "Stiamo lavorando per risolvere il problema.",
                                                 "en": "We are working to fix the problem."},
                                        "workaround": {"it": "Riavviare il dispositivo più tardi.",
                                                       "en": "Restart your device later."}}))
            self.events.append((ts + 30, 1, dict(base, time=fmt(self.dt(ts + 30)), state="identified")))
        te = f["end"] + int(self.rng.uniform(2, 20) * 60)
        te = min(te, self.total - 60)
        self.events.append((te, 1, dict(base, time=fmt(self.dt(te)), state="resolved")))
        self.events.append((te, 2, {"time": fmt(self.dt(te)), "type": "component", "provider": f["provider"],
                                    "component": comp, "status": "operational"}))

    # ---- probes and signals
    def probes(self):
        rng = self.rng
        probed = []
        for pid in TELECOMS:
            for c in ("radio-access", "mobile-core", "fixed-access", "dns", "mvno-core"):
                if c in PROVIDERS[pid]["components"]:
                    # a probe fails when the probed component itself is down in its region
                    # (not when something it depends on is): it measures that component
                    probed.append((pid, c, {(pid, c)}))
        for sec in range(0, self.total, 300):
            for pid, c, deps in probed:
                for r in PROBE_REGIONS:
                    down = False
                    for f in self.faults:
                        if f["start"] <= sec < f["end"] and (f["regions"] == "*" or r in f["regions"]):
                            if any(d in deps for d in f["down"]):
                                down = True
                    ok = not down
                    if ok and rng.random() < 0.004:
                        ok = False   # flaky probe
                    if down and rng.random() < 0.03:
                        ok = True    # a probe that got through
                    self.events.append((sec, 0, {"time": fmt(self.dt(sec)), "type": "probe", "provider": pid,
                                                 "component": c, "region": r, "ok": ok}))

    def signals(self):
        rng = self.rng
        rows = []
        for pid in TELECOMS:
            base = {"tim-it": 150, "windtre-it": 200, "fastweb-it": 100, "kena-it": 300}[pid]
            for sec in range(0, self.total, 300):
                act = self.activity(sec, pid)
                v = base * (0.3 + act) * rng.gammavariate(10, 0.1)
                for f in self.faults:
                    if f["provider"] != pid or not f["truth"]:
                        continue
                    tmin = (sec - f["start"]) / 60.0
                    if tmin < 0:
                        continue
                    a = self.shape(f, tmin)
                    if "customer-service" in f["services"]:
                        a = 1.0 if sec < f["end"] else a
                        v += 2500 * a
                    else:
                        scope = 1.0 if f["regions"] == "*" else sum(WEIGHTS[pid][r] for r in f["regions"])
                        v += 1800 * a * min(1.0, 0.3 + scope)
                act_hours = act > 0.2   # hotline closed at night: no samples
                if act_hours or v > base * 3:
                    rows.append((sec, pid, "hotline-wait", "", "%.0f" % v))
        return rows

    # ---- writing
    def write(self, out):
        os.makedirs(out, exist_ok=True)
        for f in self.faults:
            self.fault_reports(f)
        for fn in self.extra:
            fn()
        if self.gap:
            self.reports = [r for r in self.reports if not self.in_gap(r[0])]
        self.probes()
        sig = self.signals()
        with open(os.path.join(out, "topology.toml"), "w") as fh:
            fh.write(topology_toml())
        self.reports.sort(key=lambda r: r[0])
        with open(os.path.join(out, "reports.csv"), "w", newline="") as fh:
            fh.write("time,provider,service,problem,region,reporter,source\n")
            for sec, pid, svc, prob, reg, key, src in self.reports:
                fh.write(f"{fmt(self.dt(sec))},{pid},{svc},{prob},{reg},{key},{src}\n")
        self.events.sort(key=lambda e: (e[0], e[1]))
        with open(os.path.join(out, "events.jsonl"), "w") as fh:
            for _, _, e in self.events:
                fh.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
        sig.sort(key=lambda r: r[0])
        with open(os.path.join(out, "signals.csv"), "w") as fh:
            fh.write("time,provider,signal,region,value\n")
            for sec, pid, s, reg, v in sig:
                fh.write(f"{fmt(self.dt(sec))},{pid},{s},{reg},{v}\n")
        truth = {"outages": []}
        for f in sorted((f for f in self.faults if f["truth"]), key=lambda f: f["start"]):
            truth["outages"].append({
                "id": f["id"], "provider": f["provider"], "services": f["services"],
                "regions": f["regions"], "start": fmt(self.dt(f["start"])), "end": fmt(self.dt(f["end"])),
                "cause": f["cause"], "root_component": f["root"]})
        with open(os.path.join(out, "truth.json"), "w") as fh:
            json.dump(truth, fh, indent=2)
            fh.write("\n")
        return len(self.reports), len(truth["outages"])


def toml_list(xs):
    return "[" + ", ".join(json.dumps(x) for x in xs) + "]"


def topology_toml():
    L = ["# gen3 world: Italy (ISO 3166-2:IT regions), four telecoms and two online services", ""]
    for pid, p in PROVIDERS.items():
        L += ["[[providers]]", f'id = "{pid}"', f'name = "{p["name"]}"', f'kind = "{p["kind"]}"',
              f'country = "{p["country"]}"', ""]
    for rid, name, _ in REGIONS:
        L += ["[[regions]]", f'id = "{rid}"', f'name = "{name}"', ""]
    for pid, p in PROVIDERS.items():
        for cid, (name, deps) in p["components"].items():
            L += ["[[components]]", f'provider = "{pid}"', f'id = "{cid}"', f'name = "{name}"',
                  f"depends_on = {toml_list(deps)}", ""]
    for pid, p in PROVIDERS.items():
        for sid, (name, techs, deps, _, _) in p["services"].items():
            L += ["[[services]]", f'provider = "{pid}"', f'id = "{sid}"', f'name = "{name}"']
            if techs:
                L.append(f"technologies = {toml_list(techs)}")
            L += [f"depends_on = {toml_list(deps)}", ""]
    for pid in TELECOMS:
        L += ["[[signals]]", f'provider = "{pid}"', 'id = "hotline-wait"', 'name = "Hotline waiting time"',
              'unit = "s"', 'component = "hotline"', ""]
    return "\n".join(L)


# ------------------------------------------------------------------------------------ kinds
# Each kind function takes the generator and a local hour range on the last day for its start
# (mixed places several kinds), and returns the faults it added.

MOBILE_SVCS = ["mobile-data", "mobile-voice", "sms"]


def onset(rng, kinds=("step", "ramp", "slow")):
    k = rng.choice(kinds)
    if k == "step":
        return ("step", rng.uniform(0.5, 2.0))
    if k == "ramp":
        return ("ramp", rng.uniform(5, 15))
    return ("slow", rng.uniform(30, 90))


def tag(g, base):
    n = sum(1 for f in g.faults if f["id"].startswith(base)) + 1
    return f"{base}-{n}"


def cause(g, base):
    return f"{base}-{g.rng.randrange(100, 999)}"


def k_national_fast(g, h0=9, h1=19, pid=None, backbone=True):
    rng = g.rng
    pid = pid or rng.choice(["tim-it", "windtre-it"])
    opts = [("mobile-core", MOBILE_SVCS, "core-software-fault"),
            ("radio-access", ["mobile-data", "mobile-voice"], "ran-config-push"),
            ("ims-voice", ["mobile-voice"], "ims-outage")]
    if pid == "tim-it" and backbone:
        opts.append(("ip-backbone", ["mobile-data", "fixed-internet", "landline"], "backbone-routing-fault"))
    root, svcs, c = rng.choice(opts)
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(60, 300) * 60
    peak = PROVIDERS[pid]["rate"] * rng.uniform(6, 20)
    f = g.add_fault(id=tag(g, "nat"), provider=pid, services=svcs, regions="*", start=start, end=start + dur,
                    cause=cause(g, c), root=root, peak=peak, onset=onset(rng, ("step", "step", "ramp")))
    if rng.random() < 0.3:
        g.declare(f, rng.uniform(25, 70))
    return [f]


def pick_regions(rng, n):
    # any region, small ones included
    return sorted(rng.sample(REGION_IDS, n), key=REGION_IDS.index)


def k_regional_fixed(g, h0=8, h1=20, pid=None, cause_base=None):
    rng = g.rng
    pid = pid or rng.choice(["fastweb-it", "fastweb-it", "tim-it"])
    regions = pick_regions(rng, rng.choice([1, 1, 2, 3]))
    root = rng.choice(["fixed-access", "fixed-access", "bng"])
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(60, 240) * 60
    # national-equivalent: a region with share w gets peak*w
    peak = PROVIDERS[pid]["rate"] * rng.uniform(15, 40) * (PROVIDERS["tim-it"]["rate"] / PROVIDERS[pid]["rate"]) ** 0.3
    f = g.add_fault(id=tag(g, "reg"), provider=pid, services=["fixed-internet", "landline"], regions=regions,
                    start=start, end=start + dur, cause=cause(g, cause_base or "fibre-cut"), root=root, peak=peak,
                    onset=onset(rng, ("step", "ramp", "ramp")),
                    svc_weights={"fixed-internet": 0.75, "landline": 0.25})
    if rng.random() < 0.2:
        g.declare(f, rng.uniform(30, 90))
    return [f]


def k_dns_slow(g, h0=7, h1=15, pid=None):
    rng = g.rng
    pid = pid or rng.choice(["tim-it", "windtre-it", "fastweb-it"])
    p = PROVIDERS[pid]
    svcs = [s for s in ("mobile-data", "fixed-internet") if s in p["services"]]
    probs = {s: {"no-internet": 0.5, "slow-internet": 0.35, "other": 0.15} for s in svcs}
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(180, 420) * 60
    peak = p["rate"] * rng.uniform(4, 10)
    f = g.add_fault(id=tag(g, "dns"), provider=pid, services=svcs, regions="*", start=start, end=start + dur,
                    cause=cause(g, "dns-resolver-overload"), root="dns", peak=peak, problems=probs,
                    onset=("slow", rng.uniform(40, 90)), fatigue=rng.uniform(300, 600), floor=0.5)
    return [f]


def k_storm(g, h0=8, h1=20):
    rng = g.rng
    region = rng.choice(REGION_IDS)
    provs = rng.sample(["tim-it", "windtre-it", "fastweb-it"], rng.choice([2, 3]))
    c = cause(g, "storm-power-cut")
    t = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(120, 360) * 60
    out = []
    for pid in provs:
        if pid == "fastweb-it":
            root, svcs, sw = "fixed-access", ["fixed-internet", "landline"], {"fixed-internet": 0.75, "landline": 0.25}
        else:
            root, svcs, sw = "radio-access", ["mobile-data", "mobile-voice"], {"mobile-data": 0.6, "mobile-voice": 0.4}
        s = t + rng.uniform(0, 10) * 60
        peak = PROVIDERS[pid]["rate"] * rng.uniform(20, 50) * (4.0 / PROVIDERS[pid]["rate"]) ** 0.3
        out.append(g.add_fault(id=tag(g, "storm"), provider=pid, services=svcs, regions=[region], start=s,
                               end=s + dur * rng.uniform(0.7, 1.0), cause=c, root=root, peak=peak,
                               onset=onset(rng, ("step", "ramp", "slow")), svc_weights=sw))
    return out


def k_online_spillover(g, h0=10, h1=21):
    rng = g.rng
    op = rng.choice(["whatsapp", "whatsapp", "dazn"])
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(45, 240) * 60
    if op == "whatsapp":
        root, svcs = rng.choice([("messaging", ["messages", "media"]), ("edge", ["messages", "calls", "media"])])
        peak = PROVIDERS[op]["rate"] * rng.uniform(15, 50)
    else:
        root, svcs = rng.choice([("streaming-platform", ["live"]), ("cdn", ["live"])])
        peak = PROVIDERS[op]["rate"] * rng.uniform(20, 60)
    c = cause(g, op + "-backend-fault")
    main = g.add_fault(id=tag(g, "online"), provider=op, services=svcs, regions="*", start=start,
                       end=start + dur, cause=c, root=root, peak=peak, onset=onset(rng, ("step", "ramp")))
    out = [main]
    isps = rng.sample([("tim-it", "mobile-data"), ("tim-it", "fixed-internet"), ("windtre-it", "mobile-data"),
                       ("fastweb-it", "fixed-internet")], rng.choice([1, 2]))
    seen = {}
    for pid, svc in isps:
        seen.setdefault(pid, []).append(svc)
    for pid, svcs2 in seen.items():
        frac = rng.uniform(0.06, 0.15)
        probs = {s: {"no-internet": 0.5, "slow-internet": 0.2, "other": 0.3} for s in svcs2}
        f = g.add_fault(id=tag(g, "spill"), provider=pid, services=svcs2, regions="*", start=start,
                        end=start + dur, cause=c, root=f"{op}:{root}", peak=peak * frac, problems=probs,
                        onset=main["onset"], down=[], delay_min=rng.uniform(1, 4), hawkes=0.0)
        out.append(f)
    return out


def k_mvno_host(g, h0=9, h1=19):
    rng = g.rng
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(60, 240) * 60
    c = cause(g, "mobile-core-fault")
    peak = PROVIDERS["tim-it"]["rate"] * rng.uniform(6, 18)
    o = onset(rng)
    host = g.add_fault(id=tag(g, "host"), provider="tim-it", services=MOBILE_SVCS, regions="*", start=start,
                       end=start + dur, cause=c, root="mobile-core", peak=peak, onset=o)
    mv = g.add_fault(id=tag(g, "mvno"), provider="kena-it", services=["mobile-data", "mobile-voice"], regions="*",
                     start=start, end=start + dur, cause=c, root="tim-it:mobile-core",
                     peak=peak * PROVIDERS["kena-it"]["subs"] / PROVIDERS["tim-it"]["subs"] * rng.uniform(0.8, 1.5),
                     onset=o, down=[])
    if rng.random() < 0.4:
        g.declare(host, rng.uniform(20, 60))
    return [host, mv]


def k_mvno_own(g, h0=9, h1=20):
    rng = g.rng
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(60, 300) * 60
    peak = PROVIDERS["tim-it"]["rate"] * PROVIDERS["kena-it"]["subs"] / PROVIDERS["tim-it"]["subs"] * rng.uniform(8, 20)
    f = g.add_fault(id=tag(g, "mvno"), provider="kena-it", services=["mobile-data", "mobile-voice"], regions="*",
                    start=start, end=start + dur, cause=cause(g, "mvno-platform-fault"), root="mvno-core",
                    peak=peak, onset=onset(rng), svc_weights={"mobile-data": 0.7, "mobile-voice": 0.3})
    return [f]


def k_coincidence(g, h0=9, h1=18):
    rng = g.rng
    provs = rng.sample(["tim-it", "windtre-it", "fastweb-it", "whatsapp", "dazn"], rng.choice([2, 3]))
    t = rng.uniform(h0, h1)
    out = []
    for pid in provs:
        h = t + rng.uniform(0, 10) / 60.0
        if pid in ("whatsapp", "dazn"):
            op = PROVIDERS[pid]
            root = rng.choice([c for c in op["components"]])
            svcs = [s for s, v in op["services"].items() if set(v[2]) & ({root} | {c for c, d in op["components"].items() if root in d[1]})]
            svcs = svcs or list(op["services"])[:1]
            start = g.local_hour_to_sec(h)
            out.append(g.add_fault(id=tag(g, "co"), provider=pid, services=svcs, regions="*", start=start,
                                   end=start + rng.uniform(60, 200) * 60, cause=cause(g, pid + "-fault"), root=root,
                                   peak=op["rate"] * rng.uniform(10, 40), onset=onset(rng, ("step", "ramp"))))
        elif pid == "fastweb-it" or (pid == "tim-it" and rng.random() < 0.4):
            out += k_regional_fixed(g, h, h, pid=pid)
        else:
            out += k_national_fast(g, h, h, pid=pid)
    return out


def k_same_provider(g, h0=9, h1=17):
    rng = g.rng
    pid = "tim-it"
    # the national fault must not share a service with the regional fixed one (choosing it
    # among the mobile faults only: a fault rewritten after the choice kept the declaration
    # made for the first choice, which named the backbone and a cause no truth outage had)
    a = k_national_fast(g, h0, h1, pid=pid, backbone=False)
    h = (a[0]["start"] - g.local_hour_to_sec(0)) / 3600 + rng.uniform(-0.5, 1.0)
    b = k_regional_fixed(g, h, h, pid=pid, cause_base="fibre-cut-roadworks")
    return a + b


def k_it_incident(g, h0=7, h1=14):
    rng = g.rng
    pid = rng.choice(["tim-it", "windtre-it", "fastweb-it", "kena-it"])
    root = rng.choice(["crm", "billing"])
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    dur = rng.uniform(4, 10) * 3600
    peak = PROVIDERS[pid]["rate"] * PROVIDERS[pid]["services"]["customer-service"][3] * rng.uniform(5, 15)
    f = g.add_fault(id=tag(g, "it"), provider=pid, services=["customer-service"], regions="*", start=start,
                    end=start + dur, cause=cause(g, "crm-" + rng.choice(["upgrade-failure", "database-corruption",
                                                                          "ransomware-containment"])),
                    root=root, peak=peak, onset=("ramp", rng.uniform(5, 20)),
                    problems={"customer-service": {"hotline": 0.45, "billing": 0.3, "login": 0.25}},
                    down=[], fatigue=600, floor=0.6)
    g.declare(f, rng.uniform(0, 25), category="it-system", state="identified",
              title={"it": "Sistemi di gestione clienti non disponibili", "en": "Customer management systems unavailable"})
    return [f]


def k_night(g, h0=2.0, h1=3.0, pid=None):
    rng = g.rng
    pid = pid or rng.choice(["tim-it", "windtre-it"])
    # local 02:00-05:00 of the last day
    hs = rng.uniform(h0, h1)
    he = rng.uniform(max(hs + 1.0, 4.0), 5.0)
    start, end = g.local_hour_to_sec(hs), g.local_hour_to_sec(he)
    root, svcs = rng.choice([("mobile-core", MOBILE_SVCS), ("radio-access", ["mobile-data", "mobile-voice"])]
                            + ([("ip-backbone", ["mobile-data", "fixed-internet", "landline"])] if pid == "tim-it" else []))
    peak = PROVIDERS[pid]["rate"] * rng.uniform(8, 20)
    f = g.add_fault(id=tag(g, "night"), provider=pid, services=svcs, regions="*", start=start, end=end,
                    cause=cause(g, "night-maintenance-gone-wrong"), root=root, peak=peak,
                    onset=onset(rng, ("step", "ramp")))
    return [f]


def k_flood(g, h0=9, h1=20):
    rng = g.rng
    pid = rng.choice(["tim-it", "windtre-it", "fastweb-it", "whatsapp"])
    svc = rng.choice(list(PROVIDERS[pid]["services"]))
    region = rng.choice(REGION_IDS[:6])
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    keys = [g.new_key() for _ in range(rng.randint(2, 4))]

    def gen():
        for k in keys:
            n = rng.randint(40, 150)
            span = rng.uniform(20, 60) * 60
            s0 = start + rng.uniform(0, 600)
            for i in range(n):
                t = s0 + span * i / n + rng.uniform(0, 20)
                prob = pick(rng, PROVIDERS[pid]["services"][svc][4])
                g.add_report(t, pid, svc, prob, region, k, {"web": 0.6, "api": 0.4})
    g.extra.append(gen)
    return []


def k_bot_burst(g, h0=9, h1=21):
    rng = g.rng
    pid = rng.choice(["tim-it", "windtre-it", "fastweb-it"])
    svc = "mobile-data" if PROVIDERS[pid]["mobile"] else "fixed-internet"
    start = g.local_hour_to_sec(rng.uniform(h0, h1))
    n = rng.randint(20, 40)
    one_region = rng.random() < 0.5
    region0 = rng.choice(REGION_IDS[:5])

    def gen():
        for _ in range(n):
            t = start + rng.uniform(0, 120)
            r = region0 if one_region else pick(rng, WEIGHTS[pid])
            g.add_report(t, pid, svc, rng.choice(["no-internet", "total-outage"]), r, g.new_key(),
                         {"social": 0.6, "web": 0.3, "api": 0.1})
    g.extra.append(gen)
    return []


def k_holiday(g):
    g.set_start_for_holiday()
    return []


def k_data_gap(g, h0=8, h1=20):
    s = g.local_hour_to_sec(g.rng.uniform(h0, h1))
    g.gap = (s, s + 3600)
    return []


SIMPLE = {
    "national-fast": ("National fault of a large telecom (TIM or WindTre): mobile core, RAN, IMS or IP backbone;\n"
                      "  step or 5-15 min ramp, 1-5 h, sometimes declared late by the operator.", k_national_fast),
    "regional-fixed": ("Regional fixed-line fault (Fastweb mostly, or TIM fixed) in 1-3 regions, small ones included;\n"
                       "  access network or BNG, fibre-cut cause, 1-4 h.", k_regional_fixed),
    "dns-slow": ("National DNS resolver overload at one telecom: reports rise over 40-90 min (logistic),\n"
                 "  stay for 3-7 h (no-internet / slow-internet on data services).", k_dns_slow),
    "storm": ("Storm / power cut in ONE region hitting 2-3 telecoms at once: one truth outage per provider,\n"
              "  shared cause, roots radio-access / fixed-access; staggered starts within 10 min.", k_storm),
    "online-spillover": ("WhatsApp or DAZN outage (national) with spill-over reports onto 1-2 telecom services;\n"
                         "  spill-over outages share the cause, root written provider:component.", k_online_spillover),
    "mvno-host": ("TIM mobile core fails: TIM outage and Kena (MVNO on TIM) outage share the cause;\n"
                  "  Kena's root is tim-it:mobile-core.", k_mvno_host),
    "mvno-own": ("Only the MVNO's own subscriber platform (kena-it mvno-core) fails; the host is fine;\n"
                 "  tiny provider (a few reports per hour in the background).", k_mvno_own),
    "coincidence": ("2-3 unrelated faults at different providers (telecoms / online services) starting within\n"
                    "  10 minutes, each with its own cause.", k_coincidence),
    "same-provider": ("TIM: national mobile fault and an unrelated regional fixed-line fault overlapping in time;\n"
                      "  different causes and roots.", k_same_provider),
    "it-incident": ("Operator-declared it-system incident on crm/billing (events: incident, component status,\n"
                    "  statement); truth is customer-service; hotline/billing/login reports and hotline waits rise.",
                    k_it_incident),
    "night-national": ("National fault at TIM or WindTre between 02:00 and 05:00 local time, when the baseline\n"
                       "  is sparse; step or ramp onset.", k_night),
    "flood": ("No fault: 2-4 reporter keys send 40-150 reports each within 20-60 min to one provider,\n"
              "  service and region. Truth has no outages.", k_flood),
    "bot-burst": ("No fault: 20-40 distinct new keys report one provider within 2 minutes (hoax / bots),\n"
                  "  then nothing. Truth has no outages.", k_bot_burst),
    "holiday": ("No fault: the last day is an Italian public holiday on a weekday (traffic x0.6, later\n"
                "  morning). Truth has no outages.", k_holiday),
    "data-gap": ("No fault: one hour of the last day (daytime) with no reports at all from anyone;\n"
                 "  probes and signals continue. Truth has no outages.", k_data_gap),
}
MIXABLE = ["national-fast", "regional-fixed", "dns-slow", "storm", "online-spillover", "mvno-host", "mvno-own",
           "coincidence", "same-provider", "it-incident", "flood", "bot-burst"]
KINDS = list(SIMPLE) + ["mixed"]
MIXED_DOC = ("4-6 of the other kinds at random times of the last day (01:00-20:00 local starts); a placement\n"
             "  is redrawn while two faults of one provider sharing a service overlap (within 1 h).")


def conflicts(a, b):
    if a["provider"] != b["provider"]:
        return False
    if a["start"] > b["end"] + 3600 or b["start"] > a["end"] + 3600:
        return False
    if a["cause"] == b["cause"]:
        return False
    return True   # same provider, near in time, different causes: keep them apart in mixed


def k_mixed(g):
    rng = g.rng
    n = rng.randint(4, 6)
    chosen = [rng.choice(MIXABLE) for _ in range(n)]
    placed = 0
    for k in chosen:
        for attempt in range(40):
            snap = (list(g.faults), list(g.events), list(g.extra), set(g.keys_used), g.rng.getstate())
            h0 = rng.uniform(1, 20)
            fn = SIMPLE[k][1]
            try:
                new = fn(g, h0, h0) if k not in ("it-incident",) else fn(g, h0, h0)
            except AssertionError:
                new = None
            ok = new is not None and all(not conflicts(a, b) for a in new for b in snap[0])
            if ok:
                placed += 1
                break
            g.faults, g.events, g.extra, g.keys_used = snap[0], snap[1], snap[2], snap[3]
            rng.setstate(snap[4])
            rng.random()   # move on
    return placed


def main(argv=None):
    ap = argparse.ArgumentParser(description="gen3: independent scenario-package generator (Italy)")
    ap.add_argument("--kind", help="scenario kind (see --list)")
    ap.add_argument("--seed", type=int, help="random seed (integer >= 0)")
    ap.add_argument("--days", type=int, default=2, help="days in the package (1-28; outages on the last day)")
    ap.add_argument("--out", help="output folder (created; existing package files are replaced)")
    ap.add_argument("--list", action="store_true", help="print the kinds, one per line")
    ap.add_argument("--describe", action="store_true", help="print the kinds with what each models")
    a = ap.parse_args(argv)
    if a.list:
        print("\n".join(KINDS))
        return 0
    if a.describe:
        for k in KINDS:
            print(f"{k}:\n  {SIMPLE[k][0] if k in SIMPLE else MIXED_DOC}")
        return 0
    errs = []
    if a.kind is None:
        errs.append("--kind is required (see --list)")
    elif a.kind not in KINDS:
        errs.append(f"unknown --kind {a.kind!r}; kinds: {', '.join(KINDS)}")
    if a.seed is None:
        errs.append("--seed is required")
    elif a.seed < 0:
        errs.append(f"--seed must be >= 0, got {a.seed}")
    if not 1 <= a.days <= 28:
        errs.append(f"--days must be between 1 and 28, got {a.days}")
    if not a.out:
        errs.append("--out is required")
    elif os.path.exists(a.out) and not os.path.isdir(a.out):
        errs.append(f"--out {a.out} exists and is not a folder")
    if a.kind in ("night-national",) and a.days < 1:
        errs.append("night-national needs --days >= 1")
    if errs:
        for e in errs:
            print("gen3: error: " + e, file=sys.stderr)
        return 2
    g = Gen(a.kind, a.seed, a.days)
    if a.kind == "mixed":
        k_mixed(g)
    elif a.kind == "holiday":
        k_holiday(g)
    else:
        SIMPLE[a.kind][1](g)
    g.background()
    n, o = g.write(a.out)
    print(f"gen3: {a.kind} seed {a.seed}: {n} reports, {o} true outages -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
