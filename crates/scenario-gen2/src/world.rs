//! The world a package describes: Austrian Bundesländer and Swiss cantons with their
//! populations, four Austrian telecoms (one a cable operator, one an MVNO on a host network),
//! two Swiss telecoms (one a cable operator) and two online services used in both countries.
//! Market shares vary a little with the seed; the shape does not.

use rand::Rng;

/// A region (ISO 3166-2) and its population in millions.
pub struct Region {
    pub id: &'static str,
    pub name: &'static str,
    pub pop_m: f64,
}

pub const REGIONS: &[Region] = &[
    Region {
        id: "AT-1",
        name: "Burgenland",
        pop_m: 0.30,
    },
    Region {
        id: "AT-2",
        name: "Kärnten",
        pop_m: 0.57,
    },
    Region {
        id: "AT-3",
        name: "Niederösterreich",
        pop_m: 1.72,
    },
    Region {
        id: "AT-4",
        name: "Oberösterreich",
        pop_m: 1.52,
    },
    Region {
        id: "AT-5",
        name: "Salzburg",
        pop_m: 0.57,
    },
    Region {
        id: "AT-6",
        name: "Steiermark",
        pop_m: 1.27,
    },
    Region {
        id: "AT-7",
        name: "Tirol",
        pop_m: 0.77,
    },
    Region {
        id: "AT-8",
        name: "Vorarlberg",
        pop_m: 0.41,
    },
    Region {
        id: "AT-9",
        name: "Wien",
        pop_m: 2.01,
    },
    Region {
        id: "CH-ZH",
        name: "Zürich",
        pop_m: 1.58,
    },
    Region {
        id: "CH-BE",
        name: "Bern",
        pop_m: 1.06,
    },
    Region {
        id: "CH-LU",
        name: "Luzern",
        pop_m: 0.43,
    },
    Region {
        id: "CH-UR",
        name: "Uri",
        pop_m: 0.037,
    },
    Region {
        id: "CH-SZ",
        name: "Schwyz",
        pop_m: 0.165,
    },
    Region {
        id: "CH-OW",
        name: "Obwalden",
        pop_m: 0.039,
    },
    Region {
        id: "CH-NW",
        name: "Nidwalden",
        pop_m: 0.044,
    },
    Region {
        id: "CH-GL",
        name: "Glarus",
        pop_m: 0.041,
    },
    Region {
        id: "CH-ZG",
        name: "Zug",
        pop_m: 0.13,
    },
    Region {
        id: "CH-FR",
        name: "Fribourg",
        pop_m: 0.33,
    },
    Region {
        id: "CH-SO",
        name: "Solothurn",
        pop_m: 0.28,
    },
    Region {
        id: "CH-BS",
        name: "Basel-Stadt",
        pop_m: 0.20,
    },
    Region {
        id: "CH-BL",
        name: "Basel-Landschaft",
        pop_m: 0.29,
    },
    Region {
        id: "CH-SH",
        name: "Schaffhausen",
        pop_m: 0.084,
    },
    Region {
        id: "CH-AR",
        name: "Appenzell Ausserrhoden",
        pop_m: 0.056,
    },
    Region {
        id: "CH-AI",
        name: "Appenzell Innerrhoden",
        pop_m: 0.016,
    },
    Region {
        id: "CH-SG",
        name: "St. Gallen",
        pop_m: 0.52,
    },
    Region {
        id: "CH-GR",
        name: "Graubünden",
        pop_m: 0.20,
    },
    Region {
        id: "CH-AG",
        name: "Aargau",
        pop_m: 0.71,
    },
    Region {
        id: "CH-TG",
        name: "Thurgau",
        pop_m: 0.29,
    },
    Region {
        id: "CH-TI",
        name: "Ticino",
        pop_m: 0.36,
    },
    Region {
        id: "CH-VD",
        name: "Vaud",
        pop_m: 0.83,
    },
    Region {
        id: "CH-VS",
        name: "Valais",
        pop_m: 0.36,
    },
    Region {
        id: "CH-NE",
        name: "Neuchâtel",
        pop_m: 0.18,
    },
    Region {
        id: "CH-GE",
        name: "Genève",
        pop_m: 0.51,
    },
    Region {
        id: "CH-JU",
        name: "Jura",
        pop_m: 0.074,
    },
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Telecom,
    Online,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Telecom => "telecom",
            Kind::Online => "online-service",
        }
    }
}

/// A component; `deps` are ids of the same provider or `provider:component`.
pub struct Component {
    pub id: &'static str,
    pub name: &'static str,
    pub deps: Vec<&'static str>,
}

/// A service with the problems its users report when it fails, and their weights.
pub struct Service {
    pub id: &'static str,
    pub name: &'static str,
    pub technologies: Vec<&'static str>,
    pub deps: Vec<&'static str>,
    pub problems: &'static [(&'static str, f64)],
}

pub struct Provider {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    pub country: &'static str,
    /// Share of the population of its market (its country; both countries for online services).
    pub share: f64,
    /// Everyday reports per minute per million customers at the busiest hour.
    pub base_per_m: f64,
    pub components: Vec<Component>,
    pub services: Vec<Service>,
    /// Components the operator probes in every region it serves (or in `probe_regions`).
    pub probed: Vec<&'static str>,
    /// Where an online service's probes run; empty: every region of its market.
    pub probe_regions: Vec<&'static str>,
}

pub struct World {
    pub providers: Vec<Provider>,
}

const MOBILE_DATA: &[(&str, f64)] = &[
    ("no-internet", 0.55),
    ("slow-internet", 0.2),
    ("no-signal", 0.2),
    ("other", 0.05),
];
const MOBILE_VOICE: &[(&str, f64)] = &[
    ("no-calls", 0.55),
    ("no-signal", 0.25),
    ("no-sms", 0.15),
    ("other", 0.05),
];
const FIXED_INTERNET: &[(&str, f64)] = &[
    ("no-internet", 0.6),
    ("slow-internet", 0.2),
    ("total-outage", 0.15),
    ("other", 0.05),
];
const TV: &[(&str, f64)] = &[("total-outage", 0.5), ("other", 0.5)];
const FIXED_VOICE: &[(&str, f64)] = &[("no-calls", 0.85), ("other", 0.15)];
const CUSTOMER: &[(&str, f64)] = &[("hotline", 0.5), ("billing", 0.3), ("login", 0.2)];
// An online service's users describe what they see; "login" would point at its sign-in,
// which the generated faults of these services leave alone.
const MESSAGING: &[(&str, f64)] = &[
    ("total-outage", 0.4),
    ("login", 0.05),
    ("other", 0.4),
    ("no-internet", 0.15),
];
const BANKING: &[(&str, f64)] = &[("total-outage", 0.5), ("other", 0.4), ("no-internet", 0.1)];
const STREAMING: &[(&str, f64)] = &[
    ("total-outage", 0.45),
    ("slow-internet", 0.25),
    ("other", 0.3),
];

fn c(id: &'static str, name: &'static str, deps: &[&'static str]) -> Component {
    Component {
        id,
        name,
        deps: deps.to_vec(),
    }
}

fn s(
    id: &'static str,
    name: &'static str,
    tech: &[&'static str],
    deps: &[&'static str],
    problems: &'static [(&'static str, f64)],
) -> Service {
    Service {
        id,
        name,
        technologies: tech.to_vec(),
        deps: deps.to_vec(),
        problems,
    }
}

impl World {
    /// The world with market shares drawn around their usual values.
    pub fn new(rng: &mut impl Rng) -> World {
        let mut j = |x: f64| x * rng.gen_range(0.85..1.15);
        let providers = vec![
            Provider {
                id: "alpentel-at",
                name: "Alpentel",
                kind: Kind::Telecom,
                country: "AT",
                share: j(0.38),
                base_per_m: 0.5,
                components: vec![
                    c("ip-backbone", "IP backbone", &[]),
                    c("dns", "DNS resolvers", &["ip-backbone"]),
                    c("mobile-core", "Mobile packet core", &["ip-backbone"]),
                    c("ims-voice", "IMS voice platform", &["mobile-core"]),
                    c("ran-lte", "LTE radio network", &["mobile-core"]),
                    c("ran-5g", "5G radio network", &["mobile-core"]),
                    c("dsl-access", "DSL access network", &["ip-backbone"]),
                    c("crm", "Customer care systems", &[]),
                ],
                services: vec![
                    s(
                        "mobile-data",
                        "Mobile internet",
                        &["lte", "5g"],
                        &["ran-lte", "ran-5g", "dns"],
                        MOBILE_DATA,
                    ),
                    s(
                        "mobile-voice",
                        "Mobile telephony",
                        &["lte", "5g"],
                        &["ran-lte", "ims-voice"],
                        MOBILE_VOICE,
                    ),
                    s(
                        "dsl-internet",
                        "DSL internet",
                        &["vdsl"],
                        &["dsl-access", "dns"],
                        FIXED_INTERNET,
                    ),
                    s(
                        "customer-service",
                        "Customer service",
                        &[],
                        &["crm"],
                        CUSTOMER,
                    ),
                ],
                probed: vec!["mobile-core", "dsl-access"],
                probe_regions: vec![],
            },
            Provider {
                id: "donaunet-at",
                name: "Donaunet",
                kind: Kind::Telecom,
                country: "AT",
                share: j(0.28),
                base_per_m: 0.5,
                components: vec![
                    c("backbone", "Backbone", &[]),
                    c("mobile-core", "Mobile core", &["backbone"]),
                    c("voice-core", "Voice core", &["mobile-core"]),
                    c("ran", "Radio access network", &["mobile-core"]),
                    c("fiber-access", "Fibre access (OLT)", &["backbone"]),
                    c("crm", "Customer systems", &[]),
                ],
                services: vec![
                    s(
                        "mobile-data",
                        "Mobile data",
                        &["lte", "5g", "umts"],
                        &["ran", "mobile-core"],
                        MOBILE_DATA,
                    ),
                    s(
                        "mobile-voice",
                        "Mobile voice",
                        &["lte", "umts"],
                        &["ran", "voice-core"],
                        MOBILE_VOICE,
                    ),
                    s(
                        "fiber-internet",
                        "Fibre internet",
                        &["ftth"],
                        &["fiber-access"],
                        FIXED_INTERNET,
                    ),
                    s(
                        "customer-service",
                        "Customer service",
                        &[],
                        &["crm"],
                        CUSTOMER,
                    ),
                ],
                probed: vec!["mobile-core"],
                probe_regions: vec![],
            },
            Provider {
                id: "kabelwelle-at",
                name: "Kabelwelle",
                kind: Kind::Telecom,
                country: "AT",
                share: j(0.15),
                base_per_m: 0.45,
                components: vec![
                    c("backbone", "Backbone", &[]),
                    c("headend", "Head-end", &[]),
                    c("cmts", "Cable modem termination", &["backbone"]),
                    c("tv-platform", "TV platform", &["headend"]),
                    c("sip-voice", "SIP voice", &["cmts"]),
                    c("crm", "Customer systems", &[]),
                ],
                services: vec![
                    s(
                        "cable-internet",
                        "Cable internet",
                        &["docsis"],
                        &["cmts"],
                        FIXED_INTERNET,
                    ),
                    s("cable-tv", "Cable TV", &["dvb-c"], &["tv-platform"], TV),
                    s(
                        "cable-phone",
                        "Cable telephony",
                        &[],
                        &["sip-voice"],
                        FIXED_VOICE,
                    ),
                    s(
                        "customer-service",
                        "Customer service",
                        &[],
                        &["crm"],
                        CUSTOMER,
                    ),
                ],
                probed: vec!["cmts"],
                probe_regions: vec![],
            },
            Provider {
                id: "zugvogel-at",
                name: "Zugvogel Mobil",
                kind: Kind::Telecom,
                country: "AT",
                share: j(0.06),
                base_per_m: 0.5,
                components: vec![
                    c("mvno-core", "MVNO core", &["alpentel-at:mobile-core"]),
                    c("billing", "Billing", &[]),
                ],
                services: vec![
                    s(
                        "mobile-data",
                        "Mobile internet",
                        &["lte"],
                        &["alpentel-at:ran-lte", "mvno-core"],
                        MOBILE_DATA,
                    ),
                    s(
                        "mobile-voice",
                        "Mobile telephony",
                        &["lte"],
                        &["alpentel-at:ims-voice", "mvno-core"],
                        MOBILE_VOICE,
                    ),
                    s(
                        "customer-service",
                        "Customer service",
                        &[],
                        &["billing"],
                        CUSTOMER,
                    ),
                ],
                probed: vec![],
                probe_regions: vec![],
            },
            Provider {
                id: "helvecom-ch",
                name: "Helvecom",
                kind: Kind::Telecom,
                country: "CH",
                share: j(0.5),
                base_per_m: 0.45,
                components: vec![
                    c("backbone", "Backbone", &[]),
                    c("mobile-core", "Mobile core", &["backbone"]),
                    c("ran-lte", "LTE radio network", &["mobile-core"]),
                    c("voice-core", "Voice core", &["mobile-core"]),
                    c("dsl-access", "DSL access", &["backbone"]),
                    c("crm", "Customer systems", &[]),
                ],
                services: vec![
                    s(
                        "mobile-data",
                        "Mobile internet",
                        &["lte", "5g"],
                        &["ran-lte"],
                        MOBILE_DATA,
                    ),
                    s(
                        "mobile-voice",
                        "Mobile telephony",
                        &["lte"],
                        &["ran-lte", "voice-core"],
                        MOBILE_VOICE,
                    ),
                    s(
                        "dsl-internet",
                        "DSL internet",
                        &["vdsl"],
                        &["dsl-access"],
                        FIXED_INTERNET,
                    ),
                    s(
                        "customer-service",
                        "Customer service",
                        &[],
                        &["crm"],
                        CUSTOMER,
                    ),
                ],
                probed: vec!["mobile-core", "ran-lte"],
                probe_regions: vec![],
            },
            Provider {
                id: "rheinkabel-ch",
                name: "Rheinkabel",
                kind: Kind::Telecom,
                country: "CH",
                share: j(0.2),
                base_per_m: 0.45,
                components: vec![
                    c("backbone", "Backbone", &[]),
                    c("cmts", "Cable modem termination", &["backbone"]),
                    c("headend", "Head-end", &[]),
                    c("tv-platform", "TV platform", &["headend"]),
                ],
                services: vec![
                    s(
                        "cable-internet",
                        "Cable internet",
                        &["docsis"],
                        &["cmts"],
                        FIXED_INTERNET,
                    ),
                    s("cable-tv", "Cable TV", &["dvb-c"], &["tv-platform"], TV),
                ],
                probed: vec!["cmts"],
                probe_regions: vec![],
            },
            Provider {
                id: "chatwave",
                name: "Chatwave",
                kind: Kind::Online,
                country: "US",
                share: j(0.45),
                base_per_m: 0.3,
                components: vec![
                    c("auth", "Sign-in", &[]),
                    c("messaging", "Message delivery", &["auth"]),
                    c("media", "Media upload", &["auth"]),
                ],
                services: vec![
                    s("messaging", "Messages", &[], &["messaging"], MESSAGING),
                    s(
                        "media-sharing",
                        "Photos and videos",
                        &[],
                        &["media"],
                        MESSAGING,
                    ),
                ],
                probed: vec!["messaging"],
                probe_regions: vec!["AT-9", "CH-ZH", "CH-GE"],
            },
            Provider {
                id: "streamflix",
                name: "Streamflix",
                kind: Kind::Online,
                country: "IE",
                share: j(0.25),
                base_per_m: 0.3,
                components: vec![
                    c("accounts", "Accounts", &[]),
                    c("cdn", "Content delivery", &[]),
                    c("playback", "Playback", &["cdn", "accounts"]),
                ],
                services: vec![s(
                    "video-streaming",
                    "Video streaming",
                    &[],
                    &["playback"],
                    STREAMING,
                )],
                probed: vec!["playback"],
                probe_regions: vec!["AT-9", "CH-ZH"],
            },
            Provider {
                id: "kontoblick-at",
                name: "Kontoblick",
                kind: Kind::Online,
                country: "AT",
                share: j(0.2),
                base_per_m: 0.25,
                components: vec![
                    c("sign-in", "Sign-in", &[]),
                    c("banking-api", "Banking back end", &["sign-in"]),
                ],
                services: vec![s(
                    "online-banking",
                    "Online banking",
                    &[],
                    &["banking-api"],
                    BANKING,
                )],
                probed: vec!["banking-api"],
                probe_regions: vec!["AT-9"],
            },
        ];
        World { providers }
    }

    pub fn provider(&self, id: &str) -> &Provider {
        self.providers
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no provider {id} in the world"))
    }

    /// The regions a provider serves: those of its country; every region for an online
    /// service (its country has no region here).
    pub fn market(&self, p: &Provider) -> Vec<&'static Region> {
        let prefix = format!("{}-", p.country);
        let own: Vec<&Region> = REGIONS
            .iter()
            .filter(|r| r.id.starts_with(&prefix))
            .collect();
        if own.is_empty() {
            REGIONS.iter().collect()
        } else {
            own
        }
    }

    /// Customers (millions) of a provider in a region.
    pub fn customers_m(&self, p: &Provider, r: &Region) -> f64 {
        if self.market(p).iter().any(|m| m.id == r.id) {
            r.pop_m * p.share
        } else {
            0.0
        }
    }

    /// Whether `service` of provider `p` needs component `target` (`provider:component`),
    /// directly or through other components, across providers.
    pub fn service_needs(&self, p: &Provider, service: &Service, target: &str) -> bool {
        service
            .deps
            .iter()
            .any(|d| self.reaches(&qualify(p.id, d), target, 0))
    }

    fn reaches(&self, comp: &str, target: &str, depth: usize) -> bool {
        if comp == target {
            return true;
        }
        if depth > 16 {
            return false;
        }
        let (pid, cid) = comp.split_once(':').expect("qualified");
        let p = self.provider(pid);
        let Some(c) = p.components.iter().find(|c| c.id == cid) else {
            return false;
        };
        c.deps
            .iter()
            .any(|d| self.reaches(&qualify(pid, d), target, depth + 1))
    }
}

/// `component` of `provider` as `provider:component` (unchanged when already qualified).
pub fn qualify(provider: &str, component: &str) -> String {
    if component.contains(':') {
        component.to_owned()
    } else {
        format!("{provider}:{component}")
    }
}

/// `topology.toml` as the format spec writes it: providers, regions, components, services.
pub fn topology_toml(w: &World) -> String {
    let mut out = String::from("# Written by radar-scenario-gen2.\n\n");
    for p in &w.providers {
        out += &format!(
            "[[providers]]\nid = {}\nname = {}\nkind = {}\ncountry = {}\n\n",
            q(p.id),
            q(p.name),
            q(p.kind.as_str()),
            q(p.country)
        );
    }
    for r in REGIONS {
        out += &format!("[[regions]]\nid = {}\nname = {}\n\n", q(r.id), q(r.name));
    }
    for p in &w.providers {
        for c in &p.components {
            out += &format!(
                "[[components]]\nprovider = {}\nid = {}\nname = {}\ndepends_on = {}\n\n",
                q(p.id),
                q(c.id),
                q(c.name),
                list(&c.deps)
            );
        }
    }
    for p in &w.providers {
        for s in &p.services {
            out += &format!(
                "[[services]]\nprovider = {}\nid = {}\nname = {}\n",
                q(p.id),
                q(s.id),
                q(s.name)
            );
            if !s.technologies.is_empty() {
                out += &format!("technologies = {}\n", list(&s.technologies));
            }
            out += &format!("depends_on = {}\n\n", list(&s.deps));
        }
    }
    out
}

/// A TOML basic string.
fn q(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn list(items: &[&str]) -> String {
    let inner: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", inner.join(", "))
}
