//! What happens in a package of each kind: faults (with their onset, scope, declaration and
//! spill-over) and report floods. Times are Unix seconds.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::world::{World, REGIONS};

/// Where a fault bites: every region of the provider's market, or a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    All,
    List(Vec<&'static str>),
}

/// The operator declares the fault this long after its start.
#[derive(Clone, Debug)]
pub struct Declare {
    pub after: i64,
    pub category: &'static str,
}

/// Reports at a telecom that rise because an online service is down (the fault's cause).
#[derive(Clone, Debug)]
pub struct Spill {
    pub provider: &'static str,
    pub services: Vec<&'static str>,
    pub lag: i64,
    /// Reports per minute per million customers at the plateau.
    pub intensity: f64,
}

/// One fault: a component of a provider fails in some regions from `start` to `end`.
#[derive(Clone, Debug)]
pub struct Fault {
    pub cause: String,
    pub provider: &'static str,
    pub component: &'static str,
    pub scope: Scope,
    pub start: i64,
    pub end: i64,
    /// Seconds from the start until reports reach their plateau.
    pub ramp: i64,
    /// Reports per minute per million affected customers at the plateau (busy hours).
    pub intensity: f64,
    /// The services that fail; None: every service that needs the component.
    pub services: Option<Vec<&'static str>>,
    pub declare: Option<Declare>,
    pub spill: Vec<Spill>,
}

/// A few reporters sending many reports: never an outage.
#[derive(Clone, Debug)]
pub struct Flood {
    pub provider: &'static str,
    pub service: &'static str,
    pub problem: &'static str,
    pub region: &'static str,
    pub start: i64,
    pub end: i64,
    pub reporters: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub faults: Vec<Fault>,
    pub floods: Vec<Flood>,
}

/// The scenario kinds, each a different situation (faults start on the last day, in daytime,
/// after at least ten hours of everyday reports):
/// - `national-fast`: one component fails in every region of its provider's country within
///   two to five minutes; half are declared by the operator.
/// - `regional-fast`: the same in one to three regions.
/// - `slow-national`, `slow-regional`: reports ramp up over 30–60 minutes, then stay high for
///   three to six hours.
/// - `sparse-national`: a national fault of a Swiss provider with few reports per canton (the
///   small cantons see a handful).
/// - `night-national`: a national fault between 01:00 and 06:00 local time.
/// - `mvno-host`: the host's mobile core fails; the MVNO riding on it fails too (same cause,
///   root `alpentel-at:mobile-core`).
/// - `mvno-own`: the MVNO's own core fails; the host is fine.
/// - `online-spillover`: an online service fails everywhere; telecoms' internet services see
///   reports of users who blame them (same cause); one or two unrelated regional faults at
///   other telecoms start within minutes.
/// - `local-spillover`: the same with an Austrian online service (its "all regions" are
///   Austria's), spilling into one or two Austrian telecoms, while a third Austrian telecom's
///   own national or regional mobile fault starts within minutes.
/// - `two-online`: two online services fail minutes apart, unrelated; one may spill over.
/// - `coincident-unrelated`: a national fault and a regional fault at another telecom start
///   within six minutes.
/// - `same-provider-overlap`: a national voice fault and, 10–45 minutes later, a regional
///   access fault of the same provider.
/// - `staggered-services`: two services of one provider fail 20–50 minutes apart in the same
///   regions, from two different components.
/// - `declared-it`: the customer systems fail for hours, declared as an IT incident.
/// - `flood`: three floods of 3–6 reporters sending reports every few seconds; no outage.
/// - `quiet`: everyday reports only.
/// - `mixed`: three to five faults of the kinds above at random times, and a flood.
pub const KINDS: &[&str] = &[
    "national-fast",
    "regional-fast",
    "slow-national",
    "slow-regional",
    "sparse-national",
    "night-national",
    "mvno-host",
    "mvno-own",
    "online-spillover",
    "local-spillover",
    "two-online",
    "coincident-unrelated",
    "same-provider-overlap",
    "staggered-services",
    "declared-it",
    "flood",
    "quiet",
    "mixed",
];

const NATIONAL: &[(&str, &str)] = &[
    ("donaunet-at", "mobile-core"),
    ("alpentel-at", "dsl-access"),
    ("kabelwelle-at", "cmts"),
    ("helvecom-ch", "mobile-core"),
    ("rheinkabel-ch", "cmts"),
    ("donaunet-at", "fiber-access"),
];
const REGIONAL: &[(&str, &str)] = &[
    ("alpentel-at", "dsl-access"),
    ("alpentel-at", "ran-lte"),
    ("donaunet-at", "fiber-access"),
    ("donaunet-at", "ran"),
    ("kabelwelle-at", "cmts"),
    ("helvecom-ch", "ran-lte"),
    ("helvecom-ch", "dsl-access"),
    ("rheinkabel-ch", "cmts"),
];

/// Builds the plan of `kind` for a package of `days` days starting at `t0`.
pub struct Planner<'a, R: Rng> {
    pub world: &'a World,
    pub rng: &'a mut R,
    pub t0: i64,
    pub days: u32,
    next: usize,
}

const MIN: i64 = 60;
const HOUR: i64 = 3600;

impl<'a, R: Rng> Planner<'a, R> {
    pub fn new(world: &'a World, rng: &'a mut R, t0: i64, days: u32) -> Self {
        Planner {
            world,
            rng,
            t0,
            days,
            next: 0,
        }
    }

    fn t_end(&self) -> i64 {
        self.t0 + self.days as i64 * 24 * HOUR
    }

    /// A daytime moment on the last day, after a warm-up of at least ten hours.
    fn anchor(&mut self) -> i64 {
        let day = self.t0 + (self.days as i64 - 1) * 24 * HOUR;
        let hour = if self.days >= 2 {
            self.rng.gen_range(6..13)
        } else {
            self.rng.gen_range(10..13)
        };
        day + hour * HOUR + self.rng.gen_range(0..60) * MIN + self.rng.gen_range(0..60)
    }

    fn cause(&mut self, component: &str) -> String {
        self.next += 1;
        format!("f{}-{}", self.next, component)
    }

    /// `n` distinct regions of the provider's market, the populous ones more likely.
    fn regions(&mut self, provider: &str, n: usize) -> Vec<&'static str> {
        let p = self.world.provider(provider);
        let mut pool: Vec<&'static crate::world::Region> = self.world.market(p);
        let mut out = Vec::new();
        for _ in 0..n.min(pool.len()) {
            let total: f64 = pool.iter().map(|r| r.pop_m.sqrt()).sum();
            let mut x = self.rng.gen_range(0.0..total);
            let mut pick = pool.len() - 1;
            for (i, r) in pool.iter().enumerate() {
                x -= r.pop_m.sqrt();
                if x <= 0.0 {
                    pick = i;
                    break;
                }
            }
            out.push(pool.remove(pick).id);
        }
        out.sort();
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn fault(
        &mut self,
        provider: &'static str,
        component: &'static str,
        scope: Scope,
        start: i64,
        minutes: i64,
        ramp: i64,
        intensity: f64,
    ) -> Fault {
        let end = (start + minutes * MIN).min(self.t_end() - 30 * MIN);
        Fault {
            cause: self.cause(component),
            provider,
            component,
            scope,
            start,
            end,
            ramp,
            intensity,
            services: None,
            declare: None,
            spill: Vec::new(),
        }
    }

    fn maybe_declare(&mut self, f: &mut Fault, p: f64, after: (i64, i64)) {
        if self.rng.gen_bool(p) {
            let after = self.rng.gen_range(after.0..=after.1) * MIN;
            if f.start + after < f.end {
                f.declare = Some(Declare {
                    after,
                    category: "network",
                });
            }
        }
    }

    fn pick(&mut self, from: &[(&'static str, &'static str)]) -> (&'static str, &'static str) {
        *from.choose(self.rng).expect("non-empty")
    }

    fn national_fast(&mut self, start: i64) -> Fault {
        let (p, c) = self.pick(NATIONAL);
        let minutes = self.rng.gen_range(80..240);
        let ramp = self.rng.gen_range(2..=5) * MIN;
        let intensity = self.rng.gen_range(6.0..14.0);
        let mut f = self.fault(p, c, Scope::All, start, minutes, ramp, intensity);
        self.maybe_declare(&mut f, 0.5, (10, 25));
        f
    }

    fn regional_fast(&mut self, start: i64) -> Fault {
        let (p, c) = self.pick(REGIONAL);
        self.regional_of(p, c, start)
    }

    fn regional_of(&mut self, p: &'static str, c: &'static str, start: i64) -> Fault {
        let n = self.rng.gen_range(1..=3);
        let regions = self.regions(p, n);
        let minutes = self.rng.gen_range(60..180);
        let ramp = self.rng.gen_range(2..=5) * MIN;
        let intensity = self.rng.gen_range(15.0..35.0);
        let mut f = self.fault(p, c, Scope::List(regions), start, minutes, ramp, intensity);
        self.maybe_declare(&mut f, 0.3, (10, 30));
        f
    }

    fn slow(&mut self, national: bool, start: i64) -> Fault {
        let (p, c) = self.pick(if national { NATIONAL } else { REGIONAL });
        let ramp = self.rng.gen_range(30..=60) * MIN;
        let plateau = self.rng.gen_range(180..360);
        let minutes = ramp / MIN + plateau;
        let (scope, intensity) = if national {
            (Scope::All, self.rng.gen_range(5.0..10.0))
        } else {
            let n = self.rng.gen_range(1..=3);
            (
                Scope::List(self.regions(p, n)),
                self.rng.gen_range(12.0..25.0),
            )
        };
        let mut f = self.fault(p, c, scope, start, minutes, ramp, intensity);
        self.maybe_declare(&mut f, 0.3, (45, 90));
        f
    }

    fn coincident(&mut self, start: i64, exclude: &[&str]) -> Fault {
        let choices: Vec<(&'static str, &'static str)> = REGIONAL
            .iter()
            .copied()
            .filter(|(p, _)| !exclude.contains(p))
            .collect();
        let (p, c) = self.pick(&choices);
        self.regional_of(p, c, start)
    }

    fn online(&mut self, provider: &'static str, component: &'static str, start: i64) -> Fault {
        let minutes = self.rng.gen_range(60..180);
        let ramp = self.rng.gen_range(2..=4) * MIN;
        let intensity = self.rng.gen_range(15.0..30.0);
        self.fault(
            provider,
            component,
            Scope::All,
            start,
            minutes,
            ramp,
            intensity,
        )
    }

    fn spill(&mut self, provider: &'static str, services: &[&'static str]) -> Spill {
        Spill {
            provider,
            services: services.to_vec(),
            lag: self.rng.gen_range(120..=360),
            intensity: self.rng.gen_range(2.0..4.0),
        }
    }

    /// The plan of `kind`; None for an unknown kind.
    pub fn plan(&mut self, kind: &str) -> Option<Plan> {
        let mut plan = Plan::default();
        let a = self.anchor();
        match kind {
            "national-fast" => {
                let f = self.national_fast(a);
                plan.faults.push(f);
            }
            "regional-fast" => {
                let f = self.regional_fast(a);
                plan.faults.push(f);
            }
            "slow-national" => {
                let f = self.slow(true, a);
                plan.faults.push(f);
            }
            "slow-regional" => {
                let f = self.slow(false, a);
                plan.faults.push(f);
            }
            "sparse-national" => {
                let (p, c) = self.pick(&[
                    ("helvecom-ch", "mobile-core"),
                    ("helvecom-ch", "dsl-access"),
                    ("rheinkabel-ch", "cmts"),
                ]);
                let minutes = self.rng.gen_range(90..240);
                let ramp = self.rng.gen_range(2..=6) * MIN;
                let intensity = self.rng.gen_range(3.0..6.0);
                let f = self.fault(p, c, Scope::All, a, minutes, ramp, intensity);
                plan.faults.push(f);
            }
            "night-national" => {
                // Between 00:00 and 04:00 UTC (01:00–06:00 local): few people awake to report.
                let day = self.t0 + (self.days as i64 - 1) * 24 * HOUR;
                let start = day + self.rng.gen_range(0..4 * HOUR);
                let f = self.national_fast(start);
                plan.faults.push(f);
            }
            "mvno-own" => {
                // The MVNO's own core fails; the host network is fine (its probes pass).
                let scope = Scope::All;
                let minutes = self.rng.gen_range(60..200);
                let ramp = self.rng.gen_range(2..=5) * MIN;
                let intensity = self.rng.gen_range(10.0..20.0);
                let mut f = self.fault(
                    "zugvogel-at",
                    "mvno-core",
                    scope,
                    a,
                    minutes,
                    ramp,
                    intensity,
                );
                self.maybe_declare(&mut f, 0.4, (10, 30));
                plan.faults.push(f);
            }
            "mvno-host" => {
                let scope = if self.rng.gen_bool(0.6) {
                    Scope::All
                } else {
                    let n = self.rng.gen_range(2..=3);
                    Scope::List(self.regions("alpentel-at", n))
                };
                let minutes = self.rng.gen_range(60..200);
                let ramp = self.rng.gen_range(2..=5) * MIN;
                let intensity = self.rng.gen_range(8.0..16.0);
                let mut f = self.fault(
                    "alpentel-at",
                    "mobile-core",
                    scope,
                    a,
                    minutes,
                    ramp,
                    intensity,
                );
                self.maybe_declare(&mut f, 0.7, (8, 20));
                plan.faults.push(f);
            }
            "online-spillover" => {
                let mut f = self.online("chatwave", "messaging", a);
                let s = self.spill("alpentel-at", &["mobile-data", "dsl-internet"]);
                f.spill.push(s);
                if self.rng.gen_bool(0.5) {
                    let s = self.spill("helvecom-ch", &["mobile-data"]);
                    f.spill.push(s);
                }
                let spilled: Vec<&str> = f.spill.iter().map(|s| s.provider).collect();
                plan.faults.push(f);
                let n = self.rng.gen_range(1..=2);
                let mut used = spilled;
                for _ in 0..n {
                    let start = a + self.rng.gen_range(-5 * MIN..=8 * MIN);
                    let g = self.coincident(start, &used);
                    used.push(g.provider);
                    plan.faults.push(g);
                }
            }
            "local-spillover" => {
                // An online service of one country: its "all regions" are that country's.
                let mut f = self.online("kontoblick-at", "banking-api", a);
                f.intensity *= 0.6;
                let s = self.spill("alpentel-at", &["mobile-data", "dsl-internet"]);
                f.spill.push(s);
                if self.rng.gen_bool(0.5) {
                    let s = self.spill("kabelwelle-at", &["cable-internet"]);
                    f.spill.push(s);
                }
                plan.faults.push(f);
                // Another Austrian telecom's own fault within minutes: national and of the
                // same country, so only its symptoms and probes tell it from spill-over.
                let start = a + self.rng.gen_range(-5 * MIN..=8 * MIN);
                let g = if self.rng.gen_bool(0.5) {
                    let minutes = self.rng.gen_range(60..180);
                    let ramp = self.rng.gen_range(2..=5) * MIN;
                    let intensity = self.rng.gen_range(6.0..14.0);
                    self.fault(
                        "donaunet-at",
                        "mobile-core",
                        Scope::All,
                        start,
                        minutes,
                        ramp,
                        intensity,
                    )
                } else {
                    self.regional_of("donaunet-at", "ran", start)
                };
                plan.faults.push(g);
            }
            "two-online" => {
                let mut f = self.online("chatwave", "media", a);
                f.intensity *= 0.6;
                plan.faults.push(f);
                let start = a + self.rng.gen_range(2 * MIN..=10 * MIN);
                let mut g = self.online("streamflix", "playback", start);
                if self.rng.gen_bool(0.5) {
                    let s = self.spill("kabelwelle-at", &["cable-internet"]);
                    g.spill.push(s);
                }
                plan.faults.push(g);
            }
            "coincident-unrelated" => {
                let f = self.national_fast(a);
                let p = f.provider;
                plan.faults.push(f);
                let start = a + self.rng.gen_range(0..=6 * MIN);
                let g = self.coincident(start, &[p]);
                plan.faults.push(g);
            }
            "same-provider-overlap" => {
                let (p, national, regional) = *[
                    ("alpentel-at", "ims-voice", "dsl-access"),
                    ("helvecom-ch", "voice-core", "dsl-access"),
                    ("donaunet-at", "voice-core", "fiber-access"),
                ]
                .choose(self.rng)
                .expect("non-empty");
                let minutes = self.rng.gen_range(120..240);
                let ramp = self.rng.gen_range(2..=5) * MIN;
                let intensity = self.rng.gen_range(6.0..12.0);
                let mut f = self.fault(p, national, Scope::All, a, minutes, ramp, intensity);
                self.maybe_declare(&mut f, 0.5, (10, 25));
                plan.faults.push(f);
                let start = a + self.rng.gen_range(10 * MIN..=45 * MIN);
                let g = self.regional_of(p, regional, start);
                plan.faults.push(g);
            }
            "staggered-services" => {
                let (p, first, second) = *[
                    ("alpentel-at", "dsl-access", "ran-lte"),
                    ("donaunet-at", "fiber-access", "ran"),
                    ("helvecom-ch", "dsl-access", "ran-lte"),
                ]
                .choose(self.rng)
                .expect("non-empty");
                let f = self.regional_of(p, first, a);
                let regions = f.scope.clone();
                plan.faults.push(f);
                let start = a + self.rng.gen_range(20 * MIN..=50 * MIN);
                let mut g = self.regional_of(p, second, start);
                g.scope = regions;
                plan.faults.push(g);
            }
            "declared-it" => {
                let p = *["alpentel-at", "donaunet-at", "kabelwelle-at"]
                    .choose(self.rng)
                    .expect("non-empty");
                let minutes = self.rng.gen_range(240..600);
                let intensity = self.rng.gen_range(2.0..4.0);
                let mut f = self.fault(p, "crm", Scope::All, a, minutes, 5 * MIN, intensity);
                f.services = Some(vec!["customer-service"]);
                f.declare = Some(Declare {
                    after: self.rng.gen_range(5..=15) * MIN,
                    category: "it-system",
                });
                plan.faults.push(f);
            }
            "flood" => {
                for i in 0..3 {
                    let start = a + i * 3 * HOUR - 2 * HOUR + self.rng.gen_range(0..HOUR);
                    let fl = self.flood(start);
                    plan.floods.push(fl);
                }
            }
            "quiet" => {}
            "mixed" => {
                let n = self.rng.gen_range(3..=5);
                let first = (self.t0 + 10 * HOUR).max(self.t_end() - 30 * HOUR);
                let last = self.t_end() - 4 * HOUR;
                // Faults of one component an hour or less apart would be one fault to anyone;
                // a drawn fault that clashes so with an earlier one is drawn again.
                let mut tries = 0;
                while plan.faults.len() < n && tries < 50 {
                    tries += 1;
                    let start = self.rng.gen_range(first..last);
                    let f = match self.rng.gen_range(0..4) {
                        0 => self.national_fast(start),
                        1 => self.regional_fast(start),
                        2 => {
                            let national = self.rng.gen_bool(0.5);
                            self.slow(national, start)
                        }
                        _ => {
                            let mut f = self.online("chatwave", "messaging", start);
                            let s = self.spill("donaunet-at", &["mobile-data"]);
                            f.spill.push(s);
                            f
                        }
                    };
                    let clash = plan.faults.iter().any(|g| {
                        g.provider == f.provider
                            && g.component == f.component
                            && f.start <= g.end + HOUR
                            && g.start <= f.end + HOUR
                    });
                    if clash {
                        self.next -= 1;
                    } else {
                        plan.faults.push(f);
                    }
                }
                let start = self.rng.gen_range(first..last);
                let fl = self.flood(start);
                plan.floods.push(fl);
            }
            _ => return None,
        }
        Some(plan)
    }

    fn flood(&mut self, start: i64) -> Flood {
        let (provider, service, problem) = *[
            ("alpentel-at", "mobile-data", "no-internet"),
            ("kabelwelle-at", "cable-tv", "total-outage"),
            ("helvecom-ch", "dsl-internet", "slow-internet"),
            ("chatwave", "messaging", "login"),
        ]
        .choose(self.rng)
        .expect("non-empty");
        let regions = self.regions(provider, 1);
        let region = regions.first().copied().unwrap_or(REGIONS[0].id);
        Flood {
            provider,
            service,
            problem,
            region,
            start,
            end: (start + self.rng.gen_range(15..=60) * MIN).min(self.t_end() - MIN),
            reporters: self.rng.gen_range(3..=6),
        }
    }
}
