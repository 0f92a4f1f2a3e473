//! Cause groups: related incidents merged strongest first (never across an "unrelated"
//! verdict), customer-service signals attached to the one incident that explains them, a root
//! component per group and a sentence per incident.

use serde::Serialize;

use super::graph::Graph;
use super::relate::{declared_rises, relate_in, same_cause, SURGE_EARLY_SECS};
use super::root::{Reason, RootCandidate};
use super::{text, Evidence, Explanation, IncidentView, Origin, Relation, Verdict};
use crate::topology::{ComponentRef, Topology};

/// Pairs further apart than this are not related by grouping (a day).
const MAX_GAP_SECS: i64 = 24 * 3600;
/// Concurrent incidents in other groups within this gap are named in explanations.
const MENTION_GAP_SECS: i64 = 3600;

/// How an incident belongs to its group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Role {
    /// Part of the cause itself (or the only incident of its group).
    Cause,
    /// Reports explained by another provider's outage.
    SpillOver { source: String },
    /// Customer-service signal: callers about a network outage.
    CallSurge { outage: String },
    /// Customer-service signal: a declared incident on a component customer service needs.
    Symptom { incident: String },
}

/// The cause group of one incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupAssignment {
    pub incident: String,
    /// The group's id: the id of its anchor (a declared incident if any, else its earliest
    /// cause).
    pub group: String,
    pub root: Option<ComponentRef>,
    pub role: Role,
    /// All incidents of the group, this one included.
    pub members: Vec<String>,
    pub explanation: Explanation,
}

fn find(p: &mut [usize], i: usize) -> usize {
    let mut r = i;
    while p[r] != r {
        r = p[r];
    }
    let mut x = i;
    while p[x] != r {
        let n = p[x];
        p[x] = r;
        x = n;
    }
    r
}

/// The gap between the two periods of a relation, from its onset evidence.
fn onset_gap(r: &Relation) -> Option<i64> {
    r.evidence.iter().find_map(|e| match e {
        Evidence::Onset { gap_secs, .. } => Some(*gap_secs),
        _ => None,
    })
}

/// How far apart the two onsets of a relation are, from its onset evidence.
fn onset_lag(r: &Relation) -> Option<i64> {
    r.evidence.iter().find_map(|e| match e {
        Evidence::Onset { lag_secs, .. } => Some(lag_secs.abs()),
        _ => None,
    })
}

/// The component known down (declared, or probed as failing) through which a relation's
/// dependency path runs, if it runs through one.
fn known_down_via(r: &Relation) -> Option<&ComponentRef> {
    r.evidence.iter().find_map(|e| match e {
        Evidence::DependencyPath {
            via,
            known_down: true,
            ..
        } => Some(via),
        _ => None,
    })
}

/// How alike the two sides' regions are (Jaccard), from a relation's region evidence.
fn region_jaccard(r: &Relation) -> f64 {
    r.evidence
        .iter()
        .find_map(|e| match e {
            Evidence::Regions { jaccard, .. } => Some(*jaccard),
            _ => None,
        })
        .unwrap_or(0.0)
}

/// Whether a related verdict rests on a local event alone (no dependency, spill-over, call
/// surge, split outage or declared cause besides it).
fn local_event_only(r: &Relation) -> bool {
    r.evidence
        .iter()
        .any(|e| matches!(e, Evidence::LocalEvent { .. }))
        && !r.evidence.iter().any(|e| {
            matches!(
                e,
                Evidence::DependencyPath { .. }
                    | Evidence::SpillOver { .. }
                    | Evidence::CallSurge { .. }
                    | Evidence::SameOutage { .. }
                    | Evidence::Causes {
                        same: Some(true),
                        ..
                    }
            )
        })
}

/// Whether `a` and `b` are declarations of one provider naming no common cause and
/// components of which neither side's needs the other's (a backbone fault declared beside the
/// mobile core that depends on it is one cascade): two faults by the operator's word.
fn two_declared_faults(g: &Graph, a: &IncidentView, b: &IncidentView) -> bool {
    let apart = |x: &IncidentView, y: &IncidentView| {
        let needs = g.closure(&x.components);
        !y.components.iter().any(|c| needs.contains(c))
    };
    a.is_declared()
        && b.is_declared()
        && a.provider == b.provider
        && !a.components.is_empty()
        && !b.components.is_empty()
        && same_cause(&a.cause_info(), &b.cause_info()) != Some(true)
        && apart(a, b)
        && apart(b, a)
}

/// Groups incidents into causes. One assignment per view, in order.
pub fn group(views: &[IncidentView], topology: &Topology) -> Vec<GroupAssignment> {
    let g = Graph::new(topology);
    let n = views.len();
    let mut rel: Vec<Vec<Option<Relation>>> = vec![vec![None; n]; n];
    let rises = declared_rises(views, &g);
    for i in 0..n {
        for j in i + 1..n {
            let r = relate_in(&views[i], &views[j], &g, [rises[i], rises[j]]);
            if onset_gap(&r).unwrap_or(0) <= MAX_GAP_SECS {
                rel[i][j] = Some(r);
            }
        }
    }
    let get = |i: usize, j: usize| -> Option<&Relation> {
        if i < j {
            rel[i][j].as_ref()
        } else {
            rel[j][i].as_ref()
        }
    };

    let cs: Vec<bool> = views
        .iter()
        .map(|v| v.is_customer_service_signal())
        .collect();
    let mut role: Vec<Role> = vec![Role::Cause; n];
    let mut link: Vec<Option<usize>> = vec![None; n];
    let mut parent: Vec<usize> = (0..n).collect();
    // The same merges without the links that rest on a local event alone: the parts whose
    // members share a root component.
    let mut own: Vec<usize> = (0..n).collect();
    // The known-down component through which each view was first linked.
    let mut explained_by: Vec<Option<ComponentRef>> = vec![None; n];

    // Related pairs, strongest first; customer-service signals only among themselves.
    // Equally sure links: the one whose two sides cover the more alike regions first (Jaccard:
    // the explanation that fits where the incident is; with one cause per detected episode,
    // below, the first explanation is the one it keeps), then those through a component an
    // operator declared down (the operator's word before an inference from probes), then the
    // closer onsets (the explanation that most recently preceded, as for customer-service
    // signals below).
    // (strength, region Jaccard, service fit, through a declared component, onset lag, i, j).
    let declared_path = |r: &Relation, i: usize, j: usize| {
        known_down_via(r).is_some_and(|via| {
            views[i].components.contains(via) || views[j].components.contains(via)
        })
    };
    // Then, among links through a component known down, the one whose component explains what
    // the detected side shows and little else: the Jaccard index of the episode's services and
    // its provider's services that need the component (calls and landline failing nationwide
    // fit a declared voice-core fault, 2 of 2, better than a declared transport fault that
    // would take six services, 2 of 6).
    let service_fit = |r: &Relation, i: usize, j: usize| {
        let Some(via) = known_down_via(r) else {
            return 1.0;
        };
        [i, j]
            .iter()
            .filter(|&&t| matches!(views[t].origin, Origin::Detected))
            .map(|&t| {
                let v = &views[t];
                let shown = v.services.iter().map(|s| (v.provider.clone(), s.clone()));
                let fit = g.fit(via, &shown.collect(), &[v.provider.clone()].into());
                // Quiet dependents of the episode's own provider only (not the host's, for a
                // virtual operator's episode linked through its host's component).
                let quiet = fit.unaffected.iter().filter(|k| k.0 == v.provider).count();
                let union = fit.affected + quiet;
                if union == 0 {
                    1.0
                } else {
                    fit.covered.len() as f64 / union as f64
                }
            })
            .fold(1.0, f64::min)
    };
    let mut edges: Vec<(f64, f64, f64, bool, i64, usize, usize)> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if cs[i] != cs[j] {
                continue;
            }
            if let Some(r) = get(i, j).filter(|r| r.verdict == Verdict::Related) {
                let lag = onset_lag(r).unwrap_or(i64::MAX);
                edges.push((
                    r.confidence,
                    region_jaccard(r),
                    service_fit(r, i, j),
                    declared_path(r, i, j),
                    lag,
                    i,
                    j,
                ));
            }
        }
    }
    edges.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(b.2.total_cmp(&a.2))
            .then(b.3.cmp(&a.3))
            .then(a.4.cmp(&b.4))
            .then(a.5.cmp(&b.5))
            .then(a.6.cmp(&b.6))
    });
    for (strength, _, _, _, _, i, j) in edges {
        let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
        if ri == rj {
            continue;
        }
        let r = get(i, j).expect("related pair");
        // A spill-over has one source: once an incident's reports are explained by one
        // service's outage, a spill-over link (and nothing more: no shared dependency, no
        // common cause) to another would only chain two outages that nothing else relates
        // (two online services down at once, one provider's customers reporting both).
        let other_tie = r.evidence.iter().any(|e| {
            matches!(
                e,
                Evidence::DependencyPath { .. }
                    | Evidence::Causes {
                        same: Some(true),
                        ..
                    }
            )
        });
        let second_source = !other_tie
            && r.evidence.iter().any(|e| match e {
                Evidence::SpillOver { source, target, .. } => [i, j].iter().any(|&t| {
                    &views[t].id == target
                        && matches!(&role[t], Role::SpillOver { source: s } if s != source)
                }),
                _ => false,
            });
        if second_source {
            continue;
        }
        // A detected episode has one cause: once a component known down explains it, a link
        // through another known-down component, on no chain with the first (neither needs the
        // other), is a second explanation, not a tie between the two groups.
        let through = known_down_via(r).cloned();
        if let Some(c) = &through {
            let apart = |x: &ComponentRef| {
                x != c && !g.component_depends(x, c) && !g.component_depends(c, x)
            };
            let second = [i, j].iter().any(|&t| {
                matches!(views[t].origin, Origin::Detected)
                    && explained_by[t].as_ref().is_some_and(apart)
            });
            if second {
                continue;
            }
        }
        let gi: Vec<usize> = (0..n).filter(|&x| find(&mut parent, x) == ri).collect();
        let gj: Vec<usize> = (0..n).filter(|&x| find(&mut parent, x) == rj).collect();
        // A merge is blocked by an "unrelated" verdict between the two groups that is at least
        // as sure as the link itself: a weaker one (say, guessed causes) gives way.
        // And by two declarations of one provider on different components: in the operator's
        // own word two faults, which incidents explained by either do not join.
        let blocked = gi.iter().any(|&x| {
            gj.iter().any(|&y| {
                two_declared_faults(&g, &views[x], &views[y])
                    || get(x, y).is_some_and(|r| {
                        r.verdict == Verdict::Unrelated && r.confidence >= strength
                    })
            })
        });
        if blocked {
            continue;
        }
        parent[rj] = ri;
        if let Some(c) = through {
            for t in [i, j] {
                if explained_by[t].is_none() {
                    explained_by[t] = Some(c.clone());
                }
            }
        }
        if !local_event_only(r) {
            let (oi, oj) = (find(&mut own, i), find(&mut own, j));
            own[oj] = oi;
        }
        for e in &r.evidence {
            if let Evidence::SpillOver { source, target, .. } = e {
                let (s, t) = if &views[i].id == source {
                    (i, j)
                } else {
                    (j, i)
                };
                if &views[t].id == target && role[t] == Role::Cause {
                    role[t] = Role::SpillOver {
                        source: source.clone(),
                    };
                    link[t] = Some(s);
                }
            }
        }
        if link[j].is_none() && role[j] == Role::Cause {
            link[j] = Some(i);
        }
    }

    // Customer-service signals: the explanation whose onset most recently precedes theirs.
    for s in 0..n {
        if !cs[s] {
            continue;
        }
        let mut best: Option<(i64, usize, Role)> = None;
        for j in 0..n {
            if j == s || cs[j] {
                continue;
            }
            let Some(r) = get(s, j).filter(|r| r.verdict == Verdict::Related) else {
                continue;
            };
            let role_j = r.evidence.iter().find_map(|e| match e {
                Evidence::CallSurge { outage, .. } => Some(Role::CallSurge {
                    outage: outage.clone(),
                }),
                Evidence::DependencyPath {
                    known_down: true, ..
                } if views[j].is_declared() => Some(Role::Symptom {
                    incident: views[j].id.clone(),
                }),
                _ => None,
            });
            let Some(role_j) = role_j else { continue };
            // Onset distance, counting onsets shortly after the signal as just before it.
            let d = (views[s].start.0 + SURGE_EARLY_SECS - views[j].start.0).max(0);
            let better = match &best {
                None => true,
                Some((bd, bj, _)) => d < *bd || (d == *bd && j < *bj),
            };
            if better {
                best = Some((d, j, role_j));
            }
        }
        if let Some((_, j, r)) = best {
            let (rs, rj) = (find(&mut parent, s), find(&mut parent, j));
            parent[rs] = rj;
            let (os, oj) = (find(&mut own, s), find(&mut own, j));
            own[os] = oj;
            role[s] = r;
            link[s] = Some(j);
        }
    }

    // Groups, anchors and roots.
    let roots_of: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
    let parts_of: Vec<usize> = (0..n).map(|i| find(&mut own, i)).collect();
    // A part's root component: ranked over the causes of the part (the whole group unless a
    // local event joined it).
    let mut part_roots: std::collections::BTreeMap<usize, Option<RootCandidate>> =
        Default::default();
    let mut part_root = |i: usize| -> Option<RootCandidate> {
        let p = parts_of[i];
        part_roots
            .entry(p)
            .or_insert_with(|| {
                let members: Vec<usize> = (0..n).filter(|&x| parts_of[x] == p).collect();
                let causes: Vec<&IncidentView> = members
                    .iter()
                    .filter(|&&x| role[x] == Role::Cause)
                    .map(|&x| &views[x])
                    .collect();
                let causes = if causes.is_empty() {
                    members.iter().map(|&x| &views[x]).collect()
                } else {
                    causes
                };
                super::root::rank(&causes, &g)
                    .into_iter()
                    .next()
                    .filter(|c| c.score >= super::root::MIN_GROUP_ROOT_SCORE)
            })
            .clone()
    };
    let mut out = Vec::with_capacity(n);
    type Entry = (String, Vec<String>);
    let mut cache: std::collections::BTreeMap<usize, Entry> = Default::default();
    for i in 0..n {
        let r = roots_of[i];
        let entry = cache.entry(r).or_insert_with(|| {
            let members: Vec<usize> = (0..n).filter(|&x| roots_of[x] == r).collect();
            let anchor = members
                .iter()
                .copied()
                .filter(|&x| views[x].is_declared())
                .min_by_key(|&x| (views[x].start, x))
                .or_else(|| {
                    members
                        .iter()
                        .copied()
                        .filter(|&x| role[x] == Role::Cause)
                        .min_by_key(|&x| (views[x].start, x))
                })
                .unwrap_or(members[0]);
            (
                views[anchor].id.clone(),
                members.iter().map(|&x| views[x].id.clone()).collect(),
            )
        });
        let (gid, members) = entry.clone();
        let root = part_root(i);
        let explanation = explain(i, views, &role, &link, &roots_of, &root, &get, &g);
        out.push(GroupAssignment {
            incident: views[i].id.clone(),
            group: gid,
            root: root.map(|c| c.component),
            role: role[i].clone(),
            members,
            explanation,
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn explain<'r>(
    i: usize,
    views: &[IncidentView],
    role: &[Role],
    link: &[Option<usize>],
    roots_of: &[usize],
    root: &Option<RootCandidate>,
    get: &dyn Fn(usize, usize) -> Option<&'r Relation>,
    g: &Graph,
) -> Explanation {
    let mut de: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    // The relation to the incident this one links to, else to one linking to it.
    let linked = link[i].or_else(|| {
        (0..views.len()).find(|&j| j != i && roots_of[j] == roots_of[i] && link[j] == Some(i))
    });
    if let Some(j) = linked {
        if let Some(r) = get(i, j) {
            de.push(r.explanation.de.clone());
            en.push(r.explanation.en.clone());
        }
    } else {
        de.push("Eigene Ursache.".to_owned());
        en.push("A cause of its own.".to_owned());
    }
    if let Some(c) = root {
        let name = text::component(g, &c.component);
        let (why_de, why_en) = root_reason(g, c);
        de.push(format!("Wahrscheinliche Ursache: {name}{why_de}."));
        en.push(format!("Likely root: {name}{why_en}."));
    }
    // Customer-service reports while customer service is itself impaired by a declared
    // incident of another group: say so, and keep the two apart.
    let v = &views[i];
    let care = v
        .services
        .iter()
        .any(|s| s.as_str() == super::CUSTOMER_SERVICE);
    if care && v.services.len() > 1 && matches!(v.origin, Origin::Detected) {
        de.push("Die Kundenservice-Meldungen in dieser Störung sind ihr Anrufansturm.".to_owned());
        en.push("The customer-service reports within this outage are its call surge.".to_owned());
    }
    if care && !matches!(role[i], Role::Symptom { .. }) {
        let needs = g.service_closure(&(
            v.provider.clone(),
            super::CUSTOMER_SERVICE.parse().expect("valid id"),
        ));
        for j in 0..views.len() {
            let w = &views[j];
            if roots_of[j] == roots_of[i] || !w.is_declared() {
                continue;
            }
            let overlaps = w.start <= v.end.unwrap_or(v.start.max(w.start))
                && w.end.is_none_or(|e| e >= v.start);
            if overlaps && w.known_down().iter().any(|c| needs.contains(c)) {
                let (ld, le) = text::label(g, &views[j]);
                de.push(format!(
                    "Zugleich ist der Kundenservice durch {ld} beeinträchtigt (eigene Ursache): Anrufer konnten oft nicht beraten werden."
                ));
                en.push(format!(
                    "Customer service is also impaired by {le} (a separate cause): callers often could not be helped."
                ));
            }
        }
    }
    // Concurrent incidents of other groups.
    let mut mentioned = 0;
    for j in 0..views.len() {
        if roots_of[j] == roots_of[i] || mentioned >= 3 {
            continue;
        }
        let Some(r) = get(i, j) else { continue };
        if onset_gap(r).unwrap_or(i64::MAX) > MENTION_GAP_SECS {
            continue;
        }
        match r.verdict {
            Verdict::Unrelated => {
                de.push(r.explanation.de.clone());
                en.push(r.explanation.en.clone());
                mentioned += 1;
            }
            Verdict::Undetermined => {
                de.push(format!("Zusammenhang mit {} unklar.", views[j].id));
                en.push(format!("Relation to {} undetermined.", views[j].id));
                mentioned += 1;
            }
            Verdict::Related => {}
        }
    }
    Explanation {
        de: de.join(" "),
        en: en.join(" "),
    }
}

/// The strongest reason for a root, as a parenthesis.
fn root_reason(g: &Graph, c: &RootCandidate) -> (String, String) {
    for r in &c.reasons {
        match r {
            Reason::Declared { incidents } => {
                return (
                    format!(" (gemeldet in {})", incidents.join(", ")),
                    format!(" (declared in {})", incidents.join(", ")),
                )
            }
            Reason::FailedProbes { regions, .. } => {
                let r: Vec<String> = regions
                    .iter()
                    .map(|r| g.topo.region_name(r.as_str()))
                    .collect();
                return (
                    format!(" (Messungen fehlgeschlagen in {})", r.join(", ")),
                    format!(" (probes failed in {})", r.join(", ")),
                );
            }
            _ => {}
        }
    }
    // A signal anomaly set aside (isolated, explained by its callers) is not the reason.
    if let Some(Reason::SignalAnomaly { en, de, .. }) = c
        .reasons
        .iter()
        .find(|r| matches!(r, Reason::SignalAnomaly { .. }))
        .filter(|_| c.has_evidence())
    {
        return (format!(" ({de})"), format!(" ({en})"));
    }
    let all = c
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::SharedByAll { .. }));
    let tech = c.reasons.iter().find_map(|r| match r {
        Reason::TechnologyFits { technology } => Some(technology.to_uppercase()),
        _ => None,
    });
    let quiet = c
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::QuietDependents { .. }));
    match (all, tech) {
        (true, _) if quiet => (
            ": alle betroffenen Dienste hängen davon ab".to_owned(),
            ": every affected service needs it".to_owned(),
        ),
        (true, Some(t)) => (
            format!(": alle betroffenen Dienste hängen davon ab, betroffen ist nur {t}"),
            format!(": every affected service needs it and only {t} is affected"),
        ),
        (true, None) => (
            ": alle betroffenen Dienste hängen davon ab, nicht betroffene Dienste nicht".to_owned(),
            ": every affected service needs it, unaffected services do not".to_owned(),
        ),
        _ => (String::new(), String::new()),
    }
}
