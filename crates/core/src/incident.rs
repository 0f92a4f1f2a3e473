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
use crate::intake::echo;
use crate::report::Timestamp;
use crate::topology::{ComponentRef, Topology};

/// Languages every public text must have.
pub const REQUIRED_LANGUAGES: &[&str] = &["de", "en"];
/// Most characters of a title, per language.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most characters of a statement's text or workaround, per language.
pub const MAX_TEXT_CHARS: usize = 5000;
/// Most languages of one public text.
pub const MAX_LANGUAGES: usize = 8;
/// The earliest time an incident, a maintenance window or a probe may carry:
/// 2000-01-01T00:00:00Z.
pub const EARLIEST_TIME: Timestamp = Timestamp(946_684_800);
/// How far after now an expected end or a maintenance window may lie.
pub const MAX_AHEAD_SECS: i64 = 366 * 86_400;

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
    /// Detected outages (`ep-YYYYMMDD-HHMM`) the operator declared this incident for: they are this
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

/// Whether a text says nothing: only whitespace and invisible format characters (zero-width
/// spaces and joiners, word joiner, byte order mark, bidirectional marks, soft hyphen).
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace()
            || matches!(c,
                '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
                | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
                | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}')
    })
}

/// Checks the size of a public text: at most [`MAX_LANGUAGES`] languages and `max_chars`
/// characters in each, none of them blank ([`is_blank`]).
pub fn check_size(field: &str, t: &LocalizedText, max_chars: usize) -> Result<(), IncidentError> {
    if t.0.len() > MAX_LANGUAGES {
        return Err(IncidentError::invalid(
            field,
            format!(
                "has {} languages; at most {MAX_LANGUAGES} are allowed",
                t.0.len()
            ),
        ));
    }
    for (lang, s) in &t.0 {
        let n = s.chars().count();
        if n > max_chars {
            return Err(IncidentError::invalid(
                format!("{field}.{lang}"),
                format!("has {n} characters; at most {max_chars} are allowed"),
            ));
        }
        if is_blank(s) {
            return Err(IncidentError::invalid(
                format!("{field}.{lang}"),
                "is empty (only spaces or invisible characters); write the text or leave the language out",
            ));
        }
    }
    Ok(())
}

/// Checks that a public text has every required language and no empty text.
pub fn check_text(field: &str, t: &LocalizedText) -> Result<(), IncidentError> {
    for lang in REQUIRED_LANGUAGES {
        match t.0.get(*lang) {
            Some(s) if !is_blank(s) => {}
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

/// Checks that a time an operator sent lies between [`EARLIEST_TIME`] and [`MAX_AHEAD_SECS`]
/// after `now` (the API checks start, expected end, maintenance window and probe times with
/// its clock; scenario events carry their own).
pub fn check_time(field: &str, t: Timestamp, now: Timestamp) -> Result<(), IncidentError> {
    let latest = Timestamp(now.0 + MAX_AHEAD_SECS);
    if t < EARLIEST_TIME {
        return Err(IncidentError::invalid(
            field,
            format!("{t} lies before {EARLIEST_TIME}; send the real time (UTC, RFC 3339)"),
        ));
    }
    if t > latest {
        return Err(IncidentError::invalid(
            field,
            format!("{t} lies more than a year after now ({now}); the latest allowed is {latest}"),
        ));
    }
    Ok(())
}

/// Checks a list the operator sent: no more entries than `known` can hold, no duplicates.
fn check_list(field: &str, list: &[String], known: usize) -> Result<(), IncidentError> {
    if list.len() > known {
        return Err(IncidentError::invalid(
            field,
            format!(
                "has {} entries; at most {known} (as many as the topology knows) are allowed",
                list.len()
            ),
        ));
    }
    for (i, x) in list.iter().enumerate() {
        if let Some(j) = list[..i].iter().position(|y| y == x) {
            return Err(IncidentError::invalid(
                format!("{field}[{i}]"),
                format!(
                    "{:?} is listed twice (also {field}[{j}]); name each once",
                    echo(x)
                ),
            ));
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
    check_list(
        "services",
        raw,
        topology.services_of(provider.as_str()).count(),
    )?;
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
                            "{provider} has no service {:?}; its services: {}",
                            echo(s),
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
    check_list("components", raw, topology.components.len())?;
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
                        "unknown component {:?}; components of {provider}: {} (or provider:component)",
                        echo(s),
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
    check_list("regions", list, topology.regions.len())?;
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
                            "unknown region {:?}; use region ids such as DE-BY, or \"*\" for all",
                            echo(r)
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
        check_size("title", &title, MAX_TITLE_CHARS)?;
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
        if let Some(t) = &u.title {
            check_size("title", t, MAX_TITLE_CHARS)?;
            if strict_texts {
                check_text("title", t)?;
            }
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
        check_size("text", &text, MAX_TEXT_CHARS)?;
        if let Some(w) = &workaround {
            check_size("workaround", w, MAX_TEXT_CHARS)?;
        }
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

    /// A declaration that names no service and no component ("nationwide disruption",
    /// "incident at our host network"): it says nothing of what is down.
    pub fn names_nothing(&self) -> bool {
        self.services.is_empty() && self.components.is_empty()
    }

    pub fn is_open(&self) -> bool {
        self.state != IncidentState::Resolved
    }

    /// Declared already resolved, without a start of its own: an operator's post-mortem of an
    /// outage that is over ("incident resolved; root-cause analysis under way"), whose time is
    /// only that of the statement.
    pub fn is_post_mortem(&self) -> bool {
        self.end == Some(self.start)
    }

    /// The services it affects: its own list, else those of its provider that depend on its
    /// components.
    pub fn affected_services(&self, topology: &Topology) -> Vec<ServiceId> {
        if self.services.is_empty() {
            topology.services_depending_on(&self.provider, &self.components)
        } else {
            self.services.clone()
        }
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

    fn base() -> Declaration {
        Declaration {
            provider: Some(ProviderId::parse("o2-de").unwrap()),
            category: Some(IncidentCategory::Network),
            title: Some(text("LTE-Störung", "LTE outage")),
            services: vec!["mobile-data".into()],
            ..Declaration::default()
        }
    }

    fn declare_err(d: Declaration) -> String {
        Incident::declare(d, &germany::topology(), NOW, unreachable_id, true)
            .unwrap_err()
            .to_string()
    }

    /// 2026-11-17T12:00:00Z.
    const NOW: Timestamp = Timestamp(1_795_435_200);

    #[test]
    fn texts_have_size_limits() {
        let err = declare_err(Declaration {
            title: Some(text("a", &"é".repeat(MAX_TITLE_CHARS + 1))),
            ..base()
        });
        assert_eq!(err, "title.en: has 201 characters; at most 200 are allowed");
        let ok = text("a", &"é".repeat(MAX_TITLE_CHARS));
        assert!(Incident::declare(
            Declaration {
                title: Some(ok),
                ..base()
            },
            &germany::topology(),
            NOW,
            unreachable_id,
            true
        )
        .is_ok());
        let mut many = text("a", "b");
        for lang in ["fr", "it", "es", "pl", "nl", "cs", "da"] {
            many.0.insert(lang.into(), "x".into());
        }
        assert_eq!(
            declare_err(Declaration {
                title: Some(many),
                ..base()
            }),
            "title: has 9 languages; at most 8 are allowed"
        );
        let mut inc = declared(Confirmed);
        let long = text(&"x".repeat(MAX_TEXT_CHARS + 1), "y");
        let err = inc
            .add_statement(long.clone(), None, NOW, true)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "text.de: has 5001 characters; at most 5000 are allowed"
        );
        let err = inc
            .add_statement(text("a", "b"), Some(long), NOW, true)
            .unwrap_err();
        assert!(
            err.to_string().starts_with("workaround.de: has 5001"),
            "{err}"
        );
        assert!(inc.statements.is_empty());
        let err = inc
            .update(
                Update {
                    title: Some(text("a", &"b".repeat(500))),
                    ..Update::default()
                },
                &germany::topology(),
                NOW,
                true,
            )
            .unwrap_err();
        assert!(err.to_string().starts_with("title.en: has 500"), "{err}");
    }

    #[test]
    fn invisible_texts_are_empty() {
        for blank in [
            " ",
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}",
            "\u{2060}\u{FEFF}",
            "\u{3000}\t\n",
            "\u{00A0}\u{200B}",
        ] {
            assert!(is_blank(blank), "{blank:?}");
            let err = declare_err(Declaration {
                title: Some(text("LTE", blank)),
                ..base()
            });
            assert!(err.starts_with("title.en: "), "{blank:?}: {err}");
            let mut inc = declared(Confirmed);
            let err = inc
                .add_statement(text(blank, "x"), None, NOW, true)
                .unwrap_err();
            assert!(err.to_string().starts_with("text.de: "), "{err}");
        }
        assert!(!is_blank("a\u{200B}"));
    }

    #[test]
    fn lists_are_bounded_and_without_duplicates() {
        let topo = germany::topology();
        let err = declare_err(Declaration {
            services: vec!["mobile-data".into(), "dsl".into(), "mobile-data".into()],
            ..base()
        });
        assert!(
            err.starts_with("services[2]: \"mobile-data\" is listed twice (also services[0])"),
            "{err}"
        );
        let err = declare_err(Declaration {
            regions: Some(vec!["DE-BY".into(); 2]),
            ..base()
        });
        assert!(err.starts_with("regions[1]: "), "{err}");
        let err = declare_err(Declaration {
            regions: Some(
                (0..topo.regions.len() + 1)
                    .map(|i| format!("DE-{i}"))
                    .collect(),
            ),
            ..base()
        });
        assert_eq!(
            err,
            format!(
                "regions: has {} entries; at most {} (as many as the topology knows) are allowed",
                topo.regions.len() + 1,
                topo.regions.len()
            )
        );
        let err = declare_err(Declaration {
            components: vec!["x".repeat(100_000)],
            ..base()
        });
        assert!(err.len() < 2000, "{}", err.len());
    }

    #[test]
    fn times_lie_in_a_sane_range() {
        let err = check_time("start", Timestamp(0), NOW)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("start: 1970-01-01T00:00:00Z lies before 2000"),
            "{err}"
        );
        let err = check_time("expected_end", Timestamp(NOW.0 + 2 * 365 * 86_400), NOW)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("expected_end: ") && err.contains("more than a year"),
            "{err}"
        );
        assert!(check_time("x", Timestamp(NOW.0 + 30 * 86_400), NOW).is_ok());
        assert!(check_time("x", EARLIEST_TIME, NOW).is_ok());
        assert!(check_time("x", Timestamp(NOW.0 + MAX_AHEAD_SECS), NOW).is_ok());
        assert!(check_time("x", Timestamp(NOW.0 + MAX_AHEAD_SECS + 1), NOW).is_err());
    }

    #[test]
    fn serde_roundtrip() {
        let inc = declared(Confirmed);
        let json = serde_json::to_string(&inc).unwrap();
        let back: Incident = serde_json::from_str(&json).unwrap();
        assert_eq!(back, inc);
    }
}
