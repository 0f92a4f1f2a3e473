//! The JSON wire types of the read API. Core types are not serialised as they are: these are
//! the boundary, with string ids, `"*"` for all regions, rounded numbers and one `kind` per
//! object. Every list comes in an envelope named after what it holds (`{"outages": […]}`).

use radar_core::correlate::{self, Evidence, NoPath, Relation, RootCandidate};
use radar_core::event::LocalizedText;
use radar_core::incident::Statement;
use radar_core::topology::{ComponentRef, Topology};
use radar_core::view::{Outage, ProviderStatus, RegionSet};
use radar_core::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

/// Rounds to three decimals: more is noise to a reader and bytes on the wire.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TextOut {
    pub de: String,
    pub en: String,
}

impl From<&correlate::Explanation> for TextOut {
    fn from(e: &correlate::Explanation) -> Self {
        TextOut {
            de: e.de.clone(),
            en: e.en.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    #[schema(value_type = crate::openapi::Time)]
    pub time: Timestamp,
    #[schema(value_type = crate::openapi::LocalizedText)]
    pub text: LocalizedText,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::LocalizedText>)]
    pub workaround: Option<LocalizedText>,
}

impl From<&Statement> for StatementOut {
    fn from(s: &Statement) -> Self {
        StatementOut {
            time: s.time,
            text: s.text.clone(),
            workaround: s.workaround.clone(),
        }
    }
}

/// What the detector saw of an outage.
#[derive(Serialize, ToSchema)]
pub struct DetectedOut {
    pub id: String,
    #[schema(value_type = crate::openapi::Time)]
    pub start: Timestamp,
    #[schema(value_type = crate::openapi::Time)]
    pub detected_at: Timestamp,
    #[schema(value_type = Option<crate::openapi::Time>)]
    pub end: Option<Timestamp>,
    /// Distinct reporters per minute at the peak, and the baseline then.
    pub peak_rate: f64,
    pub baseline_rate: f64,
    pub peak_score: f64,
}

/// What the operator declared of an outage.
#[derive(Serialize, ToSchema)]
pub struct DeclaredOut {
    #[schema(value_type = crate::openapi::IncidentCategory)]
    pub category: String,
    #[schema(value_type = crate::openapi::LocalizedText)]
    pub title: LocalizedText,
    #[schema(value_type = Option<crate::openapi::Time>)]
    pub expected_end: Option<Timestamp>,
    /// The incident record's version, for `PATCH` with optimistic concurrency.
    pub version: Option<i64>,
    /// Statements, newest first.
    pub statements: Vec<StatementOut>,
    /// What happened to the record, oldest first (each entry with its `kind`).
    #[schema(value_type = Vec<crate::openapi::Tagged>)]
    pub timeline: Vec<serde_json::Value>,
    /// The current workaround, while the outage is open.
    #[schema(value_type = Option<crate::openapi::LocalizedText>)]
    pub workaround: Option<LocalizedText>,
}

/// One outage: detected, declared, or both.
#[derive(Serialize, ToSchema)]
pub struct OutageOut {
    pub id: String,
    /// Other ids this outage answers to (episodes folded into a declaration).
    pub aliases: Vec<String>,
    pub provider: String,
    /// `detected`, `declared` or `detected+declared`.
    #[schema(value_type = String, pattern = "^(detected|declared|detected\\+declared)$")]
    pub origin: &'static str,
    #[schema(value_type = crate::openapi::IncidentState)]
    pub state: String,
    /// `operational` … `major-outage` while open; `operational` once over.
    #[schema(value_type = crate::openapi::Level)]
    pub level: String,
    pub services: Vec<String>,
    pub components: Vec<String>,
    pub technologies: Vec<String>,
    pub problems: Vec<String>,
    /// `"*"` (every region of the provider's country) or a list of region ids.
    #[schema(value_type = crate::openapi::Regions)]
    pub regions: RegionSet,
    #[schema(value_type = crate::openapi::Time)]
    pub start: Timestamp,
    #[schema(value_type = crate::openapi::Time)]
    pub detected_at: Timestamp,
    #[schema(value_type = Option<crate::openapi::Time>)]
    pub end: Option<Timestamp>,
    pub cause_group: String,
    pub root_component: Option<String>,
    pub summary: TextOut,
    pub explanation: TextOut,
    pub detected: Vec<DetectedOut>,
    pub declared: Option<DeclaredOut>,
    /// Anomalies of operator signals that bear on it (evidence, never proof).
    pub signals: Vec<SignalAnomalyOut>,
}

/// An operator signal outside its typical band: evidence for an outage's scope and for the
/// root cause of the component the signal measures.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SignalAnomalyOut {
    pub provider: String,
    pub signal: String,
    /// None: the provider as a whole.
    pub region: Option<String>,
    pub name: String,
    pub unit: Option<String>,
    /// The component the signal measures.
    pub component: Option<String>,
    #[schema(value_type = crate::openapi::Time)]
    pub start: Timestamp,
    /// None while it lasts.
    #[schema(value_type = Option<crate::openapi::Time>)]
    pub end: Option<Timestamp>,
    /// Above its typical band (true) or below it.
    pub rising: bool,
    /// The most extreme value (mean of a five-minute bin) and when.
    pub peak: f64,
    #[schema(value_type = crate::openapi::Time)]
    pub peak_at: Timestamp,
    /// The typical value and band when it began.
    pub typical: f64,
    pub band_low: f64,
    pub band_high: f64,
    /// The anomaly detector's highest score during it, in [0, 1).
    pub score: f64,
    /// The evidence in words ("Hotline waiting time 65 min, typically 2 min, since …").
    pub text: TextOut,
}

impl From<&radar_core::signal::SignalAnomaly> for SignalAnomalyOut {
    fn from(a: &radar_core::signal::SignalAnomaly) -> Self {
        SignalAnomalyOut {
            provider: a.provider.to_string(),
            signal: a.signal.to_string(),
            region: a.region.as_ref().map(|r| r.to_string()),
            name: a.name.clone(),
            unit: a.unit.clone(),
            component: a.component.as_ref().map(component_name),
            start: a.start,
            end: a.end,
            rising: a.rising,
            peak: round3(a.peak),
            peak_at: a.peak_at,
            typical: round3(a.typical),
            band_low: round3(a.band.0),
            band_high: round3(a.band.1),
            score: round3(a.score),
            text: (&a.describe()).into(),
        }
    }
}

fn component_name(c: &ComponentRef) -> String {
    c.to_string()
}

impl OutageOut {
    pub fn new(o: &Outage, version: Option<i64>) -> OutageOut {
        let origin = match (o.is_detected(), o.is_declared()) {
            (true, true) => "detected+declared",
            (false, true) => "declared",
            _ => "detected",
        };
        OutageOut {
            id: o.id.clone(),
            aliases: o.aliases.clone(),
            provider: o.provider.to_string(),
            origin,
            state: o.state.to_string(),
            level: if o.is_open() {
                o.level().as_str()
            } else {
                "operational"
            }
            .to_owned(),
            services: o.services.iter().map(|s| s.to_string()).collect(),
            components: o.components.iter().map(component_name).collect(),
            technologies: o.technologies.clone(),
            problems: o.problems.iter().map(|p| p.to_string()).collect(),
            regions: o.regions.clone(),
            start: o.start,
            detected_at: o.detected_at,
            end: o.end,
            cause_group: o.cause_group.clone(),
            root_component: o.root.as_ref().map(component_name),
            summary: (&o.summary).into(),
            explanation: (&o.explanation).into(),
            detected: o
                .episodes
                .iter()
                .map(|e| DetectedOut {
                    id: radar_core::view::episode_id(e),
                    start: e.start,
                    detected_at: e.detected_at,
                    end: e.end,
                    peak_rate: round3(e.peak_rate),
                    baseline_rate: round3(e.baseline_rate),
                    peak_score: round3(e.peak_score),
                })
                .collect(),
            declared: o.incident.as_ref().map(|i| DeclaredOut {
                category: i.category.to_string(),
                title: i.title.clone(),
                expected_end: i.expected_end,
                version,
                statements: i.statements.iter().rev().map(StatementOut::from).collect(),
                timeline: i
                    .timeline
                    .iter()
                    .map(|t| serde_json::to_value(t).unwrap_or(serde_json::Value::Null))
                    .collect(),
                workaround: if i.is_open() {
                    i.workaround().cloned()
                } else {
                    None
                },
            }),
            signals: o
                .view
                .signal_anomalies
                .iter()
                .map(SignalAnomalyOut::from)
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OutagesOut {
    pub outages: Vec<OutageOut>,
}

#[derive(Serialize, ToSchema)]
pub struct IncidentsOut {
    pub incidents: Vec<OutageOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceOut {
    pub id: String,
    pub name: String,
    pub technologies: Vec<String>,
    #[schema(value_type = crate::openapi::Level)]
    pub status: String,
    /// Open outages that name this service.
    pub outages: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProviderOut {
    pub id: String,
    pub name: String,
    /// `telecom` or `online-service`.
    #[schema(pattern = "^(telecom|online-service)$")]
    pub kind: String,
    pub country: String,
    /// The worst status of its services (or of an open outage naming none).
    #[schema(value_type = crate::openapi::Level)]
    pub status: String,
    /// Start of its oldest open outage.
    #[schema(value_type = Option<crate::openapi::Time>)]
    pub since: Option<Timestamp>,
    /// Number of open outages.
    pub open_outages: usize,
    /// Ids of the open outages.
    pub open: Vec<String>,
    pub services: Vec<ServiceOut>,
}

impl ProviderOut {
    pub fn new(topology: &Topology, s: &ProviderStatus) -> Option<ProviderOut> {
        let p = topology.provider(s.provider.as_str())?;
        Some(ProviderOut {
            id: p.id.to_string(),
            name: p.name.clone(),
            kind: match p.kind {
                radar_core::topology::ProviderKind::Telecom => "telecom",
                radar_core::topology::ProviderKind::OnlineService => "online-service",
            }
            .to_owned(),
            country: p.country.clone(),
            status: s.level.as_str().to_owned(),
            since: s.since,
            open_outages: s.open.len(),
            open: s.open.clone(),
            services: s
                .services
                .iter()
                .filter_map(|ss| {
                    let svc = topology.service(p.id.as_str(), ss.service.as_str())?;
                    Some(ServiceOut {
                        id: svc.id.to_string(),
                        name: svc.name.clone(),
                        technologies: svc.technologies.clone(),
                        status: ss.level.as_str().to_owned(),
                        outages: ss.outages.clone(),
                    })
                })
                .collect(),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProvidersOut {
    pub providers: Vec<ProviderOut>,
}

/// One piece of relation evidence; `kind` names it once.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EvidenceOut {
    DependencyPath {
        via: String,
        path_a: Vec<String>,
        path_b: Vec<String>,
        known_down: bool,
    },
    /// `reason`: `disjoint-closures` or `contradicted-shared`.
    NoDependencyPath {
        #[schema(value_type = String, pattern = "^(disjoint-closures|contradicted-shared)$")]
        reason: &'static str,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        shared: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        quiet_services: Vec<String>,
    },
    Onset {
        first: String,
        lag_secs: i64,
        overlap_secs: i64,
        gap_secs: i64,
    },
    Regions {
        jaccard: f64,
        containment: f64,
        shared: usize,
        a: usize,
        b: usize,
    },
    Symptoms {
        cosine: Option<f64>,
        shared_technologies: Vec<String>,
        technologies_disjoint: bool,
    },
    Causes {
        a: Option<String>,
        a_declared: bool,
        b: Option<String>,
        b_declared: bool,
        same: Option<bool>,
    },
    SpillOver {
        source: String,
        target: String,
        lag_secs: i64,
        regions_containment: f64,
    },
    NotSpillOver {
        source: String,
        target: String,
        lag_secs: i64,
        problem_margin: f64,
        footprint: f64,
        own_component_down: bool,
    },
    CallSurge {
        outage: String,
        signal: String,
        lag_secs: i64,
    },
    SameOutage {
        provider: String,
        shared_services: Vec<String>,
        lag_secs: i64,
    },
    /// Two telecoms failing in the same regions at about the same time, each across several
    /// services: a storm or power cut, not two faults.
    LocalEvent { lag_secs: i64, jaccard: f64 },
}

impl From<&Evidence> for EvidenceOut {
    fn from(e: &Evidence) -> Self {
        let names = |v: &[ComponentRef]| v.iter().map(component_name).collect::<Vec<_>>();
        match e {
            Evidence::DependencyPath {
                via,
                path_a,
                path_b,
                known_down,
            } => EvidenceOut::DependencyPath {
                via: component_name(via),
                path_a: path_a.clone(),
                path_b: path_b.clone(),
                known_down: *known_down,
            },
            Evidence::NoDependencyPath(NoPath::DisjointClosures { .. }) => {
                EvidenceOut::NoDependencyPath {
                    reason: "disjoint-closures",
                    shared: Vec::new(),
                    quiet_services: Vec::new(),
                }
            }
            Evidence::NoDependencyPath(NoPath::ContradictedShared {
                shared,
                quiet_services,
            }) => EvidenceOut::NoDependencyPath {
                reason: "contradicted-shared",
                shared: names(shared),
                quiet_services: quiet_services.clone(),
            },
            Evidence::Onset {
                first,
                lag_secs,
                overlap_secs,
                gap_secs,
            } => EvidenceOut::Onset {
                first: first.clone(),
                lag_secs: *lag_secs,
                overlap_secs: *overlap_secs,
                gap_secs: *gap_secs,
            },
            Evidence::Regions {
                jaccard,
                containment,
                shared,
                a,
                b,
            } => EvidenceOut::Regions {
                jaccard: round3(*jaccard),
                containment: round3(*containment),
                shared: *shared,
                a: *a,
                b: *b,
            },
            Evidence::Symptoms {
                cosine,
                shared_technologies,
                technologies_disjoint,
            } => EvidenceOut::Symptoms {
                cosine: cosine.map(round3),
                shared_technologies: shared_technologies.clone(),
                technologies_disjoint: *technologies_disjoint,
            },
            Evidence::Causes { a, b, same } => EvidenceOut::Causes {
                a: a.category.map(|c| c.to_string()),
                a_declared: a.declared,
                b: b.category.map(|c| c.to_string()),
                b_declared: b.declared,
                same: *same,
            },
            Evidence::SpillOver {
                source,
                target,
                lag_secs,
                regions_containment,
            } => EvidenceOut::SpillOver {
                source: source.clone(),
                target: target.clone(),
                lag_secs: *lag_secs,
                regions_containment: round3(*regions_containment),
            },
            Evidence::NotSpillOver {
                source,
                target,
                lag_secs,
                problem_margin,
                footprint,
                own_component_down,
            } => EvidenceOut::NotSpillOver {
                source: source.clone(),
                target: target.clone(),
                lag_secs: *lag_secs,
                problem_margin: round3(*problem_margin),
                footprint: round3(*footprint),
                own_component_down: *own_component_down,
            },
            Evidence::CallSurge {
                outage,
                signal,
                lag_secs,
            } => EvidenceOut::CallSurge {
                outage: outage.clone(),
                signal: signal.clone(),
                lag_secs: *lag_secs,
            },
            Evidence::SameOutage {
                provider,
                shared_services,
                lag_secs,
            } => EvidenceOut::SameOutage {
                provider: provider.to_string(),
                shared_services: shared_services.iter().map(|s| s.to_string()).collect(),
                lag_secs: *lag_secs,
            },
            Evidence::LocalEvent { lag_secs, jaccard } => EvidenceOut::LocalEvent {
                lag_secs: *lag_secs,
                jaccard: round3(*jaccard),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RelationOut {
    pub a: String,
    pub b: String,
    /// `related`, `unrelated` or `undetermined`.
    #[schema(pattern = "^(related|unrelated|undetermined)$")]
    pub verdict: String,
    /// In [0, 1]: how strongly the evidence supports the verdict.
    pub confidence: f64,
    pub evidence: Vec<EvidenceOut>,
    pub explanation: TextOut,
}

impl From<&Relation> for RelationOut {
    fn from(r: &Relation) -> Self {
        RelationOut {
            a: r.a.clone(),
            b: r.b.clone(),
            verdict: match r.verdict {
                correlate::Verdict::Related => "related",
                correlate::Verdict::Unrelated => "unrelated",
                correlate::Verdict::Undetermined => "undetermined",
            }
            .to_owned(),
            confidence: round3(r.confidence),
            evidence: r.evidence.iter().map(EvidenceOut::from).collect(),
            explanation: (&r.explanation).into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RootCandidateOut {
    pub component: String,
    pub name: Option<String>,
    pub score: f64,
    /// Why, as structured reasons (each with its `kind`).
    #[schema(value_type = Vec<crate::openapi::Tagged>)]
    pub reasons: Vec<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct RootCausesOut {
    pub incident: String,
    pub candidates: Vec<RootCandidateOut>,
}

impl RootCandidateOut {
    pub fn new(c: &RootCandidate, topology: &Topology) -> RootCandidateOut {
        RootCandidateOut {
            component: component_name(&c.component),
            name: topology.component(&c.component).map(|x| x.name.clone()),
            score: round3(c.score),
            reasons: c
                .reasons
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or(serde_json::Value::Null))
                .collect(),
        }
    }
}
