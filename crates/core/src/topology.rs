//! Topology: providers, regions, components, services and their dependencies, read from TOML.
//!
//! Parsing reports every problem at once, each with file, line and key, in the manner of a
//! compiler. The `topology.toml` of a scenario package is a subset of what this accepts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;

use serde::Serialize;
use toml_edit::{ImDocument, Item, TableLike, Value};

use crate::ids::{ComponentId, ProviderId, RegionId, ServiceId};

pub mod germany;
pub mod postcode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    Telecom,
    OnlineService,
}

#[derive(Clone, Debug, Serialize)]
pub struct Provider {
    pub id: ProviderId,
    pub name: String,
    pub kind: ProviderKind,
    pub country: String,
    /// Relative size (customers, in millions); drives demo and simulation traffic. Optional.
    pub customers_millions: Option<f64>,
    /// The time zone its customers live in, as declared (`time_zone`, an IANA name). Optional:
    /// [`Topology::time_zone`] falls back to the country's zone.
    pub time_zone: Option<chrono_tz::Tz>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Region {
    pub id: RegionId,
    pub name: String,
    /// Inhabitants; weights regional traffic. Optional.
    pub population: Option<u64>,
}

/// A dependency target: a component of the same provider or of another one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct ComponentRef {
    pub provider: ProviderId,
    pub component: ComponentId,
}

impl fmt::Display for ComponentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.component)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Component {
    pub provider: ProviderId,
    pub id: ComponentId,
    pub name: String,
    /// Radio or access technology this component carries (e.g. `lte`), if any.
    pub technology: Option<String>,
    pub depends_on: Vec<ComponentRef>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Service {
    pub provider: ProviderId,
    pub id: ServiceId,
    pub name: String,
    pub technologies: Vec<String>,
    pub depends_on: Vec<ComponentRef>,
}

/// A real-valued measurement an operator already has (hotline waiting time, calls waiting,
/// sessions per region, probe latency), declared under `[[signals]]`; its samples are in a
/// scenario package's `signals.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct Signal {
    pub provider: ProviderId,
    pub id: crate::ids::SignalId,
    pub name: String,
    /// Free text shown to people (`s`, `calls`).
    pub unit: Option<String>,
    /// The component it measures, if any.
    pub component: Option<ComponentRef>,
    /// Which way is trouble (`worse = "higher"` for a waiting time, `"lower"` for sessions);
    /// None: both ways.
    pub worse: Option<Worse>,
}

/// Which way a signal moves when something is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Worse {
    Higher,
    Lower,
}

/// A validated topology. Every id referenced exists and dependencies form a DAG.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Topology {
    pub providers: Vec<Provider>,
    pub regions: Vec<Region>,
    pub components: Vec<Component>,
    pub services: Vec<Service>,
    pub signals: Vec<Signal>,
}

/// One problem in a topology file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopologyError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.key, self.message
        )
    }
}

/// All problems found in a topology file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct TopologyErrors(pub Vec<TopologyError>);

impl fmt::Display for TopologyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} problem(s) in the topology:", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

/// The time zone of a country (ISO 3166-1 alpha-2), for the countries that live in one zone
/// (or nearly all in one: Spain and Portugal without their islands). Countries spanning several
/// zones (US, CA, RU, BR, AU, MX, …) have none here: a provider there declares `time_zone`,
/// else it gets UTC, since a guessed zone would be wrong for most of its customers.
pub fn country_time_zone(country: &str) -> Option<chrono_tz::Tz> {
    use chrono_tz::{Asia, Europe, Pacific};
    Some(match country {
        "DE" => Europe::Berlin,
        "AT" => Europe::Vienna,
        "CH" => Europe::Zurich,
        "LI" => Europe::Vaduz,
        "FR" => Europe::Paris,
        "BE" => Europe::Brussels,
        "NL" => Europe::Amsterdam,
        "LU" => Europe::Luxembourg,
        "IT" => Europe::Rome,
        "ES" => Europe::Madrid,
        "PT" => Europe::Lisbon,
        "GB" => Europe::London,
        "IE" => Europe::Dublin,
        "DK" => Europe::Copenhagen,
        "NO" => Europe::Oslo,
        "SE" => Europe::Stockholm,
        "FI" => Europe::Helsinki,
        "IS" => chrono_tz::Atlantic::Reykjavik,
        "PL" => Europe::Warsaw,
        "CZ" => Europe::Prague,
        "SK" => Europe::Bratislava,
        "HU" => Europe::Budapest,
        "SI" => Europe::Ljubljana,
        "HR" => Europe::Zagreb,
        "RS" => Europe::Belgrade,
        "RO" => Europe::Bucharest,
        "BG" => Europe::Sofia,
        "GR" => Europe::Athens,
        "EE" => Europe::Tallinn,
        "LV" => Europe::Riga,
        "LT" => Europe::Vilnius,
        "UA" => Europe::Kyiv,
        "TR" => Europe::Istanbul,
        "IL" => Asia::Jerusalem,
        "IN" => Asia::Kolkata,
        "CN" => Asia::Shanghai,
        "JP" => Asia::Tokyo,
        "KR" => Asia::Seoul,
        "SG" => Asia::Singapore,
        "NZ" => Pacific::Auckland,
        "ZA" => chrono_tz::Africa::Johannesburg,
        _ => return None,
    })
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<TopologyError>,
}

impl Ctx<'_> {
    fn line_of(&self, span: Option<Range<usize>>) -> usize {
        match span {
            Some(r) => {
                self.text[..r.start.min(self.text.len())]
                    .matches('\n')
                    .count()
                    + 1
            }
            None => 0,
        }
    }
    fn err(
        &mut self,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        let line = self.line_of(span);
        self.errors.push(TopologyError {
            file: self.file.to_owned(),
            line,
            key: key.into(),
            message: message.into(),
        });
    }
}

/// A table entry of an array such as `[[providers]]`, with the path used in messages.
struct Entry<'a> {
    path: String,
    table: &'a dyn TableLike,
    span: Option<Range<usize>>,
}

fn entries<'a>(ctx: &mut Ctx, root: &'a dyn TableLike, name: &str) -> Vec<Entry<'a>> {
    let Some((key, item)) = root.get_key_value(name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match item {
        Item::ArrayOfTables(aot) => {
            for (i, t) in aot.iter().enumerate() {
                out.push(Entry {
                    path: format!("{name}[{i}]"),
                    table: t,
                    span: t.span().or_else(|| key.span()),
                });
            }
        }
        Item::Value(Value::Array(arr)) => {
            for (i, v) in arr.iter().enumerate() {
                match v.as_inline_table() {
                    Some(t) => out.push(Entry {
                        path: format!("{name}[{i}]"),
                        table: t,
                        span: v.span(),
                    }),
                    None => ctx.err(v.span(), format!("{name}[{i}]"), "expected a table"),
                }
            }
        }
        other => ctx.err(
            other.span().or_else(|| key.span()),
            name,
            format!("expected an array of tables ([[{name}]])"),
        ),
    }
    out
}

impl Entry<'_> {
    /// The entry's `provider`: required, a valid id, declared under `[[providers]]` (an
    /// undeclared one is reported but still returned, so the rest of the entry is checked).
    fn provider<V>(&self, ctx: &mut Ctx, declared: &HashMap<ProviderId, V>) -> Option<ProviderId> {
        let raw = self.str_req(ctx, "provider");
        let provider = parse_id(ctx, self, "provider", raw, ProviderId::parse);
        if let Some(p) = &provider {
            if !declared.contains_key(p) {
                ctx.err(
                    self.key_span("provider"),
                    format!("{}.provider", self.path),
                    format!("unknown provider {p}; declare it under [[providers]]"),
                );
            }
        }
        provider
    }

    fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.table
            .get_key_value(key)
            .and_then(|(k, v)| k.span().or_else(|| v.span()))
            .or_else(|| self.span.clone())
    }
    fn check_keys(&self, ctx: &mut Ctx, allowed: &[&str]) {
        for (k, _) in self.table.iter() {
            if !allowed.contains(&k) {
                let span = self.key_span(k);
                ctx.err(
                    span,
                    format!("{}.{}", self.path, k),
                    format!("unknown key; allowed keys here: {}", allowed.join(", ")),
                );
            }
        }
    }
    fn str_opt(&self, ctx: &mut Ctx, key: &str) -> Option<String> {
        let item = self.table.get(key)?;
        match item.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                ctx.err(
                    self.key_span(key),
                    format!("{}.{}", self.path, key),
                    "expected a string",
                );
                None
            }
        }
    }
    fn str_req(&self, ctx: &mut Ctx, key: &str) -> Option<String> {
        if self.table.get(key).is_none() {
            ctx.err(
                self.span.clone(),
                format!("{}.{}", self.path, key),
                "missing required key",
            );
            return None;
        }
        self.str_opt(ctx, key)
    }
    fn str_list(&self, ctx: &mut Ctx, key: &str) -> Vec<(String, Option<Range<usize>>)> {
        let Some(item) = self.table.get(key) else {
            return Vec::new();
        };
        let Some(arr) = item.as_array() else {
            ctx.err(
                self.key_span(key),
                format!("{}.{}", self.path, key),
                "expected an array of strings",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, v) in arr.iter().enumerate() {
            match v.as_str() {
                Some(s) => out.push((s.to_owned(), v.span().or_else(|| self.key_span(key)))),
                None => ctx.err(
                    v.span(),
                    format!("{}.{}[{}]", self.path, key, i),
                    "expected a string",
                ),
            }
        }
        out
    }
    fn number_opt(&self, ctx: &mut Ctx, key: &str) -> Option<f64> {
        let item = self.table.get(key)?;
        if let Some(i) = item.as_integer() {
            if i >= 0 {
                return Some(i as f64);
            }
        }
        if let Some(f) = item.as_float() {
            if f.is_finite() && f >= 0.0 {
                return Some(f);
            }
        }
        ctx.err(
            self.key_span(key),
            format!("{}.{}", self.path, key),
            "expected a non-negative number",
        );
        None
    }
}

fn parse_id<T>(
    ctx: &mut Ctx,
    e: &Entry,
    key: &str,
    raw: Option<String>,
    f: impl Fn(&str) -> Result<T, crate::ids::IdError>,
) -> Option<T> {
    let raw = raw?;
    match f(&raw) {
        Ok(v) => Some(v),
        Err(err) => {
            ctx.err(
                e.key_span(key),
                format!("{}.{}", e.path, key),
                err.to_string(),
            );
            None
        }
    }
}

impl Topology {
    /// Parses and validates a topology. `file` names the source in error messages.
    pub fn from_toml(file: &str, text: &str) -> Result<Topology, TopologyErrors> {
        let mut ctx = Ctx {
            file,
            text,
            errors: Vec::new(),
        };
        let doc = match ImDocument::parse(text) {
            Ok(d) => d,
            Err(e) => {
                ctx.err(e.span(), "(syntax)", e.message().to_owned());
                return Err(TopologyErrors(ctx.errors));
            }
        };
        let root = doc.as_table();
        for (k, _) in root.iter() {
            if !["providers", "regions", "components", "services", "signals"].contains(&k) {
                let span = root.get_key_value(k).and_then(|(key, _)| key.span());
                ctx.err(
                    span,
                    k,
                    "unknown key; allowed top-level keys: providers, regions, components, services, signals",
                );
            }
        }

        let mut topo = Topology::default();
        let mut provider_kinds: HashMap<ProviderId, Option<Range<usize>>> = HashMap::new();

        for e in entries(&mut ctx, root, "providers") {
            e.check_keys(
                &mut ctx,
                &[
                    "id",
                    "name",
                    "kind",
                    "country",
                    "customers_millions",
                    "time_zone",
                ],
            );
            let raw = e.str_req(&mut ctx, "id");
            let id = parse_id(&mut ctx, &e, "id", raw, ProviderId::parse);
            let name = e.str_req(&mut ctx, "name");
            let kind = match e.str_req(&mut ctx, "kind").as_deref() {
                Some("telecom") => Some(ProviderKind::Telecom),
                Some("online-service") => Some(ProviderKind::OnlineService),
                Some(other) => {
                    ctx.err(
                        e.key_span("kind"),
                        format!("{}.kind", e.path),
                        format!(
                            "{other:?} is not a provider kind; allowed: telecom, online-service"
                        ),
                    );
                    None
                }
                None => None,
            };
            let country = e.str_req(&mut ctx, "country");
            if let Some(c) = &country {
                if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                    ctx.err(
                        e.key_span("country"),
                        format!("{}.country", e.path),
                        format!("{c:?} is not an ISO 3166-1 alpha-2 code (two capital letters, e.g. DE)"),
                    );
                }
            }
            let customers = e.number_opt(&mut ctx, "customers_millions");
            let time_zone = e.str_opt(&mut ctx, "time_zone").and_then(|z| {
                let tz = z.parse::<chrono_tz::Tz>().ok();
                if tz.is_none() {
                    ctx.err(
                        e.key_span("time_zone"),
                        format!("{}.time_zone", e.path),
                        format!("{z:?} is not an IANA time zone name (e.g. Europe/Berlin, America/New_York)"),
                    );
                }
                tz
            });
            // A provider with a bad field is still known by its id, so that the entries naming
            // it are not reported as naming an unknown provider too.
            let Some(id) = id else { continue };
            if provider_kinds.contains_key(&id) {
                ctx.err(
                    e.key_span("id"),
                    format!("{}.id", e.path),
                    format!("duplicate provider id {id}"),
                );
                continue;
            }
            provider_kinds.insert(id.clone(), e.key_span("id"));
            if let (Some(name), Some(kind), Some(country)) = (name, kind, country) {
                topo.providers.push(Provider {
                    id,
                    name,
                    kind,
                    country,
                    customers_millions: customers,
                    time_zone,
                });
            }
        }

        let mut region_ids = BTreeSet::new();
        for e in entries(&mut ctx, root, "regions") {
            e.check_keys(&mut ctx, &["id", "name", "population"]);
            let raw = e.str_req(&mut ctx, "id");
            let id = parse_id(&mut ctx, &e, "id", raw, RegionId::parse);
            let name = e.str_req(&mut ctx, "name");
            let population = e.number_opt(&mut ctx, "population").map(|p| p as u64);
            if let (Some(id), Some(name)) = (id, name) {
                if !region_ids.insert(id.clone()) {
                    ctx.err(
                        e.key_span("id"),
                        format!("{}.id", e.path),
                        format!("duplicate region id {id}"),
                    );
                    continue;
                }
                topo.regions.push(Region {
                    id,
                    name,
                    population,
                });
            }
        }

        // Components first (ids only), so that dependencies can be checked in any order.
        struct PendingDeps<'a> {
            entry_path: String,
            owner: ProviderId,
            deps: Vec<(String, Option<Range<usize>>)>,
            _p: std::marker::PhantomData<&'a ()>,
        }
        let mut comp_keys: BTreeSet<ComponentRef> = BTreeSet::new();
        let mut pending_components = Vec::new();
        let component_entries = entries(&mut ctx, root, "components");
        for e in &component_entries {
            e.check_keys(
                &mut ctx,
                &["provider", "id", "name", "technology", "depends_on"],
            );
            let provider = e.provider(&mut ctx, &provider_kinds);
            let raw = e.str_req(&mut ctx, "id");
            let id = parse_id(&mut ctx, e, "id", raw, ComponentId::parse);
            let name = e.str_req(&mut ctx, "name");
            let technology = e.str_opt(&mut ctx, "technology");
            let deps = e.str_list(&mut ctx, "depends_on");
            if let (Some(provider), Some(id), Some(name)) = (provider, id, name) {
                let key = ComponentRef {
                    provider: provider.clone(),
                    component: id.clone(),
                };
                if !comp_keys.insert(key) {
                    ctx.err(
                        e.key_span("id"),
                        format!("{}.id", e.path),
                        format!("duplicate component id {id} for provider {provider}"),
                    );
                    continue;
                }
                pending_components.push((
                    Component {
                        provider: provider.clone(),
                        id,
                        name,
                        technology,
                        depends_on: Vec::new(),
                    },
                    PendingDeps {
                        entry_path: e.path.clone(),
                        owner: provider,
                        deps,
                        _p: std::marker::PhantomData,
                    },
                ));
            }
        }

        // `field` names the key in messages: `depends_on` (a list, indexed) or `component`.
        let resolve = |ctx: &mut Ctx,
                       path: &str,
                       field: &str,
                       owner: &ProviderId,
                       deps: &[(String, Option<Range<usize>>)]| {
            let mut out = Vec::new();
            for (i, (raw, span)) in deps.iter().enumerate() {
                let key = match field {
                    "depends_on" => format!("{path}.depends_on[{i}]"),
                    _ => format!("{path}.{field}"),
                };
                let (p, c) = match raw.split_once(':') {
                    Some((p, c)) => (ProviderId::parse(p), ComponentId::parse(c)),
                    None => (Ok(owner.clone()), ComponentId::parse(raw)),
                };
                match (p, c) {
                    (Ok(provider), Ok(component)) => {
                        let r = ComponentRef {
                            provider,
                            component,
                        };
                        if comp_keys.contains(&r) {
                            out.push(r);
                        } else {
                            ctx.err(
                                span.clone(),
                                key,
                                format!("unknown component {r}; declare it under [[components]]"),
                            );
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => ctx.err(
                        span.clone(),
                        key,
                        format!("{e}; write a component id or provider:component"),
                    ),
                }
            }
            out
        };

        let mut dep_spans: HashMap<ComponentRef, Option<Range<usize>>> = HashMap::new();
        for (mut c, pending) in pending_components {
            c.depends_on = resolve(
                &mut ctx,
                &pending.entry_path,
                "depends_on",
                &pending.owner,
                &pending.deps,
            );
            dep_spans.insert(
                ComponentRef {
                    provider: c.provider.clone(),
                    component: c.id.clone(),
                },
                pending.deps.first().and_then(|d| d.1.clone()),
            );
            topo.components.push(c);
        }

        let mut service_keys = BTreeSet::new();
        for e in entries(&mut ctx, root, "services") {
            e.check_keys(
                &mut ctx,
                &["provider", "id", "name", "technologies", "depends_on"],
            );
            let provider = e.provider(&mut ctx, &provider_kinds);
            let raw = e.str_req(&mut ctx, "id");
            let id = parse_id(&mut ctx, &e, "id", raw, ServiceId::parse);
            let name = e.str_req(&mut ctx, "name");
            let technologies: Vec<String> = e
                .str_list(&mut ctx, "technologies")
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            for t in &technologies {
                if crate::ids::ServiceId::parse(t).is_err() {
                    ctx.err(
                        e.key_span("technologies"),
                        format!("{}.technologies", e.path),
                        format!(
                            "{t:?} is not a valid technology id ([a-z0-9][a-z0-9-]*, e.g. lte)"
                        ),
                    );
                }
            }
            let deps = e.str_list(&mut ctx, "depends_on");
            if let (Some(provider), Some(id), Some(name)) = (provider, id, name) {
                if !service_keys.insert((provider.clone(), id.clone())) {
                    ctx.err(
                        e.key_span("id"),
                        format!("{}.id", e.path),
                        format!("duplicate service id {id} for provider {provider}"),
                    );
                    continue;
                }
                let depends_on = resolve(&mut ctx, &e.path, "depends_on", &provider, &deps);
                topo.services.push(Service {
                    provider,
                    id,
                    name,
                    technologies,
                    depends_on,
                });
            }
        }

        let mut signal_keys = BTreeSet::new();
        for e in entries(&mut ctx, root, "signals") {
            e.check_keys(
                &mut ctx,
                &["provider", "id", "name", "unit", "component", "worse"],
            );
            let provider = e.provider(&mut ctx, &provider_kinds);
            let raw = e.str_req(&mut ctx, "id");
            let id = parse_id(&mut ctx, &e, "id", raw, crate::ids::SignalId::parse);
            let name = e.str_req(&mut ctx, "name");
            let unit = e.str_opt(&mut ctx, "unit");
            let worse = match e.str_opt(&mut ctx, "worse").as_deref() {
                Some("higher") => Some(Worse::Higher),
                Some("lower") => Some(Worse::Lower),
                Some(other) => {
                    ctx.err(
                        e.key_span("worse"),
                        format!("{}.worse", e.path),
                        format!(
                            "{other:?} is not a direction; allowed: higher, lower (or leave it out: both)"
                        ),
                    );
                    None
                }
                None => None,
            };
            let component = e
                .str_opt(&mut ctx, "component")
                .map(|c| (c, e.key_span("component")));
            if let (Some(provider), Some(id), Some(name)) = (provider, id, name) {
                if !signal_keys.insert((provider.clone(), id.clone())) {
                    ctx.err(
                        e.key_span("id"),
                        format!("{}.id", e.path),
                        format!("duplicate signal id {id} for provider {provider}"),
                    );
                    continue;
                }
                let component = component.and_then(|c| {
                    resolve(
                        &mut ctx,
                        &e.path,
                        "component",
                        &provider,
                        std::slice::from_ref(&c),
                    )
                    .into_iter()
                    .next()
                });
                topo.signals.push(Signal {
                    provider,
                    id,
                    name,
                    unit,
                    component,
                    worse,
                });
            }
        }

        // Cycles among components (services are leaves and cannot be depended on).
        if let Some(cycle) = topo.find_cycle() {
            let span = dep_spans.get(&cycle[0]).cloned().flatten();
            let text: Vec<String> = cycle.iter().map(|c| c.to_string()).collect();
            ctx.err(
                span,
                "components.depends_on",
                format!("dependency cycle: {} -> {}", text.join(" -> "), text[0]),
            );
        }

        if ctx.errors.is_empty() {
            Ok(topo)
        } else {
            ctx.errors.sort_by_key(|e| e.line);
            Err(TopologyErrors(ctx.errors))
        }
    }

    fn find_cycle(&self) -> Option<Vec<ComponentRef>> {
        let graph: BTreeMap<ComponentRef, &Vec<ComponentRef>> = self
            .components
            .iter()
            .map(|c| (c.key(), &c.depends_on))
            .collect();
        // 0 = unvisited, 1 = on stack, 2 = done
        let mut state: BTreeMap<&ComponentRef, u8> = BTreeMap::new();
        fn visit<'a>(
            n: &'a ComponentRef,
            graph: &'a BTreeMap<ComponentRef, &Vec<ComponentRef>>,
            state: &mut BTreeMap<&'a ComponentRef, u8>,
            stack: &mut Vec<&'a ComponentRef>,
        ) -> Option<Vec<ComponentRef>> {
            match state.get(n) {
                Some(2) => return None,
                Some(1) => {
                    let pos = stack.iter().position(|s| *s == n).unwrap_or(0);
                    return Some(stack[pos..].iter().map(|c| (*c).clone()).collect());
                }
                _ => {}
            }
            state.insert(n, 1);
            stack.push(n);
            if let Some(deps) = graph.get(n) {
                for d in deps.iter() {
                    if let Some(c) = visit(d, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
            stack.pop();
            state.insert(n, 2);
            None
        }
        for n in graph.keys() {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, &graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
        None
    }

    /// The provider ids, comma-separated: what an "unknown provider" message offers instead.
    pub fn provider_list(&self) -> String {
        let ids: Vec<&str> = self.providers.iter().map(|p| p.id.as_str()).collect();
        ids.join(", ")
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id.as_str() == id)
    }

    /// The time zone a provider's customers live in: its declared `time_zone`, else its
    /// country's ([`country_time_zone`]), else UTC (also for an unknown provider). Detection
    /// learns each provider's daily profile in this zone; pages print its local times in it.
    pub fn time_zone(&self, provider: &str) -> chrono_tz::Tz {
        self.provider(provider)
            .and_then(|p| p.time_zone.or_else(|| country_time_zone(&p.country)))
            .unwrap_or(chrono_tz::UTC)
    }
    /// What "all regions" means for a provider: the regions of its country (ISO 3166-2 ids
    /// `CC-…`), or every region when none is of its country (or the provider is unknown).
    pub fn provider_regions(&self, provider: &str) -> Vec<RegionId> {
        let own: Vec<RegionId> = match self.provider(provider) {
            Some(p) => {
                let prefix = format!("{}-", p.country);
                self.regions
                    .iter()
                    .filter(|r| r.id.as_str().starts_with(&prefix))
                    .map(|r| r.id.clone())
                    .collect()
            }
            None => Vec::new(),
        };
        if own.is_empty() {
            self.regions.iter().map(|r| r.id.clone()).collect()
        } else {
            own
        }
    }
    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id.as_str() == id)
    }
    pub fn signal(&self, provider: &str, id: &str) -> Option<&Signal> {
        self.signals
            .iter()
            .find(|s| s.provider.as_str() == provider && s.id.as_str() == id)
    }

    pub fn service(&self, provider: &str, id: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| s.provider.as_str() == provider && s.id.as_str() == id)
    }
    pub fn services_of<'a>(&'a self, provider: &'a str) -> impl Iterator<Item = &'a Service> + 'a {
        self.services
            .iter()
            .filter(move |s| s.provider.as_str() == provider)
    }
    /// A region's name, else its id as given.
    pub fn region_name(&self, id: &str) -> String {
        self.region(id)
            .map_or_else(|| id.to_owned(), |r| r.name.clone())
    }
    pub fn component(&self, r: &ComponentRef) -> Option<&Component> {
        self.components
            .iter()
            .find(|c| c.provider == r.provider && c.id == r.component)
    }
    pub fn components_of<'a>(
        &'a self,
        provider: &'a str,
    ) -> impl Iterator<Item = &'a Component> + 'a {
        self.components
            .iter()
            .filter(move |c| c.provider.as_str() == provider)
    }

    /// The services of `provider` whose dependency closure contains one of `components`: the
    /// services a fault of those components takes down.
    pub fn services_depending_on(
        &self,
        provider: &ProviderId,
        components: &[ComponentRef],
    ) -> Vec<ServiceId> {
        self.services_of(provider.as_str())
            .filter(|s| {
                self.service_closure(s)
                    .iter()
                    .any(|c| components.contains(c))
            })
            .map(|s| s.id.clone())
            .collect()
    }

    /// Every component a service depends on, directly or transitively (no duplicates,
    /// nearest first).
    pub fn service_closure(&self, s: &Service) -> Vec<ComponentRef> {
        self.closure(&s.depends_on)
    }

    /// Every component reachable from `start` through `depends_on`, nearest first.
    pub fn closure(&self, start: &[ComponentRef]) -> Vec<ComponentRef> {
        let mut seen: BTreeSet<ComponentRef> = BTreeSet::new();
        let mut order = Vec::new();
        let mut queue: std::collections::VecDeque<ComponentRef> = start.iter().cloned().collect();
        while let Some(c) = queue.pop_front() {
            if !seen.insert(c.clone()) {
                continue;
            }
            if let Some(comp) = self.component(&c) {
                queue.extend(comp.depends_on.iter().cloned());
            }
            order.push(c);
        }
        order
    }

    /// Region population weights, normalised to sum 1 (uniform if no populations are given).
    pub fn region_weights(&self) -> Vec<(RegionId, f64)> {
        // Summed as floats: populations are any non-negative number a file gives, and a few
        // huge ones overflow an integer sum.
        let total: f64 = self
            .regions
            .iter()
            .filter_map(|r| r.population)
            .map(|p| p as f64)
            .sum();
        if total == 0.0 {
            let n = self.regions.len().max(1) as f64;
            return self
                .regions
                .iter()
                .map(|r| (r.id.clone(), 1.0 / n))
                .collect();
        }
        self.regions
            .iter()
            .map(|r| (r.id.clone(), r.population.unwrap_or(0) as f64 / total))
            .collect()
    }
}

impl Component {
    pub fn key(&self) -> ComponentRef {
        ComponentRef {
            provider: self.provider.clone(),
            component: self.id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[[providers]]
id = "o2-de"
name = "O2 Germany"
kind = "telecom"
country = "DE"

[[providers]]
id = "whatsapp"
name = "WhatsApp"
kind = "online-service"
country = "US"

[[regions]]
id = "DE-BY"
name = "Bayern"

[[components]]
provider = "whatsapp"
id = "messaging"
name = "Messaging"

[[components]]
provider = "o2-de"
id = "mobile-core"
name = "Mobile core network"
depends_on = ["ip-backbone"]

[[components]]
provider = "o2-de"
id = "ip-backbone"
name = "IP backbone"

[[components]]
provider = "o2-de"
id = "lte-ran"
name = "LTE radio"
depends_on = ["mobile-core"]

[[services]]
provider = "o2-de"
id = "mobile-data"
name = "Mobile internet"
technologies = ["lte", "umts", "gsm"]
depends_on = ["lte-ran", "mobile-core", "whatsapp:messaging"]
"#;

    #[test]
    fn a_provider_with_a_bad_field_is_one_error_not_many() {
        let e = Topology::from_toml(
            "t.toml",
            r#"
[[providers]]
id = "donau-tel"
name = "Donau"
kind = "isp"
country = "AT"
[[components]]
provider = "donau-tel"
id = "core"
name = "Core"
[[services]]
provider = "donau-tel"
id = "dsl"
name = "DSL"
depends_on = ["core"]
"#,
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("\"isp\" is not a provider kind"), "{text}");
        assert!(!text.contains("unknown provider"), "{text}");
    }

    #[test]
    fn all_regions_of_a_provider_are_those_of_its_country() {
        let t = Topology::from_toml(
            "t.toml",
            r#"
[[providers]]
id = "swiss"
name = "Swiss"
kind = "telecom"
country = "CH"
[[providers]]
id = "nowhere"
name = "Nowhere"
kind = "online-service"
country = "US"
[[regions]]
id = "CH-ZH"
name = "Zürich"
[[regions]]
id = "AT-9"
name = "Wien"
[[regions]]
id = "CH-BE"
name = "Bern"
"#,
        )
        .unwrap();
        let ids = |v: Vec<RegionId>| v.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(t.provider_regions("swiss")), ["CH-ZH", "CH-BE"]);
        // No region of its own country: every region.
        assert_eq!(
            ids(t.provider_regions("nowhere")),
            ["CH-ZH", "AT-9", "CH-BE"]
        );
        assert_eq!(ids(t.provider_regions("unknown")).len(), 3);
    }

    #[test]
    fn time_zone_is_declared_else_the_countrys_else_utc() {
        let t = Topology::from_toml(
            "t.toml",
            r#"
[[providers]]
id = "swiss"
name = "Swiss"
kind = "telecom"
country = "CH"
[[providers]]
id = "west"
name = "West"
kind = "telecom"
country = "US"
time_zone = "America/Los_Angeles"
[[providers]]
id = "east"
name = "East"
kind = "online-service"
country = "US"
"#,
        )
        .unwrap();
        assert_eq!(t.time_zone("swiss"), chrono_tz::Europe::Zurich);
        assert_eq!(t.time_zone("west"), chrono_tz::America::Los_Angeles);
        // A country of several zones has none of its own: UTC, unless declared.
        assert_eq!(t.time_zone("east"), chrono_tz::UTC);
        assert_eq!(t.time_zone("unknown"), chrono_tz::UTC);
        assert_eq!(country_time_zone("DE"), Some(chrono_tz::Europe::Berlin));

        let errs = Topology::from_toml(
            "t.toml",
            "[[providers]]\nid = \"p\"\nname = \"P\"\nkind = \"telecom\"\ncountry = \"DE\"\ntime_zone = \"Europe/Bonn\"\nzone = 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            errs.contains(
                "t.toml:6: providers[0].time_zone: \"Europe/Bonn\" is not an IANA time zone"
            ),
            "{errs}"
        );
        assert!(
            errs.contains("t.toml:7: providers[0].zone: unknown key"),
            "{errs}"
        );
    }

    #[test]
    fn parses_scenario_subset() {
        let t = Topology::from_toml("topology.toml", SAMPLE).unwrap();
        assert_eq!(t.providers.len(), 2);
        assert_eq!(t.components.len(), 4);
        let s = t.service("o2-de", "mobile-data").unwrap();
        let closure: Vec<String> = t.service_closure(s).iter().map(|c| c.to_string()).collect();
        assert!(closure.contains(&"o2-de:ip-backbone".to_string()));
        assert!(closure.contains(&"whatsapp:messaging".to_string()));
    }

    #[test]
    fn signals_are_declared_per_provider_and_checked() {
        let with = format!(
            "{SAMPLE}\n[[signals]]\nprovider = \"o2-de\"\nid = \"hotline-wait\"\nname = \"Hotline waiting time\"\nunit = \"s\"\ncomponent = \"mobile-core\"\nworse = \"higher\"\n"
        );
        let t = Topology::from_toml("topology.toml", &with).unwrap();
        let s = t.signal("o2-de", "hotline-wait").unwrap();
        assert_eq!(s.unit.as_deref(), Some("s"));
        assert_eq!(s.worse, Some(Worse::Higher));
        assert_eq!(
            s.component.as_ref().unwrap().to_string(),
            "o2-de:mobile-core"
        );
        let bad = format!(
            "{SAMPLE}\n[[signals]]\nprovider = \"nobody\"\nid = \"Bad Id\"\nname = \"x\"\ncolour = 1\n\n[[signals]]\nprovider = \"o2-de\"\nid = \"w\"\nname = \"x\"\ncomponent = \"no-such\"\nworse = \"up\"\n"
        );
        let errs = Topology::from_toml("topology.toml", &bad)
            .unwrap_err()
            .to_string();
        for want in [
            "signals[0].colour: unknown key",
            "signals[0].provider: unknown provider nobody",
            "signals[0].id:",
            "signals[1].component: unknown component o2-de:no-such",
            "signals[1].worse: \"up\" is not a direction; allowed: higher, lower",
        ] {
            assert!(errs.contains(want), "{want:?} not in {errs}");
        }
    }

    #[test]
    fn reports_all_errors_with_lines() {
        let bad = r#"
[[providers]]
id = "O2"
name = "x"
kind = "isp"
country = "Germany"
colour = "blue"

[[providers]]
id = "a"
name = "A"
kind = "telecom"
country = "DE"

[[providers]]
id = "a"
name = "A again"
kind = "telecom"
country = "DE"

[[components]]
provider = "nobody"
id = "x"
name = "X"
depends_on = ["missing"]
"#;
        let errs = Topology::from_toml("t.toml", bad).unwrap_err().0;
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let all = text.join("\n");
        assert!(all.contains("t.toml:3: providers[0].id"), "{all}");
        assert!(all.contains("providers[0].kind"), "{all}");
        assert!(all.contains("providers[0].country"), "{all}");
        assert!(
            all.contains("t.toml:7: providers[0].colour: unknown key"),
            "{all}"
        );
        assert!(all.contains("duplicate provider id a"), "{all}");
        assert!(all.contains("unknown provider nobody"), "{all}");
        assert!(all.contains("unknown component nobody:missing"), "{all}");
        assert!(errs.len() >= 7, "{all}");
    }

    #[test]
    fn detects_cycles() {
        let cyc = r#"
[[providers]]
id = "p"
name = "P"
kind = "telecom"
country = "DE"
[[components]]
provider = "p"
id = "a"
name = "A"
depends_on = ["b"]
[[components]]
provider = "p"
id = "b"
name = "B"
depends_on = ["a"]
"#;
        let errs = Topology::from_toml("c.toml", cyc).unwrap_err();
        assert!(errs.to_string().contains("dependency cycle"), "{errs}");
    }

    #[test]
    fn syntax_error_has_line() {
        let errs = Topology::from_toml("s.toml", "[[providers]]\nid = \n").unwrap_err();
        assert_eq!(errs.0[0].line, 2, "{errs}");
    }

    #[test]
    fn unknown_top_level_key() {
        let errs = Topology::from_toml("u.toml", "\nfoo = 1\n").unwrap_err();
        assert_eq!(errs.0[0].line, 2);
        assert_eq!(errs.0[0].key, "foo");
    }

    /// Populations as large as a file may write them (saturated to u64::MAX) overflowed the
    /// integer sum of `region_weights`: a panic with overflow checks, weights that do not sum
    /// to 1 without. The `topology_toml` fuzz target's invariant catches it
    /// (`fuzz/seeds/topology_toml/huge-populations.toml`).
    #[test]
    fn region_weights_of_huge_populations_still_sum_to_one() {
        let t = Topology::from_toml(
            "t.toml",
            "[[regions]]\nid = \"DE-BY\"\nname = \"B\"\npopulation = 1e300\n\
             [[regions]]\nid = \"DE-BE\"\nname = \"C\"\npopulation = 1e300\n\
             [[regions]]\nid = \"DE-HH\"\nname = \"H\"\n",
        )
        .unwrap();
        let w = t.region_weights();
        assert_eq!(w.len(), 3);
        assert!(
            (w[0].1 - 0.5).abs() < 1e-12 && (w[1].1 - 0.5).abs() < 1e-12,
            "{w:?}"
        );
        assert_eq!(w[2].1, 0.0);
    }
}
