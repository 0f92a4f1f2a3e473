//! Early alarms: an outage shown within its minute, as soon as the reports counted so far
//! settle what the minute's close will decide.
//!
//! A minute is scored when it closes ([`Detector::advance_to`]), but the evidence of a rise
//! only grows while the minute is open: the count of a series goes up with each report and its
//! expectation for the minute is fixed. So once the reports counted so far already make a series
//! alarm as if the minute closed now, the close will alarm too, and the outage can be shown
//! then. [`Detector::alarm_early`] checks the series counted into since its last call: each is
//! stepped on a copy with its count so far, and only if one of them alarms is the whole minute
//! closed on a copy of the detector, whose newly opened episodes are shown at once, with the
//! time of the check as their detection time.
//!
//! The decision stands: at the close, every series that alarmed early alarms again, even if its
//! evidence fell back in the meantime (a reporter that turned out to be a repeater later in the
//! minute is taken back out of it), and the episode it opens or joins keeps the early time as
//! its detection time ([`Episode::detected_at`]; its id still names the minute of the close).
//! The placeholders shown early are replaced by what the close decides; an outage keeps the id
//! it was shown with (the close numbers the others around it).
//!
//! Nothing here looks ahead: the check uses the reports and declarations taken in up to its
//! time only. A caller that never calls [`Detector::alarm_early`] gets exactly the minute-close
//! behaviour.
//!
//! A caller that holds the open minute's reports until the minute closes (the live server,
//! whose reorder window keeps a minute open for a minute after its end) asks
//! [`Detector::preview_early`] instead, with the reports held so far: an alarm they settle is
//! then shown without waiting out the window.

use std::collections::HashMap;

use crate::report::{Report, Timestamp};

use super::series::MEMBER;
use super::{Detector, Episode, EpisodeChange};

impl Detector {
    /// Checks whether the reports counted so far in the open minute already settle a new
    /// outage (module doc). `now` is the time of the check, at or after the start of the open
    /// minute (a caller that feeds reports as they come checks inside it); returns the episodes
    /// opened early (shown in [`Detector::episodes`] until the minute closes).
    pub fn alarm_early(&mut self, now: Timestamp) -> Vec<EpisodeChange> {
        let m = self.next_close;
        if self.epoch.is_none() || now < m.start() || self.dirty.is_empty() {
            return Vec::new();
        }
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        let counts: Vec<(usize, u32)> = dirty
            .iter()
            .map(|&i| (i as usize, self.series[i as usize].cur))
            .collect();
        dirty.clear();
        self.dirty = dirty;
        let candidates = self.would_alarm(&counts);
        if candidates.is_empty() {
            return Vec::new();
        }
        self.early_tried.extend(&candidates);
        // Close the minute on a copy: which new episodes would it open now?
        let mut copy = self.clone();
        copy.pending.clear();
        copy.close_through(m + 1);
        let mut shown = Vec::new();
        for change in &copy.pending {
            let EpisodeChange::Opened(id) = *change else {
                continue;
            };
            let Some(o) = copy.open.iter().find(|o| copy.episodes[o.idx].id == id) else {
                continue;
            };
            // Shown by an earlier check of this minute already.
            if o.members
                .iter()
                .any(|&i| self.early.iter().any(|e| e.1 == i))
            {
                continue;
            }
            for &i in &o.members {
                if !self.early.iter().any(|e| e.1 == i) {
                    self.early.push((o.block, i, now, id));
                }
            }
            let mut e = copy.episodes[o.idx].clone();
            e.detected_at = now;
            self.early_from.get_or_insert(self.episodes.len());
            self.episodes.push(e);
            shown.push(EpisodeChange::Opened(id));
        }
        shown
    }

    /// Of `counts` (series, distinct reporters counted in the open minute), the series that
    /// would alarm if the minute closed with that count, leaving out members of open episodes
    /// and series already tried on a copy in this minute.
    fn would_alarm(&self, counts: &[(usize, u32)]) -> Vec<usize> {
        let m = self.next_close;
        let ctx = self.zone_contexts(m);
        let mut alarming = Vec::new();
        for &(i, count) in counts {
            let s = &self.series[i];
            if s.flags & MEMBER != 0 || self.early_tried.contains(&i) {
                continue;
            }
            let bi = self.blocks.partition_point(|b| b.base <= i) - 1;
            let bctx = self.block_context(bi, m);
            let cor = self.host_corroboration(bi);
            let bctx = self.series_context(&bctx, &cor, bi, i - self.blocks[bi].base);
            let mut copy = s.clone();
            copy.cur = count;
            if copy
                .step(&ctx[self.blocks[bi].zone], &self.params, &bctx)
                .alarm
            {
                alarming.push(i);
            }
        }
        alarming
    }

    /// For a caller that holds the open minute's reports until it closes (the live server's
    /// reorder window): `held` are those reports so far, in the order they will be fed; `now`
    /// is the time of the check. An outage they already settle is shown now, as a caller
    /// feeding them one by one to [`Detector::alarm_early`] would have shown it: dated at the
    /// time of the report that settled it (at most `now`), as an outage settled by a minute's
    /// close is dated at the minute's end — the time of the data, not of the check. A first
    /// check counts each report into its series without the repeater rules (a count at least
    /// the true one); only if that makes a series alarm are the reports fed to copies of the
    /// detector, to find the shortest run of them that settles an outage.
    pub fn preview_early(&mut self, held: &[&Report], now: Timestamp) -> Vec<EpisodeChange> {
        let m = self.next_close;
        if self.epoch.is_none() || now < m.start() {
            return Vec::new();
        }
        let held: Vec<&Report> = held
            .iter()
            .copied()
            .filter(|r| r.time.minute() == m && r.time <= now)
            .collect();
        let mut shown = Vec::new();
        while !held.is_empty() && !self.would_alarm(&self.upper_counts(&held)).is_empty() {
            // Fed the first k reports and checked at the k-th's time.
            let check = |k: usize| {
                let mut fed = self.clone();
                for r in &held[..k] {
                    fed.observe(r);
                }
                let opened = fed.alarm_early(held[k - 1].time.min(now));
                (fed, opened)
            };
            let (fed, opened) = check(held.len());
            if opened.is_empty() {
                // Tried, and nothing new opens: not again in this minute.
                self.early_tried = fed.early_tried;
                break;
            }
            // The shortest run that opens an outage (more reports never take evidence away,
            // but for repeaters).
            let (mut lo, mut hi) = (1, held.len());
            let mut best = (fed, opened);
            while lo < hi {
                let mid = (lo + hi) / 2;
                let (fed, opened) = check(mid);
                if opened.is_empty() {
                    lo = mid + 1;
                } else {
                    hi = mid;
                    best = (fed, opened);
                }
            }
            let (fed, opened) = best;
            // Take over what the copy decided and showed; the reports are fed at the close.
            self.early = fed.early;
            self.early_tried = fed.early_tried;
            if let Some(from) = fed.early_from {
                let mine = *self.early_from.get_or_insert(self.episodes.len());
                self.episodes.truncate(mine);
                self.episodes.extend_from_slice(&fed.episodes[from..]);
            }
            shown.extend(opened);
        }
        shown
    }

    /// Distinct-reporter counts of `held` per series, without the repeater rules: at least what
    /// feeding them would count.
    fn upper_counts(&self, held: &[&Report]) -> Vec<(usize, u32)> {
        let mut counts: HashMap<usize, u32> = HashMap::new();
        for r in held {
            let Some(&bi) = self.provider_index.get(&r.provider) else {
                continue;
            };
            let cell = self.cell_of(bi, r);
            let b = &self.blocks[bi];
            let (offs, n) = b.offsets(cell);
            for &o in &offs[..n] {
                *counts.entry(b.base + o).or_default() += 1;
            }
        }
        let mut counts: Vec<(usize, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        counts
    }

    /// At the close: every series that alarmed early alarms again (the decision was shown).
    pub(super) fn confirm_early(&mut self) {
        if self.early.is_empty() {
            return;
        }
        for &(bi, i, _, _) in &self.early {
            self.alarms.push((bi, i));
        }
        // Alarms are handled in series order.
        self.alarms.sort_unstable();
        self.alarms.dedup();
    }

    /// After the close of `m`: an episode opened there with a member shown early was detected
    /// at the earliest such time, and keeps the id it was shown with (if no other episode of
    /// this close has it already); the other episodes of the close take the smallest ids of the
    /// minute left. Split groups and the changes of this close follow the new ids.
    pub(super) fn date_early(&mut self, m: crate::report::Minute) {
        if self.early.is_empty() {
            return;
        }
        let new: Vec<usize> = (0..self.open.len())
            .filter(|&k| self.open[k].opened == m)
            .collect();
        let mut used: Vec<u64> = Vec::new();
        let mut ids: Vec<Option<u64>> = Vec::with_capacity(new.len());
        for &k in &new {
            let shown = self.open[k]
                .members
                .iter()
                .filter_map(|i| self.early.iter().find(|e| e.1 == *i))
                .min_by_key(|e| e.2)
                .map(|e| (e.2, e.3));
            let id = match shown {
                Some((t, id)) => {
                    let e = &mut self.episodes[self.open[k].idx];
                    e.detected_at = e.detected_at.min(t);
                    (!used.contains(&id)).then_some(id)
                }
                None => None,
            };
            used.extend(id);
            ids.push(id);
        }
        let mut ordinal = 0;
        let mut renamed: Vec<(u64, u64)> = Vec::new();
        for (&k, id) in new.iter().zip(ids) {
            let id = id.unwrap_or_else(|| loop {
                let id = Episode::id_of(m.end(), ordinal);
                ordinal += 1;
                if !used.contains(&id) {
                    used.push(id);
                    break id;
                }
            });
            let e = &mut self.episodes[self.open[k].idx];
            if e.id != id {
                renamed.push((e.id, id));
                e.id = id;
            }
        }
        if !renamed.is_empty() {
            let rename = |id: u64| renamed.iter().find(|r| r.0 == id).map_or(id, |r| r.1);
            for o in &mut self.open {
                o.group = rename(o.group);
            }
            for c in &mut self.pending {
                *c = match *c {
                    EpisodeChange::Opened(id) => EpisodeChange::Opened(rename(id)),
                    EpisodeChange::Updated(id) => EpisodeChange::Updated(rename(id)),
                    EpisodeChange::Closed(id) => EpisodeChange::Closed(rename(id)),
                };
            }
        }
        self.early.clear();
    }
}
