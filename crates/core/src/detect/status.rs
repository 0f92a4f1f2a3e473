use serde::Serialize;

use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::report::{Problem, Timestamp};

use super::series::Series;
use super::{Block, Detector, Episode, OpenEpisode, Seen};

/// The provider-level view of the last closed minute, for status pages and charts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SeriesStatus {
    pub minute_start: Timestamp,
    /// Distinct reporters in that minute.
    pub observed: f64,
    /// Baseline rate (distinct reporters per minute).
    pub expected: f64,
    /// Upper edge of the normal band: a single minute above it would be an alarm on its own.
    pub upper: f64,
    pub score: f64,
}

/// A series of a provider (service, region, problem; `None` = all) and its current score.
pub type SeriesScore = (Option<ServiceId>, Option<RegionId>, Option<Problem>, f64);

impl Detector {
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Bytes of detector state (series, reporter window, indexes, episode work areas).
    pub fn state_bytes(&self) -> usize {
        use std::mem::size_of;
        let series = self.series.capacity() * size_of::<Series>();
        let seen = self.seen.capacity() * (size_of::<((u32, u64), Seen)>() + 1)
            + self.flagged.capacity() * size_of::<(u32, u64)>();
        let blocks: usize = self
            .blocks
            .iter()
            .map(|b| {
                size_of::<Block>()
                    + b.services.capacity() * size_of::<ServiceId>()
                    + b.service_index.capacity() * (size_of::<(ServiceId, usize)>() + 1)
                    + b.services.iter().map(|s| s.as_str().len()).sum::<usize>() * 2
            })
            .sum();
        let index = self.provider_index.capacity() * (size_of::<(ProviderId, usize)>() + 1)
            + self.region_index.capacity() * (size_of::<(RegionId, usize)>() + 1);
        let open: usize = self
            .open
            .iter()
            .map(|o| {
                size_of::<OpenEpisode>()
                    + o.acc.capacity() * 8
                    + o.members.capacity() * 8
                    + o.attached.capacity()
                    + o.foreign.capacity()
                    + o.entered.capacity() * 8
                    + o.early.heap_bytes()
                    + o.foreign_regions.capacity()
            })
            .sum();
        let episodes = self.episodes.capacity() * size_of::<Episode>();
        size_of::<Self>() + series + seen + blocks + index + open + episodes
    }

    /// Provider-level status of the last closed minute.
    pub fn provider_status(&self, provider: &ProviderId) -> Option<SeriesStatus> {
        self.series_status(provider, None, None, None)
    }

    /// Status of one series for the last closed minute. The series that exist: the provider
    /// (all `None`), per service, service × region, service × problem, per region, per problem
    /// and region × problem.
    pub fn series_status(
        &self,
        provider: &ProviderId,
        service: Option<&ServiceId>,
        region: Option<&RegionId>,
        problem: Option<Problem>,
    ) -> Option<SeriesStatus> {
        let &bi = self.provider_index.get(provider)?;
        self.epoch?;
        let b = &self.blocks[bi];
        let s = match service {
            Some(id) => Some(*b.service_index.get(id)?),
            None => None,
        };
        let r = match region {
            Some(id) => Some(*self.region_index.get(id)?),
            None => None,
        };
        let q = problem.map(Problem::index);
        let off = match (s, r, q) {
            (None, None, None) => 0,
            (Some(s), None, None) => b.off_s(s),
            (Some(s), Some(r), None) => b.off_sr(s, r),
            (Some(s), None, Some(q)) => b.off_sq(s, q),
            (None, Some(r), None) => b.off_r(r),
            (None, None, Some(q)) => b.off_q(q),
            (None, Some(r), Some(q)) => b.off_rq(r, q),
            (Some(_), Some(_), Some(_)) => return None,
        };
        let s = &self.series[b.base + off];
        let l = f64::from(s.tested.max(self.config.min_rate));
        let h = f64::from(self.config.alarm_llr);
        // Solve x·ln(x/l) − (x − l) = h for x > l (Newton).
        let mut x = l + (2.0 * h * l).sqrt() + h / 3.0;
        for _ in 0..20 {
            let f = x * (x / l).ln() - (x - l) - h;
            let d = (x / l).ln().max(1e-9);
            let nx = (x - f / d).max(l * (1.0 + 1e-9));
            if (nx - x).abs() < 1e-9 {
                break;
            }
            x = nx;
        }
        Some(SeriesStatus {
            minute_start: (self.next_close - 1).start(),
            observed: f64::from(s.last_x),
            expected: f64::from(s.expected),
            upper: x,
            score: f64::from(s.score),
        })
    }

    /// The score of every series of a provider for the last closed minute, with its key
    /// (service, region, problem), for charts and debugging.
    pub fn provider_scores(&self, provider: &ProviderId) -> Vec<SeriesScore> {
        let Some(&bi) = self.provider_index.get(provider) else {
            return Vec::new();
        };
        let b = &self.blocks[bi];
        (0..b.len())
            .map(|o| {
                let k = b.key(o);
                (
                    k.service.map(|s| b.services[s].clone()),
                    k.region.map(|r| self.regions[r].clone()),
                    k.problem.map(|q| Problem::ALL[q]),
                    f64::from(self.series[b.base + o].score),
                )
            })
            .collect()
    }
}
