#!/usr/bin/env python3
"""gen4 -- an independent scenario-package generator (France) for Outage Radar.

Written only from scenario-format.md and product.md, without looking at the product or at
its other generators. Python 3 standard library only (tomllib, 3.11+, for --self-check).

    python3 bench/gen4.py --kind KIND --seed N [--days D] --out DIR
    python3 bench/gen4.py --list | --self-check

Deterministic in (kind, seed, days). A package starts at 00:00 UTC of a date between
Sept 2023 and early 2025 picked from the seed (consecutive seeds shift the weekday by one;
some packages span a DST change). Faults fall on day >= 1 so one quiet day precedes them.

WORLD: 13 metropolitan regions (ISO 3166-2, population weights) and six fictional providers:
  hexatel       incumbent: mobile 5G/LTE/3G/2G, fibre/DSL, VoIP landline, IPTV
  cablis        cable operator in 6 regions only: DOCSIS internet, VoIP, DVB-C TV
  mobiflex      mobile-only challenger (5G/LTE/3G)
  lumo-mobile   MVNO on mobiflex's RAN, packet core, IMS, SMSC; own HLR/HSS, CRM, billing
  cinebox       video streaming;   alize-banque   online bank   (online-service)
Human activity follows Europe/Paris local time (EU DST rule computed here; French public
holidays behave like Sundays); all timestamps are UTC.

REPORTS: background = Poisson per provider and minute with rate = base x daily/weekly
profile (telecom, evening-heavy streaming, office-hours bank) x hourly log-AR(1) drift x
gamma(16) factor per 10 min (overdispersion, CV ~0.27 on top of Poisson). Base rates:
4/min (hexatel) .. 0.07/min (lumo-mobile, one per ~14 min). ~15% have no service. Reporter keys are opaque
hashes; a report reuses a recent key of the same (provider, region) with p = 8% (20% in
faults) and a few "regulars" report several times a day.

FAULTS hit one component C of provider P in a scope (national or regions). Every provider
Q and service S whose dependency closure contains P:C is affected (so MVNO customers suffer
from host faults). Rate = base(Q) x F x (importance share of affected services) x (Q's
customer share of the regions) x activity x shape; shape = onset (tau 1.5 min step, 4 min
fast, or 30-60 min linear ramp), fatigue over hours, ~10 min tail after the end. Problem
mix depends on service and failing component (radio -> no-signal, DNS -> no/slow internet,
IMS -> no-calls, CRM -> login/billing/hotline).

SIGNALS/EVENTS: hotline-wait (s; open 07-22 local; grows with outage report load, x2.5-4
while the CRM is down), mobile-traffic (Gbit/s per region), fixed-sessions/modems-online
(per region), probe-latency (ms, online services). A signal reacts to faults of the
component it measures or of components on its path (internal list, e.g. RAN traffic drops
when transport or packet core fail). Probes every 5/10/15 min per (provider, component,
region) fail while that component or one it depends on is down there (+0.4% flaps).
Operators declare some faults (fr/en incident, statements, component status), late or
never or only post mortem; planned maintenance is announced hours ahead.

TRUTH CONVENTIONS:
  * One outage per affected provider; services = exactly that provider's services whose
    closure contains the failed component; regions "*" for national faults of providers
    present everywhere, else a list (cablis national = its 6 regions).
  * root_component: bare id if the component is the outage's own, else "provider:component"
    (MVNO via host: "mobiflex:ran-4g5g"). Related outages share the cause string exactly.
  * Spill-over: a cinebox outage makes hexatel, mobiflex and cablis users report no/slow
    internet (proportional to their market share): truth outages on mobile-data /
    fixed-internet with cinebox's cause and root "cinebox:<component>" -- the only roots
    outside their services' closure (perception, not dependency). No MVNO spill-over.
  * Storm: cause "storm-<name>-<seed>" shared by hexatel (root transport), mobiflex
    (ran-4g5g), cablis (hfc-plant, if in its footprint) and lumo-mobile (mobiflex:ran-4g5g).
  * Maintenance that interrupts service (hexatel OLT in 1-2 regions, or alize-banque core
    banking) IS in truth with the actual interruption (may overrun the announced window);
    a declared hitless maintenance (mobiflex IMS) is NOT.
  * IT incident: the CRM fails -> ["customer-service"], root "crm", declared with category
    it-system or security.
  * Not in truth: media-driven waves, floods by a few reporters, probe flaps.
  * A slow-onset fault starts at the beginning of its ramp.
Region ids are ISO 3166-2 ("FR-IDF", as in the spec's example); other ids match
[a-z0-9][a-z0-9-]*.
"""
import argparse, csv, hashlib, itertools, json, math, os, random, re, sys, tempfile, time  # noqa: E401
from datetime import date, datetime, timedelta, timezone

ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
REGION_RE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}\Z")
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
PROBLEMS = ("no-signal", "no-internet", "slow-internet", "no-calls", "no-sms",
            "total-outage", "login", "hotline", "billing", "other")
SOURCES = ("web", "app", "api", "social", "call-center", "email")
MAX_DAYS = 14

# ----------------------------------------------------------------------------- world
REGIONS = [("FR-IDF", "Île-de-France", 12.3), ("FR-ARA", "Auvergne-Rhône-Alpes", 8.1),
           ("FR-NAQ", "Nouvelle-Aquitaine", 6.0), ("FR-OCC", "Occitanie", 6.0),
           ("FR-HDF", "Hauts-de-France", 6.0), ("FR-GES", "Grand Est", 5.6),
           ("FR-PAC", "Provence-Alpes-Côte d'Azur", 5.1), ("FR-PDL", "Pays de la Loire", 3.8),
           ("FR-BRE", "Bretagne", 3.4), ("FR-NOR", "Normandie", 3.3),
           ("FR-BFC", "Bourgogne-Franche-Comté", 2.8), ("FR-CVL", "Centre-Val de Loire", 2.6),
           ("FR-COR", "Corse", 0.34)]
REGION_IDS = [r[0] for r in REGIONS]
POP = {r[0]: r[2] for r in REGIONS}
CABLE_FOOTPRINT = ["FR-IDF", "FR-HDF", "FR-GES", "FR-NOR", "FR-ARA", "FR-PAC"]

# rate: background reports/min nationally (daily mean); mshare: share of broadband/mobile users
PROVIDERS = {
    "hexatel": dict(name="Hexatel", kind="telecom", rate=4.0, mshare=0.42, profile="telecom",
                    skew={"FR-IDF": 0.9, "FR-COR": 1.2, "FR-BFC": 1.1, "FR-CVL": 1.1}),
    "cablis": dict(name="Câblis", kind="telecom", rate=0.6, mshare=0.12, profile="telecom",
                   footprint=CABLE_FOOTPRINT, skew={"FR-IDF": 1.3}),
    "mobiflex": dict(name="Mobiflex", kind="telecom", rate=1.5, mshare=0.24, profile="telecom",
                     skew={"FR-IDF": 1.3, "FR-PAC": 1.15, "FR-COR": 0.5, "FR-BFC": 0.8}),
    "lumo-mobile": dict(name="Lumo Mobile", kind="telecom", rate=0.07, mshare=0.02,
                        profile="telecom", skew={"FR-IDF": 1.2}),
    "cinebox": dict(name="Cinébox", kind="online-service", rate=1.2, profile="evening"),
    "alize-banque": dict(name="Alizé Banque", kind="online-service", rate=0.3, profile="office"),
}
PROVIDER_ORDER = list(PROVIDERS)

_CRM = [("crm", "Customer management system", []), ("billing", "Billing system", ["crm"])]
COMPONENTS = {   # (id, name, depends_on)
    "hexatel": [
        ("ip-backbone", "IP/MPLS backbone", []), ("dns", "DNS resolvers", ["ip-backbone"]),
        ("transport", "Regional fibre transport and backhaul", ["ip-backbone"]),
        ("hss", "Subscriber database (HLR/HSS)", ["ip-backbone"]), ("smsc", "SMS centre", ["hss"]),
        ("mobile-core", "Mobile packet core (EPC/5GC)", ["ip-backbone", "hss"]),
        ("ran-4g5g", "LTE/5G radio access", ["transport"]), ("ran-2g3g", "GSM/UMTS radio access", ["transport"]),
        ("ims", "IMS voice core (VoLTE and VoIP)", ["ip-backbone", "hss"]),
        ("olt", "FTTH access (OLT/PON)", ["transport"]), ("dslam", "xDSL access (DSLAM)", ["transport"]),
        ("bng", "Broadband network gateways", ["ip-backbone"]),
        ("iptv-platform", "IPTV head-end and middleware", ["ip-backbone"])] + _CRM + [
        ("hotline", "Customer hotline and call centre", ["crm"]),
        ("customer-portal", "Customer portal and app back-end", ["crm"])],
    "cablis": [
        ("ip-backbone", "IP backbone", []), ("dns", "DNS resolvers", ["ip-backbone"]),
        ("hfc-plant", "Coaxial/HFC access network", []), ("tv-headend", "Digital TV head-end", []),
        ("cmts", "Cable modem termination systems", ["ip-backbone"]),
        ("voice-platform", "Voice softswitch", ["ip-backbone"])] + _CRM + [
        ("hotline", "Customer hotline", ["crm"])],
    "mobiflex": [
        ("ip-backbone", "IP backbone", []), ("dns", "DNS resolvers", ["ip-backbone"]),
        ("transport", "Backhaul transport", ["ip-backbone"]),
        ("hss", "Subscriber database (HLR/HSS)", ["ip-backbone"]), ("smsc", "SMS centre", ["hss"]),
        ("packet-core", "Mobile packet core (EPC/5GC)", ["ip-backbone", "hss"]),
        ("ran-4g5g", "LTE/5G radio access", ["transport"]), ("ran-3g", "UMTS radio access", ["transport"]),
        ("ims", "IMS voice core (VoLTE)", ["ip-backbone", "hss"])] + _CRM + [
        ("hotline", "Customer hotline", ["crm"])],
    "lumo-mobile": [("subscriber-core", "Own HLR/HSS and provisioning", [])] + _CRM + [
        ("support-desk", "E-mail and chat support desk", ["crm"])],
    "cinebox": [
        ("cdn", "Content delivery network", []), ("auth", "Accounts and authentication", []),
        ("playback-api", "Playback and licensing API", ["auth"]),
        ("catalogue", "Catalogue API", []), ("payments", "Subscription payments", [])],
    "alize-banque": [
        ("core-banking", "Core banking system", []), ("auth", "Strong customer authentication", []),
        ("api-gateway", "API gateway", ["auth", "core-banking"]),
        ("web-front", "Web banking front-end", ["api-gateway"]),
        ("card-switch", "Card payment switch", ["core-banking"])],
}
_H = ["mobiflex:ran-4g5g", "mobiflex:ran-3g"]
# (id, name, kind, technologies, depends_on, background weight)
SERVICES = {
    "hexatel": [
        ("mobile-data", "Mobile internet", "mobile-data", ["5g", "lte", "umts", "gsm"],
         ["ran-4g5g", "ran-2g3g", "mobile-core", "dns"], .26),
        ("mobile-voice", "Mobile calls", "mobile-voice", ["volte", "umts", "gsm"],
         ["ran-4g5g", "ran-2g3g", "mobile-core", "ims"], .12),
        ("sms", "SMS", "sms", ["lte", "umts", "gsm"], ["ran-4g5g", "ran-2g3g", "smsc"], .04),
        ("fixed-internet", "Fixed internet (fibre/DSL)", "fixed-internet", ["ftth", "vdsl", "adsl"],
         ["olt", "dslam", "bng", "dns"], .30),
        ("landline", "Landline telephony", "landline", ["voip"], ["olt", "dslam", "bng", "ims"], .07),
        ("tv", "Television", "tv", ["iptv"], ["olt", "dslam", "bng", "iptv-platform"], .09),
        ("customer-service", "Customer service", "customer-service", None,
         ["hotline", "customer-portal", "billing"], .12)],
    "cablis": [
        ("fixed-internet", "Cable internet", "fixed-internet", ["docsis"], ["hfc-plant", "cmts", "dns"], .50),
        ("landline", "Landline telephony", "landline", ["voip"], ["hfc-plant", "cmts", "voice-platform"], .10),
        ("tv", "Cable television", "tv", ["dvb-c"], ["hfc-plant", "tv-headend"], .22),
        ("customer-service", "Customer service", "customer-service", None, ["hotline", "billing"], .18)],
    "mobiflex": [
        ("mobile-data", "Mobile internet", "mobile-data", ["5g", "lte", "umts"],
         ["ran-4g5g", "ran-3g", "packet-core", "dns"], .45),
        ("mobile-voice", "Mobile calls", "mobile-voice", ["volte", "umts"],
         ["ran-4g5g", "ran-3g", "packet-core", "ims"], .20),
        ("sms", "SMS", "sms", ["lte", "umts"], ["ran-4g5g", "ran-3g", "smsc"], .08),
        ("customer-service", "Customer service", "customer-service", None, ["hotline", "billing"], .27)],
    "lumo-mobile": [
        ("mobile-data", "Mobile internet", "mobile-data", ["lte", "umts"],
         _H + ["mobiflex:packet-core", "mobiflex:dns", "subscriber-core"], .40),
        ("mobile-voice", "Mobile calls", "mobile-voice", ["volte", "umts"],
         _H + ["mobiflex:packet-core", "mobiflex:ims", "subscriber-core"], .20),
        ("sms", "SMS", "sms", ["lte", "umts"], _H + ["mobiflex:smsc", "subscriber-core"], .10),
        ("customer-service", "Customer service", "customer-service", None,
         ["support-desk", "billing"], .30)],
    "cinebox": [
        ("streaming", "Video streaming", "streaming", None, ["cdn", "playback-api", "catalogue"], .80),
        ("account", "Account and subscription", "account", None, ["auth", "payments"], .20)],
    "alize-banque": [
        ("web-banking", "Online banking (web)", "banking", None, ["web-front"], .35),
        ("mobile-banking", "Banking app", "banking", None, ["api-gateway"], .45),
        ("card-payments", "Card payments", "card-payments", None, ["card-switch"], .20)],
}
# (provider, id, name, unit, component, model, per-region, scale, {component: impact})
SIGNALS = [
    ("hexatel", "hotline-wait", "Hotline waiting time", "s", "hotline", "hotline", False, 150,
     {"hotline": 1, "crm": 1}),
    ("hexatel", "fixed-sessions", "Active broadband sessions", "sessions", "bng", "sessions", True,
     11.5e6, {"bng": .9, "olt": .55, "dslam": .3, "transport": .85, "ip-backbone": .9}),
    ("hexatel", "mobile-traffic", "Mobile data traffic", "Gbit/s", "ran-4g5g", "traffic", True, 2400,
     {"ran-4g5g": .7, "ran-2g3g": .1, "transport": .8, "mobile-core": .9, "ip-backbone": .9,
      "hss": .6, "dns": .3}),
    ("mobiflex", "hotline-wait", "Hotline waiting time", "s", "hotline", "hotline", False, 200,
     {"hotline": 1, "crm": 1}),
    ("mobiflex", "mobile-traffic", "Mobile data traffic", "Gbit/s", "ran-4g5g", "traffic", True, 1300,
     {"ran-4g5g": .7, "ran-3g": .1, "transport": .8, "packet-core": .9, "ip-backbone": .9,
      "hss": .6, "dns": .3}),
    ("cablis", "modems-online", "Cable modems online", "modems", "cmts", "sessions", True, 3.2e6,
     {"hfc-plant": .85, "cmts": .9, "ip-backbone": .2}),
    ("cinebox", "probe-latency", "Playback probe latency", "ms", "cdn", "latency", False, 38, {"cdn": 1}),
    ("alize-banque", "probe-latency", "API probe latency", "ms", "api-gateway", "latency", False, 90,
     {"api-gateway": 1, "auth": .8, "core-banking": .8}),
]
PROBES = [(p, c, ["FR-" + r for r in regs.split()]) for p, c, regs in (   # (provider, component, regions)
    ("hexatel", "dns", "IDF ARA PAC HDF"), ("hexatel", "bng", "IDF ARA NAQ OCC GES"),
    ("hexatel", "ran-4g5g", "IDF PAC BRE NOR"), ("mobiflex", "ran-4g5g", "IDF ARA OCC NOR BRE"),
    ("mobiflex", "packet-core", "IDF"), ("mobiflex", "dns", "IDF ARA"), ("cablis", "cmts", "IDF HDF GES NOR"),
    ("cinebox", "cdn", "IDF ARA PAC"), ("alize-banque", "api-gateway", "IDF NAQ"))]

IMPORTANCE = {"mobile-data": 1.0, "mobile-voice": .6, "sms": .15, "fixed-internet": 1.0,
              "landline": .2, "tv": .3, "customer-service": .25, "streaming": 1.0, "account": .3,
              "banking": .8, "card-payments": .5}
SPILL_TARGETS = ["hexatel", "mobiflex", "cablis"]

BG_MIX = {
    "mobile-data": {"no-internet": .35, "slow-internet": .3, "no-signal": .2, "total-outage": .05, "other": .1},
    "mobile-voice": {"no-calls": .55, "no-signal": .3, "total-outage": .05, "other": .1},
    "sms": {"no-sms": .85, "other": .15},
    "fixed-internet": {"no-internet": .4, "slow-internet": .35, "total-outage": .1, "other": .15},
    "landline": {"no-calls": .75, "total-outage": .1, "other": .15},
    "tv": {"other": .6, "total-outage": .3, "slow-internet": .1},
    "customer-service": {"hotline": .35, "billing": .35, "login": .2, "other": .1},
    "streaming": {"other": .35, "slow-internet": .25, "total-outage": .2, "login": .15, "no-internet": .05},
    "account": {"login": .55, "billing": .35, "other": .1},
    "banking": {"login": .5, "other": .3, "total-outage": .15, "billing": .05},
    "card-payments": {"other": .55, "billing": .25, "total-outage": .2},
    "": {"total-outage": .25, "no-internet": .2, "other": .3, "slow-internet": .1, "no-signal": .1, "login": .05},
    "online:": {"total-outage": .3, "other": .4, "login": .3},
}
FAULT_MIX = {
    "mobile-data": {"no-internet": .5, "total-outage": .22, "no-signal": .15, "slow-internet": .1, "other": .03},
    "mobile-voice": {"no-calls": .65, "no-signal": .18, "total-outage": .15, "other": .02},
    "sms": {"no-sms": .88, "total-outage": .08, "other": .04},
    "fixed-internet": {"no-internet": .62, "total-outage": .25, "slow-internet": .1, "other": .03},
    "landline": {"no-calls": .85, "total-outage": .12, "other": .03},
    "tv": {"total-outage": .5, "other": .45, "no-internet": .05},
    "customer-service": {"login": .35, "billing": .25, "hotline": .35, "other": .05},
    "streaming": {"total-outage": .5, "other": .2, "slow-internet": .15, "login": .1, "no-internet": .05},
    "account": {"login": .75, "other": .15, "billing": .1},
    "banking": {"login": .45, "total-outage": .4, "other": .15},
    "card-payments": {"other": .5, "total-outage": .35, "billing": .15},
    "": {"total-outage": .55, "other": .2, "no-internet": .2, "no-signal": .05},
    "online:": {"total-outage": .6, "login": .2, "other": .2},
}
_DNS = {"no-internet": .55, "slow-internet": .4, "other": .05}
_SPILL = {"no-internet": .45, "slow-internet": .45, "other": .1}
CLASS_MIX = {
    "radio": {"mobile-data": {"no-signal": .45, "no-internet": .3, "total-outage": .2, "slow-internet": .05},
              "mobile-voice": {"no-signal": .5, "no-calls": .4, "total-outage": .1},
              "sms": {"no-sms": .6, "no-signal": .4},
              "": {"no-signal": .4, "total-outage": .4, "no-internet": .2}},
    "dns": {"mobile-data": _DNS, "fixed-internet": _DNS,
            "": {"no-internet": .6, "slow-internet": .2, "other": .2}},
    "voice": {"mobile-voice": {"no-calls": .9, "total-outage": .07, "other": .03},
              "landline": {"no-calls": .92, "total-outage": .08}, "": {"no-calls": .7, "other": .3}},
    "auth": {"streaming": {"login": .6, "total-outage": .3, "other": .1},
             "banking": {"login": .75, "total-outage": .15, "other": .1}},
    "it": {"": {"login": .4, "billing": .3, "hotline": .3}},
    "spill": {"mobile-data": _SPILL, "fixed-internet": _SPILL,
              "": {"no-internet": .5, "slow-internet": .3, "other": .2}},
    "media": {"": {"total-outage": .45, "other": .3, "no-internet": .15, "no-signal": .1}},
}
COMP_CLASS = {"ran-4g5g": "radio", "ran-2g3g": "radio", "ran-3g": "radio", "transport": "radio",
              "hfc-plant": "radio", "olt": "radio", "dslam": "radio", "dns": "dns", "ims": "voice",
              "voice-platform": "voice", "auth": "auth", "crm": "it", "billing": "it",
              "hotline": "it", "support-desk": "it", "customer-portal": "it"}
SRC_TEL = {"web": .42, "app": .3, "social": .07, "call-center": .1, "email": .05, "api": .06}
SRC_ONL = {"web": .5, "app": .36, "social": .09, "email": .03, "api": .02}
SRC_FAULT = {"web": .45, "app": .3, "social": .15, "call-center": .05, "email": .02, "api": .03}
SRC_MEDIA = {"social": .35, "web": .4, "app": .2, "email": .05}
SVC_TXT = {"mobile-data": ("internet mobile", "mobile internet"), "mobile-voice": ("appels mobiles", "mobile calls"),
           "sms": ("SMS", "SMS"), "fixed-internet": ("internet fixe", "fixed internet"), "tv": ("TV", "TV"),
           "landline": ("téléphonie fixe", "landline"), "customer-service": ("service client", "customer service"),
           "streaming": ("lecture vidéo", "video playback"), "account": ("compte", "account"),
           "web-banking": ("banque en ligne", "online banking"), "mobile-banking": ("appli bancaire", "banking app"),
           "card-payments": ("paiements par carte", "card payments")}
WORKAROUND = {"ran-4g5g": ("Passez en 3G/2G dans les réglages.", "Switch to 3G/2G in your phone settings."),
              "dns": ("Utilisez un résolveur DNS alternatif.", "Use an alternative DNS resolver."),
              "ims": ("Utilisez une messagerie ou les SMS.", "Use SMS or a messaging app."),
              "crm": ("Utilisez l'application ; nos conseillers n'ont pas accès aux dossiers.",
                      "Use the app; agents cannot access customer records for now.")}
STORMS = [("ciaran", ["FR-BRE", "FR-NOR"]), ("domingos", ["FR-BRE", "FR-PDL"]), ("eunice", ["FR-NOR", "FR-HDF"]),
          ("aline", ["FR-PAC", "FR-OCC"]), ("bella", ["FR-PAC", "FR-COR"]), ("justine", ["FR-NAQ", "FR-OCC"]),
          ("gerard", ["FR-GES", "FR-BFC"]), ("louis", ["FR-BRE", "FR-PDL", "FR-NOR"]), ("celine", ["FR-HDF", "FR-IDF"])]

# hourly activity (local time), weekday / weekend-holiday; normalised below
HOURLY_WD = [.35, .2, .12, .09, .08, .12, .3, .65, 1.0, 1.25, 1.35, 1.35, 1.3, 1.3, 1.35, 1.35,
             1.35, 1.4, 1.45, 1.5, 1.55, 1.5, 1.2, .7]
HOURLY_WE = [.5, .3, .18, .12, .09, .1, .18, .35, .6, .9, 1.1, 1.25, 1.3, 1.25, 1.25, 1.3, 1.3,
             1.35, 1.4, 1.5, 1.55, 1.5, 1.25, .85]
PROFILE = {"telecom": ([1.0] * 24, 0.92),
           "evening": ([1.1] * 6 + [.75] * 6 + [.95] * 6 + [1.35] * 6, 1.1),
           "office": ([.6] * 7 + [.9] + [1.2] * 11 + [.9] * 3 + [.7] * 2, 0.7)}
HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}


def qual(p, c):
    return c if ":" in c else f"{p}:{c}"


def last_sunday(y, month):
    d = date(y, month, 31)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def paris_offset_h(dt):
    """UTC offset of Europe/Paris (EU rule: CEST from last Sun Mar 01:00Z to last Sun Oct 01:00Z)."""
    y = dt.year
    a = datetime.combine(last_sunday(y, 3), datetime.min.time()) + timedelta(hours=1)
    b = datetime.combine(last_sunday(y, 10), datetime.min.time()) + timedelta(hours=1)
    return 2 if a <= dt.replace(tzinfo=None) < b else 1


class Table:
    """Weighted choice with precomputed cumulative weights."""
    def __init__(self, weights):
        self.keys, self.cum = list(weights), list(itertools.accumulate(weights.values()))

    def pick(self, rng):
        return rng.choices(self.keys, cum_weights=self.cum)[0]


_TABLES = {}


def table(key, weights):
    if key not in _TABLES:
        _TABLES[key] = Table(weights)
    return _TABLES[key]


def closure(graph, keys):
    """All nodes reachable from keys in {node: [dependencies]} (unknown nodes are skipped)."""
    seen, stack = set(), list(keys)
    while stack:
        k = stack.pop()
        if k not in seen and k in graph:
            seen.add(k)
            stack.extend(graph[k])
    return seen


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam < 40:
        lim, k, p = math.exp(-lam), 0, rng.random()
        while p > lim:
            k += 1
            p *= rng.random()
        return k
    return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))


class World:
    def __init__(self):
        self.comp_deps = {f"{p}:{cid}": [qual(p, d) for d in deps]
                          for p, comps in COMPONENTS.items() for cid, _name, deps in comps}
        self.services, self.svc_kind, self.svc_clos = {}, {}, {}
        for p, svcs in SERVICES.items():
            self.services[p] = [s[0] for s in svcs]
            for sid, _n, kind, _t, deps, _w in svcs:
                self.svc_kind[(p, sid)] = kind
                self.svc_clos[(p, sid)] = closure(self.comp_deps, [qual(p, d) for d in deps])
        self.share = {}
        for p, info in PROVIDERS.items():
            fp = info.get("footprint") or REGION_IDS
            w = {r: POP[r] * info.get("skew", {}).get(r, 1.0) for r in fp}
            tot = sum(w.values())
            self.share[p] = {r: w[r] / tot for r in fp}

    def footprint(self, p):
        return list(self.share[p])

    def affected(self, root):
        """{provider: [services whose dependency closure contains root]}"""
        out = {q: [s for s in self.services[q] if root in self.svc_clos[(q, s)]] for q in PROVIDER_ORDER}
        return {q: s for q, s in out.items() if s}

    def weight_frac(self, q, svcs):
        allw = [IMPORTANCE[self.svc_kind[(q, s)]] for s in self.services[q]
                if self.svc_kind[(q, s)] != "customer-service"]
        return sum(IMPORTANCE[self.svc_kind[(q, s)]] for s in svcs) / sum(allw)


WORLD = World()


# ----------------------------------------------------------------------------- scenario objects
class Fault:
    def __init__(self, provider, comp, regions, start, end, cause, F, onset, ramp=0, spill=0.0):
        self.provider, self.comp, self.regions = provider, comp, regions  # regions None = national
        self.start, self.end, self.cause, self.F = int(start), int(end), cause, F
        self.onset, self.ramp, self.spill = onset, ramp, spill
        self.cls = COMP_CLASS.get(comp, "default")
        self.root = f"{provider}:{comp}"

    def in_scope(self, region):
        return self.regions is None or region in self.regions

    def tech_sev(self, x, tail=6.0):
        """Technical severity 0..1 (signals/probes), with a recovery tail after the end."""
        if x < self.start:
            return 0.0
        if x < self.end:
            return min(1.0, (x - self.start) / self.ramp) if self.onset == "slow" else 1.0
        return math.exp(-(x - self.end) / tail) if tail else 0.0

    def report_shape(self, x):
        if x < self.start:
            return 0.0
        d = min(x, self.end) - self.start
        if self.onset == "slow":
            on = min(1.0, d / self.ramp) ** 1.3
        else:
            on = 1 - math.exp(-d / (1.5 if self.onset == "step" else 4.0))
        v = on * (0.5 + 0.5 * math.exp(-d / 240))
        return v if x < self.end else v * math.exp(-(x - self.end) / 10)


class Impact:
    def __init__(self, provider, services, regions, national, root, fault, spill=False):
        self.provider, self.services, self.regions = provider, services, regions
        self.national, self.root, self.fault, self.spill = national, root, fault, spill
        self.rate = None


class Piece:
    def __init__(self, label):
        self.label, self.faults, self.reports, self.events = label, [], [], []
        self.noise_providers, self.lo, self.hi = set(), None, None

    def span(self, lo, hi):
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)

    def touched(self):
        t = set(self.noise_providers)
        for f in self.faults:
            t |= set(WORLD.affected(f.root))
            if f.spill:
                t |= set(SPILL_TARGETS)
        return t


class Ctx:
    def __init__(self, kind, seed, days):
        self.kind, self.seed, self.days, self.N = kind, seed, days, days * 1440
        self.salt = salt = f"gen4|{kind}|{seed}|{days}"     # independent streams per concern
        self.rng, self.rng_bg, self.rng_rep, self.rng_ev, self.rng_sig = (
            random.Random(f"{salt}|{x}") for x in ("scenario", "bg", "reporters", "events", "signals"))
        d0 = date(2023, 9, 4) + timedelta(days=(seed * 113 + 17) % 560)
        self.t0 = datetime(d0.year, d0.month, d0.day, tzinfo=timezone.utc)
        self.fday = self.rng.randint(1, days - 1) if days >= 2 else 0
        self.faults, self.reports, self.events, self.impacts = [], [], [], []
        self.n_cause = self.n_inc = 0
        self._activity()

    # -- time
    def _activity(self):
        """Per-minute activity (mean 1 on a weekday) for each provider, in Paris local time."""
        def norm(h):
            m = sum(h) / 24
            return [v / m for v in h]
        wd, we = norm(HOURLY_WD), norm(HOURLY_WE)
        profs = {}
        for k, (mult, wf) in PROFILE.items():
            ref = sum(a * b for a, b in zip(wd, mult)) / 24
            profs[k] = ([a * b / ref for a, b in zip(wd, mult)], [a * b / ref * wf for a, b in zip(we, mult)])
        curves = {k: [0.0] * self.N for k in profs}
        for m in range(self.N):
            utc = self.t0 + timedelta(minutes=m)
            loc = utc + timedelta(hours=paris_offset_h(utc))
            h = loc.hour + loc.minute / 60
            i, fr = int(h) % 24, h - int(h)
            off = loc.weekday() >= 5 or (loc.month, loc.day) in HOLIDAYS
            for k, (cwd, cwe) in profs.items():
                c = cwe if off else cwd
                curves[k][m] = c[i] * (1 - fr) + c[(i + 1) % 24] * fr
        self.act = {p: curves[info["profile"]] for p, info in PROVIDERS.items()}

    def local_min(self, day, hour):
        base = self.t0.replace(tzinfo=None) + timedelta(days=day, hours=hour)
        utc = base - timedelta(hours=paris_offset_h(base - timedelta(hours=1)))
        return int(round((utc - self.t0.replace(tzinfo=None)).total_seconds() / 60))

    def slot(self, lo, hi, day=None):
        return self.local_min(self.fday if day is None else day, self.rng.uniform(lo, hi))

    def night_slot(self, lo=0.5, hi=3.0):
        if self.days >= 2:
            return self.local_min(self.rng.randint(1, self.days - 1), self.rng.uniform(lo, hi))
        return self.local_min(0, self.rng.uniform(3.0, 4.0))

    def fmt(self, minutes):
        return (self.t0 + timedelta(seconds=int(minutes * 60))).strftime("%Y-%m-%dT%H:%M:%SZ")

    def pick_regions(self, k, pool=None):
        pool = list(pool or REGION_IDS)
        out = []
        for _ in range(min(k, len(pool))):
            r = self.rng.choices(pool, weights=[POP[x] for x in pool])[0]
            out.append(r)
            pool.remove(r)
        return sorted(out, key=REGION_IDS.index)

    # -- construction helpers
    def fault(self, piece, p, c, regions, start, dur, F, onset="step", ramp=0, tag="fault",
              cause=None, spill=0.0):
        if cause is None:
            self.n_cause += 1
            cause = f"{tag}-{p}-{c}-{self.n_cause}"
        f = Fault(p, c, regions, start, start + dur, cause, F, onset, ramp, spill)
        piece.faults.append(f)
        piece.span(f.start, f.end)
        return f

    def ev(self, piece, t, d):
        piece.events.append((t, dict({"time": None}, **d)))

    def title(self, p, svcs, regions, kind="net"):
        fr = ", ".join(SVC_TXT[s][0] for s in svcs)
        en = ", ".join(SVC_TXT[s][1] for s in svcs)
        where = "national" if regions is None else " ".join(regions)
        if kind == "maint":
            return {"fr": f"Maintenance programmée : {fr} ({where})",
                    "en": f"Planned maintenance: {en} ({where})"}
        return {"fr": f"Perturbation {PROVIDERS[p]['name']} : {fr} ({where})",
                "en": f"{PROVIDERS[p]['name']} disruption: {en} ({where})"}

    def declare(self, piece, p, comps, category, title, t_open, t_end, status="major-outage",
                workaround=None, post_mortem=False):
        rng = self.rng
        self.n_inc += 1
        iid = f"{p}-inc-{self.n_inc}"

        def inc(t, state):
            self.ev(piece, t, {"type": "incident", "id": iid, "provider": p, "category": category,
                               "components": comps, "state": state, "title": title})

        def stmt(t, fr, en, wa=None):
            d = {"type": "statement", "incident": iid, "text": {"fr": fr, "en": en}}
            if wa:
                d["workaround"] = {"fr": wa[0], "en": wa[1]}
            self.ev(piece, t, d)
        if post_mortem or t_open >= t_end:
            t = max(t_open, t_end + 30)
            inc(t, "resolved")
            stmt(t + 1, "Incident résolu ; analyse en cours.", "Incident resolved; root-cause analysis under way.")
            return iid
        inc(t_open, rng.choice(["suspected", "confirmed"]))
        for c in comps:
            self.ev(piece, t_open + 1, {"type": "component", "provider": p, "component": c, "status": status})
        stmt(t_open + rng.uniform(2, 10), "Nos équipes sont mobilisées. Prochain point dans 30 minutes.",
             "Our engineers are on it. Next update in 30 minutes.", workaround)
        t_id = t_open + rng.uniform(20, 60)
        if t_id < t_end:
            inc(t_id, "identified")
            stmt(t_id + 1, "Cause identifiée, rétablissement en cours.", "Cause identified, restoration in progress.",
                 workaround)
        t_mon = t_end + rng.uniform(2, 8)
        inc(t_mon, "monitoring")
        for c in comps:
            self.ev(piece, t_mon, {"type": "component", "provider": p, "component": c, "status": "operational"})
        inc(t_end + rng.uniform(15, 40), "resolved")
        return iid

    def maybe_declare(self, piece, f, prob, delay=(15, 90), category="network"):
        if self.rng.random() >= prob:
            return
        svcs = WORLD.affected(f.root)[f.provider]
        status = "major-outage" if f.regions is None else "partial-outage"
        t_open = f.start + self.rng.uniform(*delay)
        self.declare(piece, f.provider, [f.comp], category, self.title(f.provider, svcs, f.regions),
                     t_open, f.end, status, WORKAROUND.get(f.comp))


# ----------------------------------------------------------------------------- fault kinds
def b_national_step(ctx, rng, pc):
    p, c = rng.choice([("hexatel", "mobile-core"), ("hexatel", "ip-backbone"), ("hexatel", "hss"), ("cablis", "cmts"),
                       ("mobiflex", "packet-core"), ("mobiflex", "ims"), ("cablis", "ip-backbone"),
                       ("alize-banque", "core-banking"), ("alize-banque", "auth")])
    f = ctx.fault(pc, p, c, None, ctx.slot(8.5, 18.5), rng.randint(60, 300), rng.uniform(12, 25), tag="core")
    ctx.maybe_declare(pc, f, 0.7)


def b_regional_fast(ctx, rng, pc):
    p, c = rng.choice([("hexatel", "transport"), ("hexatel", "olt"), ("hexatel", "ran-4g5g"),
                       ("hexatel", "bng"), ("mobiflex", "ran-4g5g"), ("mobiflex", "transport")])
    f = ctx.fault(pc, p, c, ctx.pick_regions(rng.randint(1, 3)), ctx.slot(8.0, 19.0),
                  rng.randint(45, 240), rng.uniform(25, 50), onset="fast", tag="regional")
    ctx.maybe_declare(pc, f, 0.5, (20, 100))


def b_slow_onset(ctx, rng, pc):
    p, c = rng.choice([("hexatel", "dns"), ("mobiflex", "dns"), ("cablis", "dns"), ("mobiflex", "packet-core")])
    ramp = rng.randint(30, 60)
    f = ctx.fault(pc, p, c, None, ctx.slot(8.5, 17.0), ramp + rng.randint(60, 180), rng.uniform(10, 20),
                  onset="slow", ramp=ramp, tag="slow")
    ctx.maybe_declare(pc, f, 0.6, (60, 130))


def b_cable_regional(ctx, rng, pc):
    c = rng.choice(["hfc-plant", "cmts", "hfc-plant"])
    f = ctx.fault(pc, "cablis", c, ctx.pick_regions(rng.randint(1, 2), CABLE_FOOTPRINT),
                  ctx.slot(8.0, 19.5), rng.randint(60, 270), rng.uniform(25, 45), onset="fast", tag="cable")
    ctx.maybe_declare(pc, f, 0.4, (30, 120))


def b_mvno_host(ctx, rng, pc):
    regs = None if rng.random() < 0.5 else ctx.pick_regions(rng.randint(3, 5))
    f = ctx.fault(pc, "mobiflex", "ran-4g5g", regs, ctx.slot(8.5, 18.5), rng.randint(60, 240),
                  rng.uniform(15, 30), tag="host-ran")
    ctx.maybe_declare(pc, f, 0.7, (15, 60))
    if rng.random() < 0.5:
        ctx.declare(pc, "lumo-mobile", [], "third-party",
                    {"fr": "Incident chez notre opérateur hôte", "en": "Incident at our host network"},
                    f.start + rng.uniform(40, 120), f.end, "major-outage")


def b_mvno_own(ctx, rng, pc):
    c = rng.choices(["subscriber-core", "crm", "billing"], [.6, .25, .15])[0]
    F = rng.uniform(25, 40) if c == "subscriber-core" else rng.uniform(15, 30)
    f = ctx.fault(pc, "lumo-mobile", c, None, ctx.slot(8.5, 18.0), rng.randint(60, 300), F, tag="mvno-own")
    ctx.maybe_declare(pc, f, 0.5, (20, 90), "network" if c == "subscriber-core" else "it-system")


def b_online_spillover(ctx, rng, pc):
    c = rng.choices(["cdn", "playback-api", "auth"], [.5, .3, .2])[0]
    f = ctx.fault(pc, "cinebox", c, None, ctx.slot(18.0, 22.0), rng.randint(40, 150), rng.uniform(25, 45),
                  tag="streaming", spill=rng.uniform(0.25, 0.35))
    ctx.maybe_declare(pc, f, 0.8, (10, 45), "network" if c == "cdn" else "it-system")


COINC_POOL = [("hexatel", "mobile-core", 0), ("hexatel", "olt", 1), ("hexatel", "transport", 1),
              ("hexatel", "dns", 0), ("mobiflex", "ran-4g5g", 1), ("mobiflex", "packet-core", 0),
              ("cablis", "cmts", 1), ("cablis", "dns", 0), ("lumo-mobile", "subscriber-core", 0),
              ("alize-banque", "core-banking", 0)]
GROUP = {"hexatel": 0, "mobiflex": 1, "lumo-mobile": 1, "cablis": 2, "alize-banque": 3, "cinebox": 4}


def b_coincidence(ctx, rng, pc):
    a = rng.choice(COINC_POOL)
    b = rng.choice([x for x in COINC_POOL if GROUP[x[0]] != GROUP[a[0]]])
    t, prev = ctx.slot(9.0, 17.0), None
    for i, (p, c, reg) in enumerate((a, b)):
        regs = None
        if reg:
            pool = WORLD.footprint(p)
            if prev and rng.random() < 0.6 and set(prev) & set(pool):   # same region: harder
                regs = [rng.choice(sorted(set(prev) & set(pool), key=REGION_IDS.index))]
            else:
                regs = ctx.pick_regions(rng.randint(1, 2), pool)
            prev = regs
        start = t if i == 0 else t + rng.randint(5, 40)
        f = ctx.fault(pc, p, c, regs, start, rng.randint(60, 200),
                      rng.uniform(25, 45) if reg else rng.uniform(12, 25),
                      onset="fast" if reg else "step", tag="coinc")
        ctx.maybe_declare(pc, f, 0.5, (20, 90))


def b_same_provider(ctx, rng, pc):
    p = rng.choice(["hexatel", "mobiflex"])
    t = ctx.slot(9.0, 16.0)
    fa = ctx.fault(pc, p, "transport", ctx.pick_regions(rng.randint(1, 2)), t, rng.randint(90, 240),
                   rng.uniform(25, 45), onset="fast", tag="fibre-cut")
    fb = ctx.fault(pc, p, "ims", None, t + rng.randint(-30, 50), rng.randint(45, 150), rng.uniform(15, 25),
                   tag="voice-core")
    ctx.maybe_declare(pc, fa, 0.5, (30, 90))
    ctx.maybe_declare(pc, fb, 0.6, (15, 60))


def b_it_incident(ctx, rng, pc):
    p = rng.choice(["hexatel", "mobiflex", "cablis"])
    start = ctx.slot(8.0, 11.0)     # 6-12 h, up to 30 h when the package leaves room
    dur = min(rng.randint(360, 1800 if ctx.days - ctx.fday >= 3 else 720), ctx.N - 60 - start)
    f = ctx.fault(pc, p, "crm", None, start, dur, rng.uniform(15, 30), tag="crm")
    cat = rng.choice(["it-system", "security"])
    title = ({"fr": "Système client arrêté par précaution", "en": "Customer system shut down as a precaution"}
             if cat == "security" else
             {"fr": "Panne du système de gestion client", "en": "Customer management system failure"})
    ctx.declare(pc, p, ["crm"], cat, title, start + rng.uniform(5, 60), f.end, "major-outage", WORKAROUND["crm"])


def b_night(ctx, rng, pc):
    p, c, reg = rng.choice([("hexatel", "mobile-core", 0), ("hexatel", "olt", 1), ("mobiflex", "ran-4g5g", 1),
                            ("mobiflex", "packet-core", 0), ("cablis", "cmts", 1), ("hexatel", "bng", 1)])
    regs = ctx.pick_regions(rng.randint(1, 3), WORLD.footprint(p)) if reg else None
    f = ctx.fault(pc, p, c, regs, ctx.night_slot(), rng.randint(45, 150), rng.uniform(10, 20), tag="night")
    r = rng.random()
    if r < 0.3:
        ctx.maybe_declare(pc, f, 1.0, (20, 60))
    elif r < 0.6:   # post-mortem the next morning
        svcs = WORLD.affected(f.root)[p]
        ctx.declare(pc, p, [c], "network", ctx.title(p, svcs, regs), f.end + rng.uniform(240, 360), f.end,
                    post_mortem=True)


def b_media_wave(ctx, rng, pc):
    """A news article makes people report across telecoms; no fault (not in truth)."""
    t, dur = ctx.slot(9.0, 20.0), rng.randint(60, 120)
    target = rng.choice(["hexatel", "mobiflex"])
    for p in ("hexatel", "mobiflex", "cablis", "lumo-mobile"):
        boost = rng.uniform(1.5, 3.0) if p == target else rng.uniform(0.3, 0.6)
        svcs = [s for s in WORLD.services[p] if s != "customer-service"]
        for m in range(t, min(ctx.N, t + 2 * dur)):
            d = m - t
            lam = boost * PROVIDERS[p]["rate"] * ctx.act[p][m] * (1 - math.exp(-d / 6)) * math.exp(-d / (dur / 2))
            for _ in range(poisson(rng, lam)):
                svc = "" if rng.random() < 0.35 else rng.choice(svcs)
                mix = CLASS_MIX["media"][""] if svc == "" else BG_MIX[WORLD.svc_kind[(p, svc)]]
                pc.reports.append([m + rng.random(), p, svc, table(("m", svc or p), mix).pick(rng),
                                   table(("r", p), WORLD.share[p]).pick(rng), None,
                                   table("smedia", SRC_MEDIA).pick(rng), 0.05])
        pc.noise_providers.add(p)
    pc.span(t, t + 2 * dur)


def b_flood(ctx, rng, pc):
    """2-4 reporter keys (bots / angry users) submit dozens to hundreds of reports (not in truth)."""
    p = rng.choices(["lumo-mobile", "cablis", "mobiflex", "hexatel", "cinebox"], [.3, .25, .2, .15, .1])[0]
    region = table(("r", p), WORLD.share[p]).pick(rng)
    t = ctx.slot(7.0, 22.0)
    for b in range(rng.randint(2, 4)):
        key = hashlib.blake2b(f"{ctx.salt}|bot|{b}".encode(), digest_size=6).hexdigest()
        svc = rng.choice(WORLD.services[p])
        prob = rng.choice(["total-outage", "no-internet", "other", "login"])
        src = rng.choice(["api", "web", "app"])
        n, dur = rng.randint(40, 250), rng.randint(20, 90)
        x = t + rng.uniform(0, 20)
        reg = region if rng.random() < 0.7 else table(("r", p), WORLD.share[p]).pick(rng)
        for _ in range(n):
            x += rng.expovariate(n / dur)
            if x >= ctx.N:
                break
            pr = prob if rng.random() < 0.85 else rng.choice(PROBLEMS)
            pc.reports.append([x, p, svc, pr, reg, key, src, 0])
        pc.span(t, x)
    pc.noise_providers.add(p)


def b_maintenance(ctx, rng, pc):
    if rng.random() < 0.6:
        p, c, regs = "hexatel", "olt", ctx.pick_regions(rng.randint(1, 2))
    else:
        p, c, regs = "alize-banque", "core-banking", None
    start = ctx.night_slot(0.0, 1.0)
    planned = rng.randint(180, 240)
    dur = planned + (rng.randint(20, 60) if rng.random() < 0.3 else 0)
    f = ctx.fault(pc, p, c, regs, start, dur, rng.uniform(15, 25), tag="maintenance")
    _maint_events(ctx, pc, p, c, regs, start, start + planned, f.end)
    # a hitless maintenance, declared but without service impact: NOT in truth
    s2 = ctx.night_slot(1.0, 2.0)
    _maint_events(ctx, pc, "mobiflex", "ims", None, s2, s2 + 120, s2 + rng.randint(60, 120), impact=False)
    pc.noise_providers.add("mobiflex")


def _maint_events(ctx, pc, p, c, regs, start, planned_end, end, impact=True):
    """Announced 8-20 h ahead; component in maintenance during the window; overruns are stated."""
    title = ctx.title(p, WORLD.affected(f"{p}:{c}")[p], regs, "maint") if impact else {
        "fr": "Maintenance programmée sans interruption du cœur de réseau voix",
        "en": "Planned hitless maintenance of the voice core"}
    ctx.n_inc += 1
    iid, announce = f"{p}-maint-{ctx.n_inc}", max(5, start - ctx.rng.randint(480, 1200))
    inc = {"type": "incident", "id": iid, "provider": p, "category": "maintenance", "components": [c]}
    window = f"{ctx.fmt(start)} – {ctx.fmt(planned_end)} (UTC)"
    for t, d in ((announce, dict(inc, state="confirmed", title=title)),
                 (announce + 1, {"type": "statement", "incident": iid,
                                 "text": {"fr": f"Maintenance {window}.", "en": f"Maintenance {window}."}}),
                 (start, {"type": "component", "provider": p, "component": c, "status": "maintenance"}),
                 (planned_end, {"type": "statement", "incident": iid, "text": {
                     "fr": "La maintenance se prolonge.", "en": "The maintenance is overrunning."}}
                  if end > planned_end else None),
                 (end, {"type": "component", "provider": p, "component": c, "status": "operational"}),
                 (end + ctx.rng.uniform(3, 15), dict(inc, state="resolved", title=title))):
        if d:
            ctx.ev(pc, t, d)


def b_storm(ctx, rng, pc):
    name, regs = rng.choice(STORMS)
    cause = f"storm-{name}-{ctx.seed}"
    t = ctx.slot(12.0, 17.0)
    for p, c, prob in (("hexatel", "transport", .8), ("mobiflex", "ran-4g5g", .4), ("cablis", "hfc-plant", .5)):
        r = [x for x in regs if x in WORLD.footprint(p)]
        if not r:
            continue
        f = ctx.fault(pc, p, c, r, t + rng.randint(0, 25), rng.randint(150, 360), rng.uniform(20, 35),
                      onset="fast", cause=cause)
        ctx.maybe_declare(pc, f, prob, (30, 120))


def b_quiet(ctx, rng, pc):
    """No fault at all (precision check)."""


# every b_<kind>(ctx, rng, piece) above is a kind, in definition order; "mixed" combines them
BUILDERS = {n[2:].replace("_", "-"): f for n, f in list(globals().items()) if n.startswith("b_")}
NO_TRUTH_KINDS = {"media-wave", "flood", "quiet"}
MIX_POOL = [k for k in BUILDERS if k not in ("coincidence", "same-provider", "quiet")]
KINDS = list(BUILDERS) + ["mixed"]


def run_piece(ctx, kind):
    pc = Piece(kind)
    BUILDERS[kind](ctx, ctx.rng, pc)
    return pc


def b_mixed(ctx, rng):
    """Two or three non-conflicting pieces: disjoint touched providers or >= 90 min apart."""
    want, chosen = rng.choice([2, 3]), []
    for _ in range(40):
        if len(chosen) == want:
            break
        k = rng.choice([x for x in MIX_POOL if x not in {c.label for c in chosen}])
        pc = run_piece(ctx, k)
        ok = all(not (pc.touched() & o.touched()) or pc.lo > o.hi + 90 or o.lo > pc.hi + 90 for o in chosen)
        if ok:
            chosen.append(pc)
    return chosen


# ----------------------------------------------------------------------------- generation
def build(kind, seed, days):
    ctx = Ctx(kind, seed, days)
    pieces = b_mixed(ctx, ctx.rng) if kind == "mixed" else [run_piece(ctx, kind)]
    ctx.pieces = pieces
    for pc in pieces:
        ctx.faults += pc.faults
        ctx.reports += pc.reports
        ctx.events += pc.events
    for f in ctx.faults:
        assert 30 <= f.start < f.end <= ctx.N - 20, (kind, seed, f.cause, f.start, f.end)
    make_impacts(ctx)
    background(ctx)
    fault_reports(ctx)
    assign_reporters(ctx)
    probes(ctx)
    signals(ctx)
    return ctx


def make_impacts(ctx):
    for f in ctx.faults:
        own = []
        for q, svcs in WORLD.affected(f.root).items():
            fp = WORLD.footprint(q)
            regs = fp if f.regions is None else [r for r in f.regions if r in fp]
            if not regs:
                continue
            imp = Impact(q, svcs, regs, f.regions is None, f.comp if q == f.provider else f.root, f)
            share = sum(WORLD.share[q][r] for r in regs)
            k = PROVIDERS[q]["rate"] * f.F * WORLD.weight_frac(q, svcs) * share
            act = ctx.act[q]
            imp.rate = [0.0] * ctx.N
            for m in range(max(0, f.start), min(ctx.N, f.end + 60)):
                imp.rate[m] = k * act[m] * f.report_shape(m + 0.5)
            own.append(imp)
        ctx.impacts += own
        if f.spill:
            origin = [i for i in own if i.provider == f.provider]
            for q in SPILL_TARGETS:
                svcs = [s for s in ("mobile-data", "fixed-internet") if s in WORLD.services[q]]
                imp = Impact(q, svcs, WORLD.footprint(q), True, f.root, f, spill=True)
                k = f.spill * PROVIDERS[q]["mshare"]
                imp.rate = [k * sum(o.rate[m] for o in origin) for m in range(ctx.N)]
                ctx.impacts.append(imp)


def background(ctx):
    rng = ctx.rng_bg
    for p, info in PROVIDERS.items():
        online = info["kind"] == "online-service"
        svcs = {sid: w for sid, _n, _k, _t, _d, w in SERVICES[p]}
        st, rt = table(("s", p), svcs), table(("r", p), WORLD.share[p])
        srct = table("sonl" if online else "stel", SRC_ONL if online else SRC_TEL)
        empty = 0.1 if online else 0.15
        slow = g = 0.0
        for m in range(ctx.N):
            if m % 60 == 0:
                slow = 0.85 * slow + rng.gauss(0, 0.05)
            if m % 10 == 0:
                g = rng.gammavariate(16, 1 / 16)
            for _ in range(poisson(rng, info["rate"] * ctx.act[p][m] * math.exp(slow) * g)):
                svc = "" if rng.random() < empty else st.pick(rng)
                kind = WORLD.svc_kind[(p, svc)] if svc else ("online:" if online else "")
                region = rt.pick(rng)
                if p == "cablis" and rng.random() < 0.01:    # mislocated / travelling customer
                    region = rng.choice(REGION_IDS)
                ctx.reports.append([m + rng.random(), p, svc, table(("b", kind), BG_MIX[kind]).pick(rng),
                                    region, None, srct.pick(rng), 0.08])
        # a few "regulars" who report several times a day (none for the smallest providers)
        for i in range(3 if info["rate"] >= 1 else 1 if info["rate"] >= 0.5 else 0):
            key = hashlib.blake2b(f"{ctx.salt}|regular|{p}|{i}".encode(), digest_size=6).hexdigest()
            region, svc = rt.pick(rng), st.pick(rng)
            for d in range(ctx.days):
                for _ in range(rng.randint(3, 8) if info["rate"] >= 1 else rng.randint(2, 4)):
                    m = ctx.local_min(d, rng.uniform(8, 23)) + rng.random()
                    if 0 <= m < ctx.N:
                        pr = table(("b", WORLD.svc_kind[(p, svc)]), BG_MIX[WORLD.svc_kind[(p, svc)]]).pick(rng)
                        ctx.reports.append([m, p, svc, pr, region, key, srct.pick(rng), 0])


def fault_reports(ctx):
    rng = ctx.rng_bg
    st_src = table("sfault", SRC_FAULT)
    for imp in ctx.impacts:
        q, f = imp.provider, imp.fault
        cls = "spill" if imp.spill else f.cls
        rt = table(("rr", q, tuple(imp.regions)), {r: WORLD.share[q][r] for r in imp.regions})
        svt = table(("fs", q, tuple(imp.services)),
                    {s: IMPORTANCE[WORLD.svc_kind[(q, s)]] for s in imp.services})
        others = [s for s in WORLD.services[q] if s not in imp.services]
        online = PROVIDERS[q]["kind"] == "online-service"
        for m in range(ctx.N):
            lam = imp.rate[m]
            if lam <= 0:
                continue
            lo = max(m, f.start)
            for _ in range(poisson(rng, lam)):
                u = rng.random()
                if u < 0.12:
                    svc = ""
                elif u < 0.15 and others and not imp.spill:
                    svc = rng.choice(others)       # misattributed service
                else:
                    svc = svt.pick(rng)
                kind = WORLD.svc_kind[(q, svc)] if svc else ("online:" if online else "")
                mis = svc in others
                mix = BG_MIX[kind] if mis else (CLASS_MIX.get(cls, {}).get(kind) or FAULT_MIX[kind])
                ctx.reports.append([lo + rng.random() * (m + 1 - lo), q, svc,
                                    table(("fm", cls, kind, mis), mix).pick(rng),
                                    rt.pick(rng), None, st_src.pick(rng), 0.2])


def assign_reporters(ctx):
    rng = ctx.rng_rep
    ctx.reports.sort(key=lambda r: r[0])
    recent, n = {}, 0
    for r in ctx.reports:
        if r[5]:
            continue
        lst = recent.setdefault((r[1], r[4]), [])
        key = None
        if lst and rng.random() < r[7]:
            cand = lst[rng.randrange(max(0, len(lst) - 200), len(lst))]
            if r[0] - cand[0] < 1440:
                key, cand[0] = cand[1], r[0]
        if key is None:
            n += 1
            key = hashlib.blake2b(f"{ctx.salt}|rep|{n}".encode(), digest_size=6).hexdigest()
            lst.append([r[0], key])
        r[5] = key


def probes(ctx):
    rng = ctx.rng_ev
    for p, c, regs in PROBES:
        clos = closure(WORLD.comp_deps, [f"{p}:{c}"])
        fl = [f for f in ctx.faults if f.root in clos]
        for reg in regs:
            step = rng.choice([5, 10, 15])
            t = rng.uniform(0, step)
            while t < ctx.N:
                sev = max([f.tech_sev(t, tail=0) for f in fl if f.in_scope(reg)] + [0.0])
                ok = not (rng.random() < 0.97 * sev or rng.random() < 0.004)
                ctx.events.append((t, {"time": None, "type": "probe", "provider": p, "component": c,
                                       "region": reg, "ok": ok}))
                t += step + rng.uniform(-0.5, 0.5)


def signals(ctx):
    rng = ctx.rng_sig
    ctx.signal_rows = rows = []
    for p, sid, _n, _u, comp, model, per_region, scale, sens in SIGNALS:
        fl = [f for f in ctx.faults if f.provider == p and f.comp in sens]
        regs = WORLD.footprint(p) if per_region else [""]
        step = 2 if model == "latency" else 5
        hot_clos = closure(WORLD.comp_deps, [f"{p}:{comp}"])
        own_imps = [i for i in ctx.impacts if i.provider == p]
        for reg in regs:
            z = 0.0
            share = WORLD.share[p].get(reg, 1.0)
            for m in range(rng.randint(0, step - 1), ctx.N, step):
                z = 0.8 * z + rng.gauss(0, 0.6)
                act = ctx.act[p][m]
                if reg:
                    drop = max([sens[f.comp] * f.tech_sev(m) for f in fl if f.in_scope(reg)] + [0.0])
                else:
                    drop = max([sens[f.comp] * f.tech_sev(m) *
                                (1 if f.regions is None else sum(WORLD.share[p].get(r, 0) for r in f.regions))
                                for f in fl] + [0.0])
                if model == "hotline":
                    utc = ctx.t0 + timedelta(minutes=m)
                    lh = (utc.hour + paris_offset_h(utc)) % 24
                    if not 7 <= lh < 22:
                        continue
                    load = sum(i.rate[m] for i in own_imps) / (PROVIDERS[p]["rate"] * max(act, 0.2))
                    crm = max([f.tech_sev(m, 30) for f in ctx.faults if f.root in hot_clos] + [0.0])
                    v = (scale * (0.5 + 0.6 * min(act, 1.6)) * math.exp(0.12 * z) * (1 + 0.12 * load)
                         * (1 + 2.5 * crm))
                    v = round(min(v, 5400))
                elif model == "traffic":
                    v = round(scale * share * (0.12 + 0.55 * act) * (1 + 0.03 * z) * (1 - drop), 1)
                elif model == "sessions":
                    v = round(scale * share * (0.955 + 0.02 * math.sin(m / 229)) * (1 + 0.002 * z) * (1 - drop))
                else:  # latency
                    v = scale * (1 + 0.2 * act) + rng.gammavariate(2, scale * 0.08)
                    if rng.random() < 0.01:
                        v *= 3
                    if drop > 0.05:
                        v += drop * rng.uniform(1500, 6000)
                    v = round(v, 1)
                rows.append((m + rng.uniform(0, 0.5), p, sid, reg, v))
    rows.sort(key=lambda r: r[0])


def truth(ctx):
    out, n = [], 0
    for imp in sorted(ctx.impacts, key=lambda i: (i.fault.start, PROVIDER_ORDER.index(i.provider))):
        n += 1
        full = set(WORLD.footprint(imp.provider)) == set(REGION_IDS)
        regions = "*" if imp.national and full else sorted(imp.regions, key=REGION_IDS.index)
        out.append({"id": f"{imp.provider}-{n}", "provider": imp.provider, "services": imp.services,
                    "regions": regions, "start": ctx.fmt(imp.fault.start), "end": ctx.fmt(imp.fault.end),
                    "cause": imp.fault.cause, "root_component": imp.root})
    return {"outages": out}


def topology_toml():
    def tab(table_name, **kv):
        kv = {k: v for k, v in kv.items() if v is not None}
        return [f"[[{table_name}]]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in kv.items()] + [""]
    L = []
    for p, info in PROVIDERS.items():
        L += tab("providers", id=p, name=info["name"], kind=info["kind"], country="FR")
    for rid, name, _pop in REGIONS:
        L += tab("regions", id=rid, name=name)
    for p, comps in COMPONENTS.items():
        for cid, name, deps in comps:
            L += tab("components", provider=p, id=cid, name=name, depends_on=deps)
    for p, svcs in SERVICES.items():
        for sid, name, _k, tech, deps, _w in svcs:
            L += tab("services", provider=p, id=sid, name=name, technologies=tech, depends_on=deps)
    for p, sid, name, unit, comp, *_ in SIGNALS:
        L += tab("signals", provider=p, id=sid, name=name, unit=unit, component=comp)
    return "\n".join(L)


def write(ctx, out):
    """Write the five files; ctx.counts records what was written."""
    os.makedirs(out, exist_ok=True)
    reps = [[ctx.fmt(r[0])] + r[1:7] for r in ctx.reports if 0 <= r[0] < ctx.N]
    evs = [dict(d, time=ctx.fmt(t)) for t, d in sorted(ctx.events, key=lambda e: e[0]) if 0 <= t < ctx.N]
    sigs = [[ctx.fmt(t), p, s, r, v] for t, p, s, r, v in ctx.signal_rows if t < ctx.N]
    outs = truth(ctx)["outages"]
    ctx.counts = {"reports": len(reps), "events": len(evs), "signals": len(sigs), "truth": len(outs)}
    with open(os.path.join(out, "topology.toml"), "w", encoding="utf-8") as fh:
        fh.write(topology_toml())
    for name, header, rows in (("reports.csv", "time,provider,service,problem,region,reporter,source", reps),
                               ("signals.csv", "time,provider,signal,region,value", sigs)):
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header.split(","))
            w.writerows(rows)
    with open(os.path.join(out, "events.jsonl"), "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n" for d in evs)
    with open(os.path.join(out, "truth.json"), "w", encoding="utf-8") as fh:
        fh.write('{"outages": [\n' + ",\n".join("  " + json.dumps(o, ensure_ascii=False) for o in outs) + "\n]}\n")


# ----------------------------------------------------------------------------- validation
TOPO_KEYS = {"providers": ({"id", "name", "kind", "country"}, set()), "regions": ({"id", "name"}, set()),
             "components": ({"provider", "id", "name"}, {"depends_on"}),
             "services": ({"provider", "id", "name"}, {"depends_on", "technologies"}),
             "signals": ({"provider", "id", "name", "unit", "component"}, set())}
EVENT_KEYS = {"incident": ({"time", "type", "id", "provider", "category", "components", "state", "title"}, set()),
              "statement": ({"time", "type", "incident", "text"}, {"workaround"}),
              "component": ({"time", "type", "provider", "component", "status"}, set()),
              "probe": ({"time", "type", "provider", "component", "region", "ok"}, set())}
ENUMS = {"category": {"network", "it-system", "security", "maintenance", "third-party"},
         "state": {"suspected", "confirmed", "identified", "monitoring", "resolved"},
         "status": {"operational", "degraded", "partial-outage", "major-outage", "maintenance"}}
TRUTH_KEYS = {"id", "provider", "services", "regions", "start", "end", "cause", "root_component"}


def validate(out, kind=None, window=None):
    """Re-read a package from disk and check it against the format; returns a list of errors."""
    import tomllib
    errs = []

    def err(where, msg):
        if len(errs) < 40:
            errs.append(f"{os.path.basename(out)}/{where}: {msg}")

    def keys_ok(where, obj, req, opt):
        if set(obj) - req - opt or req - set(obj):
            err(where, f"unknown keys {sorted(set(obj) - req - opt)} / missing {sorted(req - set(obj))}")

    def when(where, s, last=None):
        """Parse an RFC 3339 UTC time; check the window and the order; return the time (or last)."""
        if not isinstance(s, str) or not TIME_RE.match(s):
            err(where, f"bad time {s!r}")
            return last
        t = datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
        if window and not window[0] <= t < window[1]:
            err(where, f"time {s} outside the package window")
        if last and t < last:
            err(where, "not time-ordered")
        return t
    with open(os.path.join(out, "topology.toml"), "rb") as fh:
        topo = tomllib.load(fh)
    if set(topo) - set(TOPO_KEYS):
        err("topology.toml", f"unknown tables {sorted(set(topo) - set(TOPO_KEYS))}")
    provs, regions, comps, svcs, sigs, deps = {}, set(), {}, {}, set(), {}
    for tab, (req, opt) in TOPO_KEYS.items():
        for i, o in enumerate(topo.get(tab, [])):
            w, oid, p = f"topology.toml [[{tab}]] #{i + 1}", o.get("id", ""), o.get("provider")
            keys_ok(w, o, req, opt)
            if not (REGION_RE if tab == "regions" else ID_RE).match(oid):
                err(w, f"bad id {oid!r}")
            if tab == "regions":
                regions.add(oid)
            elif tab == "providers":
                provs[oid] = o
                if o.get("kind") not in ("telecom", "online-service") or not re.match(r"[A-Z]{2}\Z", o["country"]):
                    err(w, "bad kind or country")
            elif p not in provs:
                err(w, f"unknown provider {p!r}")
            elif tab == "signals":
                sigs.add((p, oid))
                if o["component"] not in comps.get(p, ()):
                    err(w, "unknown component")
            else:
                deps[f"{p}:{oid}" if tab == "components" else f"svc|{p}:{oid}"] = \
                    [qual(p, d) for d in o.get("depends_on", [])]
                (comps if tab == "components" else svcs).setdefault(p, set()).add(oid)
                if not all(ID_RE.match(t) for t in o.get("technologies", [])):
                    err(w, "bad technology id")
    for k, ds in deps.items():
        if any(d not in deps or d.startswith("svc|") for d in ds):
            err("topology.toml", f"{k} depends on an unknown component: {ds}")
    state = {}

    def cyclic(k):
        if state.get(k) != 2:
            if state.get(k) == 1:
                return True
            state[k] = 1
            if any(cyclic(d) for d in deps.get(k, [])):
                return True
            state[k] = 2
        return False
    if any(cyclic(k) for k in list(deps)):
        err("topology.toml", "dependency cycle")

    def rows(name, header):
        with open(os.path.join(out, name), encoding="utf-8", newline="") as fh:
            rd = csv.reader(fh)
            if next(rd, None) != header:
                err(name, "bad header")
            for ln, row in enumerate(rd, 2):
                if len(row) != len(header):
                    err(f"{name}:{ln}", "wrong column count")
                else:
                    yield f"{name}:{ln}", row
    last = None
    for w, (t, p, s, prob, reg, rep, src) in rows("reports.csv", ["time", "provider", "service", "problem",
                                                                 "region", "reporter", "source"]):
        last = when(w, t, last)
        if p not in provs or (s and s not in svcs.get(p, ())) or reg not in regions:
            err(w, f"unknown provider/service/region {p}/{s}/{reg}")
        if prob not in PROBLEMS or src not in SOURCES or not re.match(r"[0-9a-f]{8,}\Z", rep):
            err(w, f"bad problem/source/reporter {prob}/{src}/{rep}")
    last = None
    for w, (t, p, sig, reg, v) in rows("signals.csv", ["time", "provider", "signal", "region", "value"]):
        last = when(w, t, last)
        try:
            ok = math.isfinite(float(v))
        except ValueError:
            ok = False
        if not ok or (p, sig) not in sigs or (reg and reg not in regions):
            err(w, "bad signal, region or value")
    last, incidents = None, set()
    with open(os.path.join(out, "events.jsonl"), encoding="utf-8") as fh:
        for ln, line in enumerate(fh, 1):
            w = f"events.jsonl:{ln}"
            try:
                e = json.loads(line)
            except ValueError as ex:
                err(w, str(ex))
                continue
            ty, p = e.get("type"), e.get("provider")
            last = when(w, e.get("time"), last)
            if ty not in EVENT_KEYS:
                err(w, f"unknown type {ty!r}")
                continue
            keys_ok(w, e, *EVENT_KEYS[ty])
            if ty != "statement" and p not in provs:
                err(w, f"unknown provider {p!r}")
            if any(k in e and e[k] not in vals for k, vals in ENUMS.items()):
                err(w, "value outside the vocabulary")
            if ty == "incident":
                incidents.add(e.get("id"))
                if not ID_RE.match(str(e.get("id"))) or any(c not in comps.get(p, ()) for c in e.get("components")):
                    err(w, "bad incident id or component")
            if any(not isinstance(e[k], dict) or not e[k] or not all(isinstance(v, str) and v for v in e[k].values())
                   for k in ("title", "text", "workaround") if k in e):
                err(w, "bad text map")
            if ty == "statement" and e.get("incident") not in incidents:
                err(w, "statement for an undeclared incident")
            if ty in ("component", "probe") and e.get("component") not in comps.get(p, ()):
                err(w, "unknown component")
            if ty == "probe" and (e.get("region") not in regions or not isinstance(e.get("ok"), bool)):
                err(w, "bad probe")
    with open(os.path.join(out, "truth.json"), encoding="utf-8") as fh:
        tr = json.load(fh)
    if set(tr) != {"outages"}:
        err("truth.json", "top level must be exactly {outages}")
    outs, ids = tr.get("outages", []), set()
    for o in outs:
        w = f"truth.json {o.get('id')}"
        keys_ok(w, o, TRUTH_KEYS, set())
        if set(o) != TRUTH_KEYS:
            continue
        p, root = o["provider"], o["root_component"]
        if not ID_RE.match(o["id"]) or o["id"] in ids or not ID_RE.match(o["cause"]):
            err(w, "bad or duplicate id, or bad cause")
        ids.add(o["id"])
        if p not in provs or not o["services"] or len(set(o["services"])) != len(o["services"]) \
                or any(s not in svcs.get(p, ()) for s in o["services"]):
            err(w, "bad provider/services")
        if o["regions"] != "*" and (not isinstance(o["regions"], list) or not o["regions"]
                                    or any(r not in regions for r in o["regions"])):
            err(w, "bad regions")
        s, e = when(w, o["start"]), when(w, o["end"])
        if s and e and not s < e:
            err(w, "start >= end")
        R = qual(p, root)
        if R not in deps:
            err(w, f"unknown root component {root}")
            continue
        expect = sorted(x for x in svcs.get(p, ()) if R in closure(deps, deps[f"svc|{p}:{x}"]))
        if expect and sorted(o["services"]) != expect:
            err(w, f"services {o['services']} != services whose closure holds {R}: {expect}")
        if not expect:   # only a spill-over: an outage of the online service with the same cause
            rp, rc = R.split(":")
            if provs.get(rp, {}).get("kind") != "online-service" \
                    or not set(o["services"]) <= {"mobile-data", "fixed-internet"} \
                    or not any(x["provider"] == rp and x["root_component"] == rc and x["cause"] == o["cause"]
                               for x in outs):
                err(w, f"root {R} is in no closure of its services and this is no spill-over")
    if kind in NO_TRUTH_KINDS and outs:
        err("truth.json", f"kind {kind} must have no outages")
    if kind and kind not in NO_TRUTH_KINDS and kind != "mixed" and not outs:
        err("truth.json", f"kind {kind} has no outages")
    return errs


# ----------------------------------------------------------------------------- CLI
def generate(kind, seed, days, out):
    ctx = build(kind, seed, days)
    write(ctx, out)
    return ctx


def self_check():
    """Generate every kind (seeds 1, 2; a few at 1 and 4 days), validate, check determinism."""
    bad = 0
    print(f"{'kind':17} seed days  reports  events signals truth   secs  pieces")
    with tempfile.TemporaryDirectory(prefix="gen4-") as tmp:
        runs = [(k, s, 2) for k in KINDS for s in (1, 2)]
        runs += [(k, 3, d) for k in ("mixed", "night", "it-incident", "maintenance", "storm") for d in (1, 4)]
        for kind, seed, days in runs:
            out, t = os.path.join(tmp, f"{kind}-{seed}-{days}"), time.time()
            ctx = generate(kind, seed, days, out)
            dt, t0 = time.time() - t, ctx.t0.replace(tzinfo=None)
            errs = validate(out, kind, (t0, t0 + timedelta(days=days)))
            c = ctx.counts
            print(f"{kind:17} {seed:4} {days:4} {c['reports']:8} {c['events']:7} {c['signals']:7} {c['truth']:5} "
                  f"{dt:6.2f}  {'+'.join(p.label for p in ctx.pieces)}")
            for e in errs:
                print("  FAIL", e)
            bad += bool(errs)
        for kind in ("mixed", "storm"):
            a, b = os.path.join(tmp, "det-a"), os.path.join(tmp, "det-b")
            generate(kind, 7, 2, a)
            generate(kind, 7, 2, b)
            for fn in sorted(os.listdir(a)):
                if open(os.path.join(a, fn), "rb").read() != open(os.path.join(b, fn), "rb").read():
                    print(f"  FAIL determinism: {kind} {fn} differs")
                    bad += 1
    print("self-check:", "OK" if not bad else f"{bad} FAILED")
    return 1 if bad else 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="gen4.py", description="Generate a French outage scenario package.")
    ap.add_argument("--kind", help="scenario kind (see --list)")
    ap.add_argument("--seed", type=int, help="non-negative integer seed")
    ap.add_argument("--days", type=int, default=2, help=f"package length in days, 1..{MAX_DAYS} (default 2)")
    ap.add_argument("--out", help="output directory (created if missing)")
    ap.add_argument("--list", action="store_true", help="print the kinds, one per line")
    ap.add_argument("--self-check", action="store_true", help="generate every kind and validate it")
    a = ap.parse_args(argv)
    if a.list:
        print("\n".join(KINDS))
        return 0
    if a.self_check:
        return self_check()
    if a.kind is None or a.seed is None or a.out is None:
        ap.error("--kind, --seed and --out are required (or use --list / --self-check)")
    if a.kind not in KINDS:
        ap.error(f"unknown kind {a.kind!r}; known kinds: {', '.join(KINDS)}")
    if a.seed < 0:
        ap.error(f"--seed must be >= 0, got {a.seed}")
    if not 1 <= a.days <= MAX_DAYS:
        ap.error(f"--days must be between 1 and {MAX_DAYS}, got {a.days}")
    if os.path.exists(a.out) and not os.path.isdir(a.out):
        ap.error(f"--out {a.out!r} exists and is not a directory")
    ctx = generate(a.kind, a.seed, a.days, a.out)
    print(f"{a.out}: " + ", ".join(f"{v} {k}" for k, v in ctx.counts.items()) + f"; starts {ctx.fmt(0)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
