//! A deterministic generator of scenario packages with truth, for tests and benchmarks.
//!
//! Traffic follows a daily shape (a night trough near zero, an evening peak), a weekly shape
//! (later, lower weekends), provider size and regional population. Background reports come from
//! unique reporters with a realistic mix of services, problems and sources. On top of that a
//! scenario *kind* adds outages (listed in the truth) or confounders that must not be detected
//! (floods by few reporters, bot bursts, quiet nights, a public holiday, data gaps). The same
//! seed, kind and number of days always give the same package, byte for byte.

use std::collections::BTreeMap;
use std::path::Path;

use radar_core::event::{
    ComponentEvent, ComponentName, ComponentStatus, Event, IncidentCategory, IncidentEvent,
    IncidentId, IncidentState, LocalizedText, ProbeEvent, StatementEvent,
};
use radar_core::topology::Topology;
use radar_core::{ProviderId, RegionId, Report, ServiceId, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::eval::{Regions, Truth, TruthOutage};
use crate::package::{reporter_key, write_package, Package, ReportRow};

/// Local time of the simulated population relative to UTC (Central European Summer Time).
pub const LOCAL_OFFSET_SECS: i64 = 2 * 3600;

/// The scenario kinds `radar simulate --kind` accepts.
pub const KINDS: &[&str] = &[
    "national",
    "regional",
    "lte",
    "ramp",
    "blip",
    "partial",
    "spillover",
    "declared",
    "may2017",
    "concurrent",
    "spam-flood",
    "bot-burst",
    "quiet-night",
    "holiday",
    "data-gap",
    "mixed",
];

/// Scenario kinds for the correlation suite: cascades through the dependency graph (several
/// services under one root, and across providers), spill-over, a security shutdown beside a
/// network outage with a call surge, and concurrent unrelated outages (different operators, the
/// same region, the same operator). [`generate`] accepts these besides [`KINDS`].
pub const CORRELATION_KINDS: &[&str] = &[
    "core-cascade",
    "backbone-cascade",
    "mvno-cascade",
    "spillover",
    "security-network",
    "may2017",
    "concurrent",
    "same-region",
    "same-provider-concurrent",
];

/// Scenario kinds that reproduce misses reported on packages of an independent generator
/// (issue 9); [`generate`] accepts these besides [`KINDS`] and [`CORRELATION_KINDS`], and
/// `bench/scenario-compare` scores them. They are kept out of the fixed suites so that the
/// suites' recorded figures stay comparable.
/// - `coincident-unrelated`: an online service's national outage with spill-over at one
///   telecom (mobile data, "no internet"/"login"), while two unrelated faults of the other
///   telecoms start within minutes: a regional DSL fault with failing access probes and a
///   national mobile-voice fault ("no calls", "no signal").
/// - `national-sparse`: a national fault of one telecom whose reports come mostly from the
///   populous Länder (small Länder get few reports), with probes of its root failing in six
///   Länder.
/// - `slow-national`: a national fault of the largest provider (Telekom) whose reports rise
///   linearly from the background to a modest plateau (1.5–4 times the provider's peak rate)
///   over 30–60 minutes and then stay there for 3–5 hours (a DNS or routing fault). The truth
///   starts at the ramp's start.
/// - `slow-regional`: the same in 1–3 Länder.
pub const STRESS_KINDS: &[&str] = &[
    "coincident-unrelated",
    "national-sparse",
    "slow-national",
    "slow-regional",
];

/// The generated topology with one cross-provider dependency: 1&1's mobile core runs on O2's
/// (`1und1-de:mobile-core` depends on `o2-de:mobile-core`), so an O2 core fault cascades.
pub fn topology_toml_mvno() -> String {
    let plain = topology_toml();
    let from = "provider = \"1und1-de\"\nid = \"mobile-core\"\nname = \"Mobile core network\"\ndepends_on = [\"ip-backbone\"]";
    let to = "provider = \"1und1-de\"\nid = \"mobile-core\"\nname = \"Mobile core network\"\ndepends_on = [\"ip-backbone\", \"o2-de:mobile-core\"]";
    debug_assert!(plain.contains(from));
    plain.replacen(from, to, 1)
}

/// The compact German topology used by generated scenarios: the 16 Länder, four network
/// operators with the same component skeleton, and one messaging service.
pub fn topology_toml() -> String {
    let mut s = String::from(
        "# Generated scenario topology: the 16 Länder, four operators, one messaging service.\n\n",
    );
    for (id, name, kind, size) in PROVIDERS {
        s.push_str(&format!(
            "[[providers]]\nid = \"{id}\"\nname = \"{name}\"\nkind = \"{kind}\"\ncountry = \"{}\"\ncustomers_millions = {size}\n\n",
            if *kind == "telecom" { "DE" } else { "US" }
        ));
    }
    for (id, name, pop) in REGIONS {
        s.push_str(&format!(
            "[[regions]]\nid = \"{id}\"\nname = \"{name}\"\npopulation = {pop}\n\n"
        ));
    }
    for (id, _, kind, _) in PROVIDERS {
        if *kind != "telecom" {
            continue;
        }
        for (cid, name, tech, deps) in TELECOM_COMPONENTS {
            s.push_str(&format!(
                "[[components]]\nprovider = \"{id}\"\nid = \"{cid}\"\nname = \"{name}\"\n"
            ));
            if let Some(t) = tech {
                s.push_str(&format!("technology = \"{t}\"\n"));
            }
            s.push_str(&format!("depends_on = [{}]\n\n", quoted(deps)));
        }
        for (sid, name, techs, deps) in TELECOM_SERVICES {
            s.push_str(&format!(
                "[[services]]\nprovider = \"{id}\"\nid = \"{sid}\"\nname = \"{name}\"\n"
            ));
            if !techs.is_empty() {
                s.push_str(&format!("technologies = [{}]\n", quoted(techs)));
            }
            s.push_str(&format!("depends_on = [{}]\n\n", quoted(deps)));
        }
    }
    s.push_str(
        "[[components]]\nprovider = \"whatsapp\"\nid = \"messaging\"\nname = \"Messaging backend\"\n\n\
         [[services]]\nprovider = \"whatsapp\"\nid = \"messaging\"\nname = \"Messaging\"\ndepends_on = [\"messaging\"]\n",
    );
    s
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// (id, name, kind, customers in millions)
const PROVIDERS: &[(&str, &str, &str, f64)] = &[
    ("telekom-de", "Telekom", "telecom", 55.0),
    ("vodafone-de", "Vodafone", "telecom", 30.0),
    ("o2-de", "O2", "telecom", 45.0),
    ("1und1-de", "1&1", "telecom", 12.0),
    ("whatsapp", "WhatsApp", "online-service", 50.0),
];

/// Evening-peak background rate (reports per minute, whole country) per provider.
const PEAK_RATE: &[(&str, f64)] = &[
    ("telekom-de", 5.0),
    ("vodafone-de", 3.5),
    ("o2-de", 3.5),
    ("1und1-de", 1.0),
    ("whatsapp", 4.0),
];

const TELECOMS: &[&str] = &["telekom-de", "vodafone-de", "o2-de", "1und1-de"];
const BIG_TELECOMS: &[&str] = &["telekom-de", "vodafone-de", "o2-de"];

/// (id, name, inhabitants)
const REGIONS: &[(&str, &str, u64)] = &[
    ("DE-BW", "Baden-Württemberg", 11_280_000),
    ("DE-BY", "Bayern", 13_370_000),
    ("DE-BE", "Berlin", 3_760_000),
    ("DE-BB", "Brandenburg", 2_570_000),
    ("DE-HB", "Bremen", 680_000),
    ("DE-HH", "Hamburg", 1_890_000),
    ("DE-HE", "Hessen", 6_280_000),
    ("DE-MV", "Mecklenburg-Vorpommern", 1_570_000),
    ("DE-NI", "Niedersachsen", 8_140_000),
    ("DE-NW", "Nordrhein-Westfalen", 18_140_000),
    ("DE-RP", "Rheinland-Pfalz", 4_160_000),
    ("DE-SL", "Saarland", 990_000),
    ("DE-SN", "Sachsen", 4_040_000),
    ("DE-ST", "Sachsen-Anhalt", 2_150_000),
    ("DE-SH", "Schleswig-Holstein", 2_960_000),
    ("DE-TH", "Thüringen", 2_100_000),
];

/// Regions large enough for a regional outage to stand out.
const BIG_REGIONS: &[&str] = &["DE-BY", "DE-NW", "DE-BW", "DE-NI", "DE-HE", "DE-BE"];

type ComponentSpec = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

const TELECOM_COMPONENTS: &[ComponentSpec] = &[
    ("ip-backbone", "IP backbone", None, &[]),
    ("mobile-core", "Mobile core network", None, &["ip-backbone"]),
    ("lte-ran", "LTE radio access", Some("lte"), &["mobile-core"]),
    (
        "umts-ran",
        "UMTS radio access",
        Some("umts"),
        &["mobile-core"],
    ),
    ("gsm-ran", "GSM radio access", Some("gsm"), &["mobile-core"]),
    ("voice-core", "Voice core", None, &["mobile-core"]),
    (
        "dsl-access",
        "DSL access network",
        Some("dsl"),
        &["ip-backbone"],
    ),
    ("crm", "Customer management system", None, &[]),
];

type ServiceSpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const TELECOM_SERVICES: &[ServiceSpec] = &[
    (
        "mobile-data",
        "Mobile internet",
        &["lte", "umts", "gsm"],
        &["lte-ran", "umts-ran", "gsm-ran", "mobile-core"],
    ),
    (
        "mobile-voice",
        "Mobile calls and SMS",
        &["umts", "gsm"],
        &["umts-ran", "gsm-ran", "voice-core"],
    ),
    ("dsl", "DSL internet", &["dsl"], &["dsl-access"]),
    (
        "customer-service",
        "Hotline and customer service",
        &[],
        &["crm"],
    ),
];

/// Share of background reports per service (`""` = the reporter picked none).
const TELECOM_SERVICE_MIX: &[(&str, f64)] = &[
    ("mobile-data", 0.38),
    ("mobile-voice", 0.15),
    ("dsl", 0.25),
    ("customer-service", 0.08),
    ("", 0.14),
];
const ONLINE_SERVICE_MIX: &[(&str, f64)] = &[("messaging", 0.85), ("", 0.15)];

fn background_problems(service: &str) -> &'static [(&'static str, f64)] {
    match service {
        "mobile-data" => &[
            ("no-internet", 0.4),
            ("slow-internet", 0.3),
            ("no-signal", 0.2),
            ("other", 0.1),
        ],
        "mobile-voice" => &[
            ("no-calls", 0.5),
            ("no-signal", 0.3),
            ("no-sms", 0.1),
            ("other", 0.1),
        ],
        "dsl" => &[
            ("no-internet", 0.45),
            ("slow-internet", 0.3),
            ("total-outage", 0.15),
            ("other", 0.1),
        ],
        "customer-service" => &[("hotline", 0.5), ("billing", 0.3), ("login", 0.2)],
        "messaging" => &[
            ("other", 0.4),
            ("login", 0.2),
            ("total-outage", 0.2),
            ("no-internet", 0.2),
        ],
        _ => &[("total-outage", 0.3), ("other", 0.4), ("no-internet", 0.3)],
    }
}

fn outage_problems(service: &str) -> &'static [(&'static str, f64)] {
    match service {
        "mobile-data" => &[
            ("no-internet", 0.55),
            ("slow-internet", 0.15),
            ("no-signal", 0.3),
        ],
        "mobile-voice" => &[("no-calls", 0.6), ("no-signal", 0.3), ("no-sms", 0.1)],
        "dsl" => &[
            ("no-internet", 0.6),
            ("total-outage", 0.3),
            ("slow-internet", 0.1),
        ],
        "customer-service" => &[("hotline", 0.7), ("billing", 0.1), ("login", 0.2)],
        "messaging" => &[("total-outage", 0.5), ("other", 0.3), ("login", 0.2)],
        _ => &[("total-outage", 0.5), ("no-internet", 0.5)],
    }
}

pub(crate) const SOURCES: &[(&str, f64)] = &[
    ("web", 0.55),
    ("app", 0.3),
    ("social", 0.07),
    ("api", 0.03),
    ("email", 0.03),
    ("call-center", 0.02),
];

/// Daily shape: fraction of the evening peak at each local hour (interpolated in between).
pub(crate) const WEEKDAY_SHAPE: [f64; 24] = [
    0.22, 0.1, 0.05, 0.03, 0.03, 0.05, 0.15, 0.35, 0.55, 0.65, 0.7, 0.72, 0.75, 0.72, 0.7, 0.72,
    0.75, 0.8, 0.88, 0.95, 1.0, 0.95, 0.75, 0.45,
];
pub(crate) const WEEKEND_SHAPE: [f64; 24] = [
    0.3, 0.15, 0.07, 0.04, 0.03, 0.03, 0.06, 0.12, 0.25, 0.45, 0.6, 0.7, 0.72, 0.72, 0.7, 0.7,
    0.72, 0.75, 0.82, 0.9, 0.95, 0.9, 0.72, 0.5,
];

/// Something in the data that must not be detected as an outage.
#[derive(Clone, Debug, PartialEq)]
pub struct Confounder {
    /// `spam-flood`, `bot-burst`, `quiet-night`, `holiday`, `data-gap`.
    pub kind: String,
    /// None when it concerns every provider.
    pub provider: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub reporters: usize,
    pub reports: usize,
}

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct GenConfig {
    pub seed: u64,
    /// One of [`KINDS`]; None picks one from the seed.
    pub kind: Option<String>,
    /// Length in days (at least 2: the first day is baseline only).
    pub days: u32,
    /// Scales all traffic (1.0 = the default volume).
    pub volume: f64,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 1,
            kind: None,
            days: 3,
            volume: 1.0,
        }
    }
}

/// A generated package, in memory.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub kind: String,
    pub seed: u64,
    pub topology_toml: String,
    pub rows: Vec<ReportRow>,
    pub events: Vec<Event>,
    pub truth: Truth,
    pub confounders: Vec<Confounder>,
    /// Per truth outage id: expected background reports per minute of the provider in the
    /// affected regions at onset.
    pub baselines: BTreeMap<String, f64>,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Scenario {
    /// The package as the loader would produce it (same reporter keys).
    pub fn package(&self) -> Package {
        let topology = Topology::from_toml("topology.toml", &self.topology_toml)
            .expect("generated topology is valid");
        let reports = self
            .rows
            .iter()
            .map(|r| Report {
                time: r.time,
                provider: ProviderId::parse(&r.provider).expect("generated id"),
                service: r
                    .service
                    .as_deref()
                    .map(|s| ServiceId::parse(s).expect("generated id")),
                problem: r.problem.parse().expect("generated problem"),
                region: RegionId::parse(&r.region).expect("generated id"),
                reporter: reporter_key(&r.reporter),
                source: r.source.parse().expect("generated source"),
            })
            .collect();
        Package {
            dir: Path::new(&self.name).to_path_buf(),
            topology,
            reports,
            events: self.events.clone(),
            signals: Vec::new(),
        }
    }

    /// Writes `topology.toml`, `reports.csv`, `events.jsonl` and `truth.json` into `dir`
    /// (created if needed).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        write_package(
            dir,
            &self.topology_toml,
            &self.rows,
            &self.events,
            &[],
            &self.truth,
        )
    }
}

/// Generates one scenario. Errors only for an unknown kind or fewer than 2 days.
pub fn generate(cfg: &GenConfig) -> Result<Scenario, String> {
    let kind = match &cfg.kind {
        Some(k)
            if KINDS.contains(&k.as_str())
                || CORRELATION_KINDS.contains(&k.as_str())
                || STRESS_KINDS.contains(&k.as_str()) =>
        {
            k.clone()
        }
        Some(k) => {
            return Err(format!(
                "unknown scenario kind {k:?}; known kinds: {}, {}, {}",
                KINDS.join(", "),
                CORRELATION_KINDS.join(", "),
                STRESS_KINDS.join(", ")
            ))
        }
        None => KINDS[(cfg.seed % KINDS.len() as u64) as usize].to_owned(),
    };
    if cfg.days < 2 {
        return Err("a scenario needs at least 2 days (the first day is baseline only)".into());
    }
    if !(cfg.volume > 0.0 && cfg.volume.is_finite()) {
        return Err("volume must be a positive number".into());
    }
    let mut g = Gen::new(cfg, &kind);
    g.plan(&kind);
    Ok(g.finish(&kind))
}

/// A planned outage: reports on top of the background.
#[derive(Clone, Debug)]
struct Plan {
    id: String,
    provider: &'static str,
    services: Vec<&'static str>,
    regions: Option<Vec<&'static str>>,
    start: i64,
    end: i64,
    cause: String,
    root: Option<String>,
    /// Outage reports per minute at full strength, as a multiple of the provider's peak rate
    /// over the affected regions.
    intensity: f64,
    ramp_secs: i64,
    /// Listed in the truth (spill-over is, background-only effects are not).
    in_truth: bool,
    /// Problem mix of its reports; None = the service's usual outage mix.
    problems: Option<&'static [(&'static str, f64)]>,
    /// Reports per region ∝ population^`region_skew` (1 = by population; above 1 the small
    /// regions get fewer reports than their population share).
    region_skew: f64,
    /// Share of full strength the ramp starts from (0 = a linear rise from the background).
    ramp_floor: f64,
}

struct Gen {
    topology: String,
    rng: ChaCha8Rng,
    seed: u64,
    days: u32,
    volume: f64,
    start: i64,
    end: i64,
    holiday: Option<u32>,
    night_factor: f64,
    plans: Vec<Plan>,
    rows: Vec<ReportRow>,
    events: Vec<Event>,
    confounders: Vec<Confounder>,
    gaps: Vec<(i64, i64)>,
    reporter_counter: u64,
    region_cum: Vec<(&'static str, f64)>,
}

fn cumulative<T: Copy>(items: &[(T, f64)]) -> Vec<(T, f64)> {
    let total: f64 = items.iter().map(|i| i.1).sum();
    let mut acc = 0.0;
    items
        .iter()
        .map(|&(t, w)| {
            acc += w / total;
            (t, acc)
        })
        .collect()
}

/// A weighted draw.
pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|i| i.1).sum();
    let mut x = rng.gen::<f64>() * total;
    for &(t, w) in items {
        if x < w {
            return t;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

fn pick_cum<T: Copy>(rng: &mut ChaCha8Rng, cum: &[(T, f64)]) -> T {
    let x = rng.gen::<f64>();
    for &(t, c) in cum {
        if x < c {
            return t;
        }
    }
    cum[cum.len() - 1].0
}

/// A Poisson draw (exact below 30, normal approximation above).
pub(crate) fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < 30.0 {
        let l = (-lambda).exp();
        let mut k = 0;
        let mut p = 1.0;
        loop {
            p *= rng.gen::<f64>();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
    // Normal approximation (Box–Muller).
    let u1: f64 = rng.gen::<f64>().max(1e-12);
    let u2: f64 = rng.gen();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (lambda + z * lambda.sqrt()).round().max(0.0) as u32
}

/// The `counter`th reporter of a package generated from `seed`: splitmix64 of the two, an
/// opaque, unique-looking 12-digit hex string.
pub(crate) fn reporter_string(seed: u64, counter: u64) -> String {
    let mut z = seed
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(counter.wrapping_mul(0xbf58_476d_1ce4_e5b9));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    format!("{:012x}", z & 0xffff_ffff_ffff)
}

/// A 24-hour table at local hour `h`, interpolated linearly between hours.
pub(crate) fn interp(table: &[f64; 24], h: f64) -> f64 {
    let i = h.floor() as usize % 24;
    let frac = h - h.floor();
    table[i] * (1.0 - frac) + table[(i + 1) % 24] * frac
}

fn peak_rate(provider: &str) -> f64 {
    PEAK_RATE
        .iter()
        .find(|p| p.0 == provider)
        .map(|p| p.1)
        .unwrap_or(1.0)
}

fn region_weight(region: &str) -> f64 {
    let total: u64 = REGIONS.iter().map(|r| r.2).sum();
    REGIONS
        .iter()
        .find(|r| r.0 == region)
        .map(|r| r.2 as f64 / total as f64)
        .unwrap_or(0.0)
}

fn is_telecom(provider: &str) -> bool {
    TELECOMS.contains(&provider)
}

/// German and English text.
pub(crate) fn text(de: &str, en: &str) -> LocalizedText {
    LocalizedText(
        [
            ("de".to_owned(), de.to_owned()),
            ("en".to_owned(), en.to_owned()),
        ]
        .into_iter()
        .collect(),
    )
}

impl Gen {
    fn new(cfg: &GenConfig, kind: &str) -> Self {
        // Mix the kind into the seed so that kinds with the same seed differ.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in kind.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01b3);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ h);
        // Start at local midnight of a day in spring 2017.
        let day0 = 17_287 + rng.gen_range(0..60i64); // 2017-05-01 + 0..60 days
        let start = day0 * 86_400 - LOCAL_OFFSET_SECS;
        let end = start + i64::from(cfg.days) * 86_400;
        let region_cum = cumulative(
            &REGIONS
                .iter()
                .map(|r| (r.0, r.2 as f64))
                .collect::<Vec<_>>(),
        );
        Gen {
            topology: if kind == "mvno-cascade" {
                topology_toml_mvno()
            } else {
                topology_toml()
            },
            rng,
            seed: cfg.seed,
            days: cfg.days,
            volume: cfg.volume,
            start,
            end,
            holiday: None,
            night_factor: 1.0,
            plans: Vec::new(),
            rows: Vec::new(),
            events: Vec::new(),
            confounders: Vec::new(),
            gaps: Vec::new(),
            reporter_counter: 0,
            region_cum,
        }
    }

    fn new_reporter(&mut self) -> String {
        self.reporter_counter += 1;
        reporter_string(self.seed, self.reporter_counter)
    }

    /// Local hour (fractional) and whether the day is a weekend or holiday.
    fn local(&self, t: i64) -> (f64, bool) {
        let local = t + LOCAL_OFFSET_SECS;
        let day = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        // 1970-01-01 was a Thursday: weekday 0 = Monday.
        let weekday = (day + 3).rem_euclid(7);
        let day_index = (t - self.start).div_euclid(86_400);
        let holiday = self
            .holiday
            .map(|h| i64::from(h) == day_index)
            .unwrap_or(false);
        (secs as f64 / 3600.0, weekday >= 5 || holiday)
    }

    /// Background traffic as a fraction of the evening peak.
    fn shape(&self, t: i64) -> f64 {
        let (h, weekend) = self.local(t);
        let table = if weekend {
            &WEEKEND_SHAPE
        } else {
            &WEEKDAY_SHAPE
        };
        let mut v = interp(table, h);
        if !(6.0..22.0).contains(&h) {
            v *= self.night_factor;
        }
        let day_index = (t - self.start).div_euclid(86_400);
        if self.holiday == Some(day_index as u32) {
            v *= 0.6;
        }
        v
    }

    /// How strongly an ongoing outage produces reports at time t (people notice less at night).
    fn activity(&self, t: i64) -> f64 {
        0.35 + 0.65 * self.shape(t).min(1.0)
    }

    fn rand_time(&mut self, day: u32, from_hour: f64, to_hour: f64) -> i64 {
        let h = self.rng.gen_range(from_hour..to_hour);
        self.start + i64::from(day) * 86_400 + (h * 3600.0) as i64 / 60 * 60
    }

    /// A random day after the first (baseline) day.
    fn outage_day(&mut self) -> u32 {
        self.rng.gen_range(1..self.days)
    }

    fn add(&mut self, p: Plan) {
        self.plans.push(p);
    }

    #[allow(clippy::too_many_arguments)]
    fn outage(
        &mut self,
        id: &str,
        provider: &'static str,
        services: &[&'static str],
        regions: Option<Vec<&'static str>>,
        start: i64,
        minutes: i64,
        root: &str,
        intensity: f64,
        ramp_secs: i64,
    ) -> String {
        let cause = format!("{id}-cause");
        let end = (start + minutes * 60).min(self.end - 1800);
        self.add(Plan {
            id: id.to_owned(),
            provider,
            services: services.to_vec(),
            regions,
            start,
            end,
            cause: cause.clone(),
            root: Some(root.to_owned()),
            intensity,
            ramp_secs,
            in_truth: true,
            problems: None,
            region_skew: 1.0,
            ramp_floor: 0.05,
        });
        cause
    }

    fn telecom(&mut self) -> &'static str {
        BIG_TELECOMS[self.rng.gen_range(0..BIG_TELECOMS.len())]
    }

    /// Two different big telecoms.
    fn two_telecoms(&mut self) -> (&'static str, &'static str) {
        let a = self.telecom();
        let mut b = self.telecom();
        while b == a {
            b = self.telecom();
        }
        (a, b)
    }

    fn big_region(&mut self) -> &'static str {
        BIG_REGIONS[self.rng.gen_range(0..BIG_REGIONS.len())]
    }

    /// A DSL access fault in one region.
    fn regional_dsl(
        &mut self,
        id: &str,
        provider: &'static str,
        region: &'static str,
        start: i64,
        minutes: i64,
    ) -> String {
        self.outage(
            id,
            provider,
            &["dsl"],
            Some(vec![region]),
            start,
            minutes,
            "dsl-access",
            15.0,
            180,
        )
    }

    /// A national LTE radio fault (`lte-1`) whose probes fail while it lasts.
    fn lte_with_probes(&mut self, provider: &'static str, start: i64, minutes: i64) -> String {
        let cause = self.outage(
            "lte-1",
            provider,
            &["mobile-data"],
            None,
            start,
            minutes,
            "lte-ran",
            10.0,
            180,
        );
        self.probes(provider, "lte-ran", start, start + minutes * 60);
        cause
    }

    fn plan_main(&mut self, kind: &str) {
        let day = self.outage_day();
        match kind {
            "national" => {
                let p = self.telecom();
                let t = self.rand_time(day, 8.0, 19.0);
                let m = self.rng.gen_range(90..240);
                self.outage(
                    "national-1",
                    p,
                    &["mobile-data", "mobile-voice"],
                    None,
                    t,
                    m,
                    "mobile-core",
                    12.0,
                    120,
                );
            }
            "regional" => {
                let p = self.telecom();
                let r = self.big_region();
                let t = self.rand_time(day, 8.0, 19.0);
                let m = self.rng.gen_range(60..180);
                self.regional_dsl("regional-1", p, r, t, m);
            }
            "lte" => {
                let p = self.telecom();
                let t = self.rand_time(day, 9.0, 17.0);
                let m = self.rng.gen_range(120..300);
                self.lte_with_probes(p, t, m);
            }
            "ramp" => {
                let p = self.telecom();
                let t = self.rand_time(day, 8.0, 16.0);
                let m = self.rng.gen_range(150..300);
                let ramp = self.rng.gen_range(30..60) * 60;
                self.outage(
                    "ramp-1",
                    p,
                    &["mobile-data", "mobile-voice", "dsl"],
                    None,
                    t,
                    m,
                    "ip-backbone",
                    10.0,
                    ramp,
                );
            }
            "blip" => {
                let p = self.telecom();
                let t = self.rand_time(day, 9.0, 20.0);
                let m = self.rng.gen_range(10..16);
                self.outage(
                    "blip-1",
                    p,
                    &["mobile-data", "mobile-voice"],
                    None,
                    t,
                    m,
                    "mobile-core",
                    20.0,
                    60,
                );
            }
            "partial" => {
                let p = self.telecom();
                let mut regions: Vec<&'static str> = Vec::new();
                while regions.len() < 3 {
                    let r = self.big_region();
                    if !regions.contains(&r) {
                        regions.push(r);
                    }
                }
                regions.sort_unstable();
                let t = self.rand_time(day, 7.0, 12.0);
                let m = self.rng.gen_range(360..600);
                self.outage(
                    "partial-1",
                    p,
                    &["dsl"],
                    Some(regions),
                    t,
                    m,
                    "dsl-access",
                    5.0,
                    600,
                );
            }
            "spillover" => self.plan_spillover(day),
            "declared" => {
                let p = self.telecom();
                let t = self.rand_time(day, 9.0, 17.0);
                let end = t + self.rng.gen_range(20..40) * 3600;
                self.plan_crm(p, t, end);
            }
            "may2017" => {
                // The seed story: a declared CRM shutdown days before, and an unrelated LTE
                // outage of the same operator while it is still down.
                let t_crm = self.rand_time(0, 14.0, 18.0);
                self.plan_crm("o2-de", t_crm, self.end);
                let t = self.rand_time(self.days - 1, 12.0, 15.0);
                let m = self.rng.gen_range(240..300);
                self.outage(
                    "lte-1",
                    "o2-de",
                    &["mobile-data"],
                    None,
                    t,
                    m,
                    "lte-ran",
                    10.0,
                    240,
                );
            }
            "concurrent" => {
                // Two unrelated outages of different operators at the same time.
                let t = self.rand_time(day, 9.0, 17.0);
                let (a, b) = self.two_telecoms();
                self.outage(
                    "national-1",
                    a,
                    &["mobile-data", "mobile-voice"],
                    None,
                    t,
                    120,
                    "mobile-core",
                    12.0,
                    120,
                );
                let r = self.big_region();
                let t2 = t + self.rng.gen_range(5..40) * 60;
                self.regional_dsl("regional-1", b, r, t2, 90);
            }
            "core-cascade" | "backbone-cascade" => {
                // One root under several services: each service is an outage of its own in the
                // truth, all with the same cause.
                let p = self.telecom();
                let t = self.rand_time(day, 8.0, 18.0);
                let m = self.rng.gen_range(90..200);
                let (root, services): (&str, &[&'static str]) = if kind == "core-cascade" {
                    ("mobile-core", &["mobile-data", "mobile-voice"])
                } else {
                    ("ip-backbone", &["mobile-data", "mobile-voice", "dsl"])
                };
                let cause = format!("{root}-fault");
                let end = (t + m * 60).min(self.end - 1800);
                for (i, svc) in services.iter().enumerate() {
                    let lag = if i == 0 {
                        0
                    } else {
                        self.rng.gen_range(0..4) * 60
                    };
                    self.add(Plan {
                        id: format!("{svc}-1"),
                        provider: p,
                        services: vec![svc],
                        regions: None,
                        start: t + lag,
                        end,
                        cause: cause.clone(),
                        root: Some(root.into()),
                        intensity: 10.0,
                        ramp_secs: 120,
                        in_truth: true,
                        problems: None,
                        region_skew: 1.0,
                        ramp_floor: 0.05,
                    });
                }
            }
            "mvno-cascade" => {
                // O2's mobile core fails; 1&1's mobile core runs on it.
                let t = self.rand_time(day, 8.0, 18.0);
                let m = self.rng.gen_range(90..200);
                let cause = self.outage(
                    "o2-core-1",
                    "o2-de",
                    &["mobile-data", "mobile-voice"],
                    None,
                    t,
                    m,
                    "mobile-core",
                    10.0,
                    120,
                );
                let lag = self.rng.gen_range(1..5) * 60;
                self.add(Plan {
                    id: "mvno-1".into(),
                    provider: "1und1-de",
                    services: vec!["mobile-data", "mobile-voice"],
                    regions: None,
                    start: t + lag,
                    end: (t + m * 60).min(self.end - 1800),
                    cause,
                    root: Some("o2-de:mobile-core".into()),
                    intensity: 25.0,
                    ramp_secs: 120,
                    in_truth: true,
                    problems: None,
                    region_skew: 1.0,
                    ramp_floor: 0.05,
                });
            }
            "security-network" => {
                // May 2017 with a call surge: a CRM shutdown declared days before, an LTE
                // outage with failing probes, and callers about the LTE outage at the hotline
                // (a consequence of the LTE outage, not an outage of its own in the truth).
                let p = self.telecom();
                let t_crm = self.rand_time(0, 10.0, 18.0);
                self.plan_crm(p, t_crm, self.end);
                let t = self.rand_time(self.days - 1, 10.0, 15.0);
                let m = self.rng.gen_range(120..240);
                let cause = self.lte_with_probes(p, t, m);
                let lag = self.rng.gen_range(3..9) * 60;
                self.add(Plan {
                    id: "call-surge-1".into(),
                    provider: p,
                    services: vec!["customer-service"],
                    regions: None,
                    start: t + lag,
                    end: (t + m * 60).min(self.end - 3600),
                    cause,
                    root: Some("lte-ran".into()),
                    intensity: 1.5,
                    ramp_secs: 300,
                    in_truth: false,
                    problems: None,
                    region_skew: 1.0,
                    ramp_floor: 0.05,
                });
            }
            "same-region" => {
                // Two operators, one region, the same time, different faults.
                let r = self.big_region();
                let (a, b) = self.two_telecoms();
                let t = self.rand_time(day, 9.0, 17.0);
                let m = self.rng.gen_range(90..180);
                self.regional_dsl("dsl-1", a, r, t, m);
                let t2 = t + self.rng.gen_range(0..20) * 60;
                let m2 = self.rng.gen_range(90..180);
                self.outage(
                    "voice-1",
                    b,
                    &["mobile-voice"],
                    Some(vec![r]),
                    t2,
                    m2,
                    "voice-core",
                    15.0,
                    180,
                );
            }
            "same-provider-concurrent" => {
                // One operator: a regional DSL fault and a national LTE fault at the same time.
                let p = self.telecom();
                let r = self.big_region();
                let t = self.rand_time(day, 9.0, 16.0);
                let m = self.rng.gen_range(90..180);
                self.regional_dsl("dsl-1", p, r, t, m);
                let t2 = t + self.rng.gen_range(5..30) * 60;
                let m2 = self.rng.gen_range(120..240);
                self.lte_with_probes(p, t2, m2);
            }
            "coincident-unrelated" => self.plan_coincident(day),
            "national-sparse" => self.plan_national_sparse(day),
            "slow-national" => self.plan_slow(day, false),
            "slow-regional" => self.plan_slow(day, true),
            "mixed" => {
                let sub =
                    ["national", "regional", "lte", "blip", "spillover"][self.rng.gen_range(0..5)];
                self.plan_main(sub);
            }
            _ => {}
        }
    }

    fn plan_spillover(&mut self, day: u32) {
        let t = self.rand_time(day, 9.0, 19.0);
        let m = self.rng.gen_range(60..180);
        let cause = self.outage(
            "whatsapp-1",
            "whatsapp",
            &["messaging"],
            None,
            t,
            m,
            "messaging",
            15.0,
            120,
        );
        for (i, p) in BIG_TELECOMS.iter().enumerate() {
            let lag = self.rng.gen_range(2..6) * 60;
            self.add(Plan {
                id: format!("spill-{}", i + 1),
                provider: p,
                services: vec!["mobile-data"],
                regions: None,
                start: t + lag,
                end: (t + m * 60).min(self.end - 1800),
                cause: cause.clone(),
                root: Some("whatsapp:messaging".into()),
                intensity: 3.0,
                ramp_secs: 180,
                in_truth: true,
                problems: None,
                region_skew: 1.0,
                ramp_floor: 0.05,
            });
        }
    }

    /// An online service's outage with spill-over at one telecom, and two unrelated faults of
    /// the other two telecoms starting within minutes of it (see [`STRESS_KINDS`]).
    fn plan_coincident(&mut self, day: u32) {
        let t = self.rand_time(day, 9.0, 19.0);
        let m = self.rng.gen_range(90..180);
        let cause = self.outage(
            "online-1",
            "whatsapp",
            &["messaging"],
            None,
            t,
            m,
            "messaging",
            15.0,
            120,
        );
        let mut telecoms = BIG_TELECOMS.to_vec();
        for i in (1..telecoms.len()).rev() {
            let j = self.rng.gen_range(0..=i);
            telecoms.swap(i, j);
        }
        let (spill, fixed, voice) = (telecoms[0], telecoms[1], telecoms[2]);
        let lag = self.rng.gen_range(2..6) * 60;
        self.add(Plan {
            id: "spill-1".into(),
            provider: spill,
            services: vec!["mobile-data"],
            regions: None,
            start: t + lag,
            end: (t + m * 60).min(self.end - 1800),
            cause,
            root: Some("whatsapp:messaging".into()),
            intensity: 3.0,
            ramp_secs: 180,
            in_truth: true,
            problems: Some(&[
                ("no-internet", 0.6),
                ("login", 0.25),
                ("slow-internet", 0.15),
            ]),
            region_skew: 1.0,
            ramp_floor: 0.05,
        });
        // A regional fixed-internet fault, probes of the access network failing there.
        let mut regions: Vec<&'static str> = Vec::new();
        let n = self.rng.gen_range(1..=2);
        while regions.len() < n {
            let r = self.big_region();
            if !regions.contains(&r) {
                regions.push(r);
            }
        }
        regions.sort_unstable();
        let t_fixed = t + self.rng.gen_range(-5..10) * 60;
        let m_fixed = self.rng.gen_range(60..150);
        self.outage(
            "fixed-1",
            fixed,
            &["dsl"],
            Some(regions.clone()),
            t_fixed,
            m_fixed,
            "dsl-access",
            15.0,
            180,
        );
        self.probes_in(
            fixed,
            "dsl-access",
            t_fixed,
            t_fixed + m_fixed * 60,
            &regions,
        );
        // A national mobile-voice fault: calls and SMS, not the internet.
        let t_voice = t + self.rng.gen_range(-5..10) * 60;
        let m_voice = self.rng.gen_range(60..150);
        self.outage(
            "voice-1",
            voice,
            &["mobile-voice"],
            None,
            t_voice,
            m_voice,
            "voice-core",
            8.0,
            180,
        );
        if let Some(p) = self.plans.last_mut() {
            p.problems = Some(&[("no-calls", 0.6), ("no-signal", 0.25), ("no-sms", 0.15)]);
        }
    }

    /// A national fault whose reports come mostly from the populous Länder, probes of its root
    /// failing in six Länder (see [`STRESS_KINDS`]).
    fn plan_national_sparse(&mut self, day: u32) {
        let p = self.telecom();
        let t = self.rand_time(day, 8.0, 18.0);
        let m = self.rng.gen_range(120..300);
        let (services, root): (&[&'static str], &str) = if self.rng.gen_bool(0.5) {
            (&["mobile-data", "mobile-voice"], "mobile-core")
        } else {
            (&["mobile-data", "mobile-voice", "dsl"], "ip-backbone")
        };
        self.outage("national-1", p, services, None, t, m, root, 5.0, 300);
        if let Some(plan) = self.plans.last_mut() {
            plan.region_skew = 1.8;
        }
        let mut probed: Vec<&'static str> = Vec::new();
        while probed.len() < 6 {
            let r = REGIONS[self.rng.gen_range(0..REGIONS.len())].0;
            if !probed.contains(&r) {
                probed.push(r);
            }
        }
        probed.sort_unstable();
        let end = (t + m * 60).min(self.end - 1800);
        self.probes_in(p, root, t, end, &probed);
    }

    /// A fault of the largest provider whose reports ramp up linearly over 30–60 minutes from
    /// the background and then stay on a modest plateau for 3–5 hours: national, or in 1–3
    /// Länder when `regional` (see [`STRESS_KINDS`]).
    fn plan_slow(&mut self, day: u32, regional: bool) {
        let p = TELECOMS[0];
        let t = self.rand_time(day, 7.0, 15.0);
        let ramp = self.rng.gen_range(30..=60) * 60;
        let plateau = self.rng.gen_range(180..=300);
        let intensity = self.rng.gen_range(1.5..4.0);
        let regions = if regional {
            let n = self.rng.gen_range(1..=3);
            let mut list: Vec<&'static str> = Vec::new();
            while list.len() < n {
                let r = self.big_region();
                if !list.contains(&r) {
                    list.push(r);
                }
            }
            list.sort_unstable();
            Some(list)
        } else {
            None
        };
        let (id, services, root): (&str, &[&'static str], &str) = if regional {
            ("slow-regional-1", &["dsl"], "dsl-access")
        } else {
            (
                "slow-national-1",
                &["mobile-data", "mobile-voice", "dsl"],
                "ip-backbone",
            )
        };
        self.outage(
            id,
            p,
            services,
            regions,
            t,
            ramp / 60 + plateau,
            root,
            intensity,
            ramp,
        );
        if let Some(plan) = self.plans.last_mut() {
            plan.ramp_floor = 0.0;
        }
    }

    /// A declared security incident that takes the CRM (and so customer service) down.
    fn plan_crm(&mut self, provider: &'static str, t: i64, end: i64) {
        let end = end.min(self.end - 3600);
        let id = IncidentId::parse("sec-1").expect("valid id");
        let pid = ProviderId::parse(provider).expect("valid id");
        let crm = ComponentName::parse("crm").expect("valid id");
        let incident = |time: i64, state: IncidentState| {
            Event::Incident(IncidentEvent {
                time: Timestamp(time),
                id: id.clone(),
                provider: pid.clone(),
                category: IncidentCategory::Security,
                components: vec![crm.clone()],
                state,
                title: Some(text(
                    "Kundenverwaltung vorsorglich abgeschaltet",
                    "Customer management system shut down as a precaution",
                )),
            })
        };
        self.events.push(incident(t, IncidentState::Identified));
        self.events.push(Event::Component(ComponentEvent {
            time: Timestamp(t + 300),
            provider: pid.clone(),
            component: crm.clone(),
            status: ComponentStatus::MajorOutage,
        }));
        self.events.push(Event::Statement(StatementEvent {
            time: Timestamp(t + 1800),
            incident: id.clone(),
            text: text(
                "Die Hotline kann derzeit keine Verträge einsehen. Das Netz ist nicht betroffen.",
                "The hotline cannot access contracts at the moment. The network is not affected.",
            ),
            workaround: None,
        }));
        self.events.push(Event::Component(ComponentEvent {
            time: Timestamp(end),
            provider: pid.clone(),
            component: crm.clone(),
            status: ComponentStatus::Operational,
        }));
        self.events.push(incident(end, IncidentState::Resolved));
        // Callers who cannot be helped report the hotline: a mild rise.
        self.add(Plan {
            id: "crm-1".into(),
            provider,
            services: vec!["customer-service"],
            regions: None,
            start: t,
            end,
            cause: "ransomware-containment".into(),
            root: Some("crm".into()),
            intensity: 0.1,
            ramp_secs: 3600,
            in_truth: true,
            problems: None,
            region_skew: 1.0,
            ramp_floor: 0.05,
        });
    }

    /// Probe events: hourly successes on three regions, failures every 5 minutes while down.
    fn probes(&mut self, provider: &'static str, component: &str, down_from: i64, down_to: i64) {
        self.probes_in(
            provider,
            component,
            down_from,
            down_to,
            &["DE-BY", "DE-NW", "DE-BE"],
        );
    }

    /// Probe events as [`Gen::probes`], in the given regions.
    fn probes_in(
        &mut self,
        provider: &'static str,
        component: &str,
        down_from: i64,
        down_to: i64,
        regions: &[&'static str],
    ) {
        let pid = ProviderId::parse(provider).expect("valid id");
        let comp = ComponentName::parse(component).expect("valid id");
        let mut t = self.start + 1800;
        while t < self.end {
            let down = t >= down_from + 240 && t < down_to;
            let step = if down || (t + 3600 > down_from && t < down_to) {
                300
            } else {
                3600
            };
            for &r in regions {
                self.events.push(Event::Probe(ProbeEvent {
                    time: Timestamp(t),
                    provider: pid.clone(),
                    component: comp.clone(),
                    region: RegionId::parse(r).expect("valid id"),
                    ok: !down,
                }));
            }
            t += step;
        }
    }

    fn free_time(&mut self, day: u32, from: f64, to: f64, minutes: i64) -> i64 {
        for _ in 0..50 {
            let t = self.rand_time(day, from, to);
            let clear = self
                .plans
                .iter()
                .all(|p| t + minutes * 60 + 3600 < p.start || t > p.end + 3600);
            if clear {
                return t;
            }
        }
        self.rand_time(day, from, to)
    }

    fn plan_flood(&mut self) {
        let day = self.outage_day();
        let provider = TELECOMS[self.rng.gen_range(0..TELECOMS.len())];
        let minutes = self.rng.gen_range(30..90);
        let t0 = self.free_time(day, 8.0, 20.0, minutes);
        let service = ["mobile-data", "dsl", "mobile-voice"][self.rng.gen_range(0..3)];
        let n_reporters = self.rng.gen_range(8..=20);
        let mut reports = 0;
        for _ in 0..n_reporters {
            let reporter = self.new_reporter();
            let region = pick_cum(&mut self.rng, &self.region_cum.clone());
            let problem = pick(&mut self.rng, outage_problems(service));
            let n = self.rng.gen_range(15..=50);
            for _ in 0..n {
                let t = t0 + self.rng.gen_range(0..minutes * 60);
                self.rows.push(ReportRow {
                    time: Timestamp(t),
                    provider: provider.into(),
                    service: Some(service.into()),
                    problem: problem.into(),
                    region: region.into(),
                    reporter: reporter.clone(),
                    source: "web".into(),
                });
                reports += 1;
            }
        }
        self.confounders.push(Confounder {
            kind: "spam-flood".into(),
            provider: Some(provider.into()),
            start: Timestamp(t0),
            end: Timestamp(t0 + minutes * 60),
            reporters: n_reporters,
            reports,
        });
    }

    fn plan_bots(&mut self) {
        let day = self.outage_day();
        let provider = ["whatsapp", "telekom-de", "o2-de"][self.rng.gen_range(0..3)];
        let minutes = self.rng.gen_range(5..15);
        let t0 = self.free_time(day, 1.0, 23.0, minutes);
        let keys = self.rng.gen_range(2..=4);
        let mut reports = 0;
        for _ in 0..keys {
            let reporter = self.new_reporter();
            let service = if provider == "whatsapp" {
                "messaging"
            } else {
                "mobile-data"
            };
            let region = pick_cum(&mut self.rng, &self.region_cum.clone());
            let mut t = t0 + self.rng.gen_range(0..30);
            while t < t0 + minutes * 60 {
                self.rows.push(ReportRow {
                    time: Timestamp(t),
                    provider: provider.into(),
                    service: Some(service.into()),
                    problem: "total-outage".into(),
                    region: region.into(),
                    reporter: reporter.clone(),
                    source: "api".into(),
                });
                reports += 1;
                t += self.rng.gen_range(1..=3);
            }
        }
        self.confounders.push(Confounder {
            kind: "bot-burst".into(),
            provider: Some(provider.into()),
            start: Timestamp(t0),
            end: Timestamp(t0 + minutes * 60),
            reporters: keys,
            reports,
        });
    }

    fn plan_gap(&mut self) {
        let day = self.outage_day();
        let t0 = self.free_time(day, 9.0, 20.0, 60);
        self.gaps.push((t0, t0 + 3600));
        self.confounders.push(Confounder {
            kind: "data-gap".into(),
            provider: None,
            start: Timestamp(t0),
            end: Timestamp(t0 + 3600),
            reporters: 0,
            reports: 0,
        });
    }

    fn plan(&mut self, kind: &str) {
        match kind {
            "spam-flood" => {
                self.plan_flood();
                self.plan_flood();
            }
            "bot-burst" => {
                self.plan_bots();
                self.plan_bots();
            }
            "quiet-night" => {
                self.night_factor = 0.3;
                self.confounders.push(Confounder {
                    kind: "quiet-night".into(),
                    provider: None,
                    start: Timestamp(self.start),
                    end: Timestamp(self.end),
                    reporters: 0,
                    reports: 0,
                });
            }
            "holiday" => {
                let day = self.outage_day();
                self.holiday = Some(day);
                let s = self.start + i64::from(day) * 86_400;
                self.confounders.push(Confounder {
                    kind: "holiday".into(),
                    provider: None,
                    start: Timestamp(s),
                    end: Timestamp(s + 86_400),
                    reporters: 0,
                    reports: 0,
                });
            }
            "data-gap" => self.plan_gap(),
            "mixed" => {
                self.plan_main("mixed");
                self.plan_flood();
                self.plan_bots();
                self.plan_gap();
            }
            other => self.plan_main(other),
        }
    }

    fn emit(&mut self, t: i64, provider: &str, service: &str, problem: &str, region: &str) {
        let reporter = self.new_reporter();
        self.emit_as(t, provider, service, problem, region, reporter);
    }

    fn emit_as(
        &mut self,
        t: i64,
        provider: &str,
        service: &str,
        problem: &str,
        region: &str,
        reporter: String,
    ) {
        let source = pick(&mut self.rng, SOURCES);
        self.rows.push(ReportRow::new(
            t, provider, service, problem, region, reporter, source,
        ));
    }

    fn background(&mut self) {
        let mut recent: Vec<Vec<String>> = vec![Vec::new(); PROVIDERS.len()];
        let mut minute = self.start;
        while minute < self.end {
            let shape = self.shape(minute + 30);
            for (pi, (provider, _, _, _)) in PROVIDERS.iter().enumerate() {
                let lambda = peak_rate(provider) * shape * self.volume;
                let n = poisson(&mut self.rng, lambda);
                let mix = if is_telecom(provider) {
                    TELECOM_SERVICE_MIX
                } else {
                    ONLINE_SERVICE_MIX
                };
                for _ in 0..n {
                    let t = minute + self.rng.gen_range(0..60);
                    let service = pick(&mut self.rng, mix);
                    let problem = pick(&mut self.rng, background_problems(service));
                    let region = pick_cum(&mut self.rng, &self.region_cum);
                    // Some people report again later (a different day or hour).
                    let again = !recent[pi].is_empty() && self.rng.gen_bool(0.05);
                    if again {
                        let k = self.rng.gen_range(0..recent[pi].len());
                        let reporter = recent[pi][k].clone();
                        self.emit_as(t, provider, service, problem, region, reporter);
                    } else {
                        self.emit(t, provider, service, problem, region);
                        if let Some(last) = self.rows.last() {
                            let r = last.reporter.clone();
                            if recent[pi].len() < 500 {
                                recent[pi].push(r);
                            } else {
                                let k = self.rng.gen_range(0..500);
                                recent[pi][k] = r;
                            }
                        }
                    }
                }
            }
            minute += 60;
        }
    }

    fn envelope(p: &Plan, t: i64) -> f64 {
        if t < p.start || t >= p.end {
            return 0.0;
        }
        let since = (t - p.start) as f64;
        let ramp = if p.ramp_secs > 0 {
            (since / p.ramp_secs as f64).min(1.0)
        } else {
            1.0
        };
        let dur = (p.end - p.start) as f64;
        let left = (p.end - t) as f64;
        // The last 15 % fades to 40 %.
        let tail = if dur > 0.0 && left < 0.15 * dur {
            0.4 + 0.6 * left / (0.15 * dur)
        } else {
            1.0
        };
        ramp.max(p.ramp_floor) * tail
    }

    fn outage_reports(&mut self) {
        let plans = self.plans.clone();
        for p in &plans {
            let regions: Vec<(&'static str, f64)> = match &p.regions {
                None => REGIONS
                    .iter()
                    .map(|r| (r.0, (r.2 as f64).powf(p.region_skew)))
                    .collect(),
                Some(list) => list
                    .iter()
                    .map(|r| (*r, region_weight(r).powf(p.region_skew)))
                    .collect(),
            };
            let share: f64 = match &p.regions {
                None => 1.0,
                Some(list) => list.iter().map(|r| region_weight(r)).sum(),
            };
            let region_cum = cumulative(&regions);
            let mut minute = p.start - p.start.rem_euclid(60);
            while minute < p.end {
                let env = Self::envelope(p, minute + 30);
                let lambda = p.intensity
                    * peak_rate(p.provider)
                    * share
                    * self.activity(minute + 30)
                    * env
                    * self.volume;
                let n = poisson(&mut self.rng, lambda);
                for _ in 0..n {
                    let t = minute + self.rng.gen_range(0..60);
                    if t < p.start || t >= p.end {
                        continue;
                    }
                    let service = if self.rng.gen_bool(0.1) {
                        ""
                    } else {
                        p.services[self.rng.gen_range(0..p.services.len())]
                    };
                    let mix = match p.problems {
                        Some(m) if !service.is_empty() => m,
                        _ => outage_problems(service),
                    };
                    let problem = pick(&mut self.rng, mix);
                    let region = pick_cum(&mut self.rng, &region_cum);
                    self.emit(t, p.provider, service, problem, region);
                }
                minute += 60;
            }
        }
    }

    fn finish(mut self, kind: &str) -> Scenario {
        self.background();
        self.outage_reports();
        let gaps = self.gaps.clone();
        self.rows
            .retain(|r| !gaps.iter().any(|&(a, b)| r.time.0 >= a && r.time.0 < b));
        self.rows.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then_with(|| a.provider.cmp(&b.provider))
                .then_with(|| a.reporter.cmp(&b.reporter))
        });
        self.events.sort_by_key(|e| e.time());

        let mut outages = Vec::new();
        let mut baselines = BTreeMap::new();
        for p in self.plans.iter().filter(|p| p.in_truth) {
            let share: f64 = match &p.regions {
                None => 1.0,
                Some(list) => list.iter().map(|r| region_weight(r)).sum(),
            };
            baselines.insert(
                p.id.clone(),
                peak_rate(p.provider) * self.shape(p.start) * share * self.volume,
            );
            outages.push(TruthOutage {
                id: p.id.clone(),
                provider: ProviderId::parse(p.provider).expect("valid id"),
                services: p
                    .services
                    .iter()
                    .map(|s| ServiceId::parse(s).expect("valid id"))
                    .collect(),
                regions: match &p.regions {
                    None => Regions::All,
                    Some(l) => Regions::List(
                        l.iter()
                            .map(|r| RegionId::parse(r).expect("valid id"))
                            .collect(),
                    ),
                },
                start: Timestamp(p.start),
                end: Timestamp(p.end),
                cause: p.cause.clone(),
                root_component: p.root.clone(),
            });
        }
        outages.sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));
        Scenario {
            name: format!("{kind}-{}", self.seed),
            kind: kind.to_owned(),
            seed: self.seed,
            topology_toml: self.topology.clone(),
            rows: self.rows,
            events: self.events,
            truth: Truth { outages },
            confounders: self.confounders,
            baselines,
            start: Timestamp(self.start),
            end: Timestamp(self.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topology_is_valid() {
        let t = Topology::from_toml("topology.toml", &topology_toml()).unwrap();
        assert_eq!(t.regions.len(), 16);
        assert_eq!(t.providers.len(), 5);
        assert_eq!(t.services.len(), 4 * 4 + 1);
    }

    #[test]
    fn deterministic_and_seed_sensitive() {
        let cfg = GenConfig {
            seed: 7,
            kind: Some("national".into()),
            days: 2,
            volume: 1.0,
        };
        let a = generate(&cfg).unwrap();
        let b = generate(&cfg).unwrap();
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.truth, b.truth);
        let c = generate(&GenConfig { seed: 8, ..cfg }).unwrap();
        assert_ne!(a.rows, c.rows);
    }

    #[test]
    fn every_kind_generates_a_valid_package() {
        for kind in KINDS.iter().chain(CORRELATION_KINDS).chain(STRESS_KINDS) {
            let s = generate(&GenConfig {
                seed: 3,
                kind: Some((*kind).into()),
                days: 2,
                volume: 0.2,
            })
            .unwrap();
            let tmp = tempfile::tempdir().unwrap();
            s.write(tmp.path()).unwrap();
            let p = crate::package::load(tmp.path()).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(p.reports.len(), s.rows.len(), "{kind}");
            assert_eq!(p.reports, s.package().reports, "{kind}");
            assert_eq!(p.events, s.events, "{kind}");
            let truth = crate::eval::load_truth(&tmp.path().join("truth.json")).unwrap();
            assert_eq!(truth, s.truth, "{kind}");
            for o in &s.truth.outages {
                assert!(o.start >= s.start && o.end <= s.end, "{kind}: {o:?}");
                assert!(o.end.0 - o.start.0 >= 600, "{kind}: outages last ≥ 10 min");
            }
        }
        assert!(generate(&GenConfig {
            kind: Some("volcano".into()),
            ..GenConfig::default()
        })
        .is_err());
    }

    #[test]
    fn traffic_has_daily_shape_and_realistic_volume() {
        let s = generate(&GenConfig {
            seed: 11,
            kind: Some("holiday".into()),
            days: 3,
            volume: 1.0,
        })
        .unwrap();
        assert!(s.truth.outages.is_empty());
        let mut by_hour = [0usize; 24];
        for r in s.rows.iter().filter(|r| r.provider == "telekom-de") {
            let h = ((r.time.0 + LOCAL_OFFSET_SECS).rem_euclid(86_400) / 3600) as usize;
            by_hour[h] += 1;
        }
        assert!(by_hour[20] > 10 * by_hour[3].max(1), "{by_hour:?}");
        // About 5/min at the evening peak on normal days.
        let per_min_peak = by_hour[20] as f64 / (3.0 * 60.0);
        assert!((2.5..6.0).contains(&per_min_peak), "{per_min_peak}");
        // Unique reporters dominate.
        let distinct: std::collections::BTreeSet<&str> =
            s.rows.iter().map(|r| r.reporter.as_str()).collect();
        assert!(distinct.len() as f64 > 0.9 * s.rows.len() as f64);
        // The holiday has less traffic than the other days.
        let h = s.confounders[0].start.0;
        let on = s
            .rows
            .iter()
            .filter(|r| r.time.0 >= h && r.time.0 < h + 86_400)
            .count();
        let total = s.rows.len();
        assert!((on as f64) < 0.3 * total as f64, "{on} of {total}");
    }

    #[test]
    fn floods_come_from_few_reporters() {
        let s = generate(&GenConfig {
            seed: 5,
            kind: Some("spam-flood".into()),
            days: 2,
            volume: 1.0,
        })
        .unwrap();
        assert_eq!(s.confounders.len(), 2);
        for c in &s.confounders {
            assert!(c.reporters <= 20);
            assert!(c.reports >= 5 * c.reporters);
        }
        assert!(s.truth.outages.is_empty());
    }

    #[test]
    fn spillover_shares_the_cause() {
        let s = generate(&GenConfig {
            seed: 2,
            kind: Some("spillover".into()),
            days: 2,
            volume: 1.0,
        })
        .unwrap();
        let causes: std::collections::BTreeSet<&str> =
            s.truth.outages.iter().map(|o| o.cause.as_str()).collect();
        assert_eq!(s.truth.outages.len(), 4);
        assert_eq!(causes.len(), 1);
    }

    #[test]
    fn coincident_faults_have_causes_of_their_own() {
        let s = generate(&GenConfig {
            seed: 2,
            kind: Some("coincident-unrelated".into()),
            days: 2,
            volume: 1.0,
        })
        .unwrap();
        let cause = |id: &str| {
            s.truth
                .outages
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.cause.clone())
                .unwrap()
        };
        assert_eq!(s.truth.outages.len(), 4);
        assert_eq!(cause("online-1"), cause("spill-1"));
        assert_ne!(cause("fixed-1"), cause("online-1"));
        assert_ne!(cause("voice-1"), cause("online-1"));
        assert_ne!(cause("voice-1"), cause("fixed-1"));
        let voice = s.truth.outages.iter().find(|o| o.id == "voice-1").unwrap();
        let voice_reports: Vec<_> = s
            .rows
            .iter()
            .filter(|r| {
                r.provider == voice.provider.as_str()
                    && r.service.as_deref() == Some("mobile-voice")
                    && r.time >= voice.start
                    && r.time < voice.end
            })
            .collect();
        assert!(voice_reports.len() > 100);
        // Calls, signal and SMS only: the background mix of mobile voice has no "no internet".
        assert!(voice_reports.iter().all(|r| r.problem != "no-internet"));
    }

    #[test]
    fn national_sparse_probes_fail_in_six_regions() {
        let s = generate(&GenConfig {
            seed: 2,
            kind: Some("national-sparse".into()),
            days: 2,
            volume: 1.0,
        })
        .unwrap();
        let failed: std::collections::BTreeSet<String> = s
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Probe(p) if !p.ok => Some(p.region.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(failed.len(), 6);
        assert!(matches!(s.truth.outages[0].regions, Regions::All));
    }

    #[test]
    fn mvno_topology_has_the_cross_provider_dependency() {
        let t = Topology::from_toml("topology.toml", &topology_toml_mvno()).unwrap();
        let s = t.service("1und1-de", "mobile-data").unwrap();
        let closure: Vec<String> = t.service_closure(s).iter().map(|c| c.to_string()).collect();
        assert!(
            closure.contains(&"o2-de:mobile-core".to_owned()),
            "{closure:?}"
        );
        let g = generate(&GenConfig {
            seed: 4,
            kind: Some("mvno-cascade".into()),
            days: 2,
            volume: 1.0,
        })
        .unwrap();
        assert_eq!(g.topology_toml, topology_toml_mvno());
        let causes: std::collections::BTreeSet<&str> =
            g.truth.outages.iter().map(|o| o.cause.as_str()).collect();
        assert_eq!((g.truth.outages.len(), causes.len()), (2, 1));
    }

    #[test]
    fn data_gap_has_no_reports() {
        let s = generate(&GenConfig {
            seed: 9,
            kind: Some("data-gap".into()),
            days: 2,
            volume: 1.0,
        })
        .unwrap();
        let c = &s.confounders[0];
        assert!(!s.rows.iter().any(|r| r.time >= c.start && r.time < c.end));
    }
}
