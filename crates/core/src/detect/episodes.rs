//! Step 5 of detection, **episodes**: which alarming series make which outage.
//!
//! An alarming series joins an open episode of its provider or opens a new
//! episode. A series with a service joins the episode an alarm already attached that
//! service to; else one that shows the service above baseline (see 6), or one opened less
//! than `merge_minutes` ago or whose onset lies within `merge_minutes` of the series' own —
//! these two only if the *regions fit*. The scope step may list a service only after the
//! episode's first `merge_minutes`; then the episode takes its alarms only if the service
//! had risen in the episode's regions through those minutes (its count since opening above
//! its baseline rate, `scope_min_excess` and `scope_llr`, without the tests' margins: a
//! sparse service hit by the same storm shows a few reports where hardly any were
//! expected). A service still at its rate then and rising later is another fault of the
//! provider (calls failing half an hour into a DSL fault in the same Land); [`Early`] holds
//! that state, open through the first `merge_minutes`, then judged once. An episode is
//! *regional* when its attached services
//! are above baseline in some regions only and, pooled over the other regions, their count
//! since it opened favours the baseline over the rise a fault hitting all regions alike
//! would bring there (the ratio of observed to expected over all regions) by a
//! log-likelihood ratio of `scope_llr` (early in a national outage the first regions pass
//! before the rest do, so a merely weaker rest keeps the episode national). A regional
//! episode does not take a service whose excursion lies above baseline
//! (`scope_min_excess`, `scope_llr`) outside its regions by more excess than inside them
//! (each region's series over its own excursion: the service's series over all regions has
//! an excursion of its own, which may have begun at another minute): that is another fault
//! of the same provider (a national mobile-data fault beside a regional DSL fault), even
//! where both services share a component such as the backbone, whose fault would not stop at
//! the episode's regions. An episode's regions are those of its attached services, or, while
//! none is attached, of its service-less region series. Symmetrically, a national episode
//! (or one not clearly regional) does not take a service that, since the episode opened, rose
//! in some regions only — the same test on that service's series (a regional series' alarm
//! counts for its own region): a regional fibre fault starting minutes into a national voice
//! fault is a fault of its own. A service whose excursion began more than [`SAME_ONSET_SECS`]
//! from the episode's onset is judged by its shape against the episode's instead: it stays out
//! when the shapes diverge, its rise leaning to those regions only (`regional_llr` > 0) while
//! the episode's own services there clearly rise everywhere (by `scope_llr`) — a few minutes
//! into a fibre fault its Länder alone seldom carry the full margin yet, while the national
//! fault beside it already does — and joins otherwise, clearly regional or not (a storm's
//! second service in the Land where the episode, not yet clearly regional, rises too). A
//! service that began with the episode stays out on the same divergence only when the alarm is
//! one of its regional series (the detector's own test found the rise in that region; a sparse
//! service's series over all regions leans somewhere by chance). Otherwise a national
//! episode, or one whose regions are not known yet, takes any service starting about when it
//! did (a core fault that shows in mobile data first and in DSL minutes later; the call surge
//! at the hotline during a network outage) — but a service whose excursion began more than
//! [`SAME_ONSET_SECS`] from the episode's onset only if one fault could explain both: some
//! component both need that no quiet service also needs (`Detector::could_share_cause`;
//! a voice fault and a fibre fault a quarter of an hour apart share only the backbone, and
//! mobile data, which needs it too, shows nothing). Customer service is exempt (callers follow
//! any outage), and so is a topology without dependencies. A series without a service joins the newest episode (one with
//! neither service nor region: the first episode of that episode's split group, see below,
//! while it is open). Of several episodes that show a service, one that began within
//! [`SAME_ONSET_SECS`] of the alarm's onset goes first. Onset = earliest CUSUM onset of the
//! members (a slow test's onset only opens an episode or, when it is a declaration's, moves
//! it; otherwise it is too rough to; and a series without a service, which carries every
//! fault of the provider, does not move it to a time by which another open episode of the
//! provider had begun: that rise may be the other fault's). An episode whose onset is still
//! a slow test's takes no alarm by timing alone (`OpenEpisode::rough_start`): a modest rise
//! that the slow test gathered for twenty minutes (a regional fault's share of the calls over
//! all regions) may alarm only when a national fault adds to it, and would date that fault
//! from the regional one's onset.
//! *Split by region:* a series with a region that would join episode E joins instead the
//! episode of E's *split group* (E and the episodes split off it) that has a member series
//! in that region. Failing that, its rise is a separate fault of its own — a new episode of
//! the group, with its own onset, detection time, regions and services (or it joins one of
//! the group opened by a rise that began within `merge_minutes` of its own) — when all of
//! these hold: its region was not in E's scope before the series' CUSUM onset; the alarm
//! came within `merge_minutes` of that onset (a sharp rise); E's footprint (the regions in
//! its scope before the onset) had stood still for `split_minutes` by then, i.e. every one
//! of them had entered the scope at least that long before (a slowly spreading outage keeps
//! adding regions, so it stays one episode); and E was regional: outside its footprint and
//! the new region, pooled over E's services (else the service-less region series), the
//! count favours the baseline over the rise a fault hitting all regions alike would bring
//! (the test above, `scope_llr`). A national outage enters every region's scope within
//! minutes and has no quiet rest, so it never splits.
//! *Hysteresis:* an episode stays open while any member's fast EWMA (`fast_alpha`) is above
//! `hot_ratio·λ + hot_abs` (in a split group, any member with a region, when it has one:
//! the others carry the group's other faults too; and in an episode with members beyond the
//! regions where a narrower open episode of the provider has members, only those beyond: a
//! national fault ends when its rise ends outside a regional fault's regions), and closes
//! only after `quiet_minutes` without that; its end is the end of the last elevated minute.
//! Members' excursions are reset on close.
//! *Slow episodes* (opened by the slow test) also stay open while their members by the slow
//! test are still elevated, judged by the best-measured of them (the largest expectation):
//! it has gathered less evidence that its rate is back at the expectation than its test
//! needed for the rise (the slow CUSUM run the other way, ended at the test's own
//! log-likelihood threshold); or while a member's declared incident is still open. A busy
//! series ends within about an hour after its reports fall back; a sparse member alone never
//! holds the episode open. A closed slow episode *reopens* (same id, its end cleared) when
//! the slow test of that best-measured member alarms again within [`REOPEN_MINUTES`] (one
//! daily cycle): a rise seen only in business hours looks over every evening and is back the
//! next morning. In an episode
//! opened by the minute test, slow members do not keep it open (a sharp outage ends when
//! its sharp rises do), and when it closes the slow excursions of the other series of its
//! services and of the service-less series are reset (the slow test must not find its
//! tail again). A slow episode does not count as an open episode for the learning rule
//! of 3 (a modest rise of one service says nothing about the provider's other series).

use serde::Serialize;

use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::report::{Minute, Problem, Timestamp};

use super::scope::above_baseline;
use super::series::{Series, DECLARED, HOT, MEMBER, SLOW};
use super::Detector;

/// An outage episode of one provider.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    pub id: u64,
    pub provider: ProviderId,
    /// Services above baseline (empty = provider-wide or unspecified).
    pub services: Vec<ServiceId>,
    /// Regions above baseline.
    pub regions: Vec<RegionId>,
    pub technologies: Vec<String>,
    pub problems: Vec<Problem>,
    /// Estimated onset (can be before `detected_at`).
    pub start: Timestamp,
    /// Virtual time the episode was first emitted.
    pub detected_at: Timestamp,
    pub end: Option<Timestamp>,
    pub peak_score: f64,
    /// Distinct reporters per minute at the peak (over the episode's services, else provider;
    /// in its own regions only when split off by region).
    pub peak_rate: f64,
    /// Baseline rate at the peak minute.
    pub baseline_rate: f64,
    /// Where the provider's customers are, as its reports outside outages show them: each
    /// region's share of the provider's learned base rate (over all its services), when the
    /// topology gives no populations; empty when it does (the populations say it) or before
    /// any base rate is learned.
    pub region_shares: Vec<(RegionId, f64)>,
    /// The regions the provider serves, as its reports of the last day show them against each
    /// region's share of the country (the scope step, `served_regions`); empty when it serves
    /// all of them or that is not yet known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub served: Vec<RegionId>,
}

/// Episodes detected in one minute, at most (more would share ids; none has come near).
pub const EPISODES_PER_MINUTE: u64 = 1000;

/// A new alarm on another service whose excursion began within this of an open episode's
/// onset joins it by timing alone (if the regions fit); further apart, one fault must also be
/// able to explain both ([`Detector::could_share_cause`]). Five minutes: the reports of one
/// fault reach every service it hits within a few minutes of each other (a backbone fault of
/// the `slow-national` kind shows in DSL and voice two minutes apart), while the same-provider
/// overlaps of the independent generator begin 12 to 16 minutes apart. Calibration:
/// docs/calibration.md.
pub const SAME_ONSET_SECS: i64 = 300;

impl Episode {
    /// An episode's id: the minute it was detected and its place among the episodes detected
    /// in that minute. It depends on nothing before that minute, so detectors that warmed up
    /// over different stretches of the same reports (a restarted server, the nodes of a
    /// cluster) give the same outage the same id.
    pub fn id_of(detected_at: Timestamp, ordinal: u64) -> u64 {
        detected_at.minute().0.max(0) as u64 * EPISODES_PER_MINUTE
            + ordinal.min(EPISODES_PER_MINUTE - 1)
    }

    /// The minute an id says its episode was detected, and its ordinal in that minute.
    pub fn id_parts(id: u64) -> (Timestamp, u64) {
        (
            Minute((id / EPISODES_PER_MINUTE) as i64).start(),
            id % EPISODES_PER_MINUTE,
        )
    }
}

/// What changed in a call of [`Detector::advance_to`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EpisodeChange {
    Opened(u64),
    /// Scope or onset changed.
    Updated(u64),
    Closed(u64),
}

/// Working state of an open episode.
#[derive(Clone, Debug)]
pub(super) struct OpenEpisode {
    pub(super) idx: usize,
    pub(super) block: usize,
    pub(super) opened: Minute,
    pub(super) last_hot: Minute,
    /// Opened by the slow test: its members by that test keep it open too (in an episode
    /// opened by the minute test they do not: a sharp outage ends when its sharp rises do).
    pub(super) slow: bool,
    /// Its onset is still a slow test's ([`Series::rough_onset`]): no alarm joins it by
    /// timing alone (a modest rise the slow test had gathered for a while may alarm only when
    /// another fault adds to it, and date that fault twenty minutes early).
    pub(super) rough_start: bool,
    pub(super) members: Vec<usize>,
    /// Services attached by alarms.
    pub(super) attached: Vec<bool>,
    /// Services attached to another open episode of the provider while this one was open:
    /// another fault's, never in this episode's scope unless an alarm attaches them here.
    pub(super) foreign: Vec<bool>,
    /// Observed and expected sums since opening, per series of the block. The expectation is
    /// the tested one, with the margins that guard a single minute's alarm.
    pub(super) acc: Vec<[f32; 2]>,
    /// Per series of the block, the expected sum since opening over a long window
    /// ([`Series::steady`](super::series::Series): without the single-minute margins; the
    /// `scope` module doc says which decisions read it). It starts as the tested sum of the
    /// series' excursion.
    pub(super) acc_base: Vec<f32>,
    /// Split group: the id of the episode this one was split off by region (transitively),
    /// else its own id. Region claims hold between episodes of one group only.
    pub(super) group: u64,
    /// Per region, the first minute it was in this episode's scope (`Minute(i64::MAX)`: never).
    pub(super) entered: Vec<Minute>,
    /// Which services' alarms may join through the scope step (`episodes` module doc).
    pub(super) early: Early,
    /// Regions claimed by another open episode of the group while this one was open (a member
    /// series there, none here): the other fault's, never in this episode's scope.
    pub(super) foreign_regions: Vec<bool>,
    /// The regions left out of its scope, pooled, were above baseline at some minute: the
    /// outage reached beyond the regions found one by one (`scope` module doc).
    pub(super) reached_beyond: bool,
}

/// What an open episode knows of the services its alarms may take in through the scope step:
/// any service the scope step lists during its first `merge_minutes`; after that, only those
/// that had been listed, attached or risen by then (a service that starts to rise half an hour
/// into an episode is another fault; `scope::refresh_scope` judges at the end of the first
/// `merge_minutes`).
#[derive(Clone, Debug)]
pub(super) enum Early {
    /// The first `merge_minutes`.
    Open {
        /// Per service of the block, whether the scope step has listed it.
        listed: Vec<bool>,
        /// Per series of the block, the count and the baseline rate (`Series::expected`, at
        /// least `min_rate`) summed since opening.
        since: Vec<[f32; 2]>,
    },
    /// Per service of the block, whether it was listed, attached or had risen in the
    /// episode's regions through the first `merge_minutes`.
    Judged(Vec<bool>),
}

impl Early {
    /// Whether an alarm of service `s` may join through the scope step.
    pub(super) fn admits(&self, s: usize) -> bool {
        match self {
            Early::Open { .. } => true,
            Early::Judged(rose) => rose[s],
        }
    }

    /// Bytes held outside the value.
    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Early::Open { listed, since } => listed.capacity() + since.capacity() * 8,
            Early::Judged(rose) => rose.capacity(),
        }
    }
}

/// A slow episode closed by the evidence of its end reopens when its densest member's slow
/// test alarms again within this many minutes: one daily cycle. A rise seen only in business
/// hours (callers who cannot be helped while a customer system is down) looks over every
/// evening and returns the next morning; it is one outage.
pub const REOPEN_MINUTES: i64 = 24 * 60;

impl OpenEpisode {
    /// The member by the slow test with the largest expectation.
    pub(super) fn densest_slow(&self, series: &[Series]) -> Option<usize> {
        self.members
            .iter()
            .copied()
            .filter(|&i| series[i].flags & SLOW != 0)
            .max_by(|&a, &b| series[a].steady.total_cmp(&series[b].steady))
    }
}

impl Detector {
    pub(super) fn update_episodes(&mut self, m: Minute) {
        self.reopenable.retain(|r| m - r.1 < REOPEN_MINUTES);
        // Per open episode, the regions where a narrower open episode of its provider (fewer
        // regions in scope) has a member series: there a rise may be that other fault's.
        let width = |o: &OpenEpisode| self.episodes[o.idx].regions.len();
        let contested = self.open.len() > 1;
        let claimed_elsewhere: Vec<Vec<bool>> = (0..self.open.len())
            .map(|k| {
                if !contested {
                    return Vec::new();
                }
                let o = &self.open[k];
                let b = &self.blocks[o.block];
                (0..b.nr)
                    .map(|r| {
                        self.open.iter().enumerate().any(|(j, x)| {
                            j != k && x.block == o.block && width(x) < width(o) && self.claims(x, r)
                        })
                    })
                    .collect()
            })
            .collect();
        // Accumulate since-open sums and hotness.
        for (ep, claimed) in self.open.iter_mut().zip(&claimed_elsewhere) {
            let b = &self.blocks[ep.block];
            let ss = &self.series[b.base..b.base + b.len()];
            for ((acc, base), s) in ep.acc.iter_mut().zip(ep.acc_base.iter_mut()).zip(ss) {
                acc[0] += s.last_x;
                acc[1] += s.tested;
                *base += s.steady;
            }
            if let Early::Open { since, .. } = &mut ep.early {
                for (since, s) in since.iter_mut().zip(ss) {
                    since[0] += s.last_x;
                    since[1] += s.expected.max(self.config.min_rate);
                }
            }
            let region_of = |i: usize| b.key(i - b.base).region;
            // Split off by region: the series of its own regions tell whether it is still
            // elevated (the region-less ones also carry the other fault of the group).
            let regional_members = ep.foreign_regions.iter().any(|&f| f)
                && ep.members.iter().any(|&i| region_of(i).is_some());
            // Members by the slow test are judged together, by the best-measured one (the
            // largest expectation): a sparse member gathers evidence for the end of a fault
            // over many hours, the densest one within about an hour, and they saw one fault.
            let slow_hot = ep
                .densest_slow(&self.series)
                .is_none_or(|i| self.series[i].flags & HOT != 0);
            // An episode with members beyond the regions a narrower open episode of its
            // provider claims is judged by those: a national fault is over when its rise is over
            // outside a regional fault's regions, where the regional fault keeps its own
            // reports of the national one's services up (and in the sums over all regions).
            let beyond = claimed.iter().any(|&c| c)
                && ep
                    .members
                    .iter()
                    .any(|&i| region_of(i).is_some_and(|r| !claimed[r]));
            if ep.members.iter().any(|&i| {
                let f = self.series[i].flags;
                f & HOT != 0
                    && (ep.slow || f & SLOW == 0)
                    && (slow_hot || f & (SLOW | DECLARED) != SLOW)
                    && (!regional_members || region_of(i).is_some())
                    && (!beyond || region_of(i).is_some_and(|r| !claimed[r]))
            }) {
                ep.last_hot = m;
            }
        }

        // Attach alarms to episodes, or open new ones.
        let mut touched: Vec<usize> = Vec::new();
        let alarms = std::mem::take(&mut self.alarms);
        for &(bi, i) in &alarms {
            if self.series[i].flags & MEMBER != 0 {
                continue;
            }
            let b = &self.blocks[bi];
            let key = b.key(i - b.base);
            let onset = self.minute_time(self.series[i].onset);
            let merge = self.config.merge_minutes as i64 * 60;
            let mut of_block = self.open.iter().enumerate().filter(|(_, o)| o.block == bi);
            let target = match key.service {
                Some(s) => {
                    // An episode that already has this service, else one that shows it above
                    // baseline, else one that began about when this series' excursion did —
                    // the last two only if the regions fit (see `fits`).
                    // Of several that show it, one that began within minutes of this rise if
                    // any did, then a regional one whose regions hold the service's rise (a
                    // regional fault beside a national one of the same provider).
                    let with = of_block
                        .clone()
                        .find(|(_, o)| o.attached[s])
                        .or_else(|| {
                            let shows: Vec<_> = of_block
                                .clone()
                                .filter(|(_, o)| {
                                    !o.foreign[s]
                                        && self.episodes[o.idx].services.contains(&b.services[s])
                                        && o.early.admits(s)
                                        && self.fits(o, s, key.region, onset)
                                })
                                .collect();
                            // Of several, those that began within minutes of this rise,
                            // when any did (one fault reaches its services within minutes).
                            let near: Vec<_> = shows
                                .iter()
                                .filter(|(_, o)| self.began_near(o, onset, SAME_ONSET_SECS))
                                .copied()
                                .collect();
                            let pool = if near.is_empty() { shows } else { near };
                            let held = pool
                                .iter()
                                .find(|(_, o)| pool.len() > 1 && self.holds_regionally(o, s));
                            held.or(pool.first()).copied()
                        })
                        .map(|(k, _)| k);
                    with.or_else(|| {
                        of_block
                            .rfind(|(_, o)| {
                                (m - o.opened < merge / 60 || self.began_near(o, onset, merge - 1))
                                    && self.fits(o, s, key.region, onset)
                            })
                            .map(|(k, _)| k)
                    })
                }
                None => of_block.next_back().map(|(k, _)| k),
            };
            // A regional series: the episode of the target's split group that claims its
            // region takes it; else a separate rise in a region of its own opens an episode
            // (or joins one of the group opened by a rise that began about when this did).
            let mut group = None;
            let target = match (target, key.region) {
                (Some(k), Some(r)) => {
                    let g = self.open[k].group;
                    let sibling = |o: &OpenEpisode| o.block == bi && o.group == g;
                    if let Some(j) = (0..self.open.len())
                        .find(|&j| sibling(&self.open[j]) && self.claims(&self.open[j], r))
                    {
                        Some(j)
                    } else if self.separate_rise(k, i, r, m) {
                        group = Some(g);
                        (0..self.open.len()).find(|&j| {
                            let o = &self.open[j];
                            j != k
                                && sibling(o)
                                && o.group != self.episodes[o.idx].id
                                && (onset.0 - self.episodes[o.idx].start.0).abs() < merge
                        })
                    } else {
                        Some(k)
                    }
                }
                // A series with neither service nor region carries every fault of the group:
                // it goes to the group's first episode while that is open.
                (Some(k), None) if key.service.is_none() => {
                    let g = self.open[k].group;
                    (0..self.open.len())
                        .find(|&j| {
                            self.open[j].block == bi && self.episodes[self.open[j].idx].id == g
                        })
                        .or(Some(k))
                }
                (t, _) => t,
            };
            // A slow alarm in the series whose evidence ended a slow episode: that rise is back.
            let reopen = (self.series[i].flags & SLOW != 0)
                .then(|| {
                    self.reopenable
                        .iter()
                        .position(|r| r.0.block == bi && r.2 == i)
                })
                .flatten();
            self.series[i].flags |= MEMBER;
            match (target, reopen) {
                (Some(k), _) => {
                    // A series without a service carries every fault of the provider: an
                    // onset of its that another open episode of the provider had already
                    // begun by may be that fault's rise, so it does not move this one's.
                    let others_by_onset = key.service.is_none()
                        && self.open.iter().enumerate().any(|(j, o)| {
                            j != k && o.block == bi && self.episodes[o.idx].start <= onset
                        });
                    let ep = &mut self.open[k];
                    ep.members.push(i);
                    ep.last_hot = m;
                    if let Some(s) = key.service {
                        ep.attached[s] = true;
                    }
                    let e = &mut self.episodes[ep.idx];
                    // The slow test's onset is too rough to move an episode's, unless it is
                    // a declaration's (a known change point).
                    if onset < e.start && !self.series[i].rough_onset() && !others_by_onset {
                        e.start = onset;
                        ep.rough_start = false;
                    }
                    touched.push(k);
                }
                (None, Some(pos)) => {
                    // The same outage, reopened.
                    let (mut ep, _, _) = self.reopenable.remove(pos);
                    self.episodes[ep.idx].end = None;
                    ep.members = vec![i];
                    ep.last_hot = m;
                    if let Some(s) = key.service {
                        ep.attached[s] = true;
                    }
                    let id = self.episodes[ep.idx].id;
                    self.open.push(ep);
                    touched.push(self.open.len() - 1);
                    self.pending.push(EpisodeChange::Updated(id));
                }
                (None, None) => {
                    let b = &self.blocks[bi];
                    let acc: Vec<[f32; 2]> = self.series[b.base..b.base + b.len()]
                        .iter()
                        .map(|s| [s.sum_x, s.sum_l])
                        .collect();
                    let acc_base = acc.iter().map(|a| a[1]).collect();
                    let mut attached = vec![false; b.ns];
                    if let Some(s) = key.service {
                        attached[s] = true;
                    }
                    let detected = m.end().0;
                    let same_minute = self
                        .episodes
                        .iter()
                        .rev()
                        .take_while(|e| e.detected_at.0 == detected)
                        .count() as u64;
                    let id = Episode::id_of(Timestamp(detected), same_minute);
                    self.episodes.push(Episode {
                        id,
                        provider: b.id.clone(),
                        services: Vec::new(),
                        regions: Vec::new(),
                        technologies: Vec::new(),
                        problems: Vec::new(),
                        start: onset,
                        detected_at: Timestamp(detected),
                        end: None,
                        peak_score: 0.0,
                        peak_rate: 0.0,
                        baseline_rate: 0.0,
                        region_shares: Vec::new(),
                        served: Vec::new(),
                    });
                    self.open.push(OpenEpisode {
                        idx: self.episodes.len() - 1,
                        block: bi,
                        opened: m,
                        last_hot: m,
                        slow: self.series[i].flags & SLOW != 0,
                        rough_start: self.series[i].rough_onset(),
                        members: vec![i],
                        foreign: vec![false; attached.len()],
                        attached,
                        acc,
                        acc_base,
                        group: group.unwrap_or(id),
                        entered: vec![Minute(i64::MAX); b.nr],
                        early: Early::Open {
                            listed: vec![false; b.ns],
                            since: vec![[0.0; 2]; b.len()],
                        },
                        foreign_regions: vec![false; b.nr],
                        reached_beyond: false,
                    });
                    self.pending.push(EpisodeChange::Opened(id));
                }
            }
        }
        self.alarms = alarms;

        // Scope, peaks, closing.
        let mut k = 0;
        while k < self.open.len() {
            let changed = self.refresh_scope(k, m);
            let ep = &self.open[k];
            let id = self.episodes[ep.idx].id;
            let just_opened = ep.opened == m;
            if m - ep.last_hot >= i64::from(self.config.quiet_minutes) {
                let ep = self.open.remove(k);
                let densest = ep.densest_slow(&self.series);
                let end = ep.last_hot.end();
                let e = &mut self.episodes[ep.idx];
                e.end = Some(end.max(e.start));
                for &i in &ep.members {
                    self.series[i].reset_excursion();
                }
                // A sharp outage is over: the slow test must not find it again in the series
                // of its services (and the service-less ones) that did not join it.
                if !ep.slow {
                    let b = &self.blocks[ep.block];
                    let services = &self.episodes[ep.idx].services;
                    for o in 0..b.len() {
                        let of_episode = b
                            .key(o)
                            .service
                            .is_none_or(|s| services.contains(&b.services[s]));
                        let se = &mut self.series[b.base + o];
                        if of_episode && se.flags & (MEMBER | DECLARED) == 0 {
                            se.reset_slow();
                        }
                    }
                }
                if let (true, Some(d)) = (ep.slow, densest) {
                    self.reopenable.retain(|r| r.0.block != ep.block);
                    self.reopenable.push((ep, m, d));
                }
                self.pending.push(EpisodeChange::Closed(id));
                continue;
            }
            if !just_opened && (changed || touched.contains(&k)) {
                self.pending.push(EpisodeChange::Updated(id));
            }
            k += 1;
        }
    }

    /// Whether a new alarm on service `s`, whose excursion began at `onset`, fits open episode
    /// `o` (`episodes` module doc): false when the onsets are more than [`SAME_ONSET_SECS`]
    /// apart and no shared component could explain both ([`Self::could_share_cause`]), when
    /// the episode is regional and `s` lies above baseline mostly outside its regions, or when
    /// the episode is national (or not clearly regional) and `s` rose in some regions only:
    /// clearly, or with a shape that diverges from the episode's (module doc). `region`: the
    /// region of the alarming series, if it has one; its alarm counts as a rise there.
    pub(super) fn fits(
        &self,
        o: &OpenEpisode,
        s: usize,
        region: Option<usize>,
        onset: Timestamp,
    ) -> bool {
        // Onsets minutes apart are one fault's; further apart, the topology must allow one.
        if !self.began_near(o, onset, SAME_ONSET_SECS) && !self.could_share_cause(o, s) {
            return false;
        }
        let b = &self.blocks[o.block];
        let cfg = &self.config;
        let above = |[x, l]: [f32; 2]| above_baseline(cfg, x, l);
        let own: Vec<usize> = (0..b.ns).filter(|&t| o.attached[t]).collect();
        let pass = |off: usize| o.members.contains(&(b.base + off)) || above(o.acc[off]);
        // Since the episode opened: the series of `services` summed over the regions marked
        // inside, and over the rest (with no service attached yet, the service-less series of
        // each region).
        let split = |inside: &[bool], services: &[usize]| {
            self.split_acc(o, services, inside.iter().map(|&x| Some(x)))
        };
        let inside = self.footprint(o);
        let n = inside.iter().filter(|&&r| r).count();
        if n == 0 {
            return true;
        }
        // Regional only when the rest is clearly quieter than a national fault would make it
        // (early in a national outage the first regions pass before the rest does): the rest's
        // count must favour its baseline `l` over `ρ·l` by `scope_llr`, with `ρ` the ratio of
        // observed to expected over all regions (the rise of a fault that hits all alike).
        // A national episode does not take a service that rose in some regions only: that is
        // another fault of the provider (a regional fibre fault during a national voice fault),
        // judged by the same test on the service's own series since the episode opened.
        let regional =
            |(ins, rest): ([f32; 2], [f32; 2])| self.regional_llr(ins, rest) >= cfg.scope_llr;
        if n == b.nr || !regional(split(&inside, &own)) {
            let rose: Vec<bool> = (0..b.nr)
                .map(|r| region == Some(r) || pass(b.off_sr(s, r)))
                .collect();
            let m = rose.iter().filter(|&&r| r).count();
            if m == 0 || m == b.nr {
                return true;
            }
            // A service that began with the episode joins unless it clearly rose in some
            // regions only, or the shapes diverge and a regional series of its own alarmed.
            // One that began later does not join where the shapes diverge: the episode's own
            // services clearly rise outside the regions where it rose (the scope test's
            // margin), and it leans to rising in those regions only.
            let (ins, rest) = split(&rose, &[s]);
            let llr = self.regional_llr(ins, rest);
            let diverge = || {
                let (own_ins, own_rest) = split(&rose, &own);
                llr > 0.0 && self.regional_llr(own_ins, own_rest) <= -cfg.scope_llr
            };
            if self.began_near(o, onset, SAME_ONSET_SECS) {
                return llr < cfg.scope_llr && !(region.is_some() && diverge());
            }
            return !diverge();
        }
        // The new service over the excursions of its series per region: in the episode's
        // regions, and elsewhere (each region's rise over its own excursion; the service's
        // series over all regions has an excursion of its own, begun at another minute).
        let ss = &self.series[b.base..b.base + b.len()];
        let (mut within, mut beyond) = ([0.0f32; 2], [0.0f32; 2]);
        for r in 0..b.nr {
            let se = &ss[b.off_sr(s, r)];
            let sum = if inside[r] { &mut within } else { &mut beyond };
            sum[0] += se.sum_x - se.allow;
            sum[1] += se.sum_l;
        }
        !(above(beyond) && beyond[0] - beyond[1] > within[0] - within[1])
    }

    /// Whether open episode `o` began within `secs` of `onset`, by an onset of its own that is
    /// not a slow test's ([`OpenEpisode::rough_start`]).
    fn began_near(&self, o: &OpenEpisode, onset: Timestamp, secs: i64) -> bool {
        !o.rough_start && (onset.0 - self.episodes[o.idx].start.0).abs() <= secs
    }

    /// The regions where open episode `o`'s attached services are members or above baseline
    /// since it opened (`scope_min_excess`, `scope_llr`, against the tested expectation); with
    /// no service attached yet, where its service-less series are.
    fn footprint(&self, o: &OpenEpisode) -> Vec<bool> {
        let b = &self.blocks[o.block];
        let pass = |off: usize| {
            o.members.contains(&(b.base + off))
                || above_baseline(&self.config, o.acc[off][0], o.acc[off][1])
        };
        let any_attached = o.attached.iter().any(|&a| a);
        (0..b.nr)
            .map(|r| {
                if any_attached {
                    (0..b.ns).any(|t| o.attached[t] && pass(b.off_sr(t, r)))
                } else {
                    pass(b.off_r(r))
                }
            })
            .collect()
    }

    /// Whether open episode `o` is regional and holds the rise of service `s`: since it opened,
    /// `s` summed over the episode's footprint and over the rest, the rest favours its baseline
    /// over the rise a fault hitting all regions alike would bring (`regional_llr` > 0). It
    /// decides between episodes that all show `s` and fit it, a choice made anyway, so the
    /// likelier explanation wins without a threshold.
    pub(super) fn holds_regionally(&self, o: &OpenEpisode, s: usize) -> bool {
        let b = &self.blocks[o.block];
        let inside = self.footprint(o);
        let n = inside.iter().filter(|&&r| r).count();
        if n == 0 || n == b.nr {
            return false;
        }
        let (ins, rest) = self.split_acc(o, &[s], inside.iter().map(|&x| Some(x)));
        self.regional_llr(ins, rest) > 0.0
    }

    /// Observed and expected counts of open episode `o` since it opened, summed over
    /// `services` in each region, pooled into the regions `side` marks inside (`Some(true)`)
    /// and the rest (`Some(false)`); regions marked `None` are left out. With no services,
    /// the service-less series of each region.
    pub(super) fn split_acc(
        &self,
        o: &OpenEpisode,
        services: &[usize],
        side: impl Iterator<Item = Option<bool>>,
    ) -> ([f32; 2], [f32; 2]) {
        let b = &self.blocks[o.block];
        let (mut ins, mut rest) = ([0.0f32; 2], [0.0f32; 2]);
        for (r, inside) in side.enumerate() {
            let Some(inside) = inside else { continue };
            let sum = if inside { &mut ins } else { &mut rest };
            let mut add = |off: usize| {
                sum[0] += o.acc[off][0];
                sum[1] += o.acc[off][1];
            };
            if services.is_empty() {
                add(b.off_r(r));
            } else {
                services.iter().for_each(|&t| add(b.off_sr(t, r)));
            }
        }
        (ins, rest)
    }

    /// Whether one fault could explain service `s` and the services of open episode `o` (asked
    /// when their onsets are more than [`SAME_ONSET_SECS`] apart): some
    /// component both depend on that no quiet service also depends on. A quiet service (at
    /// least `tech_min_expected` reports expected since the episode opened, hardly more seen:
    /// the test that rules out technologies in the scope) rules out the components it needs —
    /// a backbone fault would have silenced mobile data too. True when the topology names no
    /// dependencies for either side (nothing to judge by) and for customer service, whose
    /// callers follow any outage of its provider.
    pub(super) fn could_share_cause(&self, o: &OpenEpisode, s: usize) -> bool {
        let b = &self.blocks[o.block];
        let cfg = &self.config;
        // Customer service follows any outage of its provider (callers, not a shared part).
        let calls = |t: usize| b.services[t].as_str() == crate::correlate::CUSTOMER_SERVICE;
        let own: Vec<usize> = (0..b.ns)
            .filter(|&t| o.attached[t] && t != s && !calls(t))
            .collect();
        if calls(s)
            || b.deps.get(s).is_none_or(|d| d.is_empty())
            || own.is_empty()
            || own.iter().any(|&t| b.deps[t].is_empty())
        {
            return true;
        }
        let quiet = |q: usize| super::scope::quiet_service(cfg, o.acc[b.off_s(q)]);
        b.deps[s].iter().any(|c| {
            own.iter().any(|&t| b.deps[t].binary_search(c).is_ok())
                && !(0..b.ns).any(|q| {
                    q != s && !o.attached[q] && b.deps[q].binary_search(c).is_ok() && quiet(q)
                })
        })
    }

    /// Whether open episode `o` has a member series in region `r`.
    pub(super) fn claims(&self, o: &OpenEpisode, r: usize) -> bool {
        let b = &self.blocks[o.block];
        o.members
            .iter()
            .any(|&i| b.key(i - b.base).region == Some(r))
    }

    /// All episodes, open and closed, in order of opening.
    pub fn episodes(&self) -> &[Episode] {
        &self.episodes
    }

    /// The open episodes, and those shown early in the open minute ([`Detector::alarm_early`]).
    pub fn open_episodes(&self) -> impl Iterator<Item = &Episode> {
        let early = self.early_from.map_or(&[][..], |f| &self.episodes[f..]);
        self.open.iter().map(|o| &self.episodes[o.idx]).chain(early)
    }
}
