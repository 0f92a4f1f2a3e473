//! Operator and machine events (the lines of `events.jsonl`): declared incidents, component
//! status changes, statements and probe results, parsed strictly.
//!
//! Every line is one JSON object with `time` and `type`. Unknown keys are rejected, and every
//! category, state and status is a closed vocabulary. Deserialize a line into an [`Event`] with
//! any serde format; [`Event::check`] then verifies the ids against a [`Topology`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{ComponentId, ProviderId, RegionId};
use crate::report::Timestamp;
use crate::topology::{ComponentRef, Topology};

crate::report::vocabulary!(
    /// What kind of incident an operator declared.
    IncidentCategory, "incident category", {
        Network = "network",
        ItSystem = "it-system",
        Security = "security",
        Maintenance = "maintenance",
        ThirdParty = "third-party",
    }
);

crate::report::vocabulary!(
    /// The lifecycle of an incident.
    IncidentState, "incident state", {
        Suspected = "suspected",
        Confirmed = "confirmed",
        Identified = "identified",
        Monitoring = "monitoring",
        Resolved = "resolved",
    }
);

crate::report::vocabulary!(
    /// The declared status of one component.
    ComponentStatus, "component status", {
        Operational = "operational",
        Degraded = "degraded",
        PartialOutage = "partial-outage",
        MajorOutage = "major-outage",
        Maintenance = "maintenance",
    }
);

impl ComponentStatus {
    /// Whether the status means the component is (at least partly) not working.
    pub fn is_impaired(self) -> bool {
        matches!(
            self,
            ComponentStatus::Degraded
                | ComponentStatus::PartialOutage
                | ComponentStatus::MajorOutage
        )
    }
}

/// An incident id as operators write it, e.g. `sec-1`; same syntax as other ids.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
#[serde(transparent)]
pub struct IncidentId(String);

impl IncidentId {
    pub fn parse(s: &str) -> Result<Self, String> {
        ComponentId::parse(s)
            .map(|_| IncidentId(s.to_owned()))
            .map_err(|e| e.to_string().replacen("component", "incident", 1))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IncidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IncidentId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Text in several languages, keyed by a lowercase ISO 639-1 code (`de`, `en`, …). Never empty.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize)]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    /// The text in `lang`, else English, else any language.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0
            .get(lang)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
    }
}

impl<'de> Deserialize<'de> for LocalizedText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        if map.is_empty() {
            return Err(serde::de::Error::custom(
                "text needs at least one language, e.g. {\"de\": \"…\", \"en\": \"…\"}",
            ));
        }
        for k in map.keys() {
            if k.len() != 2 || !k.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(serde::de::Error::custom(format!(
                    "{k:?} is not a language code; use two lowercase letters such as \"de\" or \"en\""
                )));
            }
        }
        Ok(LocalizedText(map))
    }
}

/// A component named in an event: `crm-dsl` (of the event's provider) or `whatsapp:messaging`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
#[serde(transparent)]
pub struct ComponentName(String);

impl ComponentName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = match s.split_once(':') {
            Some((p, c)) => ProviderId::parse(p).is_ok() && ComponentId::parse(c).is_ok(),
            None => ComponentId::parse(s).is_ok(),
        };
        if ok {
            Ok(ComponentName(s.to_owned()))
        } else {
            Err(format!(
                "{s:?} is not a component; write a component id such as \"mobile-core\" or provider:component"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Resolves against the provider that owns the event.
    pub fn resolve(&self, owner: &ProviderId) -> ComponentRef {
        match self.0.split_once(':') {
            Some((p, c)) => ComponentRef {
                provider: ProviderId::parse(p).expect("checked at parse"),
                component: ComponentId::parse(c).expect("checked at parse"),
            },
            None => ComponentRef {
                provider: owner.clone(),
                component: ComponentId::parse(&self.0).expect("checked at parse"),
            },
        }
    }
}

impl<'de> Deserialize<'de> for ComponentName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ComponentName::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An operator declares or updates an incident. Later lines with the same `id` update it
/// (state, components, title); `provider` and `category` are repeated on each line.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentEvent {
    pub time: Timestamp,
    pub id: IncidentId,
    pub provider: ProviderId,
    pub category: IncidentCategory,
    #[serde(default)]
    pub components: Vec<ComponentName>,
    pub state: IncidentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<LocalizedText>,
}

/// The declared status of one component changes.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentEvent {
    pub time: Timestamp,
    pub provider: ProviderId,
    pub component: ComponentName,
    pub status: ComponentStatus,
}

/// A public statement on an incident, optionally with a workaround.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatementEvent {
    pub time: Timestamp,
    pub incident: IncidentId,
    pub text: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workaround: Option<LocalizedText>,
}

/// An active measurement of one component in one region.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeEvent {
    pub time: Timestamp,
    pub provider: ProviderId,
    pub component: ComponentName,
    pub region: RegionId,
    pub ok: bool,
}

/// One line of `events.jsonl`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    Incident(IncidentEvent),
    Component(ComponentEvent),
    Statement(StatementEvent),
    Probe(ProbeEvent),
}

impl Event {
    pub fn time(&self) -> Timestamp {
        match self {
            Event::Incident(e) => e.time,
            Event::Component(e) => e.time,
            Event::Statement(e) => e.time,
            Event::Probe(e) => e.time,
        }
    }

    /// The `type` value of this event.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Incident(_) => "incident",
            Event::Component(_) => "component",
            Event::Statement(_) => "statement",
            Event::Probe(_) => "probe",
        }
    }

    /// Checks every id against the topology. Returns `(key, message)` pairs, empty if fine.
    /// Statements name incidents, which are checked by the caller that sees all lines.
    pub fn check(&self, topology: &Topology) -> Vec<(String, String)> {
        let mut errs = Vec::new();
        let provider = match self {
            Event::Incident(e) => Some(&e.provider),
            Event::Component(e) => Some(&e.provider),
            Event::Probe(e) => Some(&e.provider),
            Event::Statement(_) => None,
        };
        let Some(provider) = provider else {
            return errs;
        };
        if topology.provider(provider.as_str()).is_none() {
            errs.push((
                "provider".to_owned(),
                format!(
                    "unknown provider {provider}; known providers: {}",
                    topology.provider_list()
                ),
            ));
            return errs;
        }
        let mut check_component = |key: String, c: &ComponentName| {
            let r = c.resolve(provider);
            if topology.component(&r).is_none() {
                errs.push((
                    key,
                    format!(
                        "unknown component {r}; declare it under [[components]] in topology.toml"
                    ),
                ));
            }
        };
        match self {
            Event::Incident(e) => {
                for (i, c) in e.components.iter().enumerate() {
                    check_component(format!("components[{i}]"), c);
                }
            }
            Event::Component(e) => check_component("component".to_owned(), &e.component),
            Event::Probe(e) => {
                check_component("component".to_owned(), &e.component);
                if topology.region(e.region.as_str()).is_none() {
                    errs.push((
                        "region".to_owned(),
                        format!(
                            "unknown region {}; declare it under [[regions]] in topology.toml",
                            e.region
                        ),
                    ));
                }
            }
            Event::Statement(_) => {}
        }
        errs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Event, String> {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }

    const TOPO: &str = r#"
[[providers]]
id = "o2-de"
name = "O2"
kind = "telecom"
country = "DE"
[[regions]]
id = "DE-BY"
name = "Bayern"
[[components]]
provider = "o2-de"
id = "crm-dsl"
name = "CRM"
[[components]]
provider = "o2-de"
id = "lte-ran"
name = "LTE"
"#;

    #[test]
    fn parses_all_examples() {
        let lines = [
            r#"{"time":"2017-05-12T16:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":["crm-dsl"],"state":"identified","title":{"de":"x","en":"y"}}"#,
            r#"{"time":"2017-05-12T16:05:00Z","type":"component","provider":"o2-de","component":"crm-dsl","status":"major-outage"}"#,
            r#"{"time":"2017-05-17T13:40:00Z","type":"statement","incident":"net-1","text":{"de":"a","en":"b"},"workaround":{"de":"c","en":"d"}}"#,
            r#"{"time":"2017-05-17T13:10:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BY","ok":false}"#,
        ];
        let topo = Topology::from_toml("t", TOPO).unwrap();
        let events: Vec<Event> = lines.iter().map(|l| parse_line(l).unwrap()).collect();
        assert_eq!(
            events.iter().map(|e| e.kind()).collect::<Vec<_>>(),
            ["incident", "component", "statement", "probe"]
        );
        for e in &events {
            assert!(e.check(&topo).is_empty(), "{e:?}");
        }
        match &events[0] {
            Event::Incident(i) => {
                assert_eq!(i.category, IncidentCategory::Security);
                assert_eq!(i.state, IncidentState::Identified);
                assert_eq!(i.title.as_ref().unwrap().get("fr"), Some("y"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(events[0].time().to_rfc3339(), "2017-05-12T16:00:00Z");
    }

    #[test]
    fn rejects_unknown_keys_and_values() {
        let e = parse_line(
            r#"{"time":"2017-05-12T16:05:00Z","type":"component","provider":"o2-de","component":"crm-dsl","status":"major-outage","colour":"red"}"#,
        )
        .unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
        let e = parse_line(
            r#"{"time":"2017-05-12T16:05:00Z","type":"component","provider":"o2-de","component":"crm-dsl","status":"broken"}"#,
        )
        .unwrap_err();
        assert!(e.contains("major-outage"), "{e}");
        let e = parse_line(r#"{"time":"2017-05-12T16:05:00Z","type":"alarm"}"#).unwrap_err();
        assert!(e.contains("unknown variant `alarm`"), "{e}");
        let e = parse_line(r#"{"time":"2017-05-12T16:05:00Z"}"#).unwrap_err();
        assert!(e.contains("missing field `type`"), "{e}");
        let e = parse_line(
            r#"{"time":"yesterday","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BY","ok":false}"#,
        )
        .unwrap_err();
        assert!(e.contains("RFC 3339"), "{e}");
        let e = parse_line(
            r#"{"time":"2017-05-12T16:05:00Z","type":"statement","incident":"x","text":{}}"#,
        )
        .unwrap_err();
        assert!(e.contains("at least one language"), "{e}");
    }

    #[test]
    fn checks_ids_against_topology() {
        let topo = Topology::from_toml("t", TOPO).unwrap();
        let ev = parse_line(
            r#"{"time":"2017-05-17T13:10:00Z","type":"probe","provider":"o2-de","component":"umts-ran","region":"DE-XX","ok":false}"#,
        )
        .unwrap();
        let errs = ev.check(&topo);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].0, "component");
        assert_eq!(errs[1].0, "region");
        let ev = parse_line(
            r#"{"time":"2017-05-17T13:10:00Z","type":"component","provider":"nobody","component":"x","status":"degraded"}"#,
        )
        .unwrap();
        assert_eq!(ev.check(&topo)[0].0, "provider");
    }

    #[test]
    fn component_names_resolve() {
        let owner = ProviderId::parse("o2-de").unwrap();
        let c = ComponentName::parse("whatsapp:messaging").unwrap();
        assert_eq!(c.resolve(&owner).to_string(), "whatsapp:messaging");
        let c = ComponentName::parse("lte-ran").unwrap();
        assert_eq!(c.resolve(&owner).to_string(), "o2-de:lte-ran");
        assert!(ComponentName::parse("LTE").is_err());
    }
}
