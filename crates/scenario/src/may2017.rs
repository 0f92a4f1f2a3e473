//! The May 2017 scenario package (`scenarios/o2-2017-05`): two weeks of German crowd reports
//! around O2's WannaCry customer-system shutdown and its unrelated nationwide LTE outage.
//!
//! The story (after the seed news report, heise online, 17 May 2017):
//! - Friday 12 May, about 16:00 UTC: WannaCry hits the parent company Telefónica in Spain. O2
//!   shuts its DSL customer-management system (`crm-dsl`, hosted in Spain) down as a precaution
//!   and declares a `security` incident. DSL itself keeps working, but callers cannot be helped:
//!   hotline reports stay moderately elevated, mostly in business hours, until the system is back
//!   on Wednesday 24 May, about 09:00 UTC.
//! - Wednesday 17 May, 12:50 UTC: a nationwide disruption, mostly LTE (mobile data and calls,
//!   a small share of fixed-line reports). Reports rise within minutes to a few hundred per
//!   minute; O2 confirms at 13:20 and advises switching to GSM or 3G; the hotline is overloaded;
//!   it is over by 17:30 UTC and the reports decay through the evening. Probes of the LTE radio
//!   network fail in several Länder meanwhile, those of the 3G radio network do not.
//! - All the while, the other providers of the shipped German topology have their normal traffic.
//!
//! Traffic has a daily and weekly shape (near zero at night, an evening peak, later and quieter
//! weekends), scales with provider size and is spread over the Länder by population. Reporters
//! are opaque strings, almost all unique; a few report again. Everything comes from one fixed
//! seed, so [`build`] always gives the same package, byte for byte.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use radar_core::event::{
    ComponentEvent, ComponentName, ComponentStatus, Event, IncidentCategory, IncidentEvent,
    IncidentId, IncidentState, LocalizedText, ProbeEvent, StatementEvent,
};
use radar_core::topology::{germany, ProviderKind, Topology};
use radar_core::{ProviderId, RegionId, ServiceId, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::eval::{Regions, Truth, TruthOutage};
use crate::generate::{
    interp, pick, poisson, reporter_string, text, SOURCES, WEEKDAY_SHAPE, WEEKEND_SHAPE,
};
use crate::package::{
    from_contents, write_events_jsonl, write_package, write_reports_csv, write_signals_csv,
    Package, PackageError, ReportRow, SignalSample,
};

/// The folder name of the package in the repository.
pub const NAME: &str = "o2-2017-05";

/// The seed of the random generator.
pub const SEED: u64 = 0x0002_2017_0512;

/// Local time (CEST) minus UTC.
pub const LOCAL_OFFSET_SECS: i64 = crate::generate::LOCAL_OFFSET_SECS;

/// First second of the package: 2017-05-12T00:00:00Z.
pub const START: i64 = 1_494_547_200;
/// End of the package (exclusive): 2017-05-25T00:00:00Z.
pub const END: i64 = START + 13 * 86_400;

/// The CRM shutdown: 2017-05-12T16:00:00Z to 2017-05-24T09:00:00Z.
pub const CRM_START: i64 = START + 16 * 3600;
pub const CRM_END: i64 = START + 12 * 86_400 + 9 * 3600;

/// The LTE outage: 2017-05-17T12:50:00Z to 2017-05-17T17:30:00Z.
pub const LTE_START: i64 = START + 5 * 86_400 + 12 * 3600 + 50 * 60;
pub const LTE_END: i64 = START + 5 * 86_400 + 17 * 3600 + 30 * 60;

/// The LTE outage's cause, shared by the hotline surge it causes.
pub const LTE_CAUSE: &str = "lte-core-fault";
/// The CRM shutdown's cause.
pub const CRM_CAUSE: &str = "ransomware-containment";

/// Evening-peak background rate per provider, reports per minute nationwide.
const PEAK_RATE: &[(&str, f64)] = &[
    ("telekom-de", 3.5),
    ("vodafone-de", 2.8),
    ("o2-de", 3.0),
    ("1und1-de", 0.9),
    ("whatsapp", 1.6),
    ("youtube", 1.0),
    ("netflix", 0.4),
    ("instagram", 0.6),
];

/// Share of background reports per service of a telecom (`""`: the reporter picked none).
/// Services a provider does not offer are skipped.
const TELECOM_MIX: &[(&str, f64)] = &[
    ("mobile-data", 0.32),
    ("mobile-voice", 0.13),
    ("sms", 0.03),
    ("dsl", 0.17),
    ("cable", 0.08),
    ("fiber", 0.02),
    ("landline", 0.06),
    ("tv", 0.02),
    ("customer-service", 0.05),
    ("self-care", 0.02),
    ("", 0.10),
];

fn online_mix(provider: &str) -> &'static [(&'static str, f64)] {
    match provider {
        "whatsapp" => &[("messaging", 0.75), ("calls", 0.1), ("", 0.15)],
        "youtube" => &[("streaming", 0.7), ("website", 0.15), ("", 0.15)],
        "netflix" => &[("streaming", 0.65), ("login", 0.2), ("", 0.15)],
        "instagram" => &[("feed", 0.6), ("messaging", 0.2), ("", 0.2)],
        _ => &[("", 1.0)],
    }
}

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
            ("no-sms", 0.05),
            ("other", 0.15),
        ],
        "sms" => &[("no-sms", 0.8), ("other", 0.2)],
        "dsl" | "cable" | "fiber" => &[
            ("no-internet", 0.45),
            ("slow-internet", 0.3),
            ("total-outage", 0.15),
            ("other", 0.1),
        ],
        "landline" => &[("no-calls", 0.6), ("total-outage", 0.2), ("other", 0.2)],
        "tv" => &[
            ("other", 0.5),
            ("total-outage", 0.3),
            ("slow-internet", 0.2),
        ],
        "customer-service" => &[("hotline", 0.5), ("billing", 0.3), ("other", 0.2)],
        "self-care" => &[("login", 0.6), ("billing", 0.2), ("other", 0.2)],
        "messaging" | "feed" => &[
            ("other", 0.4),
            ("login", 0.2),
            ("total-outage", 0.2),
            ("no-internet", 0.2),
        ],
        "calls" => &[("no-calls", 0.6), ("other", 0.4)],
        "streaming" => &[
            ("slow-internet", 0.4),
            ("other", 0.3),
            ("total-outage", 0.2),
            ("login", 0.1),
        ],
        "website" => &[("other", 0.6), ("total-outage", 0.4)],
        "login" => &[("login", 0.9), ("other", 0.1)],
        _ => &[("total-outage", 0.3), ("other", 0.4), ("no-internet", 0.3)],
    }
}

/// During the LTE outage: which O2 service people report.
const LTE_MIX: &[(&str, f64)] = &[
    ("mobile-data", 0.55),
    ("mobile-voice", 0.22),
    ("sms", 0.02),
    ("dsl", 0.05),
    ("landline", 0.03),
    ("", 0.13),
];

fn lte_problems(service: &str) -> &'static [(&'static str, f64)] {
    match service {
        "mobile-data" => &[
            ("no-internet", 0.5),
            ("no-signal", 0.3),
            ("slow-internet", 0.2),
        ],
        "mobile-voice" => &[
            ("no-signal", 0.45),
            ("no-calls", 0.35),
            ("no-internet", 0.2),
        ],
        "sms" => &[("no-sms", 1.0)],
        "dsl" => &[("no-internet", 0.7), ("total-outage", 0.3)],
        "landline" => &[("no-calls", 0.6), ("total-outage", 0.4)],
        _ => &[
            ("total-outage", 0.5),
            ("no-signal", 0.3),
            ("no-internet", 0.2),
        ],
    }
}

const OUTAGE_SOURCES: &[(&str, f64)] = &[
    ("web", 0.55),
    ("app", 0.3),
    ("social", 0.1),
    ("email", 0.03),
    ("api", 0.02),
];

/// Hotline reports: callers who could not be helped, and calls logged by agents.
const HOTLINE_SOURCES: &[(&str, f64)] = &[
    ("call-center", 0.3),
    ("web", 0.45),
    ("app", 0.15),
    ("social", 0.05),
    ("email", 0.05),
];
const HOTLINE_PROBLEMS: &[(&str, f64)] = &[("hotline", 0.8), ("billing", 0.1), ("other", 0.1)];

/// When the hotline is called: local hours, weekdays (Saturdays at 60 %, Sundays at 25 %).
const HOTLINE_SHAPE: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.02, 0.15, 0.7, 1.0, 1.0, 0.95, 0.85, 0.9, 0.95, 0.9, 0.85,
    0.75, 0.6, 0.45, 0.3, 0.15, 0.05, 0.0,
];

/// Extra hotline reports per minute at the busiest weekday hour while the CRM is down.
const CRM_PEAK_RATE: f64 = 0.45;

/// Reports per minute of the LTE outage, by minutes since onset (linear in between); after
/// the last point the rate decays exponentially with [`LTE_TAIL_TAU_MIN`].
const LTE_PROFILE: &[(f64, f64)] = &[
    (0.0, 0.0),
    (3.0, 25.0),
    (10.0, 110.0),
    (30.0, 250.0),
    (55.0, 290.0),
    (100.0, 260.0),
    (150.0, 190.0),
    (200.0, 110.0),
    (240.0, 55.0),
    (280.0, 18.0),
];
const LTE_TAIL_TAU_MIN: f64 = 35.0;
/// Hotline reports during the LTE outage, as a share of the outage rate some minutes earlier.
const LTE_HOTLINE_SHARE: f64 = 0.08;
const LTE_HOTLINE_LAG_MIN: f64 = 8.0;

/// Länder with LTE and 3G probes.
const PROBE_REGIONS: &[&str] = &["DE-BY", "DE-NW", "DE-BE", "DE-HH", "DE-HE", "DE-SN"];

/// The generated package, in memory.
#[derive(Clone, Debug)]
pub struct May2017 {
    pub topology_toml: String,
    pub rows: Vec<ReportRow>,
    pub events: Vec<Event>,
    /// `signals.csv`: O2's hotline waiting time.
    pub signals: Vec<SignalSample>,
    pub truth: Truth,
    pub stats: Stats,
}

/// Report counts by origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub background: usize,
    pub crm_hotline: usize,
    pub lte_outage: usize,
    pub lte_hotline: usize,
    /// Reports per provider, all origins.
    pub per_provider: BTreeMap<String, usize>,
    /// Highest number of O2 reports in one minute, and that minute.
    pub o2_peak_minute: (usize, i64),
    /// Distinct reporter strings.
    pub reporters: usize,
}

/// The hotline waiting-time signal (`hotline-wait`, seconds, on `hotline-telephony`).
pub const WAIT_SIGNAL: &str = "hotline-wait";
/// A usual wait: a minute at night to two and a half at the busiest hour.
const WAIT_NORMAL: (f64, f64) = (60.0, 90.0);
/// Extra wait at the busiest hour in the first days of the CRM shutdown (over an hour, as the
/// seed report says), until Sunday 14 May 12:00 UTC, then over a day down to the plateau of
/// the rest of the shutdown.
const WAIT_CRM_FIRST: f64 = 5400.0;
const WAIT_CRM_FIRST_UNTIL: i64 = START + 2 * 86_400 + 12 * 3600;
const WAIT_CRM_PLATEAU: f64 = 600.0;
/// Extra wait at the peak of the LTE outage's call surge (the hotline is overloaded).
const WAIT_LTE_PEAK: f64 = 3000.0;
/// After the CRM is back, the queue drains with this time constant (hours).
const WAIT_DRAIN_H: f64 = 4.0;

/// The hotline waiting time at `t` without noise (seconds).
pub fn hotline_wait(t: i64) -> f64 {
    let busy = hotline_shape(t);
    let mut w = WAIT_NORMAL.0 + WAIT_NORMAL.1 * busy;
    let load = 0.3 + 0.7 * busy;
    let crm = if t < CRM_START {
        0.0
    } else if t < CRM_END {
        let ramp = ((t - CRM_START) as f64 / 1800.0).min(1.0);
        let level = if t < WAIT_CRM_FIRST_UNTIL {
            WAIT_CRM_FIRST
        } else {
            let f = ((t - WAIT_CRM_FIRST_UNTIL) as f64 / 86_400.0).min(1.0);
            WAIT_CRM_FIRST + (WAIT_CRM_PLATEAU - WAIT_CRM_FIRST) * f
        };
        ramp * level
    } else {
        WAIT_CRM_PLATEAU * (-((t - CRM_END) as f64 / 3600.0) / WAIT_DRAIN_H).exp()
    };
    w += crm * load;
    let peak = LTE_PROFILE.iter().map(|p| p.1).fold(0.0, f64::max);
    w += WAIT_LTE_PEAK * lte_rate(t - (LTE_HOTLINE_LAG_MIN * 60.0) as i64) / peak;
    w
}

/// O2's hotline waiting time, sampled unevenly (every three to seven minutes) with ±15 %
/// noise, over the whole package, from a generator of its own (the reports do not change).
pub fn hotline_wait_samples() -> Vec<SignalSample> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0x5167_4e41_4c53);
    let provider = ProviderId::parse("o2-de").expect("valid id");
    let signal = radar_core::ids::SignalId::parse(WAIT_SIGNAL).expect("valid id");
    let mut out = Vec::new();
    let mut t = START + rng.gen_range(0..180);
    while t < END {
        let v = hotline_wait(t) * (1.0 + 0.3 * (rng.gen::<f64>() - 0.5));
        out.push(SignalSample {
            time: Timestamp(t),
            provider: provider.clone(),
            signal: signal.clone(),
            region: None,
            value: v.round(),
        });
        t += rng.gen_range(180..=420);
    }
    out
}

/// Local hour (fractional) and day of week (0 = Monday).
fn local(t: i64) -> (f64, i64) {
    let l = t + LOCAL_OFFSET_SECS;
    let day = l.div_euclid(86_400);
    (
        (l.rem_euclid(86_400)) as f64 / 3600.0,
        (day + 3).rem_euclid(7),
    )
}

/// Background traffic at t as a fraction of the evening peak.
pub fn shape(t: i64) -> f64 {
    let (h, wd) = local(t);
    interp(
        if wd >= 5 {
            &WEEKEND_SHAPE
        } else {
            &WEEKDAY_SHAPE
        },
        h,
    )
}

/// Hotline traffic at t as a fraction of the busiest weekday hour.
pub fn hotline_shape(t: i64) -> f64 {
    let (h, wd) = local(t);
    let day = match wd {
        5 => 0.6,
        6 => 0.25,
        _ => 1.0,
    };
    interp(&HOTLINE_SHAPE, h) * day
}

/// Reports per minute of the LTE outage at `t`.
pub fn lte_rate(t: i64) -> f64 {
    let m = (t - LTE_START) as f64 / 60.0;
    if m < 0.0 {
        return 0.0;
    }
    for w in LTE_PROFILE.windows(2) {
        let ((m0, r0), (m1, r1)) = (w[0], w[1]);
        if m < m1 {
            return r0 + (r1 - r0) * (m - m0) / (m1 - m0);
        }
    }
    let (m_last, r_last) = LTE_PROFILE[LTE_PROFILE.len() - 1];
    let r = r_last * (-(m - m_last) / LTE_TAIL_TAU_MIN).exp();
    if r < 0.05 {
        0.0
    } else {
        r
    }
}

/// Extra hotline reports per minute at `t` while the CRM is down: callers notice over the
/// first day, and DSL customers with contract questions keep calling.
pub fn crm_rate(t: i64) -> f64 {
    if !(CRM_START..CRM_END).contains(&t) {
        return 0.0;
    }
    let since_h = (t - CRM_START) as f64 / 3600.0;
    let ramp = (0.3 + 0.7 * since_h / 24.0).min(1.0);
    CRM_PEAK_RATE * ramp * hotline_shape(t)
}

struct Gen<'a> {
    rng: ChaCha8Rng,
    topology: &'a Topology,
    region_cum: Vec<(&'a str, f64)>,
    counter: u64,
    rows: Vec<ReportRow>,
    /// Recent reporters per provider, for the few who report again.
    recent: BTreeMap<String, Vec<String>>,
}

impl<'a> Gen<'a> {
    fn new(topology: &'a Topology) -> Self {
        let weights = topology.region_weights();
        let mut acc = 0.0;
        let region_cum = topology
            .regions
            .iter()
            .zip(&weights)
            .map(|(r, (_, w))| {
                acc += w;
                (r.id.as_str(), acc)
            })
            .collect();
        Gen {
            rng: ChaCha8Rng::seed_from_u64(SEED),
            topology,
            region_cum,
            counter: 0,
            rows: Vec::new(),
            recent: BTreeMap::new(),
        }
    }

    fn region(&mut self) -> &'a str {
        let x = self.rng.gen::<f64>();
        for &(r, c) in &self.region_cum {
            if x < c {
                return r;
            }
        }
        self.region_cum[self.region_cum.len() - 1].0
    }

    fn new_reporter(&mut self) -> String {
        self.counter += 1;
        reporter_string(SEED, self.counter)
    }

    /// A reporter: new, or with probability `again` one who reported to `provider` lately.
    fn reporter(&mut self, provider: &str, again: f64) -> String {
        let list = self.recent.entry(provider.to_owned()).or_default();
        if !list.is_empty() && self.rng.gen_bool(again) {
            let k = self.rng.gen_range(0..list.len());
            return list[k].clone();
        }
        let r = self.new_reporter();
        let list = self.recent.entry(provider.to_owned()).or_default();
        if list.len() < 400 {
            list.push(r.clone());
        } else {
            let k = self.rng.gen_range(0..400);
            list[k] = r.clone();
        }
        r
    }

    fn background(&mut self) {
        let providers: Vec<(String, ProviderKind)> = self
            .topology
            .providers
            .iter()
            .map(|p| (p.id.as_str().to_owned(), p.kind))
            .collect();
        let mixes: Vec<Vec<(&'static str, f64)>> = providers
            .iter()
            .map(|(p, kind)| match kind {
                ProviderKind::Telecom => TELECOM_MIX
                    .iter()
                    .filter(|(s, _)| s.is_empty() || self.topology.service(p, s).is_some())
                    .copied()
                    .collect(),
                _ => online_mix(p).to_vec(),
            })
            .collect();
        let mut minute = START;
        while minute < END {
            let sh = shape(minute + 30);
            for ((p, _), mix) in providers.iter().zip(&mixes) {
                let peak = PEAK_RATE
                    .iter()
                    .find(|r| r.0 == p)
                    .map(|r| r.1)
                    .unwrap_or(0.3);
                let n = poisson(&mut self.rng, peak * sh);
                for _ in 0..n {
                    let t = minute + self.rng.gen_range(0..60);
                    let service = pick(&mut self.rng, mix);
                    let problem = pick(&mut self.rng, background_problems(service));
                    let region = self.region();
                    let reporter = self.reporter(p, 0.04);
                    let source = pick(&mut self.rng, SOURCES);
                    self.rows.push(ReportRow::new(
                        t, p, service, problem, region, reporter, source,
                    ));
                }
            }
            minute += 60;
        }
    }

    /// Reports from a rate function over [from, to): each minute a Poisson count.
    fn emit_at_rate(
        &mut self,
        from: i64,
        to: i64,
        rate: impl Fn(i64) -> f64,
        mut one: impl FnMut(&mut Self, i64),
    ) -> usize {
        let mut n_total = 0;
        let mut minute = from - from.rem_euclid(60);
        while minute < to {
            let n = poisson(&mut self.rng, rate(minute + 30));
            for _ in 0..n {
                let t = minute + self.rng.gen_range(0..60);
                if t < from || t >= to {
                    continue;
                }
                one(self, t);
                n_total += 1;
            }
            minute += 60;
        }
        n_total
    }

    fn hotline_report(&mut self, t: i64, again: f64) {
        let service = if self.rng.gen_bool(0.85) {
            "customer-service"
        } else {
            ""
        };
        let problem = pick(&mut self.rng, HOTLINE_PROBLEMS);
        let region = self.region();
        let reporter = self.reporter("o2-de", again);
        let source = pick(&mut self.rng, HOTLINE_SOURCES);
        self.rows.push(ReportRow::new(
            t, "o2-de", service, problem, region, reporter, source,
        ));
    }

    fn crm(&mut self) -> usize {
        self.emit_at_rate(CRM_START, CRM_END, crm_rate, |g, t| {
            g.hotline_report(t, 0.08)
        })
    }

    fn lte(&mut self) -> (usize, usize) {
        let tail_end = LTE_END + 4 * 3600;
        let outage = self.emit_at_rate(LTE_START, tail_end, lte_rate, |g, t| {
            let service = pick(&mut g.rng, LTE_MIX);
            let problem = pick(&mut g.rng, lte_problems(service));
            let region = g.region();
            // Some try again after a while (the detector counts them once per hour).
            let reporter = g.reporter("o2-de", 0.06);
            let source = pick(&mut g.rng, OUTAGE_SOURCES);
            g.rows.push(ReportRow::new(
                t, "o2-de", service, problem, region, reporter, source,
            ));
        });
        let lag = (LTE_HOTLINE_LAG_MIN * 60.0) as i64;
        let hotline = self.emit_at_rate(
            LTE_START + 120,
            tail_end,
            |t| LTE_HOTLINE_SHARE * lte_rate(t - lag),
            |g, t| g.hotline_report(t, 0.1),
        );
        (outage, hotline)
    }
}

fn incident(
    time: i64,
    id: &str,
    category: IncidentCategory,
    components: &[&str],
    state: IncidentState,
    title: &LocalizedText,
) -> Event {
    Event::Incident(IncidentEvent {
        time: Timestamp(time),
        id: IncidentId::parse(id).expect("valid id"),
        provider: ProviderId::parse("o2-de").expect("valid id"),
        category,
        components: components
            .iter()
            .map(|c| ComponentName::parse(c).expect("valid id"))
            .collect(),
        state,
        title: Some(title.clone()),
    })
}

fn component(time: i64, id: &str, status: ComponentStatus) -> Event {
    Event::Component(ComponentEvent {
        time: Timestamp(time),
        provider: ProviderId::parse("o2-de").expect("valid id"),
        component: ComponentName::parse(id).expect("valid id"),
        status,
    })
}

fn statement(time: i64, id: &str, t: LocalizedText, workaround: Option<LocalizedText>) -> Event {
    Event::Statement(StatementEvent {
        time: Timestamp(time),
        incident: IncidentId::parse(id).expect("valid id"),
        text: t,
        workaround,
    })
}

/// The operator's events and the probe results, time-ordered.
pub fn events() -> Vec<Event> {
    use IncidentCategory::{Network, Security};
    use IncidentState::*;
    let mut ev = Vec::new();
    let sec_title = text(
        "DSL-Kundenverwaltung nach WannaCry-Angriff auf Telefónica vorsorglich abgeschaltet",
        "DSL customer-management system shut down as a precaution after the WannaCry attack on Telefónica",
    );
    ev.push(incident(
        CRM_START,
        "sec-1",
        Security,
        &["crm-dsl"],
        Identified,
        &sec_title,
    ));
    ev.push(component(
        CRM_START + 300,
        "crm-dsl",
        ComponentStatus::MajorOutage,
    ));
    ev.push(statement(
        CRM_START + 1800,
        "sec-1",
        text(
            "Nach dem Angriff des Verschlüsselungstrojaners WannaCry auf unsere Muttergesellschaft Telefónica haben wir das in Spanien betriebene DSL-Kundenverwaltungssystem aus Sicherheitsgründen heruntergefahren. DSL-Anschlüsse funktionieren normal. Die Hotline kann DSL-Verträge derzeit nicht einsehen oder ändern.",
            "After the WannaCry ransomware attack on our parent company Telefónica we have shut down the DSL customer-management system, which is hosted in Spain, as a precaution. DSL connections work normally. The hotline cannot view or change DSL contracts at the moment.",
        ),
        Some(text(
            "Für Fragen zu DSL-Verträgen bitte später erneut anrufen; Störungen des Anschlusses können weiterhin gemeldet werden.",
            "For questions about DSL contracts please call again later; faults of your line can still be reported.",
        )),
    ));
    ev.push(statement(
        CRM_START + 2 * 86_400 + 16 * 3600 + 30 * 60,
        "sec-1",
        text(
            "Das DSL-Kundenverwaltungssystem bleibt vorerst abgeschaltet, bis es geprüft ist. Wartezeiten an der Hotline sind möglich. Das Netz ist nicht betroffen.",
            "The DSL customer-management system stays shut down until it has been checked. Expect waiting times at the hotline. The network is not affected.",
        ),
        None,
    ));

    // The LTE outage.
    let net_title = text(
        "Bundesweite Störung im Mobilfunknetz, vor allem LTE",
        "Nationwide disruption of the mobile network, mostly LTE",
    );
    let confirmed = LTE_START + 30 * 60;
    ev.push(incident(
        confirmed,
        "net-1",
        Network,
        &[],
        Confirmed,
        &net_title,
    ));
    ev.push(component(
        confirmed + 120,
        "ran-lte",
        ComponentStatus::PartialOutage,
    ));
    let workaround = text(
        "Bitte vorübergehend auf GSM oder 3G ausweichen (in den Netzeinstellungen LTE/4G deaktivieren).",
        "Please switch to GSM or 3G for now (turn off LTE/4G in the network settings).",
    );
    ev.push(statement(
        confirmed + 300,
        "net-1",
        text(
            "Wir haben derzeit bundesweit Störungen im Mobilfunk- und teilweise im Festnetz, vor allem im LTE-Netz. Unsere Techniker arbeiten mit Hochdruck an der Behebung.",
            "We are currently seeing nationwide disruptions in the mobile and partly in the fixed network, mostly on LTE. Our engineers are working hard on a fix.",
        ),
        Some(workaround.clone()),
    ));
    let identified = LTE_START + 80 * 60;
    ev.push(incident(
        identified,
        "net-1",
        Network,
        &["ran-lte"],
        Identified,
        &net_title,
    ));
    ev.push(statement(
        identified + 600,
        "net-1",
        text(
            "Die Störung ist eingegrenzt. Einen Zusammenhang mit dem WannaCry-Angriff auf Telefónica gibt es nicht. Die Hotline ist stark ausgelastet; es kommt zu langen Wartezeiten.",
            "The fault has been located. It is not connected to the WannaCry attack on Telefónica. The hotline is very busy; expect long waiting times.",
        ),
        Some(workaround),
    ));
    let monitoring = LTE_END - 30 * 60;
    ev.push(incident(
        monitoring,
        "net-1",
        Network,
        &["ran-lte"],
        Monitoring,
        &net_title,
    ));
    ev.push(component(LTE_END, "ran-lte", ComponentStatus::Operational));
    ev.push(incident(
        LTE_END + 10 * 60,
        "net-1",
        Network,
        &["ran-lte"],
        Resolved,
        &net_title,
    ));
    ev.push(statement(
        LTE_END + 12 * 60,
        "net-1",
        text(
            "Die Störung ist behoben. LTE funktioniert wieder bundesweit. Wir entschuldigen uns für die Unannehmlichkeiten.",
            "The disruption is over. LTE works again nationwide. We apologise for the inconvenience.",
        ),
        None,
    ));

    // The CRM is back.
    ev.push(component(CRM_END, "crm-dsl", ComponentStatus::Operational));
    ev.push(incident(
        CRM_END,
        "sec-1",
        Security,
        &["crm-dsl"],
        Resolved,
        &sec_title,
    ));
    ev.push(statement(
        CRM_END + 600,
        "sec-1",
        text(
            "Das DSL-Kundenverwaltungssystem ist wieder in Betrieb. Die Hotline kann DSL-Anliegen wieder vollständig bearbeiten.",
            "The DSL customer-management system is back in operation. The hotline can fully handle DSL requests again.",
        ),
        None,
    ));

    // Probes: LTE and 3G radio in six Länder, hourly; every 5 minutes around the outage. LTE
    // fails from a few minutes after onset until the end; 3G never does.
    let pid = ProviderId::parse("o2-de").expect("valid id");
    let mut t = START + 15 * 60;
    while t < END {
        let busy = t + 3600 > LTE_START && t < LTE_END + 3600;
        for comp in ["ran-lte", "ran-umts"] {
            for r in PROBE_REGIONS {
                let down = comp == "ran-lte" && (LTE_START + 6 * 60..LTE_END).contains(&t);
                ev.push(Event::Probe(ProbeEvent {
                    time: Timestamp(t),
                    provider: pid.clone(),
                    component: ComponentName::parse(comp).expect("valid id"),
                    region: RegionId::parse(r).expect("valid id"),
                    ok: !down,
                }));
            }
        }
        t += if busy { 300 } else { 3600 };
    }
    ev.sort_by_key(|e| e.time());
    ev
}

/// The truth: the two outages, with different causes.
pub fn truth() -> Truth {
    let sid = |s: &str| ServiceId::parse(s).expect("valid id");
    Truth {
        outages: vec![
            TruthOutage {
                id: "crm-1".into(),
                provider: ProviderId::parse("o2-de").expect("valid id"),
                services: vec![sid("customer-service")],
                regions: Regions::All,
                start: Timestamp(CRM_START),
                end: Timestamp(CRM_END),
                cause: CRM_CAUSE.into(),
                root_component: Some("crm-dsl".into()),
            },
            TruthOutage {
                id: "lte-1".into(),
                provider: ProviderId::parse("o2-de").expect("valid id"),
                services: ["mobile-data", "mobile-voice", "sms", "dsl", "landline"]
                    .into_iter()
                    .map(sid)
                    .collect(),
                regions: Regions::All,
                start: Timestamp(LTE_START),
                end: Timestamp(LTE_END),
                cause: LTE_CAUSE.into(),
                root_component: Some("ran-lte".into()),
            },
        ],
    }
}

/// Generates the whole package.
pub fn build() -> May2017 {
    let topology_toml = germany::TOPOLOGY_TOML.to_owned();
    let topology =
        Topology::from_toml("topology.toml", &topology_toml).expect("shipped topology is valid");
    let mut g = Gen::new(&topology);
    g.background();
    let background = g.rows.len();
    let crm_hotline = g.crm();
    let (lte_outage, lte_hotline) = g.lte();
    let mut rows = g.rows;
    rows.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.provider.cmp(&b.provider))
            .then_with(|| a.reporter.cmp(&b.reporter))
            .then_with(|| a.service.cmp(&b.service))
            .then_with(|| a.problem.cmp(&b.problem))
    });
    let mut stats = Stats {
        background,
        crm_hotline,
        lte_outage,
        lte_hotline,
        ..Stats::default()
    };
    let mut per_minute: BTreeMap<i64, usize> = BTreeMap::new();
    let mut reporters = std::collections::BTreeSet::new();
    for r in &rows {
        *stats.per_provider.entry(r.provider.clone()).or_default() += 1;
        if r.provider == "o2-de" {
            *per_minute.entry(r.time.minute().0).or_default() += 1;
        }
        reporters.insert(r.reporter.as_str());
    }
    stats.reporters = reporters.len();
    stats.o2_peak_minute = per_minute
        .iter()
        .map(|(m, n)| (*n, *m * 60))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .unwrap_or_default();
    May2017 {
        topology_toml,
        rows,
        events: events(),
        signals: hotline_wait_samples(),
        truth: truth(),
        stats,
    }
}

impl May2017 {
    /// The package's README.md.
    pub fn readme(&self) -> String {
        let s = &self.stats;
        let mut out = String::new();
        out.push_str(README_HEAD);
        let _ = writeln!(out, "## Volumes\n");
        let _ = writeln!(
            out,
            "`reports.csv` holds {} reports from {} distinct reporters, 2017-05-12T00:00Z to 2017-05-24T23:59Z:\n",
            self.rows.len(),
            s.reporters
        );
        let _ = writeln!(
            out,
            "| origin | reports |\n|---|---:|\n| background, all providers | {} |\n| hotline while the CRM is down (crm-1) | {} |\n| LTE outage and its tail (lte-1) | {} |\n| hotline surge during the LTE outage (cause of lte-1) | {} |\n",
            s.background, s.crm_hotline, s.lte_outage, s.lte_hotline
        );
        let _ = writeln!(out, "| provider | reports |\n|---|---:|");
        for (p, n) in &s.per_provider {
            let _ = writeln!(out, "| {p} | {n} |");
        }
        let _ = writeln!(
            out,
            "\nThe busiest O2 minute is {} with {} reports. `events.jsonl` holds {} events \
             (incidents, component status, statements, probes).\n",
            Timestamp(s.o2_peak_minute.1),
            s.o2_peak_minute.0,
            self.events.len()
        );
        out.push_str(README_TAIL);
        out
    }

    /// The package as [`crate::package::load`] reads it from the folder [`May2017::write`]
    /// writes, made in memory: the files' contents are produced and checked as the loader
    /// checks a folder, but nothing touches the disk. `radar demo` plays it, so an installed
    /// binary needs no copy of the repository.
    pub fn package(&self) -> Result<Package, PackageError> {
        let mut reports = Vec::with_capacity(self.rows.len() * 96);
        write_reports_csv(&mut reports, &self.rows).expect("writing to memory cannot fail");
        let mut events = Vec::new();
        write_events_jsonl(&mut events, &self.events).expect("writing to memory cannot fail");
        let mut signals = Vec::new();
        write_signals_csv(&mut signals, &self.signals).expect("writing to memory cannot fail");
        from_contents(
            Path::new(NAME),
            &self.topology_toml,
            &reports,
            Some(&events),
            Some(&signals),
        )
    }

    /// Writes `topology.toml`, `reports.csv`, `events.jsonl`, `signals.csv`, `truth.json` and
    /// `README.md`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        write_package(
            dir,
            &self.topology_toml,
            &self.rows,
            &self.events,
            &self.signals,
            &self.truth,
        )?;
        std::fs::write(dir.join("README.md"), self.readme())?;
        Ok(())
    }
}

const README_HEAD: &str = r#"# O2 Germany, 12–24 May 2017: WannaCry CRM shutdown and an unrelated LTE outage

A scenario package (topology, crowd reports, operator events, an operator signal, truth) that retells one bad fortnight at the German
operator O2 as crowd reports, operator events and probe results. All times are UTC; Germany
was on CEST (UTC+2).

## The story

- **Friday 12 May, 16:00 UTC.** The WannaCry ransomware hits O2's parent company Telefónica in
  Spain. As a precaution O2 shuts down its DSL customer-management system (`crm-dsl`, hosted in
  Spain) and declares a `security` incident `sec-1` on it (`crm-dsl` → `major-outage`;
  statements in German and English). DSL itself keeps working. Callers to the hotline cannot
  be helped with DSL matters, so hotline reports (`customer-service`, problem mostly `hotline`,
  about a third logged by agents as source `call-center`) stay moderately elevated for the
  whole shutdown, mostly in business hours.
- **Wednesday 17 May, 12:50 UTC.** A nationwide disruption, mostly of LTE: reports of
  `mobile-data` and `mobile-voice` (`no-internet`, `no-signal`, `no-calls`), some `sms`, and a
  small share of fixed-line reports (`dsl`, `landline`), in every Land by population. Reports
  rise within minutes to a few hundred per minute. O2 confirms at 13:20 (incident `net-1`,
  category `network`: confirmed → identified → monitoring → resolved) with the workaround
  "switch to GSM or 3G for now" / "vorübergehend auf GSM oder 3G ausweichen", and states that
  there is no connection to WannaCry. The hotline is overloaded (waits over an hour): hotline
  reports surge at the same time. Probes of the LTE radio network (`ran-lte`) fail in six
  Länder from 12:56 until 17:30; those of the 3G radio network (`ran-umts`) stay fine. The
  outage is over by 17:30 UTC; reports decay through the evening.
- **Wednesday 24 May, 09:00 UTC.** The DSL customer-management system is restored
  (`crm-dsl` → `operational`, `sec-1` resolved).
- Throughout, the other providers of the shipped German topology (Telekom, Vodafone, 1&1,
  WhatsApp, YouTube, Netflix, Instagram) have their normal traffic, for contrast.

## What is modelled

- `topology.toml` is a verbatim copy of the shipped German topology
  (`crates/core/data/topology-de.toml`).
- **Background:** every provider has Poisson report counts per minute following a daily shape
  (near zero at night, an evening peak around 20:00 local) and a weekly shape (later, quieter
  weekends), scaled by provider size: at the evening peak about 3.5 reports/min for Telekom,
  3.0 for O2, 2.8 for Vodafone, 0.9 for 1&1, 0.4–1.6 for the online services, nationwide.
  Regions are drawn by the topology's `population`. Services, problems and sources follow a
  typical mix per kind of service. About 4 % of reports come from a reporter who reported to
  the same provider before; all other reporters are new. Reporters are opaque 12-digit hex
  strings.
- **crm-1 (cause `ransomware-containment`, root `crm-dsl`):** extra O2 hotline reports at up
  to 0.45/min in the busiest weekday hours (Saturdays 60 %, Sundays 25 %, hardly any at night),
  ramping up over the first day, from 12 May 16:00 until 24 May 09:00. The report format has
  no customer-type column, so the fact that the callers are mostly DSL customers is not
  visible in the rows; they report `customer-service` (85 %) or no service.
- **lte-1 (cause `lte-core-fault`, root `ran-lte`):** O2 outage reports following a fixed
  profile: 25/min three minutes after onset, 110/min after ten, about 290/min at the peak
  (13:45), 110/min at 16:10, 18/min at 17:30, then an exponential tail (35 minutes). Services:
  mobile data 55 %, mobile calls 22 %, SMS 2 %, DSL 5 %, landline 3 %, none 13 %. About 6 % of
  these reporters report again. The root is the LTE radio network because 3G and GSM kept
  working (the operator's workaround) and the 3G probes stay fine; the fixed-line share is
  kept small. Hotline reports caused by the outage (8 % of the outage rate eight minutes
  earlier, sources mostly `call-center` and `web`) belong to this cause, but `truth.json`
  lists only the network services for `lte-1`: `customer-service` is `crm-1`'s service.
- **signals.csv:** O2's hotline waiting time (`hotline-wait`, seconds, declared under
  `[[signals]]` in the shipped topology as a measurement of `hotline-telephony`), sampled every
  three to seven minutes with ±15 % noise: usually one to two and a half minutes, following the
  hotline's daily shape; from 12 May 16:00 over an hour at the busiest hours (the seed report's
  callers who waited over an hour) until Sunday noon, then down over a day to about ten minutes
  for the rest of the shutdown, draining after 24 May 09:00; on top of that up to 50 more
  minutes during the LTE outage's call surge on 17 May. A signal is evidence, not truth:
  `truth.json` does not mention it.
- **Events:** the declared incidents `sec-1` and `net-1`, component status changes of
  `crm-dsl` and `ran-lte`, statements in German and English (with workarounds), and probe
  results of `ran-lte` and `ran-umts` in six Länder (hourly; every five minutes from an hour
  before the outage until an hour after it).
- **What O2 never said** (the technical cause of the network outage) is a modelling choice
  here: the cause name and root component in `truth.json` are ours.

"#;

const README_TAIL: &str = r#"## How it was generated

Deterministically, from a fixed seed, by `crates/scenario/src/may2017.rs`:

```
cargo run --release -p radar-scenario --example may2017 -- scenarios/o2-2017-05
```

Running it again gives the same bytes; `crates/scenario/tests/may2017.rs` checks that, loads the
package, replays it and scores it against `truth.json`. To run it through the product:

```
radar replay scenarios/o2-2017-05 --out detections.json
radar eval scenarios/o2-2017-05 detections.json
```

## Sources

- The seed news report: heise online, "Verwirrung bei O2: WannaCry-Angriff und Netzausfall",
  17 May 2017: the DSL
  customer-management system hosted in Spain was shut down as a precaution after the WannaCry
  attack on Telefónica; on the same Wednesday early afternoon nationwide disruptions of the
  fixed and mobile networks, mostly LTE, piled up on allestörungen.de; O2 confirmed on Twitter;
  customer service advised switching to GSM or 3G; many callers could not be helped because
  the customer system was down, and some thought the outage was caused by WannaCry; O2 said
  there was no connection and gave no technical details.
- The report does not give the restoration date; 24 May is the project's account of the
  story. The exact times, the volumes and everything else are modelled, not measured.
  Populations and provider sizes come from the shipped topology.
"#;
