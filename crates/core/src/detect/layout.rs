use std::collections::HashMap;

use crate::ids::{ProviderId, ServiceId};
use crate::report::Minute;
use crate::topology::ComponentRef;

use super::NQ;

/// Which dimensions a series covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct SeriesKey {
    pub(super) service: Option<usize>,
    pub(super) region: Option<usize>,
    pub(super) problem: Option<usize>,
}

/// One provider's block of series. Layout (ns services, nr regions, NQ problems):
/// `[P][P/S × ns][P/S/R × ns·nr][P/S/Q × ns·NQ][P/R × nr][P/Q × NQ][P/R/Q × nr·NQ]`.
#[derive(Clone, Debug)]
pub(super) struct Block {
    pub(super) id: ProviderId,
    pub(super) services: Vec<ServiceId>,
    pub(super) service_index: HashMap<ServiceId, usize>,
    pub(super) techs: Vec<Vec<String>>,
    /// Per service, every component it depends on (directly or not), sorted; empty when the
    /// topology names none.
    pub(super) deps: Vec<Vec<ComponentRef>>,
    pub(super) base: usize,
    pub(super) ns: usize,
    pub(super) nr: usize,
    /// Minutes at which a key was flagged soon after it counted: the signature of a flood.
    pub(super) quick_flags: Vec<Minute>,
    /// Index of the provider's time zone in [`Detector::zones`].
    pub(super) zone: usize,
}

impl Block {
    pub(super) fn len(&self) -> usize {
        let (ns, nr) = (self.ns, self.nr);
        1 + ns + ns * nr + ns * NQ + nr + NQ + nr * NQ
    }
    pub(super) fn off_s(&self, s: usize) -> usize {
        1 + s
    }
    pub(super) fn off_sr(&self, s: usize, r: usize) -> usize {
        1 + self.ns + s * self.nr + r
    }
    pub(super) fn off_sq(&self, s: usize, q: usize) -> usize {
        1 + self.ns + self.ns * self.nr + s * NQ + q
    }
    pub(super) fn off_r(&self, r: usize) -> usize {
        1 + self.ns + self.ns * self.nr + self.ns * NQ + r
    }
    pub(super) fn off_q(&self, q: usize) -> usize {
        self.off_r(self.nr) + q
    }
    pub(super) fn off_rq(&self, r: usize, q: usize) -> usize {
        self.off_q(NQ) + r * NQ + q
    }
    /// The series a report of `cell` counts in: offsets and how many.
    pub(super) fn offsets(&self, cell: Cell) -> ([usize; 7], usize) {
        let q = usize::from(cell.problem);
        let mut offs = [0usize; 7];
        let mut n = 0;
        let mut push = |o: usize| {
            offs[n] = o;
            n += 1;
        };
        push(0);
        push(self.off_q(q));
        let r = (cell.region != u16::MAX).then_some(usize::from(cell.region));
        if cell.service != u16::MAX {
            let s = usize::from(cell.service);
            push(self.off_s(s));
            push(self.off_sq(s, q));
            if let Some(r) = r {
                push(self.off_sr(s, r));
            }
        }
        if let Some(r) = r {
            push(self.off_r(r));
            push(self.off_rq(r, q));
        }
        (offs, n)
    }

    pub(super) fn key(&self, off: usize) -> SeriesKey {
        let (ns, nr) = (self.ns, self.nr);
        let mut k = SeriesKey::default();
        if off == 0 {
            return k;
        }
        let mut o = off - 1;
        if o < ns {
            k.service = Some(o);
            return k;
        }
        o -= ns;
        if o < ns * nr {
            k.service = Some(o / nr);
            k.region = Some(o % nr);
            return k;
        }
        o -= ns * nr;
        if o < ns * NQ {
            k.service = Some(o / NQ);
            k.problem = Some(o % NQ);
            return k;
        }
        o -= ns * NQ;
        if o < nr {
            k.region = Some(o);
            return k;
        }
        o -= nr;
        if o < NQ {
            k.problem = Some(o);
            return k;
        }
        o -= NQ;
        k.region = Some(o / NQ);
        k.problem = Some(o % NQ);
        k
    }
}

/// The dimensions of a counted report: indexes of service and region (`u16::MAX` = none) and
/// the problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cell {
    pub(super) service: u16,
    pub(super) region: u16,
    pub(super) problem: u8,
}
