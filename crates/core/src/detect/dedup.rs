//! Step 1 of detection, **counting**: reporter de-duplication and floods.
//!
//! A reporter counts once per provider per window: the first report of a
//! reporter key for a provider counts, later reports of the same key for the same provider
//! within [`DetectorConfig::dedup_window_minutes`] (default 60 minutes, measured from the
//! counted report) are duplicates and ignored — as Downdetector counts only a user's first
//! report per company. Replays and bots that reuse a key therefore add at most one per hour.
//! A key that sends [`DetectorConfig::repeat_threshold`] (default 2) reports within its
//! window is a *repeater* until it has been silent for a whole window. Floods come from
//! repeaters, so a repeater is taken back out of the evidence: from the count of the minute
//! still open if it counted there, else as an *allowance* of the series its counted report
//! went into, for as long as their current excursion (see 4) contains it; and a live
//! repeater whose window renews does not count again (a flood outlasting the window stays
//! invisible). A flooder does count until its second report, so an alarm also needs
//! `min_excess` (default 12) distinct reporters above baseline, and `flood_min_excess`
//! (default 20, the largest "few reporters" flood) while the provider shows a flood
//! signature (at least `flood_quick_flags` keys that repeated within `quick_repeat_minutes`
//! of counting, in the last window).

use serde::Serialize;

use crate::report::{Minute, Report};

use super::{Cell, Detector};

/// What [`Detector::observe`] did with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Observed {
    /// Counted in the open minute.
    Counted,
    /// Its reporter already counted for the provider in the window (or is a live repeater).
    Duplicate,
    /// Its minute is closed: not counted.
    Late,
    /// Its minute is not open yet: not counted (hold it and observe it when it is).
    Early,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Seen {
    /// Minute of the report that counted (start of the reporter's window).
    pub(super) first: Minute,
    /// Minute of the reporter's latest report.
    pub(super) last: Minute,
    /// Reports in the current window.
    pub(super) count: u32,
    /// Where the counted report went.
    pub(super) cell: Cell,
    /// A repeater, live until it has been silent for a whole window.
    pub(super) flagged: bool,
}

impl Detector {
    /// Counts a report in its minute, which must be the open one (the first minute not yet
    /// closed; before the first call of [`Detector::advance_to`], the first report's minute
    /// opens). A report of a closed minute is [`Observed::Late`], one of a later minute
    /// [`Observed::Early`]; neither counts, and neither moves the clock: only
    /// [`Detector::advance_to`] closes minutes.
    pub fn observe(&mut self, report: &Report) -> Observed {
        let m = report.time.minute();
        if self.epoch.is_none() {
            self.epoch = Some(m);
            self.next_close = m;
        }
        if m < self.next_close {
            self.late_reports += 1;
            return Observed::Late;
        }
        if m > self.next_close {
            self.early_reports += 1;
            return Observed::Early;
        }
        let bi = match self.provider_index.get(&report.provider) {
            Some(&b) => b,
            None => {
                self.add_block(
                    report.provider.clone(),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    chrono_tz::UTC,
                );
                self.blocks.len() - 1
            }
        };
        let window = i64::from(self.config.dedup_window_minutes.max(1));
        if m - self.last_prune >= window {
            self.seen
                .retain(|_, v| m - v.first < window || (v.flagged && m - v.last < window));
            self.last_prune = m;
        }
        let key = (bi as u32, report.reporter.short());
        let threshold = self.config.repeat_threshold.max(2);
        let cell = self.cell_of(bi, report);
        match self.seen.get_mut(&key) {
            Some(v) if m - v.first < window => {
                v.count = v.count.saturating_add(1);
                v.last = m;
                self.duplicate_reports += 1;
                if v.count >= threshold && !v.flagged {
                    v.flagged = true;
                    self.flagged.push(key);
                    let (first, cell) = (v.first, v.cell);
                    if m - first <= i64::from(self.config.quick_repeat_minutes) {
                        self.blocks[bi].quick_flags.push(m);
                    }
                    self.discount(bi, first, cell, m);
                }
                return Observed::Duplicate;
            }
            Some(v) => {
                // A new window. A live repeater does not count again; anyone else does.
                let flagged = v.flagged;
                v.first = m;
                v.last = m;
                v.count = 1;
                v.cell = cell;
                if flagged {
                    self.duplicate_reports += 1;
                    return Observed::Duplicate;
                }
            }
            None => {
                self.seen.insert(
                    key,
                    Seen {
                        first: m,
                        last: m,
                        count: 1,
                        flagged: false,
                        cell,
                    },
                );
            }
        }
        self.counted_reports += 1;
        let (offs, n) = self.blocks[bi].offsets(cell);
        let base = self.blocks[bi].base;
        for &o in &offs[..n] {
            self.series[base + o].cur += 1;
            self.dirty.push((base + o) as u32);
        }
        Observed::Counted
    }

    /// The cell of block `bi` a report counts in (an unknown service or region: none).
    pub(super) fn cell_of(&self, bi: usize, report: &Report) -> Cell {
        let b = &self.blocks[bi];
        let service = report.service.as_ref().and_then(|s| b.service_index.get(s));
        Cell {
            service: service.map_or(u16::MAX, |&s| s as u16),
            region: self
                .region_index
                .get(&report.region)
                .map_or(u16::MAX, |&r| r as u16),
            problem: report.problem.index() as u8,
        }
    }

    /// A reporter counted at minute `first` into the series of `cell` has just turned out to
    /// be a repeater: take its count back from the minute still open, or grant its series an
    /// allowance if their current excursion contains it.
    pub(super) fn discount(&mut self, bi: usize, first: Minute, cell: Cell, m: Minute) {
        let (offs, n) = self.blocks[bi].offsets(cell);
        let base = self.blocks[bi].base;
        let rel = first - self.epoch.unwrap_or(first);
        for &o in &offs[..n] {
            let s = &mut self.series[base + o];
            if first == m && first >= self.next_close {
                s.cur = s.cur.saturating_sub(1);
            } else {
                if s.cusum > 0.0 && i64::from(s.onset) <= rel {
                    s.allow += 1.0;
                }
                if s.slow > 0.0 && i64::from(s.slow_onset) <= rel {
                    s.slow_allow += 1.0;
                }
            }
        }
    }

    /// Reports ignored because their minute was already closed.
    pub fn late_reports(&self) -> u64 {
        self.late_reports
    }

    /// Reports ignored because their minute was not open yet.
    pub fn early_reports(&self) -> u64 {
        self.early_reports
    }

    /// Reports ignored because their reporter already counted for the provider in the window.
    pub fn duplicate_reports(&self) -> u64 {
        self.duplicate_reports
    }

    /// Reports that counted.
    pub fn counted_reports(&self) -> u64 {
        self.counted_reports
    }
}
