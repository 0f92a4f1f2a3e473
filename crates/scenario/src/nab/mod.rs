//! The NAB harness: reads a NAB data folder and its windows file, runs the streaming anomaly
//! detector on every series, writes NAB result files and scores them with the core scorer.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use radar_core::anomaly::{AnomalyConfig, AnomalyDetector};
pub mod score;
pub mod synth;

use score::{normalize, score_corpus, score_file, CorpusScore, FileInput, Profile};

/// Errors of the harness, each naming the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum NabError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {msg}")]
    Data { path: PathBuf, msg: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> NabError + '_ {
    move |source| NabError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn data_err(path: &Path, msg: impl Into<String>) -> NabError {
    NabError::Data {
        path: path.to_path_buf(),
        msg: msg.into(),
    }
}

/// One NAB data file with its labelled windows mapped to row ranges.
#[derive(Clone, Debug)]
pub struct NabSeries {
    pub category: String,
    /// File name without `.csv`.
    pub name: String,
    /// Timestamps as written in the data file (copied verbatim to the result file).
    pub timestamp_text: Vec<String>,
    pub timestamps: Vec<i64>,
    /// Values as written in the data file.
    pub value_text: Vec<String>,
    pub values: Vec<f64>,
    /// Inclusive row ranges of the labelled windows.
    pub windows: Vec<(usize, usize)>,
}

impl NabSeries {
    /// The key of this file in the windows JSON: `category/name.csv`.
    pub fn key(&self) -> String {
        format!("{}/{}.csv", self.category, self.name)
    }
}

/// Parses `2014-04-10 07:15:00` or `2014-04-10 07:15:00.000000` (UTC) into Unix seconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

/// Maps windows given by first and last timestamp (inclusive) to row ranges; windows that
/// contain no row are dropped.
pub fn windows_to_rows(timestamps: &[i64], windows: &[(i64, i64)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = windows
        .iter()
        .filter_map(|&(a, b)| {
            let first = timestamps.partition_point(|&t| t < a);
            let end = timestamps.partition_point(|&t| t <= b);
            (first < end).then(|| (first, end - 1))
        })
        .collect();
    out.sort_unstable();
    out
}

fn read_series(path: &Path, category: &str, name: &str) -> Result<NabSeries, NabError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| data_err(path, e.to_string()))?;
    let mut s = NabSeries {
        category: category.to_string(),
        name: name.to_string(),
        timestamp_text: Vec::new(),
        timestamps: Vec::new(),
        value_text: Vec::new(),
        values: Vec::new(),
        windows: Vec::new(),
    };
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| data_err(path, e.to_string()))?;
        let (Some(ts), Some(v)) = (rec.get(0), rec.get(1)) else {
            return Err(data_err(
                path,
                format!("row {}: expected timestamp,value", i + 2),
            ));
        };
        let t = parse_timestamp(ts)
            .ok_or_else(|| data_err(path, format!("row {}: bad timestamp {ts:?}", i + 2)))?;
        let x: f64 = v
            .trim()
            .parse()
            .map_err(|_| data_err(path, format!("row {}: bad value {v:?}", i + 2)))?;
        s.timestamp_text.push(ts.to_string());
        s.timestamps.push(t);
        s.value_text.push(v.to_string());
        s.values.push(x);
    }
    Ok(s)
}

/// Reads the windows JSON: `{ "category/name.csv": [["start", "end"], ...], ... }`.
pub fn read_windows(labels_json: &Path) -> Result<BTreeMap<String, Vec<(i64, i64)>>, NabError> {
    let text = std::fs::read_to_string(labels_json).map_err(io_err(labels_json))?;
    let raw: BTreeMap<String, Vec<Vec<String>>> =
        serde_json::from_str(&text).map_err(|e| data_err(labels_json, e.to_string()))?;
    let mut out = BTreeMap::new();
    for (key, wins) in raw {
        let mut v = Vec::with_capacity(wins.len());
        for w in wins {
            let parse = |s: &String| {
                parse_timestamp(s)
                    .ok_or_else(|| data_err(labels_json, format!("{key}: bad timestamp {s:?}")))
            };
            if w.len() != 2 {
                return Err(data_err(
                    labels_json,
                    format!("{key}: a window needs 2 times"),
                ));
            }
            v.push((parse(&w[0])?, parse(&w[1])?));
        }
        out.insert(key, v);
    }
    Ok(out)
}

/// Reads every `data_dir/<category>/*.csv` (sorted by category, then name) and maps its
/// windows; files absent from the windows JSON have no windows.
pub fn load_corpus(data_dir: &Path, labels_json: &Path) -> Result<Vec<NabSeries>, NabError> {
    let windows = read_windows(labels_json)?;
    let mut cats: Vec<PathBuf> = std::fs::read_dir(data_dir)
        .map_err(io_err(data_dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cats.sort();
    let mut out = Vec::new();
    for cat_dir in cats {
        let category = cat_dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&cat_dir)
            .map_err(io_err(&cat_dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut s = read_series(&path, &category, &name)?;
            if let Some(w) = windows.get(&s.key()) {
                s.windows = windows_to_rows(&s.timestamps, w);
            }
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err(data_err(data_dir, "no <category>/*.csv data files found"));
    }
    Ok(out)
}

/// Rounds to 12 significant digits, the precision of the result files.
pub fn round12(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// Runs a fresh detector per series; scores are rounded as they are written.
/// Returns the scores and the largest detector state seen, in bytes.
pub fn detect(corpus: &[NabSeries], config: &AnomalyConfig) -> (Vec<Vec<f64>>, usize) {
    let mut state = 0;
    let scores = corpus
        .iter()
        .map(|s| {
            // NAB's probation period is the detector's learning period, as NAB gives it to
            // every detector: 15 % of the file, at most 750 rows.
            let cfg = AnomalyConfig {
                learning: score::probation_rows(s.values.len()) as u32,
                ..config.clone()
            };
            let mut d = AnomalyDetector::new(cfg);
            let out = s
                .timestamps
                .iter()
                .zip(&s.values)
                .map(|(&t, &v)| round12(d.update(t, v)))
                .collect();
            state = state.max(d.state_bytes());
            out
        })
        .collect();
    (scores, state)
}

/// Writes `<out>/<detector>/<category>/<detector>_<name>.csv` for every series.
pub fn write_results(
    out: &Path,
    detector: &str,
    corpus: &[NabSeries],
    scores: &[Vec<f64>],
) -> Result<(), NabError> {
    for (s, sc) in corpus.iter().zip(scores) {
        let dir = out.join(detector).join(&s.category);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let path = dir.join(format!("{detector}_{}.csv", s.name));
        let mut text = String::with_capacity(s.values.len() * 48);
        text.push_str("timestamp,value,anomaly_score,label\n");
        let mut w = 0;
        for (i, score) in sc.iter().enumerate() {
            while w < s.windows.len() && s.windows[w].1 < i {
                w += 1;
            }
            let label = u8::from(w < s.windows.len() && s.windows[w].0 <= i);
            let _ = writeln!(
                text,
                "{},{},{},{label}",
                s.timestamp_text[i], s.value_text[i], score
            );
        }
        std::fs::write(&path, text).map_err(io_err(&path))?;
    }
    Ok(())
}

/// One profile's result: the corpus score and the per-category normalised scores.
#[derive(Clone, Debug)]
pub struct ProfileResult {
    pub score: CorpusScore,
    /// (category, normalised score at the corpus threshold, windows, raw score).
    pub per_category: Vec<(String, f64, usize, f64)>,
}

/// Scores the detector output with every profile.
pub fn evaluate(corpus: &[NabSeries], scores: &[Vec<f64>]) -> Vec<ProfileResult> {
    let inputs: Vec<FileInput> = corpus
        .iter()
        .zip(scores)
        .map(|(s, sc)| FileInput {
            scores: sc.clone(),
            windows: s.windows.clone(),
        })
        .collect();
    let mut cats: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in corpus.iter().enumerate() {
        cats.entry(s.category.as_str()).or_default().push(i);
    }
    Profile::ALL
        .iter()
        .map(|&p| {
            let score = score_corpus(&inputs, p);
            let per_category = cats
                .iter()
                .map(|(c, idx)| {
                    let windows = idx.iter().map(|&i| corpus[i].windows.len()).sum();
                    let raw = idx.iter().map(|&i| score.per_file[i].raw).sum();
                    (c.to_string(), score.normalized_subset(idx), windows, raw)
                })
                .collect();
            ProfileResult {
                score,
                per_category,
            }
        })
        .collect()
}

/// The whole run: load, detect, write, score.
#[derive(Clone, Debug)]
pub struct NabRun {
    pub detector: String,
    pub files: usize,
    pub points: usize,
    /// Time spent in the detector alone.
    pub detect_time: Duration,
    /// Load, detect, write and score.
    pub total_time: Duration,
    pub state_bytes: usize,
    pub results: Vec<ProfileResult>,
    /// Standard-profile score at 0.9 to 1.1 × the optimal threshold.
    pub curve: Vec<(f64, f64)>,
}

impl NabRun {
    /// Points per second through the detector.
    pub fn points_per_sec(&self) -> f64 {
        self.points as f64 / self.detect_time.as_secs_f64().max(1e-9)
    }

    /// A plain-text table: per profile the threshold and normalised scores, overall and per
    /// category.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let Some(first) = self.results.first() else {
            return t;
        };
        let _ = write!(t, "{:<24}", "");
        for r in &self.results {
            let _ = write!(t, "{:>20}", r.score.profile.name());
        }
        t.push('\n');
        let _ = write!(t, "{:<24}", "threshold");
        for r in &self.results {
            let _ = write!(t, "{:>20.6}", r.score.threshold);
        }
        t.push('\n');
        let _ = write!(t, "{:<24}", "ALL");
        for r in &self.results {
            let _ = write!(t, "{:>20.2}", r.score.normalized);
        }
        t.push('\n');
        for (k, (cat, _, windows, _)) in first.per_category.iter().enumerate() {
            let _ = write!(t, "{:<24}", format!("{cat} ({windows})"));
            for r in &self.results {
                if *windows == 0 {
                    // No windows: nothing to normalise; show the false positives' cost.
                    let _ = write!(t, "{:>20}", format!("raw {:.2}", r.per_category[k].3));
                } else {
                    let _ = write!(t, "{:>20.2}", r.per_category[k].1);
                }
            }
            t.push('\n');
        }
        let _ = writeln!(
            t,
            "detector {}: {} files, {} points, detect {:.3} s ({:.2} M points/s), total {:.3} s, \
             state {} bytes/series",
            self.detector,
            self.files,
            self.points,
            self.detect_time.as_secs_f64(),
            self.points_per_sec() / 1e6,
            self.total_time.as_secs_f64(),
            self.state_bytes
        );
        let _ = write!(t, "threshold sensitivity (standard):");
        for (k, s) in &self.curve {
            let _ = write!(t, "  {k:.2}x {s:.2}");
        }
        t.push('\n');
        t
    }
}

/// Loads the corpus, runs the detector, writes result files under `out` (when given) and
/// scores the output with every profile.
pub fn run(
    data_dir: &Path,
    labels_json: &Path,
    out: Option<&Path>,
    detector: &str,
    config: &AnomalyConfig,
) -> Result<NabRun, NabError> {
    let start = Instant::now();
    if detector.is_empty() || detector.contains('_') {
        return Err(data_err(
            Path::new(detector),
            "the detector name must be non-empty and without '_'",
        ));
    }
    let corpus = load_corpus(data_dir, labels_json)?;
    let t0 = Instant::now();
    let (scores, state_bytes) = detect(&corpus, config);
    let detect_time = t0.elapsed();
    if let Some(out) = out {
        write_results(out, detector, &corpus, &scores)?;
    }
    let results = evaluate(&corpus, &scores);
    let curve = threshold_sensitivity(
        &inputs(&corpus, &scores),
        Profile::Standard,
        &SENSITIVITY_FACTORS,
    );
    Ok(NabRun {
        curve,
        detector: detector.to_string(),
        files: corpus.len(),
        points: corpus.iter().map(|s| s.values.len()).sum(),
        detect_time,
        total_time: start.elapsed(),
        state_bytes,
        results,
    })
}

/// The scorer's view of the corpus with one set of detector scores.
pub fn inputs(corpus: &[NabSeries], scores: &[Vec<f64>]) -> Vec<FileInput> {
    corpus
        .iter()
        .zip(scores)
        .map(|(s, sc)| FileInput {
            scores: sc.clone(),
            windows: s.windows.clone(),
        })
        .collect()
}

/// Expands `KEY=V1,V2,..` settings into every combination of detector configurations (the
/// default first when no setting is given).
pub fn config_grid(settings: &[String]) -> Result<Vec<AnomalyConfig>, String> {
    let mut grid = vec![AnomalyConfig::default()];
    for a in settings {
        let (k, v) = a
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=V1,V2,.. in {a:?}"))?;
        let vals: Vec<f64> = v
            .split(',')
            .map(|x| {
                x.trim()
                    .parse()
                    .map_err(|_| format!("bad value {x:?} in {a:?}"))
            })
            .collect::<Result<_, _>>()?;
        let mut next = Vec::with_capacity(grid.len() * vals.len());
        for cfg in &grid {
            for &x in &vals {
                let mut c = cfg.clone();
                c.set(k, x)?;
                next.push(c);
            }
        }
        grid = next;
    }
    Ok(grid)
}

/// Cross-validation of the grid on a NAB folder: the configurations, then `cv_table` with the
/// first configuration as the one whose threshold curve is shown.
pub fn run_cv(
    data_dir: &Path,
    labels_json: &Path,
    grid: &[AnomalyConfig],
) -> Result<String, NabError> {
    let corpus = load_corpus(data_dir, labels_json)?;
    let all: Vec<Vec<FileInput>> = grid
        .iter()
        .map(|cfg| inputs(&corpus, &detect(&corpus, cfg).0))
        .collect();
    let mut t = String::new();
    for (k, (cfg, f)) in grid.iter().zip(&all).enumerate() {
        let figs: Vec<String> = Profile::ALL
            .iter()
            .map(|&p| format!("{:.2}", score_corpus(f, p).normalized))
            .collect();
        let alone = cross_validate(&corpus, std::slice::from_ref(f), Profile::Standard).pooled;
        let _ = writeln!(
            t,
            "config {k}: {cfg:?}: {} (cross-validated alone, standard: {alone:.2})",
            figs.join(" / ")
        );
    }
    t.push_str(&cv_table(&corpus, &all, 0));
    Ok(t)
}

/// One fold of leave-one-category-out cross-validation.
#[derive(Clone, Debug)]
pub struct CvFold {
    /// The held-out category.
    pub category: String,
    pub files: usize,
    pub windows: usize,
    /// Index of the configuration chosen on the training categories.
    pub config: usize,
    /// Threshold chosen on the training categories.
    pub threshold: f64,
    /// Normalised score of the training categories at that threshold.
    pub train: f64,
    /// Raw score of the held-out category at the training threshold.
    pub held_raw: f64,
    /// Normalised over the held-out category's own files (`None` without windows).
    pub held: Option<f64>,
}

/// Leave-one-category-out cross-validation of one profile.
#[derive(Clone, Debug)]
pub struct CvReport {
    pub profile: Profile,
    pub folds: Vec<CvFold>,
    /// Sum of the held-out raw scores, normalised over all windows of the corpus.
    pub pooled: f64,
}

/// Leave-one-category-out cross-validation: for each category, the configuration (one of
/// `grid`, each a full set of detector scores for the corpus) and the threshold that maximise
/// the score of the other categories are chosen there, then the held-out category is scored at
/// them. The pooled score adds the held-out raw scores and normalises over the whole corpus.
pub fn cross_validate(corpus: &[NabSeries], grid: &[Vec<FileInput>], profile: Profile) -> CvReport {
    let mut cats: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in corpus.iter().enumerate() {
        cats.entry(s.category.as_str()).or_default().push(i);
    }
    let groups: Vec<(String, Vec<usize>)> = cats
        .into_iter()
        .map(|(c, idx)| (c.to_string(), idx))
        .collect();
    let (folds, pooled_raw) = held_out(grid, &groups, profile);
    let windows = corpus.iter().map(|s| s.windows.len()).sum();
    CvReport {
        profile,
        folds,
        pooled: normalize(pooled_raw, windows, profile.weights()),
    }
}

/// For each group of files: the configuration and threshold that maximise the score of the
/// other files, and the group's score at them. Returns the folds and the sum of the held-out
/// raw scores.
fn held_out(
    grid: &[Vec<FileInput>],
    groups: &[(String, Vec<usize>)],
    profile: Profile,
) -> (Vec<CvFold>, f64) {
    let w = profile.weights();
    let mut folds = Vec::new();
    let mut pooled_raw = 0.0;
    for (name, held) in groups {
        let mut best: Option<(f64, usize, f64)> = None;
        for (k, files) in grid.iter().enumerate() {
            let train: Vec<FileInput> = files
                .iter()
                .enumerate()
                .filter(|(i, _)| !held.contains(i))
                .map(|(_, f)| f.clone())
                .collect();
            let sc = score_corpus(&train, profile);
            if best.is_none_or(|(b, _, _)| sc.normalized > b + 1e-9) {
                best = Some((sc.normalized, k, sc.threshold));
            }
        }
        let Some((train, config, threshold)) = best else {
            continue;
        };
        let mut raw = 0.0;
        let mut windows = 0;
        for &i in held {
            let f = score_file(&grid[config][i], w, threshold);
            raw += f.raw;
            windows += f.windows;
        }
        pooled_raw += raw;
        folds.push(CvFold {
            category: name.clone(),
            files: held.len(),
            windows,
            config,
            threshold,
            train,
            held_raw: raw,
            held: (windows > 0).then(|| normalize(raw, windows, w)),
        });
    }
    (folds, pooled_raw)
}

/// Repeated 2-fold cross-validation by file: `reps` random halvings of the files (fixed seed);
/// each half is scored at the configuration and threshold chosen on the other. Returns the
/// pooled held-out score of each repetition (normalised over the whole corpus).
pub fn cross_validate_2fold(
    corpus: &[NabSeries],
    grid: &[Vec<FileInput>],
    profile: Profile,
    reps: usize,
) -> Vec<f64> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
    let windows = corpus.iter().map(|s| s.windows.len()).sum();
    (0..reps)
        .map(|_| {
            let mut idx: Vec<usize> = (0..corpus.len()).collect();
            idx.shuffle(&mut rng);
            let (a, b) = idx.split_at(idx.len() / 2);
            let groups = [("a".to_string(), a.to_vec()), ("b".to_string(), b.to_vec())];
            let (_, raw) = held_out(grid, &groups, profile);
            normalize(raw, windows, profile.weights())
        })
        .collect()
}

/// The threshold factors of the sensitivity curve.
pub const SENSITIVITY_FACTORS: [f64; 5] = [0.9, 0.95, 1.0, 1.05, 1.1];

/// Detector throughput on a corpus: every series through a fresh detector `reps` times on one
/// thread, timing the updates alone (no parsing, rounding or writing). Returns points per
/// second and the largest state in bytes.
pub fn throughput(corpus: &[NabSeries], config: &AnomalyConfig, reps: usize) -> (f64, usize) {
    let mut state = 0;
    let mut points = 0usize;
    let mut sink = 0.0;
    let start = Instant::now();
    for _ in 0..reps.max(1) {
        for s in corpus {
            let cfg = AnomalyConfig {
                learning: score::probation_rows(s.values.len()) as u32,
                ..config.clone()
            };
            let mut d = AnomalyDetector::new(cfg);
            for (&t, &v) in s.timestamps.iter().zip(&s.values) {
                sink += d.update(t, v);
            }
            points += s.values.len();
            state = state.max(d.state_bytes());
        }
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    std::hint::black_box(sink);
    (points as f64 / secs, state)
}

/// The corpus score at `factor ×` the optimal threshold, for each factor.
pub fn threshold_sensitivity(
    files: &[FileInput],
    profile: Profile,
    factors: &[f64],
) -> Vec<(f64, f64)> {
    let w = profile.weights();
    let best = score_corpus(files, profile).threshold;
    let windows = files.iter().map(|f| f.windows.len()).sum();
    factors
        .iter()
        .map(|&k| {
            let raw = files.iter().map(|f| score_file(f, w, best * k).raw).sum();
            (k, normalize(raw, windows, w))
        })
        .collect()
}

/// Standard deviation of the corpus score over `reps` bootstrap resamples of the files (the
/// threshold re-optimised on each), with a fixed seed: how far apart two detectors must be
/// before the corpus can tell them apart.
pub fn bootstrap_spread(files: &[FileInput], profile: Profile, reps: usize) -> f64 {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(10);
    let mut v = Vec::with_capacity(reps);
    for _ in 0..reps {
        let sample: Vec<FileInput> = (0..files.len())
            .map(|_| files[rng.gen_range(0..files.len())].clone())
            .collect();
        v.push(score_corpus(&sample, profile).normalized);
    }
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len().max(2) - 1) as f64).sqrt()
}

/// A plain-text account of cross-validation: per profile the folds and the pooled held-out
/// score; then the standard profile's threshold-sensitivity curve on the whole corpus.
pub fn cv_table(corpus: &[NabSeries], grid: &[Vec<FileInput>], chosen: usize) -> String {
    let mut t = String::new();
    for p in Profile::ALL {
        let r = cross_validate(corpus, grid, p);
        let _ = writeln!(t, "cross-validation, leave one category out: {}", p.name());
        let _ = writeln!(
            t,
            "  {:<24}{:>6}{:>10}{:>8}{:>10}{:>12}{:>10}",
            "held-out category", "files", "windows", "config", "threshold", "train", "held-out"
        );
        for f in &r.folds {
            let held = match f.held {
                Some(h) => format!("{h:.2}"),
                None => format!("raw {:.2}", f.held_raw),
            };
            let _ = writeln!(
                t,
                "  {:<24}{:>6}{:>10}{:>8}{:>10.4}{:>12.2}{:>10}",
                f.category, f.files, f.windows, f.config, f.threshold, f.train, held
            );
        }
        let whole = score_corpus(&grid[chosen], p).normalized;
        let spread = bootstrap_spread(&grid[chosen], p, 200);
        let _ = writeln!(
            t,
            "  pooled held-out {:.2}   (whole corpus, one threshold: {:.2}; bootstrap spread {:.2})",
            r.pooled, whole, spread
        );
        let two = cross_validate_2fold(corpus, grid, p, 20);
        let mean = two.iter().sum::<f64>() / two.len().max(1) as f64;
        let lo = two.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = two.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let _ = writeln!(
            t,
            "  repeated 2-fold by file (20 halvings): mean held-out {mean:.2}, range {lo:.2} to {hi:.2}"
        );
    }
    let curve = threshold_sensitivity(&grid[chosen], Profile::Standard, &SENSITIVITY_FACTORS);
    let _ = write!(t, "threshold sensitivity (standard):");
    for (k, s) in curve {
        let _ = write!(t, "  {k:.2}x {s:.2}");
    }
    t.push('\n');
    t
}

/// Files of every family in one seed of the synthetic corpus.
pub const SYNTHETIC_PER_FAMILY: usize = 8;

/// The synthetic corpus (see [`synth`]) of each seed, scored with every configuration of
/// `grid`: per configuration the three profiles, each family's standard score and the
/// threshold-sensitivity curve. A second, independent fixture set beside the development split.
pub fn synthetic_table(seeds: &[u64], grid: &[AnomalyConfig]) -> String {
    let mut t = String::new();
    let corpus: Vec<NabSeries> = seeds
        .iter()
        .flat_map(|&s| synth::corpus(s, SYNTHETIC_PER_FAMILY))
        .collect();
    let windows: usize = corpus.iter().map(|s| s.windows.len()).sum();
    let _ = writeln!(
        t,
        "synthetic corpus, seeds {seeds:?}: {} files, {windows} windows",
        corpus.len()
    );
    let _ = write!(
        t,
        "  {:<8}{:>10}{:>10}{:>10}",
        "config", "standard", "low FP", "low FN"
    );
    for f in synth::FAMILIES {
        let _ = write!(t, "{:>10}", f);
    }
    let _ = writeln!(t, "   standard at 0.9/0.95/1/1.05/1.1 x threshold");
    for (k, cfg) in grid.iter().enumerate() {
        let (scores, _) = detect(&corpus, cfg);
        let results = evaluate(&corpus, &scores);
        let files = inputs(&corpus, &scores);
        let _ = write!(t, "  {k:<8}");
        for r in &results {
            let _ = write!(t, "{:>10.2}", r.score.normalized);
        }
        for (_, s, w, raw) in &results[0].per_category {
            if *w == 0 {
                let _ = write!(t, "{:>10}", format!("raw{raw:.1}"));
            } else {
                let _ = write!(t, "{s:>10.2}");
            }
        }
        let curve = threshold_sensitivity(&files, Profile::Standard, &SENSITIVITY_FACTORS);
        let _ = write!(t, "  ");
        for (_, s) in curve {
            let _ = write!(t, " {s:.1}");
        }
        t.push('\n');
        // Windows detected per kind of anomaly, and false-positive rows, at the standard
        // profile's threshold.
        let standard = &results[0].score;
        let mut found: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (s, sc) in corpus.iter().zip(&scores) {
            for (&(lo, hi), kind) in s.windows.iter().zip(synth::window_kinds(s)) {
                let e = found.entry(kind).or_default();
                e.1 += 1;
                if sc[lo..=hi].iter().any(|&x| x >= standard.threshold) {
                    e.0 += 1;
                }
            }
        }
        let fps: usize = standard.per_file.iter().map(|f| f.false_positives).sum();
        let _ = write!(t, "          found:");
        for (k, (f, n)) in &found {
            let _ = write!(t, " {k} {f}/{n}");
        }
        let _ = write!(t, "; false-positive rows {fps}");
        if k == 0 {
            // How far apart two configurations must be before this corpus can tell them apart.
            let spread = bootstrap_spread(&files, Profile::Standard, 50);
            let _ = write!(t, "; bootstrap spread of the standard score {spread:.2}");
        }
        t.push('\n');
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_detector_holds_its_floor_on_the_synthetic_corpus() {
        // Seed 1 scores 52.3 (standard) with the default detector; the floor sits about the
        // corpus' spread below, so a detector that stops finding whole kinds of anomaly fails.
        let table = synthetic_table(&[1], &[AnomalyConfig::default()]);
        assert!(table.contains("48 files"), "{table}");
        assert!(table.contains("found: cycleloss"), "{table}");
        // The third line is configuration 0: its index, then the standard score.
        let standard: f64 = table
            .lines()
            .nth(2)
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("no standard score in {table}"));
        assert!(standard >= 45.0, "synthetic standard score {standard:.2}");
    }

    #[test]
    fn parses_both_timestamp_forms() {
        let a = parse_timestamp("2014-04-10 07:15:00.000000").unwrap();
        let b = parse_timestamp("2014-04-10 07:15:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a % 86400, 7 * 3600 + 15 * 60);
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn windows_map_to_inclusive_rows() {
        let ts: Vec<i64> = (0..10).map(|i| i * 300).collect();
        let w = windows_to_rows(&ts, &[(600, 1500), (1700, 1750), (2400, 9000)]);
        assert_eq!(w, vec![(2, 5), (8, 9)]);
    }

    #[test]
    fn rounds_to_12_significant_digits() {
        assert_eq!(round12(0.123_456_789_012_345), 0.123_456_789_012);
        assert_eq!(round12(0.0), 0.0);
        assert!(format!("{}", round12(1.0 / 3.0)).len() <= 14);
    }

    #[test]
    fn cross_validation_of_a_perfect_detector_scores_100_per_fold() {
        let series = |cat: &str, name: &str, w: (usize, usize)| NabSeries {
            category: cat.into(),
            name: name.into(),
            timestamp_text: vec![String::new(); 200],
            timestamps: (0..200).collect(),
            value_text: vec![String::new(); 200],
            values: vec![0.0; 200],
            windows: vec![w],
        };
        let corpus = vec![
            series("a", "x", (50, 59)),
            series("a", "y", (100, 119)),
            series("b", "z", (70, 79)),
        ];
        let perfect: Vec<Vec<f64>> = corpus
            .iter()
            .map(|s| {
                (0..200)
                    .map(|i| f64::from(u8::from(i == s.windows[0].0)))
                    .collect()
            })
            .collect();
        let nothing = vec![vec![0.0; 200]; 3];
        let grid = vec![inputs(&corpus, &nothing), inputs(&corpus, &perfect)];
        for p in Profile::ALL {
            let r = cross_validate(&corpus, &grid, p);
            assert_eq!(r.folds.len(), 2);
            for f in &r.folds {
                assert_eq!(f.config, 1);
                assert!((f.held.unwrap() - 100.0).abs() < 1e-9, "{f:?}");
            }
            assert!((r.pooled - 100.0).abs() < 1e-9);
            for v in cross_validate_2fold(&corpus, &grid, p, 3) {
                assert!((v - 100.0).abs() < 1e-9, "{v}");
            }
            // Nothing detected: every held-out half scores 0.
            for v in cross_validate_2fold(&corpus, &grid[..1], p, 3) {
                assert!(v.abs() < 1e-9, "{v}");
            }
        }
        let curve = threshold_sensitivity(&grid[1], Profile::Standard, &[0.9, 1.0, 1.1]);
        assert!((curve[1].1 - 100.0).abs() < 1e-9);
        assert_eq!(
            curve[2].1, 0.0,
            "above the only detection nothing is flagged"
        );
        let g = config_grid(&["refract=0,50".into(), "alert_min=2,3".into()]).unwrap();
        assert_eq!(g.len(), 4);
        assert_eq!((g[3].refract, g[3].alert_min), (50, 3.0));
        assert!(config_grid(&["nonsense=1".into()]).is_err());
    }

    #[test]
    fn end_to_end_on_a_tiny_corpus() {
        let dir = std::env::temp_dir().join(format!("radar-nab-test-{}", std::process::id()));
        let data = dir.join("data").join("cat");
        std::fs::create_dir_all(&data).unwrap();
        let mut csv = String::from("timestamp,value\n");
        for i in 0..400 {
            let v = if (300..305).contains(&i) {
                50.0
            } else {
                (i % 7) as f64
            };
            csv.push_str(&format!("2014-01-01 {:02}:{:02}:00,{v}\n", i / 60, i % 60));
        }
        std::fs::write(data.join("a_b.csv"), csv).unwrap();
        std::fs::write(data.join("README.md"), "not data").unwrap();
        let labels = dir.join("windows.json");
        std::fs::write(
            &labels,
            r#"{"cat/a_b.csv": [["2014-01-01 04:50:00.000000", "2014-01-01 05:10:00.000000"]]}"#,
        )
        .unwrap();
        let out = dir.join("out");
        let run = run(
            &dir.join("data"),
            &labels,
            Some(&out),
            "radar",
            &AnomalyConfig::default(),
        )
        .unwrap();
        assert_eq!(run.files, 1);
        assert_eq!(run.points, 400);
        let text = std::fs::read_to_string(out.join("radar/cat/radar_a_b.csv")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "timestamp,value,anomaly_score,label");
        assert_eq!(lines.len(), 401);
        assert!(lines[291].ends_with(",1"), "{}", lines[291]);
        assert!(lines[290].ends_with(",0"));
        for l in &lines[1..] {
            let s: f64 = l.split(',').nth(2).unwrap().parse().unwrap();
            assert!((0.0..=1.0).contains(&s));
        }
        assert!(run.table().contains("standard"));
        assert!(run.results[0].score.normalized > 0.0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
