//! Incidents: what operators declare and what detection finds, with a lifecycle
//! (suspected → confirmed → identified → monitoring → resolved), statements and workarounds in
//! several languages, an expected end, scheduled maintenance windows and a full timeline.
//!
//! The operator API and `events.jsonl` go through the same functions here: [`Incident::declare`],
//! [`Incident::update`], [`Incident::add_statement`] and, for event lines, [`IncidentBook::apply`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::{
    ComponentName, ComponentStatus, Event, IncidentCategory, IncidentId, IncidentState,
    LocalizedText,
};
use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::report::Timestamp;
use crate::topology::{ComponentRef, Topology};

/// Languages every public text must have.
pub const REQUIRED_LANGUAGES: &[&str] = &["de", "en"];

/// A public statement, optionally with a workaround.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub time: Timestamp,
    pub text: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workaround: Option<LocalizedText>,
}

/// One entry of an incident's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TimelineEntry {
    Declared {
        time: Timestamp,
        state: IncidentState,
    },
    StateChanged {
        time: Timestamp,
        from: IncidentState,
        to: IncidentState,
    },
    Updated {
        time: Timestamp,
        fields: Vec<String>,
    },
    Statement {
        time: Timestamp,
        index: usize,
    },
}

impl TimelineEntry {
    pub fn time(&self) -> Timestamp {
        match self {
            TimelineEntry::Declared { time, .. }
            | TimelineEntry::StateChanged { time, .. }
            | TimelineEntry::Updated { time, .. }
            | TimelineEntry::Statement { time, .. } => *time,
        }
    }
}

/// A scheduled maintenance window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub provider: ProviderId,
    pub category: IncidentCategory,
    pub state: IncidentState,
    pub title: LocalizedText,
    pub services: Vec<ServiceId>,
    pub components: Vec<ComponentRef>,
    /// `None` means all regions.
    pub regions: Option<Vec<RegionId>>,
    pub start: Timestamp,
    pub expected_end: Option<Timestamp>,
    /// Set when the incident is resolved.
    pub end: Option<Timestamp>,
    pub maintenance: Option<Window>,
    pub statements: Vec<Statement>,
    pub timeline: Vec<TimelineEntry>,
    /// Detected outages (`ep-N`) the operator declared this incident for: they are this
    /// incident, whatever correlation says (see `view`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirms: Vec<String>,
}

/// Why an incident operation was refused. Each message says what to do instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    #[error("cannot move incident {id} from {from} to {to}: {why}")]
    Transition {
        id: String,
        from: IncidentState,
        to: IncidentState,
        why: String,
    },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

impl IncidentError {
    fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        IncidentError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The states an incident may move to from `from`.
pub fn allowed_transitions(from: IncidentState) -> &'static [IncidentState] {
    use IncidentState::*;
    match from {
        Suspected => &[Confirmed, Identified, Monitoring, Resolved],
        Confirmed => &[Identified, Monitoring, Resolved],
        Identified => &[Monitoring, Resolved],
        // A fix that did not hold sends the incident back to identified.
        Monitoring => &[Identified, Resolved],
        Resolved => &[],
    }
}

/// Checks a state change.
pub fn check_transition(
    id: &str,
    from: IncidentState,
    to: IncidentState,
) -> Result<(), IncidentError> {
    let allowed = allowed_transitions(from);
    if allowed.contains(&to) {
        return Ok(());
    }
    let why = if from == to {
        format!("it already is {to}")
    } else if allowed.is_empty() {
        "a resolved incident is closed; declare a new incident if the problem is back".to_owned()
    } else {
        format!(
            "from {from} an incident can only move to {}",
            allowed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(IncidentError::Transition {
        id: id.to_owned(),
        from,
        to,
        why,
    })
}

/// Checks that a public text has every required language and no empty text.
pub fn check_text(field: &str, t: &LocalizedText) -> Result<(), IncidentError> {
    for lang in REQUIRED_LANGUAGES {
        match t.0.get(*lang) {
            Some(s) if !s.trim().is_empty() => {}
            _ => {
                return Err(IncidentError::invalid(
                    format!("{field}.{lang}"),
                    format!(
                        "is required: public texts need {}",
                        REQUIRED_LANGUAGES.join(" and ")
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// Checks that an expected end does not lie before the incident's start.
fn check_expected_end(start: Timestamp, end: Option<Timestamp>) -> Result<(), IncidentError> {
    match end {
        Some(e) if e < start => Err(IncidentError::invalid(
            "expected_end",
            "lies before the start of the incident",
        )),
        _ => Ok(()),
    }
}

/// Everything needed to declare an incident.
#[derive(Clone, Debug, Default)]
pub struct Declaration {
    pub id: Option<IncidentId>,
    pub provider: Option<ProviderId>,
    pub category: Option<IncidentCategory>,
    pub state: Option<IncidentState>,
    pub title: Option<LocalizedText>,
    pub services: Vec<String>,
    /// Component ids of the provider, or `provider:component`.
    pub components: Vec<String>,
    /// `None` = all regions.
    pub regions: Option<Vec<String>>,
    pub start: Option<Timestamp>,
    pub expected_end: Option<Timestamp>,
    pub maintenance: Option<Window>,
    /// Detected outages this declaration confirms (checked by the caller, which knows them).
    pub confirms: Vec<String>,
}

/// Changes to an incident; absent fields stay as they are.
#[derive(Clone, Debug, Default)]
pub struct Update {
    pub state: Option<IncidentState>,
    pub title: Option<LocalizedText>,
    pub services: Option<Vec<String>>,
    pub components: Option<Vec<String>>,
    pub regions: Option<Option<Vec<String>>>,
    pub expected_end: Option<Option<Timestamp>>,
    pub maintenance: Option<Option<Window>>,
}

fn resolve_services(
    topology: &Topology,
    provider: &ProviderId,
    raw: &[String],
) -> Result<Vec<ServiceId>, IncidentError> {
    raw.iter()
        .enumerate()
        .map(|(i, s)| {
            ServiceId::parse(s)
                .ok()
                .filter(|id| topology.service(provider.as_str(), id.as_str()).is_some())
                .ok_or_else(|| {
                    let known: Vec<&str> = topology
                        .services_of(provider.as_str())
                        .map(|s| s.id.as_str())
                        .collect();
                    IncidentError::invalid(
                        format!("services[{i}]"),
                        format!(
                            "{provider} has no service {s:?}; its services: {}",
                            known.join(", ")
                        ),
                    )
                })
        })
        .collect()
}

fn resolve_components(
    topology: &Topology,
    provider: &ProviderId,
    raw: &[String],
) -> Result<Vec<ComponentRef>, IncidentError> {
    raw.iter()
        .enumerate()
        .map(|(i, s)| {
            let r = ComponentName::parse(s).ok().map(|n| n.resolve(provider));
            r.filter(|r| topology.component(r).is_some()).ok_or_else(|| {
                let known: Vec<&str> = topology
                    .components_of(provider.as_str())
                    .map(|c| c.id.as_str())
                    .collect();
                IncidentError::invalid(
                    format!("components[{i}]"),
                    format!(
                        "unknown component {s:?}; components of {provider}: {} (or provider:component)",
                        known.join(", ")
                    ),
                )
            })
        })
        .collect()
}

fn resolve_regions(
    topology: &Topology,
    raw: &Option<Vec<String>>,
) -> Result<Option<Vec<RegionId>>, IncidentError> {
    let Some(list) = raw else { return Ok(None) };
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            RegionId::parse(r)
                .ok()
                .filter(|id| topology.region(id.as_str()).is_some())
                .ok_or_else(|| {
                    IncidentError::invalid(
                        format!("regions[{i}]"),
                        format!(
                            "unknown region {r:?}; use region ids such as DE-BY, or \"*\" for all"
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

impl Incident {
    /// Declares an incident. `strict_texts` (the API) requires German and English titles and
    /// at least one affected service or component; scenario events may carry less.
    pub fn declare(
        d: Declaration,
        topology: &Topology,
        now: Timestamp,
        new_id: impl FnOnce() -> IncidentId,
        strict_texts: bool,
    ) -> Result<Incident, IncidentError> {
        let provider = d
            .provider
            .ok_or_else(|| IncidentError::invalid("provider", "is required"))?;
        if topology.provider(provider.as_str()).is_none() {
            return Err(IncidentError::invalid(
                "provider",
                format!(
                    "unknown provider {provider}; known providers: {}",
                    topology.provider_list()
                ),
            ));
        }
        let category = d.category.ok_or_else(|| {
            IncidentError::invalid(
                "category",
                "is required: network, it-system, security, maintenance or third-party",
            )
        })?;
        let title = d.title.ok_or_else(|| {
            IncidentError::invalid("title", "is required, e.g. {\"de\": \"…\", \"en\": \"…\"}")
        })?;
        if strict_texts {
            check_text("title", &title)?;
        }
        let services = resolve_services(topology, &provider, &d.services)?;
        let components = resolve_components(topology, &provider, &d.components)?;
        let regions = resolve_regions(topology, &d.regions)?;
        if strict_texts && services.is_empty() && components.is_empty() {
            return Err(IncidentError::invalid(
                "services",
                "name at least one affected service or component",
            ));
        }
        if let Some(w) = d.maintenance {
            if w.end <= w.start {
                return Err(IncidentError::invalid(
                    "maintenance",
                    "the window must end after it starts",
                ));
            }
        }
        let start = d.start.unwrap_or(now);
        check_expected_end(start, d.expected_end)?;
        let state = d.state.unwrap_or(IncidentState::Confirmed);
        let id = d.id.unwrap_or_else(new_id);
        Ok(Incident {
            id,
            provider,
            category,
            state,
            title,
            services,
            components,
            regions,
            start,
            expected_end: d.expected_end,
            end: (state == IncidentState::Resolved).then_some(now),
            maintenance: d.maintenance,
            statements: Vec::new(),
            timeline: vec![TimelineEntry::Declared { time: now, state }],
            confirms: d.confirms,
        })
    }

    /// Applies an update; the state change (if any) must be allowed. Nothing changes on error.
    pub fn update(
        &mut self,
        u: Update,
        topology: &Topology,
        now: Timestamp,
        strict_texts: bool,
    ) -> Result<(), IncidentError> {
        // Validate everything first, then apply: an error leaves the incident untouched.
        if let Some(to) = u.state {
            check_transition(self.id.as_str(), self.state, to)?;
        }
        if let (Some(t), true) = (&u.title, strict_texts) {
            check_text("title", t)?;
        }
        let services = match &u.services {
            Some(s) => Some(resolve_services(topology, &self.provider, s)?),
            None => None,
        };
        let components = match &u.components {
            Some(c) => Some(resolve_components(topology, &self.provider, c)?),
            None => None,
        };
        let regions = match &u.regions {
            Some(r) => Some(resolve_regions(topology, r)?),
            None => None,
        };
        check_expected_end(self.start, u.expected_end.flatten())?;
        let mut fields = Vec::new();
        if let Some(t) = u.title {
            self.title = t;
            fields.push("title".to_owned());
        }
        if let Some(s) = services {
            self.services = s;
            fields.push("services".to_owned());
        }
        if let Some(c) = components {
            self.components = c;
            fields.push("components".to_owned());
        }
        if let Some(r) = regions {
            self.regions = r;
            fields.push("regions".to_owned());
        }
        if let Some(e) = u.expected_end {
            self.expected_end = e;
            fields.push("expected_end".to_owned());
        }
        if let Some(m) = u.maintenance {
            self.maintenance = m;
            fields.push("maintenance".to_owned());
        }
        if !fields.is_empty() {
            self.timeline
                .push(TimelineEntry::Updated { time: now, fields });
        }
        if let Some(to) = u.state {
            self.timeline.push(TimelineEntry::StateChanged {
                time: now,
                from: self.state,
                to,
            });
            self.state = to;
            self.end = (to == IncidentState::Resolved).then_some(now);
        }
        Ok(())
    }

    pub fn add_statement(
        &mut self,
        text: LocalizedText,
        workaround: Option<LocalizedText>,
        now: Timestamp,
        strict_texts: bool,
    ) -> Result<(), IncidentError> {
        if strict_texts {
            check_text("text", &text)?;
            if let Some(w) = &workaround {
                check_text("workaround", w)?;
            }
        }
        self.statements.push(Statement {
            time: now,
            text,
            workaround,
        });
        self.timeline.push(TimelineEntry::Statement {
            time: now,
            index: self.statements.len() - 1,
        });
        Ok(())
    }

    /// The newest workaround, if any statement gave one.
    pub fn workaround(&self) -> Option<&LocalizedText> {
        self.statements
            .iter()
            .rev()
            .find_map(|s| s.workaround.as_ref())
    }

    pub fn is_open(&self) -> bool {
        self.state != IncidentState::Resolved
    }
}

/// Incidents and component statuses folded from events, in time order: the one path by which
/// `events.jsonl` lines and operator actions become state.
#[derive(Clone, Debug, Default)]
pub struct IncidentBook {
    pub incidents: BTreeMap<IncidentId, Incident>,
    pub components: BTreeMap<ComponentRef, (ComponentStatus, Timestamp)>,
}

impl IncidentBook {
    /// Applies one event. Incident lines with a known id update it (with the lifecycle
    /// rules); probes are not state and are ignored here.
    pub fn apply(&mut self, event: &Event, topology: &Topology) -> Result<(), IncidentError> {
        match event {
            Event::Incident(e) => {
                let components: Vec<String> =
                    e.components.iter().map(|c| c.as_str().to_owned()).collect();
                match self.incidents.get_mut(&e.id) {
                    Some(inc) => {
                        let state = (inc.state != e.state).then_some(e.state);
                        inc.update(
                            Update {
                                state,
                                title: e.title.clone().filter(|t| *t != inc.title),
                                components: (!components.is_empty()).then_some(components),
                                ..Update::default()
                            },
                            topology,
                            e.time,
                            false,
                        )
                    }
                    None => {
                        let inc = Incident::declare(
                            Declaration {
                                id: Some(e.id.clone()),
                                provider: Some(e.provider.clone()),
                                category: Some(e.category),
                                state: Some(e.state),
                                title: Some(e.title.clone().unwrap_or_else(|| {
                                    LocalizedText(BTreeMap::from([(
                                        "en".to_owned(),
                                        e.id.to_string(),
                                    )]))
                                })),
                                components,
                                ..Declaration::default()
                            },
                            topology,
                            e.time,
                            || e.id.clone(),
                            false,
                        )?;
                        self.incidents.insert(e.id.clone(), inc);
                        Ok(())
                    }
                }
            }
            Event::Statement(s) => match self.incidents.get_mut(&s.incident) {
                Some(inc) => inc.add_statement(s.text.clone(), s.workaround.clone(), s.time, false),
                None => Err(IncidentError::invalid(
                    "incident",
                    format!(
                        "statement for unknown incident {}; declare it first",
                        s.incident
                    ),
                )),
            },
            Event::Component(c) => {
                let r = c.component.resolve(&c.provider);
                if topology.component(&r).is_none() {
                    return Err(IncidentError::invalid(
                        "component",
                        format!("unknown component {r}"),
                    ));
                }
                self.components.insert(r, (c.status, c.time));
                Ok(())
            }
            Event::Probe(_) => Ok(()),
        }
    }
}

impl fmt::Display for Incident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {}, {})",
            self.id, self.provider, self.category, self.state
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::germany;
    use IncidentState::*;

    fn text(de: &str, en: &str) -> LocalizedText {
        LocalizedText(BTreeMap::from([
            ("de".to_owned(), de.to_owned()),
            ("en".to_owned(), en.to_owned()),
        ]))
    }

    fn declared(state: IncidentState) -> Incident {
        Incident::declare(
            Declaration {
                id: Some(IncidentId::parse("net-1").unwrap()),
                provider: Some(ProviderId::parse("o2-de").unwrap()),
                category: Some(IncidentCategory::Network),
                state: Some(state),
                title: Some(text("LTE-Störung", "LTE outage")),
                services: vec!["mobile-data".into()],
                components: vec!["ran-lte".into()],
                ..Declaration::default()
            },
            &germany::topology(),
            Timestamp(1000),
            unreachable_id,
            true,
        )
        .unwrap()
    }

    fn unreachable_id() -> IncidentId {
        IncidentId::parse("generated").unwrap()
    }

    fn to(inc: &mut Incident, s: IncidentState) -> Result<(), IncidentError> {
        inc.update(
            Update {
                state: Some(s),
                ..Update::default()
            },
            &germany::topology(),
            Timestamp(2000),
            true,
        )
    }

    #[test]
    fn every_allowed_transition_works() {
        for from in IncidentState::ALL {
            for target in allowed_transitions(*from) {
                let mut inc = declared(*from);
                to(&mut inc, *target).unwrap();
                assert_eq!(inc.state, *target);
                assert_eq!(inc.end.is_some(), *target == Resolved);
                assert!(matches!(
                    inc.timeline.last(),
                    Some(TimelineEntry::StateChanged { from: f, to: t, .. }) if f == from && t == target
                ));
            }
        }
    }

    #[test]
    fn every_other_transition_is_rejected_with_a_reason() {
        for from in IncidentState::ALL {
            for target in IncidentState::ALL {
                if allowed_transitions(*from).contains(target) {
                    continue;
                }
                let mut inc = declared(*from);
                let before = inc.clone();
                let err = to(&mut inc, *target).unwrap_err().to_string();
                assert!(err.contains("cannot move incident net-1"), "{err}");
                assert_eq!(
                    inc, before,
                    "a refused change leaves the incident as it was"
                );
            }
        }
        let mut closed = declared(Resolved);
        let err = to(&mut closed, Monitoring).unwrap_err().to_string();
        assert!(err.contains("declare a new incident"), "{err}");
        let mut same = declared(Identified);
        assert!(to(&mut same, Identified)
            .unwrap_err()
            .to_string()
            .contains("already"));
        let mut back = declared(Identified);
        let err = to(&mut back, Confirmed).unwrap_err().to_string();
        assert!(err.contains("monitoring, resolved"), "{err}");
    }

    #[test]
    fn the_usual_path() {
        let mut inc = declared(Suspected);
        for s in [
            Confirmed, Identified, Monitoring, Identified, Monitoring, Resolved,
        ] {
            to(&mut inc, s).unwrap();
        }
        assert_eq!(inc.timeline.len(), 7);
    }

    #[test]
    fn statements_need_german_and_english() {
        let mut inc = declared(Confirmed);
        let only_en = LocalizedText(BTreeMap::from([("en".to_owned(), "x".to_owned())]));
        let err = inc
            .add_statement(only_en, None, Timestamp(3000), true)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "text.de: is required: public texts need de and en"
        );
        inc.add_statement(
            text("Wir arbeiten daran", "We are working on it"),
            Some(text(
                "Auf GSM oder 3G ausweichen",
                "Switch to GSM or 3G for now",
            )),
            Timestamp(3000),
            true,
        )
        .unwrap();
        assert_eq!(
            inc.workaround().unwrap().get("en"),
            Some("Switch to GSM or 3G for now")
        );
    }

    #[test]
    fn declaration_is_validated() {
        let topo = germany::topology();
        let base = Declaration {
            provider: Some(ProviderId::parse("o2-de").unwrap()),
            category: Some(IncidentCategory::Security),
            title: Some(text("a", "b")),
            components: vec!["crm-dsl".into()],
            ..Declaration::default()
        };
        let gen = || IncidentId::parse("inc-1").unwrap();
        assert!(Incident::declare(base.clone(), &topo, Timestamp(0), gen, true).is_ok());
        let bad = Declaration {
            components: vec!["no-such".into()],
            ..base.clone()
        };
        let err = Incident::declare(bad, &topo, Timestamp(0), gen, true).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("components[0]: unknown component"),
            "{err}"
        );
        let bad = Declaration {
            services: vec!["cable".into()],
            ..base.clone()
        };
        assert!(Incident::declare(bad, &topo, Timestamp(0), gen, true).is_err());
        let bad = Declaration {
            regions: Some(vec!["XX-YY".into()]),
            ..base.clone()
        };
        assert!(Incident::declare(bad, &topo, Timestamp(0), gen, true).is_err());
        let bad = Declaration {
            maintenance: Some(Window {
                start: Timestamp(10),
                end: Timestamp(5),
            }),
            ..base
        };
        assert!(Incident::declare(bad, &topo, Timestamp(0), gen, true).is_err());
    }

    #[test]
    fn events_fold_through_the_same_path() {
        let topo = germany::topology();
        let lines = [
            r#"{"time":"2017-05-12T16:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":["crm-dsl"],"state":"identified","title":{"de":"x","en":"y"}}"#,
            r#"{"time":"2017-05-12T16:05:00Z","type":"component","provider":"o2-de","component":"crm-dsl","status":"major-outage"}"#,
            r#"{"time":"2017-05-12T17:00:00Z","type":"statement","incident":"sec-1","text":{"de":"a","en":"b"}}"#,
            r#"{"time":"2017-05-24T09:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":["crm-dsl"],"state":"resolved"}"#,
        ];
        let mut book = IncidentBook::default();
        for l in lines {
            let e: Event = serde_json::from_str(l).unwrap();
            book.apply(&e, &topo).unwrap();
        }
        let inc = &book.incidents[&IncidentId::parse("sec-1").unwrap()];
        assert_eq!(inc.state, Resolved);
        assert_eq!(inc.end.unwrap().to_rfc3339(), "2017-05-24T09:00:00Z");
        assert_eq!(inc.statements.len(), 1);
        // A line that re-opens a resolved incident is refused like an API call would be.
        let reopen: Event = serde_json::from_str(r#"{"time":"2017-05-25T09:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","state":"monitoring"}"#).unwrap();
        assert!(book.apply(&reopen, &topo).is_err());
    }

    #[test]
    fn serde_roundtrip() {
        let inc = declared(Confirmed);
        let json = serde_json::to_string(&inc).unwrap();
        let back: Incident = serde_json::from_str(&json).unwrap();
        assert_eq!(back, inc);
    }
}
