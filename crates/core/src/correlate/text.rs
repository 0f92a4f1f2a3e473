//! Sentences in German and English for relations and groups.

use super::graph::Graph;
use super::relate::DIFFERENT_SYMPTOMS;
use super::{CauseInfo, Evidence, Explanation, IncidentView, NoPath, Origin, Verdict};
use crate::event::IncidentCategory;
use crate::topology::ComponentRef;

pub(super) fn category_en(c: IncidentCategory) -> &'static str {
    match c {
        IncidentCategory::Network => "network fault",
        IncidentCategory::ItSystem => "IT system failure",
        IncidentCategory::Security => "security shutdown",
        IncidentCategory::Maintenance => "maintenance",
        IncidentCategory::ThirdParty => "third-party failure",
    }
}

pub(super) fn category_de(c: IncidentCategory) -> &'static str {
    match c {
        IncidentCategory::Network => "Netzstörung",
        IncidentCategory::ItSystem => "IT-Störung",
        IncidentCategory::Security => "Sicherheitsabschaltung",
        IncidentCategory::Maintenance => "Wartung",
        IncidentCategory::ThirdParty => "Störung bei einem Dritten",
    }
}

fn tech_label(t: &str) -> String {
    match t {
        "lte" | "umts" | "gsm" | "dsl" | "5g" => t.to_uppercase(),
        other => other.to_owned(),
    }
}

/// A component by its name (ids are for machines; the structured evidence keeps them).
pub(super) fn component(g: &Graph, c: &ComponentRef) -> String {
    match g.topo.component(c) {
        Some(x) => x.name.clone(),
        None => c.to_string(),
    }
}

/// A step of a dependency path (`provider:component`) by its component's name, else as is.
fn step_name(g: &Graph, step: &str) -> String {
    g.topo
        .components
        .iter()
        .find(|c| step.split_once(':') == Some((c.provider.as_str(), c.id.as_str())))
        .map_or_else(|| step.to_owned(), |c| c.name.clone())
}

fn provider_name(g: &Graph, v: &IncidentView) -> String {
    g.topo
        .provider(v.provider.as_str())
        .map(|p| p.name.clone())
        .unwrap_or_else(|| v.provider.to_string())
}

fn services(g: &Graph, v: &IncidentView) -> String {
    let mut parts: Vec<String> = v
        .services
        .iter()
        .map(|s| {
            g.topo
                .service(v.provider.as_str(), s.as_str())
                .map(|x| x.name.clone())
                .unwrap_or_else(|| s.to_string())
        })
        .collect();
    let techs: Vec<String> = v.technologies.iter().map(|t| tech_label(t)).collect();
    if !techs.is_empty() && techs.len() <= 2 {
        parts.push(techs.join("/"));
    }
    parts.join(", ")
}

/// "the outage of O2 (Mobile internet, LTE)" / "die Störung bei O2 (Mobile internet, LTE)".
pub(super) fn label(g: &Graph, v: &IncidentView) -> (String, String) {
    let p = provider_name(g, v);
    match &v.origin {
        Origin::Declared { category, .. } => {
            let comps: Vec<String> = v.components.iter().map(|c| component(g, c)).collect();
            let on = if comps.is_empty() {
                String::new()
            } else {
                format!(" ({})", comps.join(", "))
            };
            (
                format!(
                    "die gemeldete {} {} bei {p}{on}",
                    category_de(*category),
                    v.id
                ),
                format!(
                    "the declared {} {} at {p}{on}",
                    category_en(*category),
                    v.id
                ),
            )
        }
        Origin::Probe => {
            let comps: Vec<String> = v.known_down().iter().map(|c| component(g, c)).collect();
            (
                format!(
                    "die fehlgeschlagenen Messungen bei {p} ({})",
                    comps.join(", ")
                ),
                format!("the failed probes at {p} ({})", comps.join(", ")),
            )
        }
        Origin::Detected => {
            let s = services(g, v);
            let scope = if s.is_empty() {
                String::new()
            } else {
                format!(" ({s})")
            };
            (
                format!("die Störung {} bei {p}{scope}", v.id),
                format!("the outage {} at {p}{scope}", v.id),
            )
        }
    }
}

/// A declared cause, else the name of its category (`?` when unknown).
fn cause_name(c: &CauseInfo, category: fn(IncidentCategory) -> &'static str) -> String {
    c.cause
        .clone()
        .unwrap_or_else(|| c.category.map(category).unwrap_or("?").to_owned())
}

fn minutes(secs: i64) -> i64 {
    (secs.abs() + 30) / 60
}

fn path_text(g: &Graph, p: &[String]) -> String {
    p.iter()
        .map(|s| step_name(g, s))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The sentence for a pairwise verdict.
pub(super) fn relation(
    a: &IncidentView,
    b: &IncidentView,
    verdict: Verdict,
    evidence: &[Evidence],
    g: &Graph,
) -> Explanation {
    let (la_de, la_en) = label(g, a);
    let (lb_de, lb_en) = label(g, b);
    let find = |f: fn(&Evidence) -> bool| evidence.iter().find(|e| f(e));
    match verdict {
        Verdict::Related => {
            if let Some(Evidence::SpillOver {
                source, lag_secs, ..
            }) = find(|e| matches!(e, Evidence::SpillOver { .. }))
            {
                let (src, tgt) = if source == &a.id { (a, b) } else { (b, a) };
                let (sd, se) = label(g, src);
                let tp = provider_name(g, tgt);
                // A declared source may be declared after the rise it explains.
                let when_de = if *lag_secs >= 0 { "nach" } else { "vor" };
                let when_en = if *lag_secs >= 0 { "after" } else { "before" };
                return Explanation {
                    de: format!(
                        "Zusammenhang (Überschwappen): Die Meldungen bei {tp} stiegen {} Min. {when_de} Beginn von {sd} in denselben Regionen; im eigenen Netz von {tp} ist nichts gestört gemeldet – die Kunden melden den Ausfall eines Dienstes, den sie nutzen.",
                        minutes(*lag_secs)
                    ),
                    en: format!(
                        "Related (spill-over): reports at {tp} rose {} min {when_en} {se} began, in the same regions; nothing of {tp}'s own network is reported down — its customers report a service they use that is down.",
                        minutes(*lag_secs)
                    ),
                };
            }
            if let Some(Evidence::CallSurge {
                outage, lag_secs, ..
            }) = find(|e| matches!(e, Evidence::CallSurge { .. }))
            {
                let (net, sig) = if outage == &a.id { (a, b) } else { (b, a) };
                let (nd, ne) = label(g, net);
                let p = provider_name(g, sig);
                let when_de = if *lag_secs >= 0 { "nach" } else { "vor" };
                let when_en = if *lag_secs >= 0 { "after" } else { "before" };
                return Explanation {
                    de: format!(
                        "Zusammenhang (Anrufansturm): Die Kundenservice-Meldungen bei {p} begannen {} Min. {when_de} Beginn von {nd}, in denselben Regionen: Kunden rufen wegen der Netzstörung an.",
                        minutes(*lag_secs)
                    ),
                    en: format!(
                        "Related (call surge): customer-service reports at {p} began {} min {when_en} {ne}, in the same regions: customers calling about the network outage.",
                        minutes(*lag_secs)
                    ),
                };
            }
            if let Some(Evidence::DependencyPath {
                via,
                path_a,
                path_b,
                known_down,
            }) = find(|e| matches!(e, Evidence::DependencyPath { .. }))
            {
                let c = component(g, via);
                let lag = evidence.iter().find_map(|e| match e {
                    Evidence::Onset { lag_secs, .. } => Some(*lag_secs),
                    _ => None,
                });
                let (kd, ke) = if *known_down {
                    (
                        format!("; {c} ist als gestört gemeldet"),
                        format!("; {c} is reported down"),
                    )
                } else {
                    let m = minutes(lag.unwrap_or(0));
                    (
                        format!("; Beginn {m} Min. auseinander"),
                        format!("; onsets {m} min apart"),
                    )
                };
                return Explanation {
                    de: format!(
                        "Zusammenhang: {} und {lb_de} hängen beide von {c} ab ({}; {}){kd}.",
                        capitalise(&la_de),
                        path_text(g, path_a),
                        path_text(g, path_b)
                    ),
                    en: format!(
                        "Related: {la_en} and {lb_en} both depend on {c} ({}; {}){ke}.",
                        path_text(g, path_a),
                        path_text(g, path_b)
                    ),
                };
            }
            if let Some(Evidence::SameOutage { lag_secs, .. }) =
                find(|e| matches!(e, Evidence::SameOutage { .. }))
            {
                let p = provider_name(g, a);
                return Explanation {
                    de: format!(
                        "Zusammenhang: dieselbe Störung bei {p}, zweimal erkannt ({} Min. auseinander).",
                        minutes(*lag_secs)
                    ),
                    en: format!(
                        "Related: one outage at {p}, seen twice ({} min apart).",
                        minutes(*lag_secs)
                    ),
                };
            }
            if let Some(Evidence::LocalEvent { lag_secs, .. }) =
                find(|e| matches!(e, Evidence::LocalEvent { .. }))
            {
                let shared: Vec<String> = a
                    .region_set(g.topo)
                    .intersection(&b.region_set(g.topo))
                    .map(|r| g.topo.region_name(r.as_str()))
                    .collect();
                let place = shared.join(", ");
                let m = minutes(*lag_secs);
                return Explanation {
                    de: format!(
                        "Zusammenhang (örtliches Ereignis): {} und {lb_de} begannen {m} Min. auseinander in derselben Gegend ({place}), jede mit mehreren Diensten – wie bei einem Unwetter oder Stromausfall, der die Standorte mehrerer Netze trifft.",
                        capitalise(&la_de)
                    ),
                    en: format!(
                        "Related (local event): {la_en} and {lb_en} began {m} min apart in the same area ({place}), each across several services — as when a storm or power cut takes out several networks' sites."
                    ),
                };
            }
            Explanation {
                de: format!(
                    "Zusammenhang: {} und {lb_de} sind mit derselben Ursache gemeldet.",
                    capitalise(&la_de)
                ),
                en: format!("Related: {la_en} and {lb_en} are declared with the same cause."),
            }
        }
        Verdict::Unrelated => {
            let mut de = vec![];
            let mut en = vec![];
            match find(|e| matches!(e, Evidence::NoDependencyPath(_))) {
                Some(Evidence::NoDependencyPath(NoPath::ContradictedShared {
                    shared,
                    quiet_services,
                })) => {
                    let comps: Vec<String> = shared.iter().map(|c| component(g, c)).collect();
                    de.push(format!(
                        "keine gemeinsame Abhängigkeit erklärt beide (gemeinsam sind nur {}, deren Ausfall auch {} getroffen hätte, wo nichts gemeldet ist)",
                        comps.join(", "),
                        quiet_services.join(", ")
                    ));
                    en.push(format!(
                        "no common dependency explains both (they share only {}, whose failure would also have hit {}, which show nothing)",
                        comps.join(", "),
                        quiet_services.join(", ")
                    ));
                }
                _ => {
                    de.push("keine gemeinsame Abhängigkeit in der Topologie".to_owned());
                    en.push("no common dependency in the topology".to_owned());
                }
            }
            for e in evidence {
                match e {
                    Evidence::Causes {
                        a: ca,
                        b: cb,
                        same: Some(false),
                    } => {
                        let d = |c| cause_name(c, category_de);
                        let n = |c| cause_name(c, category_en);
                        de.push(format!("Ursachen verschieden ({} vs. {})", d(ca), d(cb)));
                        en.push(format!("different causes ({} vs. {})", n(ca), n(cb)));
                    }
                    Evidence::Symptoms {
                        cosine,
                        technologies_disjoint,
                        ..
                    } => {
                        if *technologies_disjoint {
                            de.push("verschiedene Technologien".to_owned());
                            en.push("different technologies".to_owned());
                        } else if let Some(c) = cosine.filter(|c| *c < DIFFERENT_SYMPTOMS) {
                            de.push(format!("verschiedene Symptome (Ähnlichkeit {c:.2})"));
                            en.push(format!("different symptoms (similarity {c:.2})"));
                        }
                    }
                    Evidence::Regions { jaccard, .. } if *jaccard == 0.0 => {
                        de.push("keine gemeinsamen Regionen".to_owned());
                        en.push("no shared regions".to_owned());
                    }
                    Evidence::NotSpillOver {
                        problem_margin,
                        own_component_down,
                        ..
                    } => {
                        let (d, n) = if *own_component_down {
                            (
                                "eine eigene Komponente ist gestört",
                                "a component of its own is down",
                            )
                        } else if *problem_margin < super::relate::SPILL_WEIGHTS.min_problem_margin
                        {
                            (
                                "die Meldungen betreffen das eigene Netz (kein Netz, keine Anrufe), nicht den Zugang zum Dienst",
                                "its reports are about its own network (no signal, no calls), not about reaching the service",
                            )
                        } else {
                            (
                                "sie betrifft nur einen kleinen Teil der Regionen des Dienstes",
                                "it covers only a small part of the service's regions",
                            )
                        };
                        de.push(format!("keine Folgestörung: {d}"));
                        en.push(format!("not spill-over: {n}"));
                    }
                    _ => {}
                }
            }
            Explanation {
                de: format!(
                    "Kein Zusammenhang: {} und {lb_de}: {}.",
                    capitalise(&la_de),
                    de.join("; ")
                ),
                en: format!("Unrelated: {la_en} and {lb_en}: {}.", en.join("; ")),
            }
        }
        Verdict::Undetermined => {
            let (why_de, why_en) = match find(|e| matches!(e, Evidence::DependencyPath { .. })) {
                Some(Evidence::DependencyPath { via, .. }) => {
                    let c = component(g, via);
                    (
                        format!("beide hängen von {c} ab, aber der zeitliche Verlauf passt nicht zu einer gemeinsamen Ursache"),
                        format!("both depend on {c}, but their timing does not fit one cause"),
                    )
                }
                _ if find(|e| matches!(e, Evidence::NoDependencyPath(_))).is_some() => (
                    "keine gemeinsame Abhängigkeit, aber Ursachen, Symptome und Regionen unterscheiden sie nicht".to_owned(),
                    "no common dependency, but causes, symptoms and regions do not tell them apart".to_owned(),
                ),
                _ => (
                    "zu wenig Information über die betroffenen Dienste".to_owned(),
                    "too little is known about the affected services".to_owned(),
                ),
            };
            Explanation {
                de: format!("Unklar: {} und {lb_de}: {why_de}.", capitalise(&la_de)),
                en: format!("Undetermined: {la_en} and {lb_en}: {why_en}."),
            }
        }
    }
}
