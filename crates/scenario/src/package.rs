//! Scenario packages: reading `topology.toml`, `reports.csv` and `events.jsonl` with every
//! problem reported at once (file, line, column or key, and how to fix it), and writing them.
//!
//! The loader never reads `truth.json`; only [`crate::eval`] does.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use radar_core::event::Event;
use radar_core::intake::{self, RawReport};
use radar_core::topology::postcode::PostcodeMap;
use radar_core::topology::Topology;
use radar_core::{Report, ReporterKey, Source, Timestamp};

/// The exact header of `reports.csv`.
pub const REPORTS_HEADER: [&str; 7] = [
    "time", "provider", "service", "problem", "region", "reporter", "source",
];

/// The key under which reporter strings of a package become [`ReporterKey`]s.
pub const REPORTER_SECRET: &[u8] = b"radar-scenario";

/// How many problems a load lists before it only counts them.
pub const MAX_LISTED_ERRORS: usize = 50;

/// The reporter key of a reporter string in a package.
pub fn reporter_key(reporter: &str) -> ReporterKey {
    ReporterKey::derive(REPORTER_SECRET, reporter.as_bytes())
}

/// One bad line of a CSV file: 1-based line number and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Streams reports from CSV text with the header [`REPORTS_HEADER`], validating every row with
/// the same rules as the intake API. Bad rows yield an error and reading goes on; a bad header
/// yields one error for line 1 and ends the stream (the columns cannot be trusted). Time order
/// is not checked here (see [`load`]).
pub fn read_reports_csv<'a, R: Read + 'a>(
    r: R,
    topology: &'a Topology,
) -> impl Iterator<Item = Result<Report, LineError>> + 'a {
    let mut inner = CsvReports::new(NoCr(r), topology);
    std::iter::from_fn(move || {
        inner
            .next_with_line()
            .map(|(line, r)| r.map_err(|message| LineError { line, message }))
    })
}

struct CsvReports<'a, R: Read> {
    rdr: csv::Reader<R>,
    topology: &'a Topology,
    record: csv::StringRecord,
    postcodes: PostcodeMap,
    header_done: bool,
    done: bool,
}

fn check_header(rec: &csv::StringRecord) -> Result<(), String> {
    let found: Vec<&str> = rec
        .iter()
        .map(|s| s.trim_start_matches('\u{feff}'))
        .collect();
    if found == REPORTS_HEADER {
        return Ok(());
    }
    let mut why = Vec::new();
    for f in &found {
        if !REPORTS_HEADER.contains(f) {
            why.push(format!("unknown column `{f}`"));
        }
    }
    for h in REPORTS_HEADER {
        if !found.contains(&h) {
            why.push(format!("missing column `{h}`"));
        }
    }
    let seen: BTreeSet<&&str> = found.iter().collect();
    if seen.len() != found.len() {
        why.push("a column is repeated".to_owned());
    }
    if why.is_empty() {
        why.push("columns are out of order".to_owned());
    }
    Err(format!(
        "bad header `{}`: {}; the first line must be exactly `{}`",
        found.join(","),
        why.join(", "),
        REPORTS_HEADER.join(",")
    ))
}

/// A reader that leaves out carriage returns, so that a file with Windows line endings reads
/// as one with `\n` alone: the CSV reader then numbers its lines right (it counts a `\r\n`
/// record end one line short). The CSV files of a package hold ids, times and numbers, never
/// text in which a carriage return could mean something.
struct NoCr<R>(R);

impl<R: Read> Read for NoCr<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n == 0 || !buf[..n].contains(&b'\r') {
                return Ok(n);
            }
            let mut kept = 0;
            for i in 0..n {
                if buf[i] != b'\r' {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

impl<'a, R: Read> CsvReports<'a, R> {
    fn new(r: R, topology: &'a Topology) -> Self {
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(r);
        CsvReports {
            rdr,
            topology,
            record: csv::StringRecord::new(),
            postcodes: PostcodeMap::from_rows(std::iter::empty()),
            header_done: false,
            done: false,
        }
    }

    fn row(&self) -> Result<Report, String> {
        let rec = &self.record;
        if rec.len() != REPORTS_HEADER.len() {
            return Err(format!(
                "expected {} fields ({}), found {}",
                REPORTS_HEADER.len(),
                REPORTS_HEADER.join(","),
                rec.len()
            ));
        }
        let f = |i: usize| rec.get(i).unwrap_or("");
        for (i, name) in REPORTS_HEADER.iter().enumerate() {
            if *name != "service" && f(i).trim().is_empty() {
                return Err(format!("column `{name}`: is empty; a value is required"));
            }
        }
        let time = Timestamp::parse_rfc3339(f(0)).map_err(|m| format!("column `time`: {m}"))?;
        let raw = RawReport {
            provider: Some(f(1)),
            service: Some(f(2)),
            problem: Some(f(3)),
            region: Some(f(4)),
            postcode: None,
            time: None,
            source: Some(f(6)),
        };
        let mut report = intake::validate(
            &raw,
            self.topology,
            &self.postcodes,
            time,
            Timestamp(i64::MIN / 4),
            Source::Web,
            reporter_key(f(5)),
        )
        .map_err(|e| format!("column `{}`: {}", e.field, e.message))?;
        report.time = time;
        Ok(report)
    }
}

impl<R: Read> CsvReports<'_, R> {
    /// The next row with its line number.
    fn next_with_line(&mut self) -> Option<(u64, Result<Report, String>)> {
        if self.done {
            return None;
        }
        loop {
            let read = self.rdr.read_record(&mut self.record);
            let line = self
                .record
                .position()
                .map(|p| p.line())
                .unwrap_or_else(|| self.rdr.position().line());
            match read {
                Ok(false) => {
                    self.done = true;
                    if !self.header_done {
                        return Some((
                            1,
                            Err(format!(
                                "the file is empty; the first line must be `{}`",
                                REPORTS_HEADER.join(",")
                            )),
                        ));
                    }
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(line);
                    let fatal = !matches!(e.kind(), csv::ErrorKind::Utf8 { .. });
                    if fatal || !self.header_done {
                        self.done = true;
                    }
                    return Some((line, Err(format!("unreadable CSV: {e}"))));
                }
            }
            if !self.header_done {
                self.header_done = true;
                if let Err(message) = check_header(&self.record) {
                    self.done = true;
                    return Some((line, Err(message)));
                }
                continue;
            }
            return Some((line, self.row()));
        }
    }
}

/// One problem in a package: the file (relative to the package), the line if any, and what is
/// wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageIssue {
    pub file: String,
    pub line: Option<u64>,
    pub message: String,
}

impl fmt::Display for PackageIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Everything wrong with a package: the first [`MAX_LISTED_ERRORS`] problems and the total.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PackageError {
    pub dir: PathBuf,
    pub issues: Vec<PackageIssue>,
    pub total: usize,
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} problem(s) in scenario package {}:",
            self.total,
            self.dir.display()
        )?;
        for i in &self.issues {
            writeln!(f, "  {i}")?;
        }
        if self.total > self.issues.len() {
            writeln!(
                f,
                "  … and {} more (fix these first)",
                self.total - self.issues.len()
            )?;
        }
        Ok(())
    }
}

struct Issues {
    list: Vec<PackageIssue>,
    total: usize,
}

impl Issues {
    fn push(&mut self, file: &str, line: Option<u64>, message: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_LISTED_ERRORS {
            self.list.push(PackageIssue {
                file: file.to_owned(),
                line,
                message: message.into(),
            });
        }
    }
}

/// A loaded, validated scenario package (without its truth).
#[derive(Clone, Debug)]
pub struct Package {
    pub dir: PathBuf,
    pub topology: Topology,
    /// Time-ordered.
    pub reports: Vec<Report>,
    /// Time-ordered.
    pub events: Vec<Event>,
    /// `signals.csv` (optional), time-ordered.
    pub signals: Vec<SignalSample>,
}

/// One row of `signals.csv`: a sample of an operator signal declared in the topology.
pub use radar_core::signal::SignalSample;

const SIGNALS_HEADER: [&str; 5] = ["time", "provider", "signal", "region", "value"];

/// Reads `signals.csv`: the header, then rows whose signal is declared for the provider in the
/// topology, with a known or empty region and a finite value, in time order. Every problem is
/// pushed to `issues` with its line.
fn read_signals(file: impl Read, topology: &Topology, issues: &mut Issues) -> Vec<SignalSample> {
    const F: &str = "signals.csv";
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(NoCr(file));
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut last: Option<(Timestamp, u64)> = None;
    let mut line = 0u64;
    let mut header = true;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                issues.push(F, Some(line + 1), format!("cannot read: {e}"));
                break;
            }
        }
        line = record.position().map_or(line + 1, |p| p.line());
        if header {
            header = false;
            let got: Vec<&str> = record.iter().collect();
            if got != SIGNALS_HEADER {
                issues.push(
                    F,
                    Some(line),
                    format!(
                        "the header is {:?}; it must be exactly {}",
                        got.join(","),
                        SIGNALS_HEADER.join(",")
                    ),
                );
                return out;
            }
            continue;
        }
        if record.len() != SIGNALS_HEADER.len() {
            issues.push(
                F,
                Some(line),
                format!(
                    "{} columns; every row has {} ({})",
                    record.len(),
                    SIGNALS_HEADER.len(),
                    SIGNALS_HEADER.join(",")
                ),
            );
            continue;
        }
        let col = |i: usize| record.get(i).unwrap_or("");
        let time = match Timestamp::parse_rfc3339(col(0)) {
            Ok(t) => t,
            Err(m) => {
                issues.push(F, Some(line), format!("column `time`: {m}"));
                continue;
            }
        };
        let declared = topology.signal(col(1), col(2));
        let Some(declared) = declared else {
            issues.push(
                F,
                Some(line),
                format!(
                    "columns `provider`, `signal`: no signal {:?} of provider {:?} is declared; declare it under [[signals]] in topology.toml",
                    radar_core::intake::echo(col(2)),
                    radar_core::intake::echo(col(1))
                ),
            );
            continue;
        };
        let region = match col(3) {
            "" => None,
            r => match topology.region(r) {
                Some(reg) => Some(reg.id.clone()),
                None => {
                    issues.push(
                        F,
                        Some(line),
                        format!(
                            "column `region`: unknown region {:?}; use a region of topology.toml or leave it empty for the whole provider",
                            radar_core::intake::echo(r)
                        ),
                    );
                    continue;
                }
            },
        };
        let value = match col(4).trim().parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                issues.push(
                    F,
                    Some(line),
                    format!(
                        "column `value`: {:?} is not a finite decimal number",
                        radar_core::intake::echo(col(4))
                    ),
                );
                continue;
            }
        };
        if let Some((t, l)) = last {
            if time < t {
                issues.push(
                    F,
                    Some(line),
                    format!(
                        "column `time`: {time} is earlier than the row before it (line {l}, {t}); sort the rows by time"
                    ),
                );
            }
        }
        last = Some((time, line));
        out.push(SignalSample {
            time,
            provider: declared.provider.clone(),
            signal: declared.id.clone(),
            region,
            value,
        });
    }
    out
}

/// Parses one line of `events.jsonl` (without checking ids against a topology). The message
/// names the offending key and the column.
pub fn parse_event_line(line: &str) -> Result<Event, String> {
    const TYPES: &str = "incident, component, statement, probe";
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        format!(
            "not valid JSON ({}); write one JSON object per line",
            plain(&e)
        )
    })?;
    let obj = value.as_object().ok_or_else(|| {
        "expected a JSON object such as {\"time\": \"…\", \"type\": \"probe\", …}".to_owned()
    })?;
    match obj.get("type") {
        None => return Err(format!("missing key `type`; allowed types: {TYPES}")),
        Some(serde_json::Value::String(t))
            if ["incident", "component", "statement", "probe"].contains(&t.as_str()) => {}
        Some(other) => {
            return Err(format!(
                "key `type`: {other} is not an event type; allowed: {TYPES}"
            ))
        }
    }
    serde_json::from_str::<Event>(line).map_err(|e| {
        let msg = plain(&e);
        match key_of_value(obj, &msg) {
            Some(k) if !msg.contains(&format!("`{k}`")) => format!("key `{k}`: {msg}"),
            _ => msg,
        }
    })
}

/// The key whose value a serde message quotes (`unknown variant `x``, `string "x"`), so that
/// the message can name it; None when no single top-level key holds that value.
fn key_of_value(obj: &serde_json::Map<String, serde_json::Value>, msg: &str) -> Option<String> {
    let quoted = |open: &str, close: char| {
        let start = msg.find(open)? + open.len();
        let len = msg[start..].find(close)?;
        Some(msg[start..start + len].to_owned())
    };
    let token = quoted("variant `", '`')
        .or_else(|| quoted("string \"", '"'))
        .or_else(|| quoted("invalid value: ", ','))?;
    let holds = |v: &serde_json::Value| match v {
        serde_json::Value::String(x) => *x == token,
        serde_json::Value::Array(items) => items.iter().any(|i| i.as_str() == Some(&token)),
        _ => false,
    };
    let mut keys = obj.iter().filter(|(_, v)| holds(v)).map(|(k, _)| k.clone());
    let first = keys.next()?;
    keys.next().is_none().then_some(first)
}

/// serde_json's message with "at line 1 column C" turned into "(column C)".
fn plain(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rsplit_once(" at line ") {
        Some((head, _)) => format!("{head} (column {})", e.column()),
        None => msg,
    }
}

fn read_text(dir: &Path, name: &str, issues: &mut Issues) -> Option<String> {
    match std::fs::read_to_string(dir.join(name)) {
        Ok(t) => Some(t),
        Err(e) => {
            issues.push(name, None, format!("cannot read: {e}"));
            None
        }
    }
}

/// Loads and validates a package folder, collecting every problem.
pub fn load(dir: &Path) -> Result<Package, PackageError> {
    let mut issues = Issues {
        list: Vec::new(),
        total: 0,
    };
    if !dir.is_dir() {
        issues.push(
            &dir.display().to_string(),
            None,
            "not a folder; a scenario package is a folder with topology.toml and reports.csv",
        );
        return Err(PackageError {
            dir: dir.to_path_buf(),
            issues: issues.list,
            total: issues.total,
        });
    }
    let topology = read_text(dir, "topology.toml", &mut issues);
    let reports =
        std::fs::File::open(dir.join("reports.csv")).map(|f| BufReader::with_capacity(1 << 20, f));
    let events_path = dir.join("events.jsonl");
    let events = events_path
        .exists()
        .then(|| std::fs::File::open(&events_path).map(BufReader::new));
    let signals_path = dir.join("signals.csv");
    let signals = signals_path
        .exists()
        .then(|| std::fs::File::open(&signals_path).map(BufReader::new));
    check(dir, issues, topology, reports, events, signals)
}

/// A package from the contents of its files (`events_jsonl` may be absent), validated
/// exactly as [`load`] validates a folder; `dir` only names it in messages and in
/// [`Package::dir`].
pub fn from_contents(
    dir: &Path,
    topology_toml: &str,
    reports_csv: &[u8],
    events_jsonl: Option<&[u8]>,
    signals_csv: Option<&[u8]>,
) -> Result<Package, PackageError> {
    let issues = Issues {
        list: Vec::new(),
        total: 0,
    };
    check(
        dir,
        issues,
        Some(topology_toml.to_owned()),
        Ok(reports_csv),
        events_jsonl.map(Ok),
        signals_csv.map(Ok),
    )
}

/// Validates a package's contents, collecting every problem: `topology` is the text of
/// `topology.toml` (None when it could not be read, already in `issues`), `reports_file` and
/// `events_file` open readers of `reports.csv` and `events.jsonl` (None: no events file).
fn check(
    dir: &Path,
    mut issues: Issues,
    topology: Option<String>,
    reports_file: std::io::Result<impl Read>,
    events_file: Option<std::io::Result<impl BufRead>>,
    signals_file: Option<std::io::Result<impl Read>>,
) -> Result<Package, PackageError> {
    let fail = |issues: Issues| PackageError {
        dir: dir.to_path_buf(),
        issues: issues.list,
        total: issues.total,
    };
    let topology = match topology {
        Some(text) => match Topology::from_toml("topology.toml", &text) {
            Ok(t) => Some(t),
            Err(errs) => {
                for e in errs.0 {
                    let line = (e.line > 0).then_some(e.line as u64);
                    issues.push("topology.toml", line, format!("{}: {}", e.key, e.message));
                }
                None
            }
        },
        None => None,
    };
    let Some(topology) = topology else {
        return Err(fail(issues));
    };

    let mut reports = Vec::new();
    match reports_file {
        Err(e) => issues.push("reports.csv", None, format!("cannot read: {e}")),
        Ok(file) => {
            let mut rows = CsvReports::new(NoCr(file), &topology);
            let mut last: Option<(Timestamp, u64)> = None;
            while let Some((line, item)) = rows.next_with_line() {
                match item {
                    Ok(r) => {
                        if let Some((t, l)) = last {
                            if r.time < t {
                                issues.push(
                                    "reports.csv",
                                    Some(line),
                                    format!(
                                        "column `time`: {} is earlier than the row before it (line {l}, {t}); sort the rows by time",
                                        r.time
                                    ),
                                );
                            }
                        }
                        last = Some((r.time, line));
                        reports.push(r);
                    }
                    Err(m) => issues.push("reports.csv", Some(line), m),
                }
            }
        }
    }

    let mut events = Vec::new();
    if let Some(events_file) = events_file {
        match events_file {
            Err(e) => issues.push("events.jsonl", None, format!("cannot read: {e}")),
            Ok(file) => {
                let mut incidents: BTreeSet<String> = BTreeSet::new();
                let mut last: Option<Timestamp> = None;
                for (i, line) in file.lines().enumerate() {
                    let n = i as u64 + 1;
                    let line = match line {
                        Ok(l) => l,
                        Err(e) => {
                            issues.push("events.jsonl", Some(n), format!("cannot read: {e}"));
                            break;
                        }
                    };
                    // A byte-order mark opens the file in some editors' UTF-8.
                    let line = if n == 1 {
                        line.strip_prefix('\u{feff}').unwrap_or(&line)
                    } else {
                        &line
                    };
                    if line.trim().is_empty() {
                        continue;
                    }
                    match parse_event_line(line) {
                        Err(m) => issues.push("events.jsonl", Some(n), m),
                        Ok(ev) => {
                            for (key, m) in ev.check(&topology) {
                                issues.push("events.jsonl", Some(n), format!("key `{key}`: {m}"));
                            }
                            match &ev {
                                Event::Incident(inc) => {
                                    incidents.insert(inc.id.as_str().to_owned());
                                }
                                Event::Statement(s) if !incidents.contains(s.incident.as_str()) => {
                                    issues.push(
                                        "events.jsonl",
                                        Some(n),
                                        format!(
                                            "key `incident`: no incident {} was declared on an earlier line; declare it first with a \"type\":\"incident\" line",
                                            s.incident
                                        ),
                                    );
                                }
                                _ => {}
                            }
                            if let Some(t) = last {
                                if ev.time() < t {
                                    issues.push(
                                        "events.jsonl",
                                        Some(n),
                                        format!(
                                            "key `time`: {} is earlier than the line before ({t}); sort the lines by time",
                                            ev.time()
                                        ),
                                    );
                                }
                            }
                            last = Some(ev.time());
                            events.push(ev);
                        }
                    }
                }
            }
        }
    }

    let signals = match signals_file {
        None => Vec::new(),
        Some(Err(e)) => {
            issues.push("signals.csv", None, format!("cannot read: {e}"));
            Vec::new()
        }
        Some(Ok(file)) => read_signals(file, &topology, &mut issues),
    };

    if issues.total > 0 {
        return Err(fail(issues));
    }
    Ok(Package {
        dir: dir.to_path_buf(),
        topology,
        reports,
        events,
        signals,
    })
}

/// One row of `reports.csv` as text, as a generator or exporter writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub time: Timestamp,
    pub provider: String,
    pub service: Option<String>,
    pub problem: String,
    pub region: String,
    pub reporter: String,
    pub source: String,
}

impl ReportRow {
    /// A row; an empty `service` means the reporter picked none.
    pub(crate) fn new(
        time: i64,
        provider: &str,
        service: &str,
        problem: &str,
        region: &str,
        reporter: String,
        source: &str,
    ) -> Self {
        ReportRow {
            time: Timestamp(time),
            provider: provider.to_owned(),
            service: (!service.is_empty()).then(|| service.to_owned()),
            problem: problem.to_owned(),
            region: region.to_owned(),
            reporter,
            source: source.to_owned(),
        }
    }
}

/// Writes `topology.toml`, `reports.csv`, `events.jsonl` and `truth.json` into `dir` (created
/// if needed).
pub fn write_package(
    dir: &Path,
    topology_toml: &str,
    rows: &[ReportRow],
    events: &[Event],
    signals: &[SignalSample],
    truth: &crate::eval::Truth,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if !signals.is_empty() {
        let f = std::fs::File::create(dir.join("signals.csv"))?;
        write_signals_csv(std::io::BufWriter::new(f), signals)?;
    }
    std::fs::write(dir.join("topology.toml"), topology_toml)?;
    let f = std::fs::File::create(dir.join("reports.csv"))?;
    write_reports_csv(std::io::BufWriter::with_capacity(1 << 20, f), rows)?;
    let f = std::fs::File::create(dir.join("events.jsonl"))?;
    write_events_jsonl(std::io::BufWriter::new(f), events)?;
    let truth = serde_json::to_string_pretty(truth).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("truth.json"), truth + "\n")?;
    Ok(())
}

/// Writes `signals.csv` (header included). Values are written as Rust prints an `f64`, which
/// reads back to the same number.
pub fn write_signals_csv<W: Write>(w: W, samples: &[SignalSample]) -> std::io::Result<()> {
    let mut wtr = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    wtr.write_record(SIGNALS_HEADER)?;
    for s in samples {
        wtr.write_record([
            s.time.to_rfc3339().as_str(),
            s.provider.as_str(),
            s.signal.as_str(),
            s.region.as_ref().map_or("", |r| r.as_str()),
            s.value.to_string().as_str(),
        ])?;
    }
    wtr.flush()
}

/// Writes `reports.csv` (header included).
pub fn write_reports_csv<W: Write>(w: W, rows: &[ReportRow]) -> std::io::Result<()> {
    let mut wtr = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    wtr.write_record(REPORTS_HEADER)?;
    for r in rows {
        wtr.write_record([
            r.time.to_rfc3339().as_str(),
            &r.provider,
            r.service.as_deref().unwrap_or(""),
            &r.problem,
            &r.region,
            &r.reporter,
            &r.source,
        ])?;
    }
    wtr.flush()?;
    Ok(())
}

/// Writes `events.jsonl`, one event per line.
pub fn write_events_jsonl<W: Write>(mut w: W, events: &[Event]) -> std::io::Result<()> {
    for e in events {
        serde_json::to_writer(&mut w, e)?;
        w.write_all(b"\n")?;
    }
    w.flush()
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
[[regions]]
id = "DE-BY"
name = "Bayern"
[[regions]]
id = "DE-BE"
name = "Berlin"
[[components]]
provider = "o2-de"
id = "lte-ran"
name = "LTE"
[[components]]
provider = "o2-de"
id = "crm-dsl"
name = "CRM"
[[services]]
provider = "o2-de"
id = "mobile-data"
name = "Mobile internet"
depends_on = ["lte-ran"]
"#;

    fn topo() -> Topology {
        Topology::from_toml("topology.toml", TOPO).unwrap()
    }

    fn read(text: &str) -> Vec<Result<Report, LineError>> {
        let t = topo();
        read_reports_csv(text.as_bytes(), &t).collect()
    }

    #[test]
    fn reads_good_rows() {
        let rows = read(
            "time,provider,service,problem,region,reporter,source\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,no-internet,DE-BY,7f3a9c,web\n\
             2017-05-17T13:03:00Z,o2-de,,other,DE-BE,abc,app\n",
        );
        assert_eq!(rows.len(), 2);
        let r = rows[0].as_ref().unwrap();
        assert_eq!(r.time.to_rfc3339(), "2017-05-17T13:02:11Z");
        assert_eq!(r.reporter, reporter_key("7f3a9c"));
        assert_eq!(r.service.as_ref().unwrap().as_str(), "mobile-data");
        assert!(rows[1].as_ref().unwrap().service.is_none());
    }

    #[test]
    fn header_must_be_exact() {
        let rows = read("time,provider,service,problem,region,reporter,source,extra\n");
        assert_eq!(rows.len(), 1);
        let e = rows[0].as_ref().unwrap_err();
        assert_eq!(e.line, 1);
        assert!(
            e.message.contains("unknown column `extra`"),
            "{}",
            e.message
        );
        let rows = read("time,provider,problem,region,reporter,source\nx\n");
        let e = rows[0].as_ref().unwrap_err();
        assert!(
            e.message.contains("missing column `service`"),
            "{}",
            e.message
        );
        assert_eq!(rows.len(), 1, "a bad header ends the stream");
        let rows = read("provider,time,service,problem,region,reporter,source\n");
        assert!(rows[0]
            .as_ref()
            .unwrap_err()
            .message
            .contains("out of order"));
        let rows = read("");
        assert!(rows[0].as_ref().unwrap_err().message.contains("empty"));
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_column() {
        let rows = read(
            "time,provider,service,problem,region,reporter,source\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,down,DE-BY,a,web\n\
             2017-05-17 13:02,o2-de,mobile-data,other,DE-BY,a,web\n\
             2017-05-17T13:02:11Z,vodafone,mobile-data,other,DE-BY,a,web\n\
             2017-05-17T13:02:11Z,o2-de,tv,other,DE-BY,a,web\n\
             2017-05-17T13:02:11Z,o2-de,,other,DE-XX,a,web\n\
             2017-05-17T13:02:11Z,o2-de,,other,DE-BY,,web\n\
             2017-05-17T13:02:11Z,o2-de,,other,DE-BY,a,fax\n\
             2017-05-17T13:02:11Z,o2-de,,other,DE-BY,a\n\
             2017-05-17T13:02:11Z,o2-de,,other,DE-BY,a,web\n",
        );
        let errs: Vec<&LineError> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(errs.len(), 8, "{errs:?}");
        let expect = [
            (2, "column `problem`"),
            (3, "column `time`"),
            (4, "column `provider`"),
            (5, "column `service`"),
            (6, "column `region`"),
            (7, "column `reporter`"),
            (8, "column `source`"),
            (9, "expected 7 fields"),
        ];
        for (e, (line, what)) in errs.iter().zip(expect) {
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(what), "{e}");
        }
        assert!(rows[8].is_ok());
    }

    #[test]
    fn windows_line_endings_keep_the_line_numbers() {
        let rows = read(
            "time,provider,service,problem,region,reporter,source\r\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,no-internet,DE-BY,a,web\r\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,down,DE-BY,a,web\r\n\
             2017-05-17T13:02:12Z,o2-de,,other,DE-BY,a,web\r\n",
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].as_ref().unwrap().source, Source::Web);
        let e = rows[1].as_ref().unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(rows[2].is_ok());
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark_read_as_plain_files() {
        let tmp = tempfile::tempdir().unwrap();
        write_pkg(
            tmp.path(),
            "time,provider,service,problem,region,reporter,source\r\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,no-internet,DE-BY,a,web\r\n",
            Some(
                "\u{feff}{\"time\":\"2017-05-17T13:10:00Z\",\"type\":\"probe\",\"provider\":\"o2-de\",\"component\":\"crm-dsl\",\"region\":\"DE-BY\",\"ok\":false}\r\n",
            ),
        );
        let topo = format!(
            "{TOPO}[[signals]]\nprovider = \"o2-de\"\nid = \"hotline-wait\"\nname = \"Hotline waiting time\"\n"
        );
        std::fs::write(tmp.path().join("topology.toml"), &topo).unwrap();
        std::fs::write(
            tmp.path().join("signals.csv"),
            "time,provider,signal,region,value\r\n\
             2017-05-17T13:05:00Z,o2-de,hotline-wait,,2400\r\n",
        )
        .unwrap();
        let p = load(tmp.path()).unwrap();
        assert_eq!(p.events.len(), 1);
        assert_eq!(p.signals[0].value, 2400.0);
        // A bad row is named by its own line.
        std::fs::write(
            tmp.path().join("signals.csv"),
            "time,provider,signal,region,value\r\n\
             2017-05-17T13:05:00Z,o2-de,hotline-wait,,2400\r\n\
             2017-05-17T13:06:00Z,o2-de,hotline-wait,,NaN\r\n",
        )
        .unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("signals.csv:3: column `value`"), "{e}");
    }

    fn write_pkg(dir: &Path, reports: &str, events: Option<&str>) {
        std::fs::write(dir.join("topology.toml"), TOPO).unwrap();
        std::fs::write(dir.join("reports.csv"), reports).unwrap();
        if let Some(e) = events {
            std::fs::write(dir.join("events.jsonl"), e).unwrap();
        }
    }

    #[test]
    fn signals_are_read_and_checked() {
        let tmp = tempfile::tempdir().unwrap();
        write_pkg(
            tmp.path(),
            "time,provider,service,problem,region,reporter,source\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,no-internet,DE-BY,a,web\n",
            None,
        );
        let topo = format!(
            "{TOPO}[[signals]]\nprovider = \"o2-de\"\nid = \"hotline-wait\"\nname = \"Hotline waiting time\"\nunit = \"s\"\ncomponent = \"crm-dsl\"\n"
        );
        std::fs::write(tmp.path().join("topology.toml"), &topo).unwrap();
        std::fs::write(
            tmp.path().join("signals.csv"),
            "time,provider,signal,region,value\n\
             2017-05-17T13:05:00Z,o2-de,hotline-wait,,2400\n\
             2017-05-17T13:06:00Z,o2-de,hotline-wait,DE-BY,1.5e3\n",
        )
        .unwrap();
        let p = load(tmp.path()).unwrap();
        assert_eq!(p.signals.len(), 2);
        assert_eq!(p.signals[0].region, None);
        assert_eq!(p.signals[1].value, 1500.0);
        assert_eq!(p.signals[1].region.as_ref().unwrap().as_str(), "DE-BY");

        std::fs::write(
            tmp.path().join("signals.csv"),
            "time,provider,signal,region,value\n\
             2017-05-17T13:05:00Z,o2-de,calls,,1\n\
             2017-05-17T13:06:00Z,o2-de,hotline-wait,DE-XX,1\n\
             2017-05-17T13:07:00Z,o2-de,hotline-wait,,NaN\n\
             2017-05-17T13:08:00Z,o2-de,hotline-wait,,1\n\
             2017-05-17T13:01:00Z,o2-de,hotline-wait,,1\n\
             2017-05-17T13:09:00Z,o2-de,hotline-wait\n",
        )
        .unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        for want in [
            "signals.csv:2: columns `provider`, `signal`: no signal \"calls\"",
            "signals.csv:3: column `region`: unknown region \"DE-XX\"",
            "signals.csv:4: column `value`: \"NaN\" is not a finite",
            "signals.csv:6: column `time`",
            "signals.csv:7: 3 columns",
        ] {
            assert!(e.contains(want), "{want:?} not in {e}");
        }
        std::fs::write(tmp.path().join("signals.csv"), "time,provider,value\n").unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("signals.csv:1: the header is"), "{e}");
    }

    #[test]
    fn loads_package_and_checks_order() {
        let tmp = tempfile::tempdir().unwrap();
        write_pkg(
            tmp.path(),
            "time,provider,service,problem,region,reporter,source\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,no-internet,DE-BY,a,web\n\
             2017-05-17T13:03:11Z,o2-de,mobile-data,no-internet,DE-BY,b,web\n",
            None,
        );
        let p = load(tmp.path()).unwrap();
        assert_eq!(p.reports.len(), 2);
        assert!(p.events.is_empty());
        // Truth is never read, even when broken.
        std::fs::write(tmp.path().join("truth.json"), "garbage").unwrap();
        assert!(load(tmp.path()).is_ok());

        write_pkg(
            tmp.path(),
            "time,provider,service,problem,region,reporter,source\n\
             2017-05-17T13:02:11Z,o2-de,mobile-data,no-internet,DE-BY,a,web\n\
             2017-05-17T13:01:11Z,o2-de,mobile-data,no-internet,DE-BY,b,web\n",
            Some(""),
        );
        let e = load(tmp.path()).unwrap_err();
        assert_eq!(e.total, 1, "{e}");
        assert_eq!(e.issues[0].line, Some(3), "{e}");
        assert!(e.to_string().contains("sort the rows by time"), "{e}");
    }

    #[test]
    fn events_are_validated() {
        let tmp = tempfile::tempdir().unwrap();
        write_pkg(
            tmp.path(),
            "time,provider,service,problem,region,reporter,source\n",
            Some(concat!(
                r#"{"time":"2017-05-12T16:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":["crm-dsl"],"state":"identified"}"#,
                "\n",
                r#"{"time":"2017-05-12T16:05:00Z","type":"component","provider":"o2-de","component":"crm-dsl","status":"major-outage","extra":1}"#,
                "\n\n",
                r#"{"time":"2017-05-12T16:06:00Z","type":"statement","incident":"net-9","text":{"en":"x"}}"#,
                "\n",
                r#"{"time":"2017-05-12T15:00:00Z","type":"probe","provider":"o2-de","component":"umts-ran","region":"DE-BY","ok":false}"#,
                "\n",
                r#"{"time":"2017-05-12T16:00:00Z","type":"outage"}"#,
                "\n",
                "not json\n",
            )),
        );
        let e = load(tmp.path()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("events.jsonl:2: unknown field `extra`"),
            "{text}"
        );
        assert!(text.contains("(column"), "{text}");
        assert!(text.contains("events.jsonl:4: key `incident`"), "{text}");
        assert!(text.contains("events.jsonl:5: key `component`"), "{text}");
        assert!(text.contains("events.jsonl:5: key `time`"), "{text}");
        assert!(text.contains("events.jsonl:6: key `type`"), "{text}");
        assert!(text.contains("events.jsonl:7: not valid JSON"), "{text}");
        assert_eq!(e.total, 6, "{text}");
    }

    #[test]
    fn caps_the_list() {
        let tmp = tempfile::tempdir().unwrap();
        let mut csv = String::from("time,provider,service,problem,region,reporter,source\n");
        for _ in 0..120 {
            csv.push_str("2017-05-17T13:02:11Z,o2-de,,down,DE-BY,a,web\n");
        }
        write_pkg(tmp.path(), &csv, None);
        let e = load(tmp.path()).unwrap_err();
        assert_eq!(e.total, 120);
        assert_eq!(e.issues.len(), MAX_LISTED_ERRORS);
        assert!(e.to_string().contains("and 70 more"), "{e}");
    }

    #[test]
    fn topology_errors_stop_the_load() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("topology.toml"),
            "[[providers]]\nid = \"X\"\n",
        )
        .unwrap();
        let e = load(tmp.path()).unwrap_err();
        assert!(
            e.to_string().contains("topology.toml:2: providers[0].id"),
            "{e}"
        );
        let e = load(&tmp.path().join("nope")).unwrap_err();
        assert!(e.to_string().contains("not a folder"), "{e}");
    }

    #[test]
    fn event_errors_name_the_key() {
        let e = parse_event_line(
            r#"{"time":"2017-05-12T16:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":[],"state":"investigating"}"#,
        )
        .unwrap_err();
        assert!(
            e.starts_with("key `state`: unknown variant `investigating`"),
            "{e}"
        );
        let e = parse_event_line(
            r#"{"time":"2017-05-17T13:10:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BY","ok":"false"}"#,
        )
        .unwrap_err();
        assert!(
            e.starts_with("key `ok`: invalid type: string \"false\""),
            "{e}"
        );
        // serde names unknown fields itself; nothing is added.
        let e = parse_event_line(
            r#"{"time":"2017-05-17T13:10:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BY","ok":false,"extra":1}"#,
        )
        .unwrap_err();
        assert!(e.starts_with("unknown field `extra`"), "{e}");
    }

    #[test]
    fn writer_roundtrips() {
        let rows = vec![ReportRow {
            time: Timestamp(1494975600),
            provider: "o2-de".into(),
            service: None,
            problem: "no-signal".into(),
            region: "DE-BE".into(),
            reporter: "r,1".into(),
            source: "app".into(),
        }];
        let mut buf = Vec::new();
        write_reports_csv(&mut buf, &rows).unwrap();
        let back = read(std::str::from_utf8(&buf).unwrap());
        let r = back[0].as_ref().unwrap();
        assert_eq!(r.time, Timestamp(1494975600));
        assert_eq!(r.reporter, reporter_key("r,1"));
    }
}
