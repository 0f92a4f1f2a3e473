//! The PetShop root-cause benchmark (Hardt et al., CLeaR 2024): one scenario folder
//! (`graph.csv`, `noissue/metrics.csv`, `train/issue_N/`, `test/issue_N/`) read and turned into
//! the product's own inputs — a topology (one provider, every node a component with
//! `depends_on` from the call graph, the target node also a service), operator signals
//! (latency, requests, error rate per node), the normal history as the signals' past and the
//! issue window as the incident — and ranked by the core's root-cause ranking. This module
//! only moves data; what counts as evidence and how candidates rank is decided in the core.
//!
//! The normal history was recorded after the issues. The signal watcher is streaming (no
//! look-ahead), so the history is moved back in time by whole days until it ends before the
//! issue window: the hour of the day of every sample is kept, so the daily baselines hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use radar_core::correlate::{rank_root_causes, IncidentView, Origin};
use radar_core::ids::{ProviderId, ServiceId, SignalId};
use radar_core::report::Timestamp;
use radar_core::signal::{SignalAnomaly, SignalConfig, SignalSample, SignalWatcher};
use radar_core::topology::Topology;
use serde::Serialize;

/// The provider every PetShop node belongs to.
pub const PROVIDER: &str = "petshop";
/// Rows of an issue window (five-minute steps), also used for the specificity cuts.
pub const WINDOW_ROWS: usize = 5;
/// Where the normal history is cut for specificity (share of its rows).
pub const CUTS: [f64; 5] = [0.5, 0.6, 0.7, 0.8, 0.9];
const STEP: i64 = 300;
const DAY: i64 = 86_400;

#[derive(Debug, thiserror::Error)]
pub enum PetShopError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {msg}")]
    Format { path: PathBuf, msg: String },
    #[error("the topology made from the call graph is invalid: {0}")]
    Topology(String),
}

fn read(path: &Path) -> Result<String, PetShopError> {
    std::fs::read_to_string(path).map_err(|source| PetShopError::Io {
        path: path.to_owned(),
        source,
    })
}

fn format_err(path: &Path, msg: impl Into<String>) -> PetShopError {
    PetShopError::Format {
        path: path.to_owned(),
        msg: msg.into(),
    }
}

/// The three measurements taken per node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    Latency,
    Requests,
    Errors,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Latency, Metric::Requests, Metric::Errors];
    fn suffix(self) -> &'static str {
        match self {
            Metric::Latency => "latency",
            Metric::Requests => "requests",
            Metric::Errors => "errors",
        }
    }
}

/// Rows of metrics: times and, per (node, metric), one value per row (None: no sample).
#[derive(Clone, Debug, Default)]
pub struct Frame {
    pub times: Vec<i64>,
    pub values: BTreeMap<(String, Metric), Vec<Option<f64>>>,
}

impl Frame {
    /// Rows `from..to`.
    pub fn slice(&self, from: usize, to: usize) -> Frame {
        Frame {
            times: self.times[from..to].to_vec(),
            values: self
                .values
                .iter()
                .map(|(k, v)| (k.clone(), v[from..to].to_vec()))
                .collect(),
        }
    }
}

/// Reads a `metrics.csv`: three header rows (node, metric, statistic), then timestamp rows.
/// Keeps latency `Average`, requests `Sum` and availability `Average` (as the error rate
/// `1 − availability/100`).
pub fn read_metrics(path: &Path) -> Result<Frame, PetShopError> {
    let text = read(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| format_err(path, e.to_string()))?;
    if rows.len() < 4 {
        return Err(format_err(path, "expected three header rows and data rows"));
    }
    let mut cols: Vec<(usize, String, Metric)> = Vec::new();
    for i in 1..rows[0].len() {
        let node = rows[0].get(i).unwrap_or("");
        let metric = rows[1].get(i).unwrap_or("");
        let stat = rows[2].get(i).unwrap_or("");
        let m = match (metric, stat) {
            ("latency", "Average") => Metric::Latency,
            ("requests", "Sum") => Metric::Requests,
            ("availability", "Average") => Metric::Errors,
            _ => continue,
        };
        cols.push((i, node.to_owned(), m));
    }
    let mut frame = Frame::default();
    for (line, r) in rows.iter().enumerate().skip(3) {
        let t = r.get(0).unwrap_or("").trim();
        if t.is_empty() || t == "unix_timestamp" {
            continue;
        }
        let t: f64 = t
            .parse()
            .map_err(|_| format_err(path, format!("row {}: bad timestamp {t:?}", line + 1)))?;
        frame.times.push(t.round() as i64);
        for (i, node, m) in &cols {
            let cell = r.get(*i).unwrap_or("").trim();
            let v = if cell.is_empty() {
                None
            } else {
                let x: f64 = cell.parse().map_err(|_| {
                    format_err(
                        path,
                        format!("row {}, column {}: bad number {cell:?}", line + 1, i + 1),
                    )
                })?;
                Some(match m {
                    Metric::Errors => 1.0 - x / 100.0,
                    _ => x,
                })
            };
            frame
                .values
                .entry((node.clone(), *m))
                .or_insert_with(Vec::new)
                .push(v);
        }
    }
    let n = frame.times.len();
    for v in frame.values.values_mut() {
        v.resize(n, None);
    }
    Ok(frame)
}

/// Train or test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

/// One injected issue.
#[derive(Clone, Debug)]
pub struct Case {
    /// `train/issue_3`.
    pub name: String,
    pub split: Split,
    pub target_node: String,
    /// `latency` or `availability`.
    pub target_metric: String,
    pub target_time: i64,
    pub root: String,
    pub window: Frame,
}

/// A scenario folder, read.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Node names as in `graph.csv`.
    pub nodes: Vec<String>,
    /// (caller, callee): the caller depends on the callee.
    pub calls: Vec<(usize, usize)>,
    pub history: Frame,
    pub cases: Vec<Case>,
}

/// Node names and calls (caller, callee).
pub type CallGraph = (Vec<String>, Vec<(usize, usize)>);

/// Reads `graph.csv`: a header of node names, then one row per node with 0/1 cells.
pub fn read_graph(path: &Path) -> Result<CallGraph, PetShopError> {
    let text = read(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| format_err(path, e.to_string()))?;
    let Some(head) = rows.first() else {
        return Err(format_err(path, "empty"));
    };
    let nodes: Vec<String> = head.iter().skip(1).map(str::to_owned).collect();
    let index: BTreeMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut calls = Vec::new();
    for r in rows.iter().skip(1) {
        let from = r.get(0).unwrap_or("");
        let Some(&a) = index.get(from) else {
            return Err(format_err(path, format!("row of unknown node {from:?}")));
        };
        for (j, cell) in r.iter().skip(1).enumerate() {
            if cell.trim() == "1" || cell.trim() == "1.0" {
                calls.push((a, j));
            }
        }
    }
    Ok((nodes, calls))
}

#[derive(serde::Deserialize)]
struct TargetFile {
    target: TargetJson,
    root_cause: RootJson,
}
#[derive(serde::Deserialize)]
struct TargetJson {
    node: String,
    metric: String,
    timestamp: f64,
}
#[derive(serde::Deserialize)]
struct RootJson {
    node: String,
}

/// Reads a scenario folder.
pub fn read_scenario(dir: &Path) -> Result<Scenario, PetShopError> {
    let (nodes, calls) = read_graph(&dir.join("graph.csv"))?;
    let history = read_metrics(&dir.join("noissue").join("metrics.csv"))?;
    let mut cases = Vec::new();
    for (split, sub) in [(Split::Train, "train"), (Split::Test, "test")] {
        let d = dir.join(sub);
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<(u64, String)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| {
                n.strip_prefix("issue_")
                    .and_then(|k| k.parse().ok())
                    .map(|k| (k, n.clone()))
            })
            .collect();
        names.sort();
        for (_, n) in names {
            let p = d.join(&n);
            let tpath = p.join("target.json");
            let t: TargetFile = serde_json::from_str(&read(&tpath)?)
                .map_err(|e| format_err(&tpath, e.to_string()))?;
            cases.push(Case {
                name: format!("{sub}/{n}"),
                split,
                target_node: t.target.node,
                target_metric: t.target.metric,
                target_time: t.target.timestamp.round() as i64,
                root: t.root_cause.node,
                window: read_metrics(&p.join("metrics.csv"))?,
            });
        }
    }
    Ok(Scenario {
        nodes,
        calls,
        history,
        cases,
    })
}

/// Node names and component ids, both ways.
#[derive(Clone, Debug)]
pub struct Names {
    pub ids: Vec<String>,
    by_id: BTreeMap<String, usize>,
}

impl Names {
    /// Valid, distinct ids (`[a-z0-9][a-z0-9-]*`, at most 48 characters so that signal ids
    /// fit) for node names such as `PetSearch_AWS::ECS::Fargate`.
    pub fn new(nodes: &[String]) -> Names {
        let mut ids = Vec::new();
        let mut by_id = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            let mut s = String::new();
            for c in n.chars() {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_lowercase() || c.is_ascii_digit() {
                    s.push(c);
                } else if !s.is_empty() && !s.ends_with('-') {
                    s.push('-');
                }
            }
            let mut s: String = s.chars().take(44).collect();
            while s.ends_with('-') {
                s.pop();
            }
            if s.is_empty() {
                s = "node".into();
            }
            let mut id = s.clone();
            let mut k = 2;
            while by_id.contains_key(&id) {
                id = format!("{s}-{k}");
                k += 1;
            }
            by_id.insert(id.clone(), i);
            ids.push(id);
        }
        Names { ids, by_id }
    }

    pub fn node_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The product's topology for a call graph: one provider, every node a component that
/// depends on the nodes it calls, `target` also a service (`depends_on` its component), and
/// three signals per node measuring its component.
pub fn topology(
    nodes: &[String],
    calls: &[(usize, usize)],
    names: &Names,
    target: usize,
) -> Result<Topology, PetShopError> {
    let mut t = format!(
        "[[providers]]\nid = \"{PROVIDER}\"\nname = \"PetShop\"\nkind = \"online-service\"\ncountry = \"US\"\n\n"
    );
    for (i, n) in nodes.iter().enumerate() {
        let deps: BTreeSet<&str> = calls
            .iter()
            .filter(|(a, b)| *a == i && *b != i)
            .map(|(_, b)| names.ids[*b].as_str())
            .collect();
        let deps: Vec<String> = deps.into_iter().map(toml_str).collect();
        t.push_str(&format!(
            "[[components]]\nprovider = \"{PROVIDER}\"\nid = \"{}\"\nname = {}\ndepends_on = [{}]\n\n",
            names.ids[i],
            toml_str(n),
            deps.join(", ")
        ));
        for m in Metric::ALL {
            let (name, unit, worse) = match m {
                Metric::Latency => ("latency", "s", "\nworse = \"higher\""),
                Metric::Requests => ("requests", "requests", "\nworse = \"lower\""),
                Metric::Errors => ("error rate", "", "\nworse = \"higher\""),
            };
            t.push_str(&format!(
                "[[signals]]\nprovider = \"{PROVIDER}\"\nid = \"{}-{}\"\nname = {}\nunit = {}\ncomponent = \"{}\"{worse}\n\n",
                names.ids[i],
                m.suffix(),
                toml_str(&format!("{n} {name}")),
                toml_str(unit),
                names.ids[i],
            ));
        }
    }
    t.push_str(&format!(
        "[[services]]\nprovider = \"{PROVIDER}\"\nid = \"{}\"\nname = {}\ndepends_on = [\"{}\"]\n",
        names.ids[target],
        toml_str(&nodes[target]),
        names.ids[target]
    ));
    Topology::from_toml("petshop.toml", &t).map_err(|e| PetShopError::Topology(e.to_string()))
}

/// The answer for one case: original node names, best first, and the evidence.
#[derive(Clone, Debug)]
pub struct Answer {
    pub ranking: Vec<String>,
    /// Per ranked node, and per node whose anomalies the ranking set aside (not in `ranking`):
    /// its score and the evidence as the incident page words it.
    pub evidence: Vec<(String, f64, Vec<String>)>,
}

/// The prepared inputs of one scenario.
pub struct Model {
    pub names: Names,
    pub nodes: Vec<String>,
    index: BTreeMap<String, usize>,
    pub topology: Topology,
    pub target: usize,
    pub cfg: SignalConfig,
}

impl Model {
    pub fn new(s: &Scenario, target_node: &str) -> Result<Model, PetShopError> {
        let names = Names::new(&s.nodes);
        let target = s
            .nodes
            .iter()
            .position(|n| n == target_node)
            .ok_or_else(|| PetShopError::Topology(format!("no node {target_node:?}")))?;
        let topology = topology(&s.nodes, &s.calls, &names, target)?;
        Ok(Model {
            names,
            nodes: s.nodes.clone(),
            index: s
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i))
                .collect(),
            topology,
            target,
            cfg: SignalConfig::default(),
        })
    }

    fn feed(&self, w: &mut SignalWatcher, f: &Frame, shift: i64) {
        let provider = ProviderId::parse(PROVIDER).expect("valid");
        let mut cols: Vec<(SignalId, &Vec<Option<f64>>)> = Vec::new();
        for ((node, m), v) in &f.values {
            let Some(i) = self.names_index(node) else {
                continue;
            };
            let sid = SignalId::parse(&format!("{}-{}", self.names.ids[i], m.suffix()))
                .expect("ids are valid");
            cols.push((sid, v));
        }
        for (r, t) in f.times.iter().enumerate() {
            let t = t + shift;
            for (sid, v) in &cols {
                if let Some(x) = v[r] {
                    let _ = w.observe(&SignalSample {
                        time: Timestamp(t),
                        provider: provider.clone(),
                        signal: sid.clone(),
                        region: None,
                        value: x,
                    });
                }
            }
            w.advance_to(Timestamp(t + STEP));
        }
    }

    fn names_index(&self, node: &str) -> Option<usize> {
        self.index.get(node).copied()
    }

    /// The signal anomalies after feeding `history` (moved back by whole days to end before
    /// the window when it does not already) and then `window`.
    pub fn anomalies(&self, history: &Frame, window: &Frame) -> Vec<SignalAnomaly> {
        let mut w = SignalWatcher::new(&self.topology, self.cfg.clone());
        let start = window.times.first().copied().unwrap_or(0);
        let end = history.times.last().copied().unwrap_or(i64::MIN);
        let shift = if end < start {
            0
        } else {
            -((end - start) / DAY + 1) * DAY
        };
        self.feed(&mut w, history, shift);
        self.feed(&mut w, window, 0);
        w.anomalies()
    }

    /// Ranks root components of the symptom at `target_time` in `window` with the core's
    /// root-cause ranking; only candidates with evidence are kept, so an answer may be empty.
    pub fn rank(&self, history: &Frame, window: &Frame, target_time: i64) -> Answer {
        let anomalies = self.anomalies(history, window);
        let end = window.times.last().copied().unwrap_or(target_time) + STEP;
        let provider = ProviderId::parse(PROVIDER).expect("valid");
        let mut view = IncidentView {
            id: "petshop".into(),
            provider,
            origin: Origin::Detected,
            services: vec![ServiceId::parse(&self.names.ids[self.target]).expect("valid")],
            components: Vec::new(),
            regions: None,
            technologies: Vec::new(),
            problems: Vec::new(),
            start: Timestamp(target_time),
            end: Some(Timestamp(end)),
            failed_probes: Vec::new(),
            signal_anomalies: Vec::new(),
            region_shares: Vec::new(),
        };
        view.attach_signal_anomalies(&anomalies, &self.topology, Timestamp(end));
        let ranked = rank_root_causes(&view, &self.topology);
        let mut out = Answer {
            ranking: Vec::new(),
            evidence: Vec::new(),
        };
        // Answered: candidates with evidence. Shown with `--explain` as well: candidates whose
        // only anomalies the core discounted (they reached none of their callers, or the
        // callers' own anomalies explain them), so the reader sees what was set aside and why.
        let observed = |c: &radar_core::correlate::RootCandidate| {
            c.reasons
                .iter()
                .any(|r| matches!(r, radar_core::correlate::Reason::SignalAnomaly { .. }))
        };
        for c in ranked
            .into_iter()
            .filter(|c| c.has_evidence() || observed(c))
        {
            let Some(i) = self.names.node_of(c.component.component.as_str()) else {
                continue;
            };
            let node = self.nodes[i].clone();
            let ev = c
                .reasons
                .iter()
                .map(|r| serde_json::to_string(r).unwrap_or_default())
                .collect();
            if c.has_evidence() {
                out.ranking.push(node.clone());
            }
            out.evidence.push((node, c.score, ev));
        }
        out
    }
}

/// The result file.
#[derive(Clone, Debug, Serialize)]
pub struct ResultFile {
    pub cases: Vec<CaseResult>,
    pub specificity: Vec<CutResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub issue: String,
    pub ranking: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CutResult {
    pub cut: f64,
    pub ranking: Vec<String>,
}

/// Everything one run computes.
pub struct Run {
    pub file: ResultFile,
    pub answers: Vec<(Case, Answer)>,
}

/// Runs every case and every specificity cut; `progress` is called after each.
pub fn run(s: &Scenario, mut progress: impl FnMut(&str)) -> Result<Run, PetShopError> {
    let target_node = s
        .cases
        .first()
        .map(|c| c.target_node.clone())
        .unwrap_or_else(|| "PetSite".into());
    let model = Model::new(s, &target_node)?;
    let mut answers = Vec::new();
    let mut cases = Vec::new();
    for c in &s.cases {
        let a = model.rank(&s.history, &c.window, c.target_time);
        cases.push(CaseResult {
            issue: c.name.clone(),
            ranking: a.ranking.clone(),
        });
        answers.push((c.clone(), a));
        progress(&c.name);
    }
    let mut specificity = Vec::new();
    let n = s.history.times.len();
    for cut in CUTS {
        let k = ((n as f64) * cut).round() as usize;
        if k + WINDOW_ROWS > n {
            continue;
        }
        let history = s.history.slice(0, k);
        let window = s.history.slice(k, k + WINDOW_ROWS);
        let t = window.times[WINDOW_ROWS / 2];
        let a = model.rank(&history, &window, t);
        specificity.push(CutResult {
            cut,
            ranking: a.ranking,
        });
        progress(&format!("cut {cut}"));
    }
    Ok(Run {
        file: ResultFile { cases, specificity },
        answers,
    })
}

impl Run {
    /// Top-k recall of the cases selected by `f`: (issues, top-1, top-3).
    pub fn recall(&self, f: impl Fn(&Case) -> bool) -> (usize, f64, f64) {
        let sel: Vec<&(Case, Answer)> = self.answers.iter().filter(|(c, _)| f(c)).collect();
        let n = sel.len();
        let hit = |k: usize| {
            sel.iter()
                .filter(|(c, a)| a.ranking.iter().take(k).any(|r| *r == c.root))
                .count() as f64
                / n.max(1) as f64
        };
        (n, hit(1), hit(3))
    }

    /// The share of cuts answered with "no root cause".
    pub fn specificity(&self) -> f64 {
        let s = &self.file.specificity;
        s.iter().filter(|c| c.ranking.is_empty()).count() as f64 / s.len().max(1) as f64
    }

    /// The printed table, with the published baselines of the low-traffic scenario.
    pub fn table(&self) -> String {
        let mut o = String::new();
        o.push_str("target        split  issues  top-1  top-3   baselines (low traffic, train+test): anomaly traversal | ranked correlation\n");
        for metric in ["latency", "availability"] {
            let base = if metric == "latency" {
                "0.571 / 0.571 | 0.43 / 0.57"
            } else {
                "0.833 / 1.000 | 0.75 / 1.00"
            };
            for (label, split) in [
                ("train", Some(Split::Train)),
                ("test", Some(Split::Test)),
                ("all", None),
            ] {
                let (n, t1, t3) = self
                    .recall(|c| c.target_metric == metric && split.is_none_or(|s| c.split == s));
                let b = if split.is_none() { base } else { "" };
                o.push_str(&format!(
                    "{metric:<13} {label:<6} {n:>6}  {t1:.3}  {t3:.3}   {b}\n"
                ));
            }
        }
        o.push_str(&format!(
            "specificity ({} cuts of the normal history): {:.3}   baselines: anomaly traversal 0.167 (latency), 1.000 (availability)\n",
            self.file.specificity.len(),
            self.specificity()
        ));
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: [&str; 4] = ["Front Site", "svc::A/b", "db@x_remote", "Other Thing"];

    /// Writes `metrics.csv` rows: per node latency, requests, availability; `bad(row, node)`
    /// multiplies latency by ten and drops availability to 80 %.
    fn metrics(start: i64, rows: usize, bad: impl Fn(usize, usize) -> bool) -> String {
        let mut h = [
            String::from("microservice"),
            String::from("metric"),
            String::from("statistic"),
        ];
        for n in NODES {
            for (m, st) in [
                ("latency", "Average"),
                ("requests", "Sum"),
                ("availability", "Average"),
            ] {
                h[0].push_str(&format!(",{n}"));
                h[1].push_str(&format!(",{m}"));
                h[2].push_str(&format!(",{st}"));
            }
        }
        let mut out = format!("{}\n{}\n{}\nunix_timestamp\n", h[0], h[1], h[2]);
        for r in 0..rows {
            out.push_str(&format!("{}.0", start + r as i64 * STEP));
            for (i, _) in NODES.iter().enumerate() {
                let wobble = ((r * 7 + i * 3) % 11) as f64 / 100.0;
                let (lat, avail) = if bad(r, i) {
                    (2.0, 80.0)
                } else {
                    (0.2 + wobble / 10.0, 100.0)
                };
                out.push_str(&format!(",{lat},{},{avail}", 100.0 + wobble * 50.0));
            }
            out.push('\n');
        }
        out
    }

    fn fixture() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        // Front calls A and Other; A calls db.
        let mut g = String::new();
        g.push_str(&format!(",{}\n", NODES.join(",")));
        let calls = [[0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
        for (i, n) in NODES.iter().enumerate() {
            let row: Vec<String> = calls[i].iter().map(|x| x.to_string()).collect();
            g.push_str(&format!("{n},{}\n", row.join(",")));
        }
        std::fs::write(p.join("graph.csv"), g).unwrap();
        std::fs::create_dir_all(p.join("noissue")).unwrap();
        std::fs::write(
            p.join("noissue/metrics.csv"),
            metrics(1_692_608_400, 400, |_, _| false),
        )
        .unwrap();
        for (sub, metric) in [
            ("train/issue_0", "latency"),
            ("test/issue_0", "availability"),
        ] {
            std::fs::create_dir_all(p.join(sub)).unwrap();
            let start = 1_681_855_320;
            // The fault is at db@x and reaches A and Front; Other stays calm.
            std::fs::write(
                p.join(sub).join("metrics.csv"),
                metrics(start, 5, |r, i| r >= 1 && i != 3),
            )
            .unwrap();
            std::fs::write(
                p.join(sub).join("target.json"),
                format!(
                    r#"{{"target": {{"node": "Front Site", "metric": "{metric}", "agg": "Average", "timestamp": {}}}, "root_cause": {{"node": "db@x_remote", "metric": null}}}}"#,
                    start + 480
                ),
            )
            .unwrap();
        }
        d
    }

    #[test]
    fn a_scenario_folder_is_ranked_with_original_names_and_written_as_specified() {
        let d = fixture();
        let s = read_scenario(d.path()).unwrap();
        assert_eq!(s.nodes.len(), 4);
        assert_eq!(s.calls.len(), 3);
        let names = Names::new(&s.nodes);
        assert_eq!(names.ids[1], "svc-a-b");
        let run = run(&s, |_| {}).unwrap();
        let v = serde_json::to_value(&run.file).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0]["issue"], "train/issue_0");
        assert_eq!(cases[1]["issue"], "test/issue_0");
        for c in cases {
            let r = c["ranking"].as_array().unwrap();
            assert!(!r.is_empty(), "{v}");
            for n in r {
                assert!(
                    NODES.contains(&n.as_str().unwrap()),
                    "not an original name: {n}"
                );
            }
            // The deepest component with anomalies on a path of anomalies is the root.
            assert_eq!(r[0], "db@x_remote", "{v}");
            assert!(!r.iter().any(|n| n == "Other Thing"), "{v}");
        }
        let spec = v["specificity"].as_array().unwrap();
        assert_eq!(spec.len(), CUTS.len());
        for c in spec {
            assert!(c["cut"].as_f64().is_some());
            assert_eq!(
                c["ranking"].as_array().unwrap().len(),
                0,
                "calm history: {v}"
            );
        }
        assert_eq!(run.recall(|_| true), (2, 1.0, 1.0));
        assert_eq!(run.specificity(), 1.0);
        assert!(run.table().contains("0.571 / 0.571"));
    }
}
