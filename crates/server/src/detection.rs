//! Detection in the live server: committed reports feed the core detector; a ticker closes
//! minutes as wall-clock time passes. Episodes are what `/api/v1/outages` serves.
//!
//! # Time
//! Only the server's clock closes minutes: [`Detection::tick`] closes every minute that ended
//! at least [`REORDER_SECS`] ago. A report's own time never does. Reports are *held* per minute
//! until their minute closes and are then fed to the detector in time order, so reports that
//! arrive out of order within the window count in their own minute, and a report dated ahead
//! (the API accepts up to five minutes) waits for its minute instead of closing the minutes
//! the other reports are still arriving for.
//!
//! The reorder window delays only the alarms that need late reports: at every tick, the
//! reports held for the open minute are checked ([`Detection::show_early`],
//! [`radar_core::detect::Detector::preview_early`]), and an outage they already settle is
//! shown at once, dated at the report that settled it (as an outage settled by a minute's close
//! is dated at the minute's end: the time of the data). The close keeps it. A restarted server
//! dates such an outage at its minute's end (the early checks are not replayed), and a node of a
//! cluster, which closes minutes from the store, shows outages at the close only.
//!
//! A report whose minute has already closed when it is committed (dated further back than the
//! window) is stored but not counted: the detector does not rewind. Whether a report was
//! counted is decided under the same lock that closes minutes, stored with the report in the
//! same transaction ([`radar_store::Store`]'s `live` flag) and told to the client. At start,
//! [`Detection::warm_up`] counts exactly the stored reports that live detection counted (and
//! those that never went through it: `radar import`), so a restarted server shows what the
//! running one showed.
//!
//! # Operator signals
//! Samples of operator signals (`POST /api/v1/signals`, playback) are stored, then fed to the
//! core's [`SignalWatcher`]; the same tick closes its bins up to the same time as the minutes.
//! A sample for a bin already closed is stored but not watched (the watcher does not rewind
//! either). At start, [`Detection::warm_up_signals`] feeds the stored samples again.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use radar_core::detect::{Declared, Detector, DetectorConfig, Episode, SeriesStatus};
use radar_core::signal::{SignalAnomaly, SignalConfig, SignalSample, SignalWatcher};
use radar_core::topology::Topology;
use radar_core::{Minute, ProviderId, Report, Timestamp};
use radar_store::{ReportId, Store};

/// Seconds a minute stays open after it ends: the reorder window. A report committed within a
/// minute of its minute's end still counts there. Reports sent without a `time` are dated on
/// arrival and need only the few milliseconds of a commit; the window is for clients that send
/// their own times: apps that queue reports while offline for a moment, forwarders that batch
/// every 30 to 60 seconds, retries after a timeout, clocks a little behind. An alarm that needs
/// the late reports comes this much later (a minute is scored only once it closes), so the
/// window is as short as those cover: one minute, against detection delays of two minutes and
/// more. An alarm that the reports held so far already settle does not wait for it
/// ([`Detection::show_early`]).
pub const REORDER_SECS: i64 = 60;

/// Which minutes are closed, and the reports held for the minutes still open.
struct Gate {
    /// First minute not yet closed (absolute minute index).
    open: Minute,
    /// Reports counted for live detection whose minute is still open, by minute.
    held: BTreeMap<Minute, Vec<(ReportId, Report)>>,
    /// The open minute and how many of its held reports the last early check saw.
    previewed: (Minute, usize),
}

pub struct Detection {
    detector: Mutex<Detector>,
    /// The reorder window in seconds ([`REORDER_SECS`] unless configured).
    reorder_secs: i64,
    /// Declarations taken in (incident, time, open), so that one seen twice (from the
    /// operator API and again from the store) is taken once.
    declared: Mutex<std::collections::HashSet<(String, i64, bool)>>,
    follows_store: std::sync::atomic::AtomicBool,
    /// Taken by the committer from deciding which reports count until they are held (across
    /// the store write), and by the tick to close minutes: a report decided "counted" is always
    /// held before its minute closes.
    gate: Mutex<Gate>,
    /// The operator-signal watcher; its bins close with the minutes.
    signals: Mutex<SignalWatcher>,
}

/// A batch being committed: which of its reports live detection counts. Minutes do not close
/// while it lives; [`Admission::hold`] once the batch is durable, or drop it if not.
pub struct Admission<'a> {
    gate: MutexGuard<'a, Gate>,
}

impl Admission<'_> {
    /// For each report, whether live detection counts it: its minute is not closed yet.
    pub fn counted(&self, reports: &[Report]) -> Vec<bool> {
        reports
            .iter()
            .map(|r| r.time.minute() >= self.gate.open)
            .collect()
    }

    /// Holds the counted reports of a committed batch until their minutes close.
    pub fn hold(mut self, reports: Vec<Report>, ids: &[ReportId], counted: &[bool]) {
        for ((r, &id), &c) in reports.into_iter().zip(ids).zip(counted) {
            if c {
                self.gate
                    .held
                    .entry(r.time.minute())
                    .or_default()
                    .push((id, r));
            }
        }
    }
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves state that is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Detection {
    pub fn new(topology: &Topology, config: DetectorConfig) -> Detection {
        Detection::with_reorder(topology, config, REORDER_SECS)
    }

    /// [`Detection::new`] with a reorder window of `reorder_secs` seconds.
    pub fn with_reorder(
        topology: &Topology,
        config: DetectorConfig,
        reorder_secs: i64,
    ) -> Detection {
        Detection {
            reorder_secs,
            declared: Mutex::default(),
            follows_store: Default::default(),
            detector: Mutex::new(Detector::new(topology, config)),
            gate: Mutex::new(Gate {
                open: Minute(i64::MIN),
                held: BTreeMap::new(),
                previewed: (Minute(i64::MIN), 0),
            }),
            signals: Mutex::new(SignalWatcher::new(topology, SignalConfig::default())),
        }
    }

    /// Feeds stored operator-signal samples (checked against the topology) to the watcher.
    /// Returns how many came too late for their bin (stored, not watched).
    pub fn observe_signals(&self, samples: &[SignalSample]) -> u64 {
        if self
            .follows_store
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            // A node of a cluster reads them back from the store ([`Detection::follow`]).
            return 0;
        }
        let mut w = relock(&self.signals);
        let before = w.late_samples();
        for s in samples {
            if let Err(e) = w.observe(s) {
                tracing::warn!(error = %e, "signal sample not watched");
            }
        }
        w.late_samples() - before
    }

    /// Every operator-signal anomaly so far, by start.
    pub fn signal_anomalies(&self) -> Vec<SignalAnomaly> {
        relock(&self.signals).anomalies()
    }

    /// Feeds the stored signal samples of `[since, now]` to the watcher and closes its bins up
    /// to where [`Detection::tick`] would. Returns the number of samples.
    pub async fn warm_up_signals(
        &self,
        store: &dyn Store,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<usize, radar_store::StoreError> {
        let samples = store.all_signal_samples(since, now).await?;
        let target = self.closing_target(now).start();
        let mut w = relock(&self.signals);
        for s in &samples {
            if s.time > target {
                w.advance_to(target);
            } else {
                w.advance_to(s.time.minute().start());
            }
            let _ = w.observe(s);
        }
        w.advance_to(target);
        Ok(samples.len())
    }

    /// Takes in a declaration; the detector applies it when its minute closes
    /// ([`Detector::declare_at`]), as in replay.
    pub fn declare(&self, x: Declared) {
        if self
            .follows_store
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            // A node of a cluster takes declarations from the store only
            // ([`Detection::declare_stored`]), as every other node does.
            return;
        }
        self.declare_stored(x);
    }

    /// Takes in a declaration read from a stored incident's timeline; one already taken in is
    /// not taken again.
    pub fn declare_stored(&self, x: Declared) {
        if relock(&self.declared).insert((x.id.clone(), x.time.0, x.open)) {
            self.lock().declare_at(x);
        }
    }

    /// From now on, minutes close only by [`Detection::follow`], and declarations and operator
    /// signals come only from the store (a node of a cluster).
    pub fn follow_store(&self) {
        self.follows_store
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The reorder window in seconds.
    pub fn reorder_secs(&self) -> i64 {
        self.reorder_secs
    }

    /// The first minute that `now` leaves open: minutes before it have ended at least the
    /// reorder window ago.
    pub fn closing_target(&self, now: Timestamp) -> Minute {
        Timestamp(now.0 - self.reorder_secs).minute()
    }

    /// Starts admitting a batch (see [`Admission`]).
    pub fn admit(&self) -> Admission<'_> {
        Admission {
            gate: relock(&self.gate),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Detector> {
        relock(&self.detector)
    }

    /// Closes every minute that ended at least [`REORDER_SECS`] before `now`, feeding each the
    /// reports held for it first; then shows an outage that the reports held for the open
    /// minute already settle ([`Detection::show_early`]).
    pub fn tick(&self, now: Timestamp) {
        self.close_before(self.closing_target(now));
        self.show_early(now);
    }

    /// An outage that the reports held so far for the open minute already settle is shown
    /// at `now`, without waiting for the minute to close: the reorder window delays only the
    /// alarms that need the late reports ([`Detector::preview_early`]). Checked again only
    /// when more reports are held.
    pub fn show_early(&self, now: Timestamp) {
        let mut gate = relock(&self.gate);
        let mut d = self.lock();
        let Some(open) = d.open_minute() else { return };
        let Some(held) = gate.held.get(&open) else {
            return;
        };
        if gate.previewed == (open, held.len()) {
            return;
        }
        let mut reports: Vec<&(ReportId, Report)> = held.iter().collect();
        reports.sort_unstable_by_key(|(id, r)| (r.time, *id));
        let reports: Vec<&Report> = reports.into_iter().map(|(_, r)| r).collect();
        let shown = d.preview_early(&reports, now);
        gate.previewed = (open, held.len());
        if !shown.is_empty() {
            tracing::info!(shown = shown.len(), "outage shown before its minute closed");
        }
    }

    /// Closes every minute before `target`, feeding each the reports held for it first.
    pub fn close_before(&self, target: Minute) {
        self.close_before_with(target, false);
    }

    /// [`Detection::close_before`] for reports played back in time order in one step (their
    /// arrival is their time): before each minute closes, an outage its reports settled is
    /// shown at the time of the report that settled it, as a replay shows it.
    pub fn play_before(&self, target: Minute) {
        self.close_before_with(target, true);
    }

    fn close_before_with(&self, target: Minute, preview: bool) {
        let mut gate = relock(&self.gate);
        let later = gate.held.split_off(&target);
        let due = std::mem::replace(&mut gate.held, later);
        let mut d = self.lock();
        let mut changes = 0;
        for (m, mut reports) in due {
            changes += d.advance_to(m.start()).len();
            reports.sort_unstable_by_key(|(id, r)| (r.time, *id));
            if preview {
                let held: Vec<&Report> = reports.iter().map(|(_, r)| r).collect();
                changes += d.preview_early(&held, m.end()).len();
            }
            for (_, r) in &reports {
                d.observe(r);
            }
        }
        changes += d.advance_to(target.start()).len();
        gate.open = gate.open.max(d.open_minute().unwrap_or(target));
        relock(&self.signals).advance_to(target.start());
        if changes > 0 {
            tracing::info!(changes, "outage episodes changed");
        }
    }

    pub fn episodes(&self, provider: Option<&ProviderId>) -> Vec<Episode> {
        self.lock()
            .episodes()
            .iter()
            .filter(|e| provider.is_none_or(|p| &e.provider == p))
            .cloned()
            .collect()
    }

    pub fn status(&self, provider: &ProviderId) -> Option<SeriesStatus> {
        self.lock().provider_status(provider)
    }

    pub fn series_count(&self) -> usize {
        self.lock().series_count()
    }

    /// Replays the stored reports since `since` that live detection counted (or that never
    /// went through it) into the detector, so a restarted server knows its baselines and open
    /// outages and agrees with what the running one showed; reports of minutes still open at
    /// `now` are held for the tick. Returns the number of reports replayed or held.
    pub async fn warm_up(
        &self,
        store: &dyn Store,
        since: Timestamp,
        now: Timestamp,
        declared: Vec<Declared>,
    ) -> Result<u64, radar_store::StoreError> {
        for x in declared {
            self.declare(x);
        }
        let target = self.closing_target(now);
        let mut after = None;
        let mut n = 0u64;
        loop {
            let page = store
                .warmup_page(since, Timestamp(i64::MAX), after, 20_000)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.1.time, last.0));
            let mut gate = relock(&self.gate);
            let mut d = self.lock();
            for (id, r) in page {
                let m = r.time.minute();
                if m < target {
                    d.advance_to(m.start());
                    d.observe(&r);
                } else {
                    gate.held.entry(m).or_default().push((id, r));
                }
                n += 1;
            }
        }
        let mut gate = relock(&self.gate);
        let mut d = self.lock();
        d.advance_to(target.start());
        gate.open = d.open_minute().unwrap_or(target);
        Ok(n)
    }

    /// The first minute not closed yet; `None` before the first.
    pub fn open_minute(&self) -> Option<Minute> {
        self.lock().open_minute()
    }

    /// Scale-out: closes every minute before `until` (a minute number) from the store alone,
    /// feeding each the reports stored as counted for it. Every node of a cluster does this up
    /// to the minutes the partitions' owners have closed ([`radar_store::Store::close_minutes`]),
    /// so every node's detector sees the same reports in the same minutes and shows the same
    /// outages. `since` bounds the first call (the warm-up). Returns the reports fed.
    pub async fn follow(
        &self,
        store: &dyn Store,
        since: Timestamp,
        until: Minute,
    ) -> Result<u64, radar_store::StoreError> {
        let from = self.open_minute().map_or(since, Minute::start);
        let until_t = until.start();
        if from >= until_t {
            return Ok(0);
        }
        let mut after = None;
        let mut n = 0u64;
        loop {
            let page = store.warmup_page(from, until_t, after, 20_000).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.1.time, last.0));
            let mut d = self.lock();
            for (_, r) in page {
                d.advance_to(r.time.minute().start());
                d.observe(&r);
                n += 1;
            }
        }
        // Operator signals of the same minutes, from the store as well.
        let samples = store
            .all_signal_samples(from, Timestamp(until_t.0 - 1))
            .await?;
        {
            let mut w = relock(&self.signals);
            for s in &samples {
                w.advance_to(s.time.minute().start());
                let _ = w.observe(s);
            }
            w.advance_to(until_t);
        }
        let changes = self.lock().advance_to(until_t).len();
        if changes > 0 {
            tracing::info!(changes, "outage episodes changed");
        }
        let mut gate = relock(&self.gate);
        gate.open = gate.open.max(until);
        Ok(n)
    }
}
