//! Root-cause ranking over the dependency graph (see the scoring in the module above).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::graph::{service_label, Graph, ServiceKey};
use super::IncidentView;
use crate::ids::{ProviderId, RegionId};
use crate::signal::SignalAnomaly;
use crate::topology::{ComponentRef, Topology};

/// Why a component is (or is less) likely the root.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// Every affected service depends on it.
    SharedByAll { services: Vec<String> },
    /// Only some affected services depend on it.
    SharedBySome { services: Vec<String>, of: usize },
    /// Services that depend on it show nothing.
    QuietDependents { services: Vec<String> },
    /// Its technology is exactly the affected one.
    TechnologyFits { technology: String },
    /// Its technology is one of several affected ones.
    TechnologyPartial {
        technology: String,
        affected: Vec<String>,
    },
    /// Its technology is not affected.
    TechnologyMismatch {
        technology: String,
        affected: Vec<String>,
    },
    /// It carries every technology, but only some are affected.
    TechnologyAgnostic {
        affected: Vec<String>,
        carried: Vec<String>,
    },
    /// It lies beneath this many other components that all affected services need.
    Deepest { beneath: usize },
    /// The outage is regional, and it lies above this many other components that all
    /// affected services need: the nearest common dependency (a regional fault is more often
    /// in the access than in a national core).
    Nearest { above: usize },
    /// Probes of it failed.
    FailedProbes {
        regions: Vec<RegionId>,
        count: usize,
    },
    /// An operator declared it affected.
    Declared { incidents: Vec<String> },
    /// Its signal anomalies reached none of the components that depend on it directly, all of
    /// them measured (a fault propagates to its callers).
    QuietCallers { components: Vec<String> },
    /// Each of its signal anomalies is explained by anomalies of components that depend on it
    /// directly: a rise dwarfed by a caller's rise of the same unit (the caller's rise is
    /// mostly its own), or a fall (less load) while a caller is anomalous (it calls less).
    ExplainedByCallers { components: Vec<String> },
    /// It needs a component an operator declared down: its failed probes and signal anomalies
    /// are that component's symptoms (a fault propagates to its callers), not evidence of a
    /// fault of its own.
    NeedsDeclared { components: Vec<String> },
    /// An operator signal that measures it left its typical band during the incident.
    SignalAnomaly {
        signal: String,
        region: Option<RegionId>,
        /// "Hotline waiting time 65 min, typically 2 min, since …".
        en: String,
        de: String,
    },
}

/// Weights of a root candidate's score (module doc of `correlate`, *root cause*):
/// `coverage² · technology_fit / (1 + quiet_dependent_penalty · quiet dependents) ·
/// (1 + depth_factor(depth_bonus, candidates on its chain))`, plus `probe_bonus + probe_region_bonus ·
/// min(regions, 5)` for failed probes, [`SIGNAL_BONUS`] for a signal anomaly and
/// `declared_bonus` for a declaration naming it. Evidence outranks structure: a full-coverage
/// candidate scores about 1, a failed probe adds more than a difference in coverage can make
/// up, a declaration more than a probe (the operator knows); a quiet dependent (a service that
/// uses the candidate and shows nothing) costs about a third of a full-coverage score. Set when
/// the ranking was written and checked on the generated suites (roots of every kind, seeds 101
/// 202 303 404), held-out seeds 9001–9004 and PetShop `low_traffic` train (docs/petshop.md);
/// what moves results is the order of the evidence bonuses (declared > probe > signal) and
/// whether the quiet-dependent penalty can outweigh a technology mismatch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RootWeights {
    /// Technology fit: the candidate carries exactly the one technology in scope (1), one of
    /// several (`tech_partial`), none of them (`tech_mismatch`), or is technology-agnostic while
    /// the services it serves carry technologies out of scope (`tech_agnostic`).
    pub tech_partial: f64,
    pub tech_mismatch: f64,
    pub tech_agnostic: f64,
    /// Per service that depends on the candidate and is quiet.
    pub quiet_dependent_penalty: f64,
    /// Per other full-coverage candidate above (regional) or beneath (national) it.
    pub depth_bonus: f64,
    /// Failed probes of the candidate, and per region they failed in (at most five).
    pub probe_bonus: f64,
    pub probe_region_bonus: f64,
    /// An open declaration naming the candidate.
    pub declared_bonus: f64,
}

/// The operating point of [`RootWeights`]. Valid ranges: technology fits in (0, 1) with
/// mismatch < partial ≤ agnostic; penalty ≥ 0; depth bonus small against 1 (a tie-break);
/// declared > probe > [`SIGNAL_BONUS`] > 0.
pub const ROOT_WEIGHTS: RootWeights = RootWeights {
    tech_partial: 0.5,
    tech_mismatch: 0.1,
    tech_agnostic: 0.6,
    quiet_dependent_penalty: 0.7,
    depth_bonus: 0.05,
    probe_bonus: 1.0,
    probe_region_bonus: 0.1,
    declared_bonus: 1.5,
};

/// A cause group's root is named only when its best candidate scores at least this (a
/// candidate that covers under half of the group's services with no evidence is a guess).
pub const MIN_GROUP_ROOT_SCORE: f64 = 0.2;

/// What an anomaly of a signal measuring a candidate adds to its score.
pub const SIGNAL_BONUS: f64 = 0.5;

/// The share of [`SIGNAL_BONUS`] an anomaly keeps when it is isolated: every component of the
/// incident's closure that depends directly on the candidate is measured by a signal, and none
/// of them shows an anomaly or is used directly by an affected service (which shows the
/// incident itself). A fault propagates to the callers of the faulty component (their
/// latency includes its latency, its errors become theirs), so an anomaly that reached none of
/// them explains the incident less well than one on a path of anomalies from the incident's
/// services (docs/calibration.md).
pub const ISOLATED_SIGNAL_SHARE: f64 = 0.5;

/// A rising anomaly is *outweighed* when a direct dependent's rising anomaly of the same unit
/// rose by more than this many times as much (rise = peak − typical). Latencies of synchronous
/// calls add up, and errors of a dependency become its callers' errors: a caller whose latency
/// rose by 224 ms cannot owe it to a dependency whose latency rose by 2.5 ms, unless it calls it
/// about ninety times in a row. Ten leaves room for callers that call a dependency several
/// times per request (each call adds its rise again) and still separates a caller's own fault
/// from a dependency's drift. An anomaly outweighed on every signal keeps
/// [`ISOLATED_SIGNAL_SHARE`] of [`SIGNAL_BONUS`], like an isolated one (docs/calibration.md).
pub const OUTWEIGHED_RATIO: f64 = 10.0;

/// The tie-break for `n` other full-coverage candidates on a candidate's chain: `bonus` for the
/// first, half as much for each further one, so it never reaches `2 · bonus`. A tie-break must
/// stay below the smallest evidence step (an isolated signal anomaly,
/// `SIGNAL_BONUS · ISOLATED_SIGNAL_SHARE`); counted linearly, a component seven levels deep
/// outranked a connected anomaly on its caller by structure alone.
fn depth_factor(bonus: f64, n: usize) -> f64 {
    2.0 * bonus * (1.0 - 0.5f64.powi(n.min(64) as i32))
}

/// Whether a caller's anomaly `b` is one that anomaly `a` of its dependency would cause: a rise
/// shows in its callers as a rise of the same unit (latency adds up, errors pass on); a fall
/// of load can show as anything (it is the callers' doing).
fn reaches(a: &SignalAnomaly, b: &SignalAnomaly) -> bool {
    !a.rising || (b.rising && a.unit.as_deref().unwrap_or("") == b.unit.as_deref().unwrap_or(""))
}

/// Whether anomaly `a` of a candidate is explained by `callers`, the anomalies of the
/// components that depend on it directly: a rise dwarfed by a rise it would cause there (see
/// [`reaches`], [`OUTWEIGHED_RATIO`]), or a fall while any caller is anomalous. A fall is a
/// signal whose trouble is "lower", such as a request count: load arrives from the callers, so
/// when they are in trouble too, the component receives less because they call less, not
/// because it failed.
fn explained_by(a: &SignalAnomaly, callers: &[&SignalAnomaly]) -> bool {
    if !a.rising {
        return !callers.is_empty();
    }
    let rise = |x: &SignalAnomaly| x.peak - x.typical;
    rise(a).is_finite()
        && callers
            .iter()
            .any(|b| reaches(a, b) && rise(b) > OUTWEIGHED_RATIO * rise(a).max(0.0))
}

/// A ranked root-cause candidate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RootCandidate {
    pub component: ComponentRef,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

impl RootCandidate {
    /// Whether anything observed points at it, beyond where it lies in the dependency graph:
    /// a declaration, failed probes, or a signal anomaly of its own. Anomalies that reached
    /// none of its callers or that its callers' anomalies explain
    /// ([`Reason::QuietCallers`], [`Reason::ExplainedByCallers`]) still order the ranking, but
    /// alone they do not connect it to the incident.
    pub fn has_evidence(&self) -> bool {
        let discounted = self.reasons.iter().any(|r| {
            matches!(
                r,
                Reason::QuietCallers { .. }
                    | Reason::ExplainedByCallers { .. }
                    | Reason::NeedsDeclared { .. }
            )
        });
        self.reasons.iter().any(|r| match r {
            Reason::Declared { .. } | Reason::FailedProbes { .. } => true,
            Reason::SignalAnomaly { .. } => !discounted,
            _ => false,
        })
    }
}

/// Ranks the likely root components of one incident, best first.
pub fn rank_root_causes(view: &IncidentView, topology: &Topology) -> Vec<RootCandidate> {
    rank_root_causes_of(&[view], topology)
}

/// Ranks the likely root components of several incidents taken as one cause, best first.
pub fn rank_root_causes_of(views: &[&IncidentView], topology: &Topology) -> Vec<RootCandidate> {
    rank(views, &Graph::new(topology))
}

fn labels(s: &[ServiceKey]) -> Vec<String> {
    s.iter().map(service_label).collect()
}

pub(super) fn rank(views: &[&IncidentView], g: &Graph) -> Vec<RootCandidate> {
    let mut affected: BTreeSet<ServiceKey> = BTreeSet::new();
    let mut providers: BTreeSet<ProviderId> = BTreeSet::new();
    let mut techs: BTreeSet<String> = BTreeSet::new();
    let mut candidates: BTreeSet<ComponentRef> = BTreeSet::new();
    let mut declared: BTreeMap<ComponentRef, Vec<String>> = BTreeMap::new();
    let mut probes: BTreeMap<ComponentRef, (BTreeSet<RegionId>, usize)> = BTreeMap::new();
    let mut signals: BTreeMap<ComponentRef, Vec<&SignalAnomaly>> = BTreeMap::new();
    for v in views {
        for a in &v.signal_anomalies {
            if let Some(c) = &a.component {
                let list = signals.entry(c.clone()).or_default();
                if !list.contains(&a) {
                    list.push(a);
                }
            }
        }
        affected.extend(v.affected(g));
        providers.insert(v.provider.clone());
        techs.extend(v.technologies.iter().cloned());
        candidates.extend(v.closure(g));
        for c in &v.components {
            declared.entry(c.clone()).or_default().push(v.id.clone());
        }
        for (c, r, _) in &v.failed_probes {
            let e = probes.entry(c.clone()).or_default();
            e.0.insert(r.clone());
            e.1 += 1;
        }
    }
    let affected_techs: Vec<String> = techs.iter().cloned().collect();
    let closure = candidates.clone();
    // The components the affected services use directly show the incident by definition.
    let symptomatic: BTreeSet<&ComponentRef> =
        affected.iter().flat_map(|s| g.service_direct(s)).collect();
    // Regional: every view names its regions, at most half of its provider's country.
    let regional = !views.is_empty() && views.iter().all(|v| v.is_regional(g.topo));

    struct Cand {
        c: ComponentRef,
        fit: super::graph::Fit,
    }
    let cands: Vec<Cand> = candidates
        .into_iter()
        .map(|c| {
            let fit = g.fit(&c, &affected, &providers);
            Cand { c, fit }
        })
        .filter(|x| {
            !x.fit.covered.is_empty() || declared.contains_key(&x.c) || probes.contains_key(&x.c)
        })
        .collect();
    let full: Vec<&ComponentRef> = cands
        .iter()
        .filter(|x| x.fit.affected > 0 && x.fit.covered.len() == x.fit.affected)
        .map(|x| &x.c)
        .collect();

    let mut out = Vec::with_capacity(cands.len());
    for x in &cands {
        let mut reasons = Vec::new();
        let cov = x.fit.coverage();
        if x.fit.affected > 0 {
            if x.fit.covered.len() == x.fit.affected {
                reasons.push(Reason::SharedByAll {
                    services: labels(&x.fit.covered),
                });
            } else if !x.fit.covered.is_empty() {
                reasons.push(Reason::SharedBySome {
                    services: labels(&x.fit.covered),
                    of: x.fit.affected,
                });
            }
        }
        if !x.fit.unaffected.is_empty() {
            reasons.push(Reason::QuietDependents {
                services: labels(&x.fit.unaffected),
            });
        }
        let tech_fit = if techs.is_empty() {
            1.0
        } else {
            match g.technology(&x.c) {
                Some(t) if techs.len() == 1 && techs.contains(t) => {
                    reasons.push(Reason::TechnologyFits {
                        technology: t.to_owned(),
                    });
                    1.0
                }
                Some(t) if techs.contains(t) => {
                    reasons.push(Reason::TechnologyPartial {
                        technology: t.to_owned(),
                        affected: affected_techs.clone(),
                    });
                    ROOT_WEIGHTS.tech_partial
                }
                Some(t) => {
                    reasons.push(Reason::TechnologyMismatch {
                        technology: t.to_owned(),
                        affected: affected_techs.clone(),
                    });
                    ROOT_WEIGHTS.tech_mismatch
                }
                None => {
                    let carried: BTreeSet<String> = x
                        .fit
                        .covered
                        .iter()
                        .flat_map(|s| g.service_technologies(s))
                        .collect();
                    if carried.iter().any(|t| !techs.contains(t)) {
                        reasons.push(Reason::TechnologyAgnostic {
                            affected: affected_techs.clone(),
                            carried: carried.into_iter().collect(),
                        });
                        ROOT_WEIGHTS.tech_agnostic
                    } else {
                        1.0
                    }
                }
            }
        };
        // Among full-coverage candidates on one chain, a national outage prefers the deepest,
        // a regional one the nearest.
        let depth_bonus = if regional {
            let above = full.iter().filter(|d| g.component_depends(&x.c, d)).count();
            if above > 0 && cov >= 1.0 {
                reasons.push(Reason::Nearest { above });
            }
            above
        } else {
            let beneath = full.iter().filter(|d| g.component_depends(d, &x.c)).count();
            if beneath > 0 && cov >= 1.0 {
                reasons.push(Reason::Deepest { beneath });
            }
            beneath
        };
        let w = &ROOT_WEIGHTS;
        let mut score = cov * cov * tech_fit
            / (1.0 + w.quiet_dependent_penalty * x.fit.unaffected.len() as f64)
            * (1.0 + depth_factor(w.depth_bonus, depth_bonus));
        // Failed probes and anomalies of a component that needs one declared down are that
        // component's symptoms: they still show, but add nothing.
        let observed = probes.contains_key(&x.c) || signals.contains_key(&x.c);
        let beneath: Vec<String> = declared
            .keys()
            .filter(|d| observed && g.component_depends(&x.c, d))
            .map(|d| d.to_string())
            .collect();
        let symptom = !beneath.is_empty();
        if symptom {
            reasons.push(Reason::NeedsDeclared {
                components: beneath,
            });
        }
        let evidence_weight = if symptom { 0.0 } else { 1.0 };
        if let Some((regions, count)) = probes.get(&x.c) {
            score += evidence_weight
                * (w.probe_bonus + w.probe_region_bonus * regions.len().min(5) as f64);
            reasons.push(Reason::FailedProbes {
                regions: regions.iter().cloned().collect(),
                count: *count,
            });
        }
        if let Some(list) = signals.get(&x.c) {
            let callers: Vec<&ComponentRef> = g
                .direct_dependents(&x.c)
                .into_iter()
                .filter(|c| closure.contains(*c))
                .collect();
            let caller_anomalies: Vec<&SignalAnomaly> = callers
                .iter()
                .filter_map(|c| signals.get(*c))
                .flatten()
                .copied()
                .collect();
            // Each anomaly is the candidate's own, isolated — it reached none of its callers
            // (every caller measured, none symptomatic, none with an anomaly it would cause
            // there) — or explained by its callers' anomalies.
            let isolated: Vec<bool> = list
                .iter()
                .map(|a| {
                    !callers.is_empty()
                        && callers.iter().all(|c| {
                            g.measured(c)
                                && !symptomatic.contains(c)
                                && !signals
                                    .get(*c)
                                    .is_some_and(|bs| bs.iter().any(|b| reaches(a, b)))
                        })
                })
                .collect();
            let own = list
                .iter()
                .zip(&isolated)
                .any(|(a, &iso)| !iso && !explained_by(a, &caller_anomalies));
            if own {
                score += evidence_weight * SIGNAL_BONUS;
            } else {
                score += evidence_weight * SIGNAL_BONUS * ISOLATED_SIGNAL_SHARE;
                if isolated.contains(&true) {
                    reasons.push(Reason::QuietCallers {
                        components: callers.iter().map(|c| c.to_string()).collect(),
                    });
                }
                // The callers whose anomalies explain one of the candidate's (not isolated) ones.
                let explaining: BTreeSet<String> = callers
                    .iter()
                    .filter(|c| {
                        signals.get(**c).is_some_and(|bs| {
                            list.iter()
                                .zip(&isolated)
                                .any(|(a, &iso)| !iso && explained_by(a, bs))
                        })
                    })
                    .map(|c| c.to_string())
                    .collect();
                if !explaining.is_empty() {
                    reasons.push(Reason::ExplainedByCallers {
                        components: explaining.into_iter().collect(),
                    });
                }
            }
            for a in list {
                let d = a.describe();
                reasons.push(Reason::SignalAnomaly {
                    signal: a.signal.to_string(),
                    region: a.region.clone(),
                    en: d.en,
                    de: d.de,
                });
            }
        }
        if let Some(ids) = declared.get(&x.c) {
            score += w.declared_bonus;
            reasons.push(Reason::Declared {
                incidents: ids.clone(),
            });
        }
        out.push(RootCandidate {
            component: x.c.clone(),
            score,
            reasons,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.component.cmp(&b.component))
    });
    out
}
