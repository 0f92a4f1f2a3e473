//! `radar eval`: scores `detections.json` against a package's `truth.json`.
//!
//! # Matching
//! A detection *matches* a true outage when all of these hold:
//! - same `provider`;
//! - their times overlap: `detection.start ≤ truth.end` and `truth.start ≤ detection.end`
//!   (an `end` of null counts as still open, i.e. unbounded);
//! - they share at least one service, **or** the truth lists `customer-service` and the
//!   detection is a declared incident (`"declared": true`) naming, in `"components"`, a
//!   component that the provider's `customer-service` service depends on (directly or
//!   transitively) or the truth's `root_component`.
//!
//! A true outage may be matched by several detections, and a detection may match several true
//! outages. Then:
//! - **recall** = matched true outages / true outages;
//! - **precision** = detections that match at least one true outage / detections;
//! - a matching detection *meets* the outage when they share a region (`"*"` means every
//!   region of the provider's country, or of the topology when it has none of that country);
//!   where some matching detections meet it, only those count for its delay and regions (another
//!   fault of the same provider elsewhere at the same time is not this one's detection);
//! - **delay** of a matched outage = the earliest `detected_at` among those detections
//!   minus the truth's `start`, floored at 0 (a detection already open at onset counts as
//!   immediate); median and p95 interpolate linearly between order statistics;
//! - **region accuracy** = the mean, over matched outages, of the Jaccard index between the
//!   truth's regions and the union of the regions of those detections;
//! - the **representative** detection of a matched outage is a matching detection that meets
//!   it, with the longest time overlap with it (an open end counts up to the truth's end); ties
//!   go to the one most like the outage (the larger Jaccard index of services, then of
//!   regions: a detection spanning two faults overlaps each fully, and the detection of the
//!   fault itself should speak for it), then to the earlier `detected_at`, then to the
//!   smaller `id`. Its `cause_group` and `root_component` speak for the outage;
//! - **relation accuracy**: over every pair of matched true outages that overlap in time or lie
//!   at most one hour apart (`a.start ≤ b.end + 1 h` and `b.start ≤ a.end + 1 h`): the pair is *related* in truth when the two `cause`s are
//!   equal, and related for the product when the representatives' `cause_group`s are equal (a null
//!   group is never equal). Reported for related pairs, unrelated pairs (specificity) and all;
//! - **root-cause accuracy** = share of matched outages that have a truth `root_component` whose
//!   representative names the same component. Both sides are resolved against the outage's
//!   provider: `mobile-core` of `o2-de` equals `o2-de:mobile-core`.
//!
//! # Detection format extension
//! Besides the fields of scenario-format.md (`id, provider, services, regions, start,
//! detected_at, end, cause_group, root_component, explanation`), a detection may carry
//! `"declared": true` (the outage was declared by the operator in `events.jsonl`, not found in
//! reports) and `"components": ["crm-dsl", "whatsapp:messaging", …]` (the components the
//! declaration names). `regions` may be a list or `"*"`. Unknown keys are errors.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::Path;

use radar_core::correlate::CUSTOMER_SERVICE;
use radar_core::topology::{ComponentRef, Topology};
use radar_core::{ComponentId, ProviderId, RegionId, ServiceId, Timestamp};
use serde::{Deserialize, Serialize};

/// Two outages at most this far apart count as concurrent for relation accuracy.
pub const RELATION_SLACK_SECS: i64 = 3600;

/// Problems reading truth or detections.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

/// A set of regions: every region (`"*"`) or a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Regions {
    All,
    List(Vec<RegionId>),
}

impl Regions {
    /// The region ids, with `*` expanded to all regions of the provider's country
    /// ([`Topology::provider_regions`]).
    pub fn expand(&self, topology: &Topology, provider: &ProviderId) -> BTreeSet<String> {
        match self {
            Regions::All => topology
                .provider_regions(provider.as_str())
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            Regions::List(l) => l.iter().map(|r| r.as_str().to_owned()).collect(),
        }
    }
}

impl Serialize for Regions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Regions::All => s.serialize_str("*"),
            Regions::List(l) => l.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Regions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Star(String),
            List(Vec<String>),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "regions must be \"*\" or a list of region ids such as [\"DE-BY\"]",
            )
        })? {
            Raw::Star(s) if s == "*" => Ok(Regions::All),
            Raw::Star(s) => Err(serde::de::Error::custom(format!(
                "regions must be \"*\" or a list, not {s:?}"
            ))),
            Raw::List(l) => l
                .iter()
                .map(|r| RegionId::parse(r).map_err(serde::de::Error::custom))
                .collect::<Result<Vec<_>, _>>()
                .map(Regions::List),
        }
    }
}

/// One outage of `truth.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthOutage {
    pub id: String,
    pub provider: ProviderId,
    pub services: Vec<ServiceId>,
    pub regions: Regions,
    pub start: Timestamp,
    pub end: Timestamp,
    pub cause: String,
    #[serde(default)]
    pub root_component: Option<String>,
}

/// `truth.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    pub outages: Vec<TruthOutage>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One outage of `detections.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detection {
    pub id: String,
    pub provider: ProviderId,
    pub services: Vec<ServiceId>,
    pub regions: Regions,
    pub start: Timestamp,
    pub detected_at: Timestamp,
    #[serde(default)]
    pub end: Option<Timestamp>,
    #[serde(default)]
    pub cause_group: Option<String>,
    #[serde(default)]
    pub root_component: Option<String>,
    #[serde(default)]
    pub explanation: String,
    /// Extension: declared by the operator (events.jsonl), not detected from reports.
    #[serde(default, skip_serializing_if = "is_false")]
    pub declared: bool,
    /// Extension: the components a declared incident names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
}

/// `detections.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detections {
    pub outages: Vec<Detection>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, EvalError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EvalError(format!("{}: cannot read {what}: {e}", path.display())))?;
    // A byte-order mark opens the file in some editors' UTF-8.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    serde_json::from_str(text).map_err(|e| {
        EvalError(format!(
            "{}:{}:{}: {what}: {}",
            path.display(),
            e.line(),
            e.column(),
            e.to_string()
                .rsplit_once(" at line ")
                .map(|(h, _)| h.to_owned())
                .unwrap_or_else(|| e.to_string())
        ))
    })
}

/// Reads `truth.json`.
pub fn load_truth(path: &Path) -> Result<Truth, EvalError> {
    read_json(path, "truth")
}

/// Reads `detections.json`.
pub fn load_detections(path: &Path) -> Result<Detections, EvalError> {
    read_json(path, "detections")
}

/// Evaluates `detections` against the truth of the package in `dir` (only its `topology.toml`
/// and `truth.json` are read).
pub fn eval_dir(dir: &Path, detections: &Path) -> Result<EvalReport, EvalError> {
    let topo_path = dir.join("topology.toml");
    let text = std::fs::read_to_string(&topo_path)
        .map_err(|e| EvalError(format!("{}: cannot read: {e}", topo_path.display())))?;
    let topology = Topology::from_toml("topology.toml", &text)
        .map_err(|e| EvalError(format!("{}: {e}", dir.display())))?;
    let truth = load_truth(&dir.join("truth.json"))?;
    let dets = load_detections(detections)?;
    check_ids(&topology, &truth, &dets)?;
    Ok(evaluate(&topology, &truth, &dets))
}

fn check_ids(topology: &Topology, truth: &Truth, dets: &Detections) -> Result<(), EvalError> {
    let mut errs = Vec::new();
    for (i, t) in truth.outages.iter().enumerate() {
        if topology.provider(t.provider.as_str()).is_none() {
            errs.push(format!(
                "truth.json: outages[{i}] ({}): unknown provider {}",
                t.id, t.provider
            ));
        }
        if t.end < t.start {
            errs.push(format!(
                "truth.json: outages[{i}] ({}): end is before start",
                t.id
            ));
        }
    }
    for (i, d) in dets.outages.iter().enumerate() {
        if topology.provider(d.provider.as_str()).is_none() {
            errs.push(format!(
                "detections: outages[{i}] ({}): unknown provider {}",
                d.id, d.provider
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(EvalError(errs.join("\n")))
    }
}

/// The result for one true outage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutageResult {
    pub id: String,
    pub provider: String,
    pub start: Timestamp,
    /// Ids of the matching detections.
    pub matched_by: Vec<String>,
    /// The representative detection, if matched.
    pub representative: Option<String>,
    pub delay_secs: Option<i64>,
    pub region_jaccard: Option<f64>,
    /// None when the truth has no root component or the outage is unmatched.
    pub root_correct: Option<bool>,
}

/// One pair of concurrent matched outages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PairResult {
    pub a: String,
    pub b: String,
    pub truth_related: bool,
    pub product_related: bool,
}

/// Median and p95 of the detection delays.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelayStats {
    pub count: usize,
    pub median_secs: f64,
    pub p95_secs: f64,
    pub median_min: f64,
    pub p95_min: f64,
}

/// Relation accuracy over concurrent pairs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RelationStats {
    pub pairs: usize,
    pub correct: usize,
    pub accuracy: Option<f64>,
    pub related_pairs: usize,
    pub related_correct: usize,
    pub related_accuracy: Option<f64>,
    pub unrelated_pairs: usize,
    pub unrelated_correct: usize,
    /// Specificity.
    pub unrelated_accuracy: Option<f64>,
}

/// Everything `radar eval` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    pub truth_outages: usize,
    pub detections: usize,
    pub matched_outages: usize,
    pub matching_detections: usize,
    pub recall: Option<f64>,
    pub precision: Option<f64>,
    pub delay: Option<DelayStats>,
    pub region_accuracy: Option<f64>,
    pub relation: RelationStats,
    pub root_cause_evaluated: usize,
    pub root_cause_correct: usize,
    pub root_cause_accuracy: Option<f64>,
    pub outages: Vec<OutageResult>,
    pub pairs: Vec<PairResult>,
    /// Ids of detections that match no true outage (false positives).
    pub unmatched_detections: Vec<String>,
}

fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Linear interpolation between order statistics (`q` in 0..=1) of sorted values.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

fn resolve(provider: &ProviderId, name: &str) -> Option<ComponentRef> {
    match name.split_once(':') {
        Some((p, c)) => Some(ComponentRef {
            provider: ProviderId::parse(p).ok()?,
            component: ComponentId::parse(c).ok()?,
        }),
        None => Some(ComponentRef {
            provider: provider.clone(),
            component: ComponentId::parse(name).ok()?,
        }),
    }
}

/// Whether detection `d` matches true outage `t` (see the module docs).
pub fn matches(topology: &Topology, t: &TruthOutage, d: &Detection) -> bool {
    if d.provider != t.provider {
        return false;
    }
    let d_end = d.end.unwrap_or(Timestamp(i64::MAX));
    if !(d.start <= t.end && t.start <= d_end) {
        return false;
    }
    if d.services.iter().any(|s| t.services.contains(s)) {
        return true;
    }
    if d.declared && t.services.iter().any(|s| s.as_str() == CUSTOMER_SERVICE) {
        let mut allowed: BTreeSet<ComponentRef> = BTreeSet::new();
        if let Some(cs) = topology.service(t.provider.as_str(), CUSTOMER_SERVICE) {
            allowed.extend(topology.service_closure(cs));
        }
        if let Some(rc) = t
            .root_component
            .as_deref()
            .and_then(|r| resolve(&t.provider, r))
        {
            allowed.insert(rc);
        }
        return d
            .components
            .iter()
            .filter_map(|c| resolve(&d.provider, c))
            .any(|c| allowed.contains(&c));
    }
    false
}

/// The Jaccard index of two sets (1 for two empty ones). Equal shares compare equal: the
/// division is correctly rounded.
fn jaccard<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f64 {
    let common = a.intersection(b).count();
    let union = a.len() + b.len() - common;
    if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    }
}

fn overlap_secs(t: &TruthOutage, d: &Detection) -> i64 {
    let end = d.end.unwrap_or(t.end).min(t.end);
    (end.0 - d.start.0.max(t.start.0)).max(0)
}

/// Scores detections against the truth.
pub fn evaluate(topology: &Topology, truth: &Truth, dets: &Detections) -> EvalReport {
    let mut det_matched = vec![false; dets.outages.len()];
    let mut outages = Vec::new();
    let mut reps: Vec<Option<usize>> = Vec::new();
    for t in &truth.outages {
        let m: Vec<usize> = dets
            .outages
            .iter()
            .enumerate()
            .filter(|(_, d)| matches(topology, t, d))
            .map(|(i, _)| i)
            .collect();
        for &i in &m {
            det_matched[i] = true;
        }
        // The detection that speaks for this outage (delay, root cause, relations): one that
        // shares a region with it, then the longest overlap in time, then the earliest.
        let truth_regions = t.regions.expand(topology, &t.provider);
        let meets = |d: &Detection| {
            d.regions
                .expand(topology, &d.provider)
                .iter()
                .any(|r| truth_regions.contains(r))
        };
        let truth_services: BTreeSet<&ServiceId> = t.services.iter().collect();
        let likeness = |d: &Detection| {
            let services: BTreeSet<&ServiceId> = d.services.iter().collect();
            let regions = d.regions.expand(topology, &d.provider);
            (
                jaccard(&truth_services, &services),
                jaccard(&truth_regions, &regions),
            )
        };
        let rep = m.iter().copied().max_by(|&a, &b| {
            let (da, db) = (&dets.outages[a], &dets.outages[b]);
            meets(da)
                .cmp(&meets(db))
                .then(overlap_secs(t, da).cmp(&overlap_secs(t, db)))
                .then_with(|| {
                    let ((sa, ra), (sb, rb)) = (likeness(da), likeness(db));
                    sa.total_cmp(&sb).then(ra.total_cmp(&rb))
                })
                .then(db.detected_at.cmp(&da.detected_at))
                .then(db.id.cmp(&da.id))
        });
        reps.push(rep);
        // Delay and regions: from the matching detections that meet the outage's regions (all
        // of them when none does), so that another fault of the provider elsewhere at the same
        // time neither counts as this one's detection nor against its regions.
        let meeting: Vec<usize> = m
            .iter()
            .copied()
            .filter(|&i| meets(&dets.outages[i]))
            .collect();
        let scope = if meeting.is_empty() { &m } else { &meeting };
        let delay = scope
            .iter()
            .map(|&i| dets.outages[i].detected_at.0)
            .min()
            .map(|at| (at - t.start.0).max(0));
        let jaccard = (!m.is_empty()).then(|| {
            let mut det_regions = BTreeSet::new();
            for &i in scope {
                det_regions.extend(
                    dets.outages[i]
                        .regions
                        .expand(topology, &dets.outages[i].provider),
                );
            }
            jaccard(&truth_regions, &det_regions)
        });
        let root_correct = match (rep, &t.root_component) {
            (Some(r), Some(tr)) => {
                let want = resolve(&t.provider, tr);
                let d = &dets.outages[r];
                let got = d
                    .root_component
                    .as_deref()
                    .and_then(|c| resolve(&d.provider, c));
                Some(want.is_some() && want == got)
            }
            _ => None,
        };
        outages.push(OutageResult {
            id: t.id.clone(),
            provider: t.provider.to_string(),
            start: t.start,
            matched_by: m.iter().map(|&i| dets.outages[i].id.clone()).collect(),
            representative: rep.map(|i| dets.outages[i].id.clone()),
            delay_secs: delay,
            region_jaccard: jaccard,
            root_correct,
        });
    }

    let mut pairs = Vec::new();
    for a in 0..truth.outages.len() {
        for b in a + 1..truth.outages.len() {
            let (Some(ra), Some(rb)) = (reps[a], reps[b]) else {
                continue;
            };
            let (ta, tb) = (&truth.outages[a], &truth.outages[b]);
            let concurrent = ta.start.0 <= tb.end.0 + RELATION_SLACK_SECS
                && tb.start.0 <= ta.end.0 + RELATION_SLACK_SECS;
            if !concurrent {
                continue;
            }
            let (ga, gb) = (&dets.outages[ra].cause_group, &dets.outages[rb].cause_group);
            pairs.push(PairResult {
                a: ta.id.clone(),
                b: tb.id.clone(),
                truth_related: ta.cause == tb.cause,
                product_related: ra == rb || (ga.is_some() && ga == gb),
            });
        }
    }

    let unmatched = dets
        .outages
        .iter()
        .zip(&det_matched)
        .filter(|(_, m)| !**m)
        .map(|(d, _)| d.id.clone())
        .collect();
    finish(
        outages,
        pairs,
        dets.outages.len(),
        det_matched.iter().filter(|m| **m).count(),
        unmatched,
    )
}

fn finish(
    outages: Vec<OutageResult>,
    pairs: Vec<PairResult>,
    detections: usize,
    matching_detections: usize,
    unmatched_detections: Vec<String>,
) -> EvalReport {
    let matched = outages.iter().filter(|o| !o.matched_by.is_empty()).count();
    let mut delays: Vec<f64> = outages
        .iter()
        .filter_map(|o| o.delay_secs)
        .map(|d| d as f64)
        .collect();
    delays.sort_by(f64::total_cmp);
    // Interpolated quantiles, to the millisecond (no floating-point residue in the JSON).
    let ms = |x: f64| (x * 1000.0).round() / 1000.0;
    let delay = quantile(&delays, 0.5).map(ms).map(|median| {
        let p95 = quantile(&delays, 0.95).map_or(median, ms);
        DelayStats {
            count: delays.len(),
            median_secs: median,
            p95_secs: p95,
            median_min: ms(median / 60.0),
            p95_min: ms(p95 / 60.0),
        }
    });
    let jac: Vec<f64> = outages.iter().filter_map(|o| o.region_jaccard).collect();
    let region_accuracy = (!jac.is_empty()).then(|| jac.iter().sum::<f64>() / jac.len() as f64);
    let related: Vec<&PairResult> = pairs.iter().filter(|p| p.truth_related).collect();
    let unrelated: Vec<&PairResult> = pairs.iter().filter(|p| !p.truth_related).collect();
    let ok = |p: &&&PairResult| p.truth_related == p.product_related;
    let related_correct = related.iter().filter(ok).count();
    let unrelated_correct = unrelated.iter().filter(ok).count();
    let correct = related_correct + unrelated_correct;
    let relation = RelationStats {
        pairs: pairs.len(),
        correct,
        accuracy: ratio(correct, pairs.len()),
        related_pairs: related.len(),
        related_correct,
        related_accuracy: ratio(related_correct, related.len()),
        unrelated_pairs: unrelated.len(),
        unrelated_correct,
        unrelated_accuracy: ratio(unrelated_correct, unrelated.len()),
    };
    let roots: Vec<bool> = outages.iter().filter_map(|o| o.root_correct).collect();
    let root_correct = roots.iter().filter(|b| **b).count();
    EvalReport {
        truth_outages: outages.len(),
        detections,
        matched_outages: matched,
        matching_detections,
        recall: ratio(matched, outages.len()),
        precision: ratio(matching_detections, detections),
        delay,
        region_accuracy,
        relation,
        root_cause_evaluated: roots.len(),
        root_cause_correct: root_correct,
        root_cause_accuracy: ratio(root_correct, roots.len()),
        outages,
        pairs,
        unmatched_detections,
    }
}

/// Pools several reports (e.g. a suite of scenarios) into one; ids are prefixed with the
/// given names so they stay unique.
pub fn combine<'a>(reports: impl IntoIterator<Item = (&'a str, &'a EvalReport)>) -> EvalReport {
    let mut outages = Vec::new();
    let mut pairs = Vec::new();
    let mut unmatched = Vec::new();
    let (mut dets, mut matching) = (0, 0);
    for (name, r) in reports {
        dets += r.detections;
        matching += r.matching_detections;
        outages.extend(r.outages.iter().map(|o| OutageResult {
            id: format!("{name}/{}", o.id),
            ..o.clone()
        }));
        pairs.extend(r.pairs.iter().map(|p| PairResult {
            a: format!("{name}/{}", p.a),
            b: format!("{name}/{}", p.b),
            ..p.clone()
        }));
        unmatched.extend(r.unmatched_detections.iter().map(|d| format!("{name}/{d}")));
    }
    finish(outages, pairs, dets, matching, unmatched)
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1} %", x * 100.0))
        .unwrap_or_else(|| "n/a".to_owned())
}

impl fmt::Display for EvalReport {
    /// A readable table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rows: Vec<(String, String, String)> = vec![
            (
                "recall".into(),
                pct(self.recall),
                format!(
                    "{}/{} true outages matched",
                    self.matched_outages, self.truth_outages
                ),
            ),
            (
                "precision".into(),
                pct(self.precision),
                format!(
                    "{}/{} detections match a true outage",
                    self.matching_detections, self.detections
                ),
            ),
        ];
        match &self.delay {
            Some(d) => {
                rows.push((
                    "delay median".into(),
                    format!("{:.1} min", d.median_min),
                    format!("{:.0} s over {} outages", d.median_secs, d.count),
                ));
                rows.push((
                    "delay p95".into(),
                    format!("{:.1} min", d.p95_min),
                    format!("{:.0} s", d.p95_secs),
                ));
            }
            None => rows.push(("delay".into(), "n/a".into(), "no matched outage".into())),
        }
        rows.push((
            "region accuracy".into(),
            pct(self.region_accuracy),
            "mean Jaccard of regions".into(),
        ));
        let r = &self.relation;
        rows.push((
            "relation accuracy".into(),
            pct(r.accuracy),
            format!("{}/{} concurrent pairs", r.correct, r.pairs),
        ));
        rows.push((
            "  related pairs".into(),
            pct(r.related_accuracy),
            format!("{}/{}", r.related_correct, r.related_pairs),
        ));
        rows.push((
            "  unrelated pairs".into(),
            pct(r.unrelated_accuracy),
            format!(
                "{}/{} (specificity)",
                r.unrelated_correct, r.unrelated_pairs
            ),
        ));
        rows.push((
            "root-cause accuracy".into(),
            pct(self.root_cause_accuracy),
            format!("{}/{}", self.root_cause_correct, self.root_cause_evaluated),
        ));
        let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        writeln!(f, "{:<w0$}  {:>w1$}  detail", "metric", "value")?;
        writeln!(f, "{}", "-".repeat(w0 + w1 + 30))?;
        for (a, b, c) in rows {
            writeln!(f, "{a:<w0$}  {b:>w1$}  {c}")?;
        }
        let missed: Vec<&str> = self
            .outages
            .iter()
            .filter(|o| o.matched_by.is_empty())
            .map(|o| o.id.as_str())
            .collect();
        if !missed.is_empty() {
            writeln!(f, "\nmissed outages: {}", missed.join(", "))?;
        }
        if !self.unmatched_detections.is_empty() {
            writeln!(
                f,
                "false detections: {}",
                self.unmatched_detections.join(", ")
            )?;
        }
        Ok(())
    }
}

impl EvalReport {
    /// A per-outage listing (id, matched by, delay, Jaccard, root cause).
    pub fn outage_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<28} {:<14} {:>9} {:>7} {:>5}  matched by",
            "outage", "provider", "delay", "jaccard", "root"
        );
        for o in &self.outages {
            let delay = o
                .delay_secs
                .map(|d| format!("{:.1} min", d as f64 / 60.0))
                .unwrap_or_else(|| "missed".into());
            let jac = o
                .region_jaccard
                .map(|j| format!("{j:.2}"))
                .unwrap_or_else(|| "-".into());
            let root = match o.root_correct {
                Some(true) => "ok",
                Some(false) => "wrong",
                None => "-",
            };
            let _ = writeln!(
                s,
                "{:<28} {:<14} {:>9} {:>7} {:>5}  {}",
                o.id,
                o.provider,
                delay,
                jac,
                root,
                o.matched_by.join(",")
            );
        }
        s
    }
}

/// Counts of matched/unmatched per provider, for diagnostics.
pub fn per_provider(report: &EvalReport) -> BTreeMap<String, (usize, usize)> {
    let mut m: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for o in &report.outages {
        let e = m.entry(o.provider.clone()).or_default();
        if o.matched_by.is_empty() {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPO: &str = r#"
[[providers]]
id = "o2-de"
name = "O2"
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
[[regions]]
id = "DE-BE"
name = "Berlin"
[[regions]]
id = "DE-HH"
name = "Hamburg"
[[regions]]
id = "DE-NW"
name = "NRW"
[[components]]
provider = "o2-de"
id = "mobile-core"
name = "Core"
[[components]]
provider = "o2-de"
id = "crm-dsl"
name = "CRM"
[[components]]
provider = "whatsapp"
id = "messaging"
name = "Messaging"
[[services]]
provider = "o2-de"
id = "mobile-data"
name = "Data"
depends_on = ["mobile-core"]
[[services]]
provider = "o2-de"
id = "mobile-voice"
name = "Voice"
depends_on = ["mobile-core"]
[[services]]
provider = "o2-de"
id = "customer-service"
name = "Hotline"
depends_on = ["crm-dsl"]
[[services]]
provider = "whatsapp"
id = "messaging"
name = "Messaging"
depends_on = ["messaging"]
"#;

    fn topo() -> Topology {
        Topology::from_toml("t", TOPO).unwrap()
    }
    fn ts(hm: &str) -> Timestamp {
        Timestamp::parse_rfc3339(&format!("2017-05-17T{hm}:00Z")).unwrap()
    }
    fn regions(r: &[&str]) -> Regions {
        if r == ["*"] {
            Regions::All
        } else {
            Regions::List(r.iter().map(|x| RegionId::parse(x).unwrap()).collect())
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn t(
        id: &str,
        provider: &str,
        services: &[&str],
        reg: &[&str],
        start: &str,
        end: &str,
        cause: &str,
        root: Option<&str>,
    ) -> TruthOutage {
        TruthOutage {
            id: id.into(),
            provider: ProviderId::parse(provider).unwrap(),
            services: services
                .iter()
                .map(|s| ServiceId::parse(s).unwrap())
                .collect(),
            regions: regions(reg),
            start: ts(start),
            end: ts(end),
            cause: cause.into(),
            root_component: root.map(str::to_owned),
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn d(
        id: &str,
        provider: &str,
        services: &[&str],
        reg: &[&str],
        start: &str,
        detected: &str,
        end: Option<&str>,
        group: &str,
    ) -> Detection {
        Detection {
            id: id.into(),
            provider: ProviderId::parse(provider).unwrap(),
            services: services
                .iter()
                .map(|s| ServiceId::parse(s).unwrap())
                .collect(),
            regions: regions(reg),
            start: ts(start),
            detected_at: ts(detected),
            end: end.map(ts),
            cause_group: Some(group.into()),
            root_component: None,
            explanation: String::new(),
            declared: false,
            components: vec![],
        }
    }

    #[test]
    fn two_regional_faults_are_each_scored_on_their_own_detection() {
        // Two unrelated faults of one service in two regions, half an hour apart, each
        // detected on its own: both detections match both outages (same provider, service and
        // time), but each outage's delay, regions and relation come from the one in its region.
        let truth = Truth {
            outages: vec![
                t(
                    "by",
                    "o2-de",
                    &["mobile-data"],
                    &["DE-BY"],
                    "14:10",
                    "16:00",
                    "x",
                    None,
                ),
                t(
                    "hh",
                    "o2-de",
                    &["mobile-data"],
                    &["DE-HH"],
                    "14:40",
                    "15:50",
                    "y",
                    None,
                ),
            ],
        };
        let dets = Detections {
            outages: vec![
                d(
                    "d1",
                    "o2-de",
                    &["mobile-data"],
                    &["DE-BY"],
                    "14:10",
                    "14:14",
                    Some("16:10"),
                    "g1",
                ),
                d(
                    "d2",
                    "o2-de",
                    &["mobile-data"],
                    &["DE-HH"],
                    "14:40",
                    "14:44",
                    Some("16:00"),
                    "g2",
                ),
            ],
        };
        let r = evaluate(&topo(), &truth, &dets);
        assert_eq!(r.outages[1].matched_by, ["d1", "d2"]);
        assert_eq!(r.outages[0].delay_secs, Some(240));
        assert_eq!(
            r.outages[1].delay_secs,
            Some(240),
            "not d1's, which came first"
        );
        assert_eq!(r.outages[0].region_jaccard, Some(1.0));
        assert_eq!(r.outages[1].region_jaccard, Some(1.0));
        assert_eq!(r.relation.unrelated_correct, 1);
    }

    #[test]
    fn a_detection_spanning_two_faults_does_not_speak_for_the_one_detected_on_its_own() {
        // A regional fault of data and calls, and minutes later a national fault of calls,
        // unrelated. The regional detection opened first and spans both; the national fault
        // has a detection of its own. Both overlap the national fault fully: the one like it
        // (its service and regions) speaks for it, not the earlier one.
        let truth = Truth {
            outages: vec![
                t(
                    "cut",
                    "o2-de",
                    &["mobile-data", "mobile-voice"],
                    &["DE-BY"],
                    "10:00",
                    "13:00",
                    "cut",
                    None,
                ),
                t(
                    "voice",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "10:20",
                    "11:30",
                    "voice",
                    None,
                ),
            ],
        };
        let dets = Detections {
            outages: vec![
                d(
                    "d-cut",
                    "o2-de",
                    &["mobile-data", "mobile-voice"],
                    &["DE-BY"],
                    "10:00",
                    "10:03",
                    Some("13:10"),
                    "g1",
                ),
                d(
                    "d-voice",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "10:20",
                    "10:24",
                    Some("11:40"),
                    "g2",
                ),
            ],
        };
        let r = evaluate(&topo(), &truth, &dets);
        assert_eq!(r.outages[1].matched_by, ["d-cut", "d-voice"]);
        assert_eq!(r.outages[1].representative.as_deref(), Some("d-voice"));
        assert_eq!(r.outages[0].representative.as_deref(), Some("d-cut"));
        assert_eq!(r.relation.unrelated_correct, 1);
        // Equally like it: the earlier detection.
        let mut same = dets.clone();
        same.outages[1].services = same.outages[0].services.clone();
        same.outages[1].regions = regions(&["DE-BY"]);
        let r = evaluate(&topo(), &truth, &same);
        assert_eq!(r.outages[1].representative.as_deref(), Some("d-cut"));
    }

    #[test]
    fn recall_precision_and_matching_rules() {
        let truth = Truth {
            outages: vec![
                t(
                    "a",
                    "o2-de",
                    &["mobile-data"],
                    &["*"],
                    "13:00",
                    "15:00",
                    "x",
                    None,
                ),
                t(
                    "b",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "18:00",
                    "19:00",
                    "y",
                    None,
                ),
            ],
        };
        let dets = Detections {
            outages: vec![
                // matches a
                d(
                    "d1",
                    "o2-de",
                    &["mobile-data"],
                    &["*"],
                    "13:02",
                    "13:03",
                    Some("14:00"),
                    "g1",
                ),
                // wrong provider
                d(
                    "d2",
                    "whatsapp",
                    &["messaging"],
                    &["*"],
                    "13:00",
                    "13:01",
                    None,
                    "g2",
                ),
                // right provider, wrong service
                d(
                    "d3",
                    "o2-de",
                    &["customer-service"],
                    &["*"],
                    "18:00",
                    "18:01",
                    None,
                    "g3",
                ),
                // right service, no time overlap
                d(
                    "d4",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "16:00",
                    "16:01",
                    Some("17:59"),
                    "g4",
                ),
                // open end overlaps a as well
                d(
                    "d5",
                    "o2-de",
                    &["mobile-data", "mobile-voice"],
                    &["*"],
                    "12:00",
                    "12:30",
                    None,
                    "g5",
                ),
            ],
        };
        let r = evaluate(&topo(), &truth, &dets);
        assert_eq!(r.outages[0].matched_by, ["d1", "d5"]);
        assert_eq!(r.outages[1].matched_by, ["d5"]);
        assert_eq!(r.recall, Some(1.0));
        assert_eq!(r.matching_detections, 2);
        assert_eq!(r.precision, Some(2.0 / 5.0));
        assert_eq!(r.unmatched_detections, ["d2", "d3", "d4"]);
        // d5 was already open when a began: delay floored at 0.
        assert_eq!(r.outages[0].delay_secs, Some(0));
        // Representative of a: d1 overlaps 58 min, d5 120 min → d5.
        assert_eq!(r.outages[0].representative.as_deref(), Some("d5"));

        let none = evaluate(&topo(), &Truth::default(), &Detections::default());
        assert_eq!(none.recall, None);
        assert_eq!(none.precision, None);
        assert!(none.to_string().contains("n/a"));
    }

    #[test]
    fn declared_incident_matches_customer_service() {
        let truth = Truth {
            outages: vec![t(
                "crm-1",
                "o2-de",
                &["customer-service"],
                &["*"],
                "16:00",
                "23:00",
                "ransomware",
                Some("crm-dsl"),
            )],
        };
        let mut dec = d(
            "inc",
            "o2-de",
            &[],
            &["*"],
            "16:00",
            "16:00",
            None,
            "incident:sec-1",
        );
        dec.declared = true;
        dec.components = vec!["crm-dsl".into()];
        dec.root_component = Some("o2-de:crm-dsl".into());
        let r = evaluate(
            &topo(),
            &truth,
            &Detections {
                outages: vec![dec.clone()],
            },
        );
        assert_eq!(r.recall, Some(1.0));
        assert_eq!(r.root_cause_accuracy, Some(1.0), "crm-dsl == o2-de:crm-dsl");
        // Not declared: no match through components.
        let mut undeclared = dec.clone();
        undeclared.declared = false;
        let r = evaluate(
            &topo(),
            &truth,
            &Detections {
                outages: vec![undeclared],
            },
        );
        assert_eq!(r.recall, Some(0.0));
        // Declared on an unrelated component: no match.
        let mut other = dec;
        other.components = vec!["mobile-core".into()];
        let r = evaluate(
            &topo(),
            &truth,
            &Detections {
                outages: vec![other],
            },
        );
        assert_eq!(r.recall, Some(0.0));
    }

    #[test]
    fn delay_uses_earliest_matching_detection_and_quantiles() {
        let truth = Truth {
            outages: (0..5)
                .map(|i| {
                    t(
                        &format!("o{i}"),
                        "o2-de",
                        &["mobile-data"],
                        &["*"],
                        &format!("1{i}:00"),
                        &format!("1{i}:30"),
                        &format!("c{i}"),
                        None,
                    )
                })
                .collect(),
        };
        // Delays 1, 2, 3, 4, 10 minutes; o0 also has a later detection (5 min).
        let mut outs = Vec::new();
        for (i, m) in [1, 2, 3, 4, 10].iter().enumerate() {
            outs.push(d(
                &format!("d{i}"),
                "o2-de",
                &["mobile-data"],
                &["*"],
                &format!("1{i}:00"),
                &format!("1{i}:{m:02}"),
                Some(&format!("1{i}:20")),
                "g",
            ));
        }
        outs.push(d(
            "late",
            "o2-de",
            &["mobile-data"],
            &["*"],
            "10:00",
            "10:05",
            Some("10:20"),
            "g",
        ));
        let r = evaluate(&topo(), &truth, &Detections { outages: outs });
        assert_eq!(r.outages[0].delay_secs, Some(60));
        let dl = r.delay.unwrap();
        assert_eq!(dl.count, 5);
        assert_eq!(dl.median_secs, 180.0);
        assert_eq!(dl.median_min, 3.0);
        // p95 of [1,2,3,4,10] min: position 3.8 → 4 + 0.8·6 = 8.8 min.
        assert!((dl.p95_min - 8.8).abs() < 1e-9, "{}", dl.p95_min);
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.95), Some(7.0));
    }

    #[test]
    fn region_jaccard_with_star_and_union() {
        let truth = Truth {
            outages: vec![
                t(
                    "nat",
                    "o2-de",
                    &["mobile-data"],
                    &["*"],
                    "10:00",
                    "11:00",
                    "a",
                    None,
                ),
                t(
                    "by",
                    "o2-de",
                    &["mobile-voice"],
                    &["DE-BY", "DE-BE"],
                    "13:00",
                    "14:00",
                    "b",
                    None,
                ),
            ],
        };
        let dets = Detections {
            outages: vec![
                // nat: detected in BY and BE only → 2/4
                d(
                    "n1",
                    "o2-de",
                    &["mobile-data"],
                    &["DE-BY"],
                    "10:01",
                    "10:02",
                    Some("11:00"),
                    "g1",
                ),
                d(
                    "n2",
                    "o2-de",
                    &["mobile-data"],
                    &["DE-BE"],
                    "10:01",
                    "10:03",
                    Some("11:00"),
                    "g1",
                ),
                // by: detected as "*" → 2/4
                d(
                    "b1",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "13:01",
                    "13:02",
                    Some("14:00"),
                    "g2",
                ),
            ],
        };
        let r = evaluate(&topo(), &truth, &dets);
        assert_eq!(r.outages[0].region_jaccard, Some(0.5));
        assert_eq!(r.outages[1].region_jaccard, Some(0.5));
        assert_eq!(r.region_accuracy, Some(0.5));
        let exact = Detections {
            outages: vec![d(
                "b1",
                "o2-de",
                &["mobile-voice"],
                &["DE-BE", "DE-BY"],
                "13:01",
                "13:02",
                Some("14:00"),
                "g2",
            )],
        };
        let r = evaluate(&topo(), &truth, &exact);
        assert_eq!(r.outages[1].region_jaccard, Some(1.0));
        assert_eq!(
            r.region_accuracy,
            Some(1.0),
            "unmatched outages are not averaged"
        );
    }

    #[test]
    fn relation_accuracy_on_related_and_unrelated_pairs() {
        let truth = Truth {
            outages: vec![
                t(
                    "wa",
                    "whatsapp",
                    &["messaging"],
                    &["*"],
                    "10:00",
                    "11:00",
                    "wa-down",
                    Some("messaging"),
                ),
                t(
                    "spill",
                    "o2-de",
                    &["mobile-data"],
                    &["*"],
                    "10:05",
                    "11:00",
                    "wa-down",
                    Some("whatsapp:messaging"),
                ),
                t(
                    "crm",
                    "o2-de",
                    &["customer-service"],
                    &["*"],
                    "09:00",
                    "12:00",
                    "ransomware",
                    Some("crm-dsl"),
                ),
                // 59 minutes after crm ends: concurrent with crm, not with wa or spill.
                t(
                    "late",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "12:59",
                    "15:00",
                    "other",
                    None,
                ),
            ],
        };
        let mut crm = d(
            "dc",
            "o2-de",
            &["customer-service"],
            &["*"],
            "09:00",
            "09:00",
            Some("12:00"),
            "inc",
        );
        crm.root_component = Some("crm-dsl".into());
        let mut spill = d(
            "ds",
            "o2-de",
            &["mobile-data"],
            &["*"],
            "10:06",
            "10:07",
            Some("11:00"),
            "g1",
        );
        spill.root_component = Some("whatsapp:messaging".into());
        let mut wa = d(
            "dw",
            "whatsapp",
            &["messaging"],
            &["*"],
            "10:01",
            "10:02",
            Some("11:00"),
            "g1",
        );
        wa.root_component = Some("mobile-core".into());
        let dets = Detections {
            outages: vec![
                wa,
                spill,
                crm,
                d(
                    "dl",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "13:00",
                    "13:01",
                    Some("15:00"),
                    "inc",
                ),
            ],
        };
        let r = evaluate(&topo(), &truth, &dets);
        // Pairs: wa-spill (related, same group: right), wa-crm and spill-crm (unrelated, right),
        // crm-late (unrelated, same group: wrong). wa-late and spill-late are 1 h 59 min apart.
        assert_eq!(r.relation.pairs, 4, "{:?}", r.pairs);
        assert_eq!(r.relation.related_pairs, 1);
        assert_eq!(r.relation.related_correct, 1);
        assert_eq!(r.relation.unrelated_pairs, 3);
        assert_eq!(r.relation.unrelated_correct, 2);
        assert_eq!(r.relation.related_accuracy, Some(1.0));
        assert_eq!(r.relation.unrelated_accuracy, Some(2.0 / 3.0));
        assert_eq!(r.relation.accuracy, Some(0.75));
        // Root cause: wa wrong, spill right (cross-provider ref), crm right; late has none.
        assert_eq!(r.root_cause_evaluated, 3);
        assert_eq!(r.root_cause_correct, 2);
        let table = r.to_string();
        assert!(table.contains("relation accuracy"), "{table}");
        assert!(table.contains("root-cause accuracy"), "{table}");
    }

    #[test]
    fn unmatched_outages_are_not_in_pairs_and_null_groups_differ() {
        let truth = Truth {
            outages: vec![
                t(
                    "a",
                    "o2-de",
                    &["mobile-data"],
                    &["*"],
                    "10:00",
                    "11:00",
                    "x",
                    None,
                ),
                t(
                    "b",
                    "o2-de",
                    &["mobile-voice"],
                    &["*"],
                    "10:00",
                    "11:00",
                    "x",
                    None,
                ),
                t(
                    "c",
                    "whatsapp",
                    &["messaging"],
                    &["*"],
                    "10:00",
                    "11:00",
                    "x",
                    None,
                ),
            ],
        };
        let mut da = d(
            "da",
            "o2-de",
            &["mobile-data"],
            &["*"],
            "10:00",
            "10:01",
            None,
            "",
        );
        da.cause_group = None;
        let mut db = da.clone();
        db.id = "db".into();
        db.services = vec![ServiceId::parse("mobile-voice").unwrap()];
        let r = evaluate(
            &topo(),
            &truth,
            &Detections {
                outages: vec![da, db],
            },
        );
        assert_eq!(r.relation.pairs, 1);
        assert_eq!(r.relation.related_correct, 0);
    }

    #[test]
    fn json_roundtrip_and_strictness() {
        let text = r#"{"outages":[{"id":"lte-1","provider":"o2-de","services":["mobile-data"],
            "regions":"*","start":"2017-05-17T12:50:00Z","end":"2017-05-17T17:30:00Z",
            "cause":"core-fault","root_component":"mobile-core"}]}"#;
        let truth: Truth = serde_json::from_str(text).unwrap();
        assert_eq!(truth.outages[0].regions, Regions::All);
        let bad = text.replace("\"cause\"", "\"reason\"");
        let e = serde_json::from_str::<Truth>(&bad).unwrap_err().to_string();
        assert!(e.contains("unknown field `reason`"), "{e}");
        let dets = r#"{"outages":[{"id":"d","provider":"o2-de","services":["mobile-data"],
            "regions":["DE-BY","DE-BE"],"start":"2017-05-17T12:50:00Z","detected_at":"2017-05-17T12:52:00Z",
            "end":null,"cause_group":"g1","root_component":null,"explanation":"x"}]}"#;
        let d: Detections = serde_json::from_str(dets).unwrap();
        assert!(d.outages[0].end.is_none());
        let back = serde_json::to_string(&d).unwrap();
        assert!(!back.contains("declared"), "{back}");
        let e = serde_json::from_str::<Detections>(
            &dets
                .replace("\"*\"", "\"x\"")
                .replace("[\"DE-BY\",\"DE-BE\"]", "\"all\""),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("regions"), "{e}");
    }

    #[test]
    fn combine_pools_counts() {
        let truth = Truth {
            outages: vec![t(
                "a",
                "o2-de",
                &["mobile-data"],
                &["*"],
                "10:00",
                "11:00",
                "x",
                None,
            )],
        };
        let hit = Detections {
            outages: vec![d(
                "d",
                "o2-de",
                &["mobile-data"],
                &["*"],
                "10:00",
                "10:02",
                None,
                "g",
            )],
        };
        let r1 = evaluate(&topo(), &truth, &hit);
        let r2 = evaluate(&topo(), &truth, &Detections::default());
        let all = combine([("s1", &r1), ("s2", &r2)]);
        assert_eq!(all.recall, Some(0.5));
        assert_eq!(all.precision, Some(1.0));
        assert_eq!(all.delay.as_ref().unwrap().median_secs, 120.0);
        assert_eq!(all.outages[1].id, "s2/a");
    }
}
