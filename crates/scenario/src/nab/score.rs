//! The NAB (Numenta Anomaly Benchmark) scoring rule on in-memory data: probation, scaled
//! sigmoid, window scoring by earliest detection, false positives weighted by their distance
//! to the preceding window, a corpus-wide threshold sweep and normalisation.
//!
//! Everything here is pure: the harness reads files and hands over scores and window row
//! ranges; this module only computes.

/// One scoring profile of NAB (its cost matrix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    Standard,
    RewardLowFp,
    RewardLowFn,
}

/// Weights of a profile: reward of a true positive, cost of a false positive and of a missed
/// window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub a_tp: f64,
    pub a_fp: f64,
    pub a_fn: f64,
}

impl Profile {
    pub const ALL: [Profile; 3] = [
        Profile::Standard,
        Profile::RewardLowFp,
        Profile::RewardLowFn,
    ];

    /// NAB's name of the profile, as in `profiles.json`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Standard => "standard",
            Profile::RewardLowFp => "reward_low_FP_rate",
            Profile::RewardLowFn => "reward_low_FN_rate",
        }
    }

    pub fn weights(self) -> Weights {
        match self {
            Profile::Standard => Weights {
                a_tp: 1.0,
                a_fp: 0.11,
                a_fn: 1.0,
            },
            Profile::RewardLowFp => Weights {
                a_tp: 1.0,
                a_fp: 0.22,
                a_fn: 1.0,
            },
            Profile::RewardLowFn => Weights {
                a_tp: 1.0,
                a_fp: 0.11,
                a_fn: 2.0,
            },
        }
    }
}

/// One data file as the scorer sees it: one anomaly score per row and the labelled windows as
/// inclusive row ranges `(first, last)`, sorted and not overlapping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileInput {
    pub scores: Vec<f64>,
    pub windows: Vec<(usize, usize)>,
}

/// The score of one file at a given threshold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileScore {
    /// Sum of window scores and false-positive scores.
    pub raw: f64,
    /// Number of labelled windows.
    pub windows: usize,
    /// Windows with at least one detection.
    pub detected: usize,
    /// Detections outside every window (after probation).
    pub false_positives: usize,
}

/// The corpus score of one profile at its best threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct CorpusScore {
    pub profile: Profile,
    /// The chosen threshold (`f64::INFINITY` when detecting nothing is best).
    pub threshold: f64,
    pub raw: f64,
    pub normalized: f64,
    pub per_file: Vec<FileScore>,
}

impl CorpusScore {
    /// Normalised score of a subset of the files (e.g. one category), at the corpus threshold.
    pub fn normalized_subset(&self, files: &[usize]) -> f64 {
        let mut raw = 0.0;
        let mut windows = 0;
        for &i in files {
            raw += self.per_file[i].raw;
            windows += self.per_file[i].windows;
        }
        normalize(raw, windows, self.profile.weights())
    }
}

/// Rows of a file of `n` rows that are not scored at all: `min(floor(0.15 n), 750)`.
pub fn probation_rows(n: usize) -> usize {
    ((n as f64 * 0.15).floor() as usize).min(750)
}

/// NAB's scaled sigmoid: `2 / (1 + e^(5y)) − 1` for `y ≤ 3`, else −1.
pub fn scaled_sigmoid(y: f64) -> f64 {
    if y > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * y).exp()) - 1.0
    }
}

/// `100 · (S − S_null) / (S_perfect − S_null)`; 0 for a corpus without windows and `S == 0`.
pub fn normalize(raw: f64, windows: usize, w: Weights) -> f64 {
    let perfect = w.a_tp * windows as f64;
    let null = -w.a_fn * windows as f64;
    if perfect - null <= 0.0 {
        // No windows: a perfect detector and the null one both score 0.
        return if raw >= 0.0 { 100.0 } else { 100.0 * raw };
    }
    100.0 * (raw - null) / (perfect - null)
}

/// What a detection at a scored row is worth.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RowValue {
    /// Inside window `k` (index within the file): the true-positive value of a detection here.
    Window(usize, f64),
    /// Outside every window: the (negative) false-positive value.
    FalsePositive(f64),
}

/// The value of a detection at each scored row (rows from the probation end on).
fn row_values(n: usize, windows: &[(usize, usize)], w: Weights) -> Vec<RowValue> {
    let start = probation_rows(n);
    let sig_m1 = scaled_sigmoid(-1.0);
    let mut out = Vec::with_capacity(n.saturating_sub(start));
    let mut next = 0; // first window whose last row is >= i
    for i in start..n {
        while next < windows.len() && windows[next].1 < i {
            next += 1;
        }
        let inside = next < windows.len() && windows[next].0 <= i;
        if inside {
            let (first, last) = windows[next];
            let width = (last - first + 1) as f64;
            let y = -((last - i + 1) as f64) / width;
            out.push(RowValue::Window(next, scaled_sigmoid(y) * w.a_tp / sig_m1));
        } else if next == 0 {
            out.push(RowValue::FalsePositive(-w.a_fp));
        } else {
            let (first, last) = windows[next - 1];
            let width = (last - first + 1) as f64;
            let y = (i - last) as f64 / (width - 1.0).max(1.0);
            out.push(RowValue::FalsePositive(scaled_sigmoid(y) * w.a_fp));
        }
    }
    out
}

/// Scores one file with detections at every scored row whose score is `>= threshold`.
pub fn score_file(file: &FileInput, w: Weights, threshold: f64) -> FileScore {
    let n = file.scores.len();
    let start = probation_rows(n);
    let values = row_values(n, &file.windows, w);
    let mut best: Vec<Option<f64>> = vec![None; file.windows.len()];
    let mut fp_sum = 0.0;
    let mut fps = 0;
    for (k, v) in values.iter().enumerate() {
        if file.scores[start + k] < threshold {
            continue;
        }
        match *v {
            RowValue::Window(win, val) => {
                let b = &mut best[win];
                if b.is_none_or(|old| val > old) {
                    *b = Some(val);
                }
            }
            RowValue::FalsePositive(val) => {
                fp_sum += val;
                fps += 1;
            }
        }
    }
    let detected = best.iter().filter(|b| b.is_some()).count();
    let tp_sum: f64 = best.iter().map(|b| b.unwrap_or(-w.a_fn)).sum();
    FileScore {
        raw: tp_sum + fp_sum,
        windows: file.windows.len(),
        detected,
        false_positives: fps,
    }
}

/// Scores the corpus with one profile: sweeps every distinct score value (and "detect
/// nothing") as threshold and keeps the one that maximises the corpus score.
pub fn score_corpus(files: &[FileInput], profile: Profile) -> CorpusScore {
    let w = profile.weights();
    let threshold = best_threshold(files, w);
    let per_file: Vec<FileScore> = files.iter().map(|f| score_file(f, w, threshold)).collect();
    let raw: f64 = per_file.iter().map(|f| f.raw).sum();
    let windows: usize = per_file.iter().map(|f| f.windows).sum();
    CorpusScore {
        profile,
        threshold,
        raw,
        normalized: normalize(raw, windows, w),
        per_file,
    }
}

/// The threshold that maximises the corpus score (ties: the highest such threshold). Sorts all
/// scored rows once by descending score and adds them in groups of equal score, keeping the
/// running corpus score: O(N log N).
pub fn best_threshold(files: &[FileInput], w: Weights) -> f64 {
    struct Row {
        score: f64,
        value: f64,
        /// Global window index, or `usize::MAX` for a false positive.
        window: usize,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut n_windows = 0;
    for f in files {
        let n = f.scores.len();
        let start = probation_rows(n);
        for (k, v) in row_values(n, &f.windows, w).into_iter().enumerate() {
            let score = f.scores[start + k];
            if score.is_nan() {
                continue;
            }
            rows.push(match v {
                RowValue::Window(win, value) => Row {
                    score,
                    value,
                    window: n_windows + win,
                },
                RowValue::FalsePositive(value) => Row {
                    score,
                    value,
                    window: usize::MAX,
                },
            });
        }
        n_windows += f.windows.len();
    }
    rows.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut best_val: Vec<Option<f64>> = vec![None; n_windows];
    let mut total = -w.a_fn * n_windows as f64;
    let mut best_total = total;
    let mut best_threshold = f64::INFINITY;
    let mut i = 0;
    while i < rows.len() {
        let s = rows[i].score;
        while i < rows.len() && rows[i].score == s {
            let r = &rows[i];
            if r.window == usize::MAX {
                total += r.value;
            } else {
                match best_val[r.window] {
                    None => {
                        total += r.value + w.a_fn;
                        best_val[r.window] = Some(r.value);
                    }
                    Some(old) if r.value > old => {
                        total += r.value - old;
                        best_val[r.window] = Some(r.value);
                    }
                    Some(_) => {}
                }
            }
            i += 1;
        }
        if total > best_total + 1e-12 {
            best_total = total;
            best_threshold = s;
        }
    }
    best_threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<FileInput> {
        vec![
            FileInput {
                scores: vec![0.0; 1000],
                windows: vec![(300, 349), (600, 699)],
            },
            FileInput {
                scores: vec![0.0; 400],
                windows: vec![(100, 139)],
            },
            FileInput {
                scores: vec![0.0; 500],
                windows: vec![],
            },
        ]
    }

    #[test]
    fn flagging_first_row_of_each_window_scores_100() {
        let mut files = corpus();
        for f in &mut files {
            for &(a, _) in &f.windows.clone() {
                f.scores[a] = 1.0;
            }
        }
        for p in Profile::ALL {
            let s = score_corpus(&files, p);
            assert!(
                (s.normalized - 100.0).abs() < 1e-9,
                "{p:?}: {}",
                s.normalized
            );
            assert_eq!(s.threshold, 1.0);
        }
    }

    #[test]
    fn flagging_nothing_scores_0() {
        let files = corpus();
        for p in Profile::ALL {
            let s = score_corpus(&files, p);
            assert!(s.normalized.abs() < 1e-9);
        }
    }

    #[test]
    fn increasing_rescaling_leaves_score_unchanged() {
        let mut files = corpus();
        let mut x: u64 = 12345;
        for f in &mut files {
            for s in &mut f.scores {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *s = (x >> 11) as f64 / (1u64 << 53) as f64;
            }
            for &(a, b) in &f.windows.clone() {
                f.scores[a + 5] = 0.999;
                f.scores[b] = 0.995;
            }
        }
        let rescaled: Vec<FileInput> = files
            .iter()
            .map(|f| FileInput {
                scores: f.scores.iter().map(|s| (3.0 * s).exp() - 7.0).collect(),
                windows: f.windows.clone(),
            })
            .collect();
        for p in Profile::ALL {
            let a = score_corpus(&files, p);
            let b = score_corpus(&rescaled, p);
            assert!((a.raw - b.raw).abs() < 1e-9);
            assert!((a.normalized - b.normalized).abs() < 1e-9);
            assert!(a.normalized > 0.0);
        }
    }

    #[test]
    fn sweep_matches_brute_force() {
        let mut files = corpus();
        let mut x: u64 = 99;
        for f in &mut files {
            for s in &mut f.scores {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *s = ((x >> 40) % 50) as f64;
            }
        }
        for p in Profile::ALL {
            let w = p.weights();
            let fast = score_corpus(&files, p);
            let mut best = files
                .iter()
                .map(|f| score_file(f, w, f64::INFINITY).raw)
                .sum::<f64>();
            for t in 0..50 {
                let s: f64 = files.iter().map(|f| score_file(f, w, t as f64).raw).sum();
                best = best.max(s);
            }
            assert!((fast.raw - best).abs() < 1e-9, "{} vs {}", fast.raw, best);
        }
    }

    #[test]
    fn hand_computed_case() {
        // 100 rows: probation = 15. One window rows 40..=49 (w = 10).
        // Detections: row 10 (probation, ignored), row 20 (before the window: −A_fp),
        // row 45 (inside: y = −(49 − 45 + 1)/10 = −0.5), row 46 (later in the same window,
        // does not count), row 59 (after: y = (59 − 49)/(10 − 1)).
        let mut scores = vec![0.0; 100];
        for i in [10, 20, 45, 46, 59] {
            scores[i] = 1.0;
        }
        let f = FileInput {
            scores,
            windows: vec![(40, 49)],
        };
        let w = Profile::Standard.weights();
        let s = score_file(&f, w, 0.5);
        let sig = |y: f64| 2.0 / (1.0 + (5.0 * y).exp()) - 1.0;
        let tp = sig(-0.5) / sig(-1.0);
        let fp_after = sig(10.0 / 9.0) * 0.11;
        let expected = tp - 0.11 + fp_after;
        assert!((s.raw - expected).abs() < 1e-12, "{} vs {expected}", s.raw);
        assert!((tp - 0.859_792_567).abs() < 1e-8);
        assert!((fp_after + 0.109_152_773).abs() < 1e-8);
        assert_eq!(s.false_positives, 2);
        assert_eq!(s.detected, 1);
        // Detecting beats the null detector: the window is worth more than the two FPs cost.
        let c = score_corpus(std::slice::from_ref(&f), Profile::Standard);
        assert_eq!(c.threshold, 1.0);
        let norm = 100.0 * (expected + 1.0) / 2.0;
        assert!((c.normalized - norm).abs() < 1e-9);
        // An undetected window costs A_fn: nothing flagged scores −1 raw.
        let none = score_file(&f, w, 2.0);
        assert_eq!(none.raw, -1.0);
    }
}
