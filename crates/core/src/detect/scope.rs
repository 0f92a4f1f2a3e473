//! Step 6 of detection, **scope**: services, regions, problems and technologies of an episode.
//!
//! For every series of the provider an open episode keeps observed and expected
//! sums since it opened; a series is above baseline when its excess is at least
//! `scope_min_excess` and its log-likelihood ratio at least `scope_llr`. Services (and
//! problems, and joining an episode) are judged against the *tested* expectation, with the
//! margins that keep a single minute of a young baseline from alarming; **regions** against
//! the expectation of a long window ([`Series::steady`](super::series::Series): the baseline
//! with its day-to-day slack and the uncertainty of its estimate, `λ·(1 + rate_slack) +
//! cold_z·sqrt(λ/(n + k0))`, summed in `acc_base`), without the prior's share and the
//! per-minute `cold_abs/(n + 1)`. Those two guard one minute; summed over an episode of
//! hours on a fresh bucket (a Saturday after weekdays) they add many reports to what a
//! region is held against, and Länder with three times their usual reports fell out of a
//! national spill-over's footprint. The estimate's uncertainty stays: it does not average
//! out over a long window, and without it a few stray reports in a quiet neighbour Land
//! entered regional faults; with it, that spill-over is still under-scoped (four Länder of
//! nine instead of three) and not linked to its online service. Figures: docs/calibration.md
//! ("region expectation").
//!
//! Services, regions and problems in scope are those of members and of series above baseline
//! (regions and problems restricted to the episode's services, plus the service-less `P/R`,
//! `P/Q`, `P/R/Q`); and
//! when the regions left out, pooled, are still above baseline, the outage reaches beyond
//! them and every region is in scope; seen after the episode's first `merge_minutes` (when
//! the regions of a spreading fault have had time to pass one by one), that holds until the
//! episode closes, though the sums since it opened dilute as the rise wanes. Few reports in a
//! region are no evidence that it is unaffected either: with each region's expectation taken
//! as its population share of the services' national expectation (without populations in the
//! topology: its share of the provider's base rate, learned by its own series), when the
//! regions in scope carry most of it (`NATIONAL_MIN_SHARE`) and none left out favours its
//! expectation over a fraction (`SPARSE_RISE_SHARE`) of the rise seen in scope by `scope_llr`,
//! every region is in scope (small Länder are too small to tell, larger ones show a weaker rise
//! of their own). While another episode of the provider is open, a
//! service attached there is never in this episode's scope (unless an alarm attaches it
//! here), also after that episode closed; and an episode with services then takes its
//! regions and problems from its services only (the service-less series mix both faults).
//! Likewise within a split group: a region where another open episode of the group has a
//! member series and this one has none is never in this episode's scope, also after that
//! episode closed; and an episode with such regions takes its services (besides those
//! attached), problems (besides members), the pooled rest and its peak rate from the series
//! of its own regions only.
//! An episode also carries the regions its provider serves ([`served_regions`]: its reports
//! against each region's share of the country, by population, else by the other providers'
//! reports): a cable operator's national outage covers its footprint, not the country.
//! Technologies are those of the services in scope (a service's own list, else the
//! technologies of the components it depends on), minus technologies carried by another
//! service of the provider that has enough traffic to tell and is *not* above baseline —
//! so an LTE-only fault on `mobile-data [lte, umts, gsm]` with `mobile-voice [umts, gsm]`
//! quiet yields `lte`.
//!

use std::collections::BTreeSet;

use crate::ids::{RegionId, ServiceId};
use crate::report::{Minute, Problem};

use super::episodes::Early;
use super::series::poisson_llr;
use super::{Detector, DetectorConfig, NQ};

/// A region left out of a national footprint counts as unaffected only when its count favours
/// its expectation over a rise of this share of the rise seen in scope (`1 + share·(ρ − 1)`):
/// reporting keenness differs between regions (cities report more), so a national fault may
/// show there at a fraction of its strength. Value 0.25, chosen on the `national-sparse` kind
/// (seeds 101 202: Länder with a third of the in-scope rise must not count as unaffected)
/// against `regional`, `partial`, `same-region` and `same-provider-concurrent` (the other large
/// Länder, flat, must). Sensitivity on seeds 101 202 303 404 over those kinds and `national`,
/// `lte`, `ramp`, `concurrent`, `coincident-unrelated`: 0.5 under-scopes `national-sparse`
/// (region accuracy 0.77 instead of 1.00), 0.1 changes nothing there; lower values make a
/// flat large Land weaker evidence of a regional fault. Valid range (0, 1].
pub(super) const SPARSE_RISE_SHARE: f32 = 0.25;

/// The regions in scope must carry at least this share of the expected reports (population
/// share) before the regions too small to tell join them: a fault seen in one or two Länder is
/// not national for lack of evidence elsewhere. Value 0.5 (a majority); valid range (0, 1].
pub(super) const NATIONAL_MIN_SHARE: f32 = 0.5;

/// A region counts as not served by a provider (a cable operator's footprint) when its reports
/// over the last day are under this share of what the region's share of the country (its
/// population share, else its share of the other providers' reports) would give. Value 0.1:
/// regions a provider serves differ in how keenly their customers report (cities more) by up
/// to about three times, so a tenth leaves a factor of three below that; strays from outside
/// a footprint (reporters who travel, mis-set regions) come at about a hundredth (gen4's cable
/// operator: 1–5 reports over two days in each region it does not serve against 200–1,000 in
/// those it does). Valid range (0, 0.3].
pub(super) const SERVED_MIN_SHARE: f32 = 0.1;

/// ... and only when its share of the country would give at least this many reports: with
/// fewer, a served region short of reports is chance (at 20 expected, a region reporting
/// three times less keenly shows fewer than 2 with probability 0.017). Valid range: 10 and
/// up.
pub(super) const SERVED_MIN_EXPECTED: f32 = 20.0;

/// `v` scaled to sum 1; `None` when it sums to nothing.
fn normalised(v: &[f32]) -> Option<Vec<f32>> {
    let sum: f32 = v.iter().sum();
    (sum > 0.0).then(|| v.iter().map(|x| x / sum).collect())
}

/// The regions a provider serves, by index, from each region's rate over the last day
/// (`daily`, reports a minute), the minutes that rate has seen (at most a day) and the region's
/// share of the country (summing to 1): all but those whose reports fall under
/// [`SERVED_MIN_SHARE`] of what that share gives, where it gives at least
/// [`SERVED_MIN_EXPECTED`]. Empty when it serves every region, or no region could be told
/// apart yet.
pub(super) fn served_regions(daily: &[f32], minutes: &[f32], prior: &[f32]) -> Vec<usize> {
    let total: f32 = daily.iter().sum();
    let served: Vec<usize> = (0..daily.len())
        .filter(|&r| {
            let expected = total * minutes[r] * prior[r];
            expected < SERVED_MIN_EXPECTED || daily[r] * minutes[r] >= SERVED_MIN_SHARE * expected
        })
        .collect();
    if served.len() == daily.len() || served.is_empty() {
        Vec::new()
    } else {
        served
    }
}

/// Whether a series is above baseline since an episode opened, from its count `x` and
/// expectation `l` over that time: an excess of at least `scope_min_excess` and a
/// log-likelihood ratio of at least `scope_llr`.
pub(super) fn above_baseline(cfg: &DetectorConfig, x: f32, l: f32) -> bool {
    x - l >= cfg.scope_min_excess && poisson_llr(x, l) >= cfg.scope_llr
}

/// Whether a service shows nothing of an episode, from its count and expectation `[x, l]`
/// since the episode opened: at least `tech_min_expected` reports were expected and hardly
/// more came (under 1.5 times that plus `scope_min_excess`). A quiet service rules out its
/// technologies in the scope and, for joining episodes, the components it needs.
pub(super) fn quiet_service(cfg: &DetectorConfig, [x, l]: [f32; 2]) -> bool {
    l >= cfg.tech_min_expected && x < l * 1.5 + cfg.scope_min_excess
}

/// Whether a footprint (`regions` in scope among `allowed`) is national (`scope` module doc): the
/// regions in scope carry at least [`NATIONAL_MIN_SHARE`] of the expectation, and no allowed
/// region left out favours its expectation over a rise of [`SPARSE_RISE_SHARE`] of the one in
/// scope by `scope_llr`. `observed` and `expected` per region, since the episode opened
/// (expected: the episode's services nationally, by population share).
pub(super) fn national_footprint(
    regions: &[usize],
    allowed: &[bool],
    observed: &[f32],
    expected: &[f32],
    cfg: &DetectorConfig,
) -> bool {
    let sum = |f: &dyn Fn(usize) -> bool, v: &[f32]| -> f32 {
        (0..v.len()).filter(|&r| f(r)).map(|r| v[r]).sum()
    };
    let in_scope = |r: usize| regions.contains(&r);
    let all = sum(&|r| allowed[r], expected);
    let ins_l = sum(&in_scope, expected);
    if all <= 0.0 || ins_l < NATIONAL_MIN_SHARE * all {
        return false;
    }
    let rho = sum(&in_scope, observed) / ins_l.max(cfg.min_rate);
    if rho <= 1.0 {
        return false;
    }
    let weak = 1.0 + SPARSE_RISE_SHARE * (rho - 1.0);
    (0..allowed.len())
        .filter(|&r| allowed[r] && !in_scope(r))
        .all(|r| {
            // How much the region favours its expectation over the weak rise.
            let (x, l) = (observed[r], expected[r]);
            l * (weak - 1.0) - x * weak.ln() < cfg.scope_llr
        })
}

impl Detector {
    /// How much the count `rest = [observed, expected]` of the regions outside an episode's
    /// footprint favours their baseline over the rise a fault hitting all regions alike would
    /// bring there: the ratio of observed to expected over footprint (`ins`) and rest together.
    pub(super) fn regional_llr(&self, ins: [f32; 2], rest: [f32; 2]) -> f32 {
        let rho = (ins[0] + rest[0]) / (ins[1] + rest[1]).max(self.config.min_rate);
        let [x, l] = rest;
        let national = l * rho.max(1.0);
        (national - l) - x * rho.max(1.0).ln()
    }

    /// Whether the alarm of series `i` in region `r` at minute `m` is a rise of its own beside
    /// open episode `k` rather than its growth (`episodes` module doc): it rose sharply (alarm within
    /// `merge_minutes` of its onset) in a region outside the episode's footprint before the
    /// onset; that footprint had stood still for `split_minutes` when the rise began; and the
    /// episode was regional, its rest (neither footprint nor `r`) clearly quieter than a fault
    /// hitting all regions alike would make it.
    pub(super) fn separate_rise(&self, k: usize, i: usize, r: usize, m: Minute) -> bool {
        let o = &self.open[k];
        let b = &self.blocks[o.block];
        let cfg = &self.config;
        let onset = self.epoch.unwrap_or(m) + i64::from(self.series[i].onset);
        if m - onset > i64::from(cfg.merge_minutes) || o.entered[r] < onset || self.claims(o, r) {
            return false;
        }
        let old: Vec<bool> = (0..b.nr)
            .map(|x| o.entered[x] < onset && !o.foreign_regions[x])
            .collect();
        let n = old.iter().filter(|&&x| x).count();
        let others = (0..b.nr)
            .filter(|&x| x != r && !old[x] && !o.foreign_regions[x])
            .count();
        if n == 0 || others == 0 {
            return false;
        }
        let settled = (0..b.nr)
            .filter(|&x| old[x])
            .map(|x| o.entered[x])
            .fold(o.opened, Minute::max);
        if onset - settled < i64::from(cfg.split_minutes) {
            return false;
        }
        let own: Vec<usize> = (0..b.ns).filter(|&s| o.attached[s]).collect();
        let side = (0..b.nr).map(|x| (x != r && !o.foreign_regions[x]).then_some(old[x]));
        let (ins, rest) = self.split_acc(o, &own, side);
        self.regional_llr(ins, rest) >= cfg.scope_llr
    }

    /// Recomputes scope and peak of open episode `k`; true when the scope changed.
    pub(super) fn refresh_scope(&mut self, k: usize, m: Minute) -> bool {
        // Services another open episode of the provider has are that episode's: while two
        // faults of one provider are open at once, each keeps its own services, and its
        // regions and problems come from its services only.
        let block = self.open[k].block;
        let mut concurrent = false;
        for j in 0..self.open.len() {
            if j == k || self.open[j].block != block {
                continue;
            }
            concurrent = true;
            for s in 0..self.open[k].foreign.len() {
                if self.open[j].attached[s] && !self.open[k].attached[s] {
                    self.open[k].foreign[s] = true;
                }
            }
            // Likewise the regions another episode of the split group claims.
            if self.open[j].group == self.open[k].group {
                let b = &self.blocks[block];
                let claimed: Vec<usize> = self.open[j]
                    .members
                    .iter()
                    .filter_map(|&i| b.key(i - b.base).region)
                    .collect();
                for r in claimed {
                    if !self.claims(&self.open[k], r) {
                        self.open[k].foreign_regions[r] = true;
                    }
                }
            }
        }
        let ep = &self.open[k];
        concurrent |= ep.foreign.iter().any(|&f| f);
        let b = &self.blocks[ep.block];
        let base = b.base;
        let cfg = &self.config;
        // Regions of its own: not claimed by another episode of the split group, unless a
        // member here claims them too. A split episode takes services and problems from the
        // series of its own regions (the others mix in the other fault).
        let allowed: Vec<bool> = (0..b.nr)
            .map(|r| !ep.foreign_regions[r] || self.claims(ep, r))
            .collect();
        let split = allowed.iter().any(|&a| !a);
        let n_allowed = allowed.iter().filter(|&&a| a).count();
        let member = |off: usize| ep.members.contains(&(base + off));
        let pass = |off: usize| member(off) || above_baseline(cfg, ep.acc[off][0], ep.acc[off][1]);
        // Regions are judged against the long-window expectation (module doc).
        let pass_region =
            |off: usize| member(off) || above_baseline(cfg, ep.acc[off][0], ep.acc_base[off]);
        let services: Vec<usize> = (0..b.ns)
            .filter(|&s| {
                ep.attached[s]
                    || (!ep.foreign[s]
                        && if split {
                            (0..b.nr).any(|r| allowed[r] && pass(b.off_sr(s, r)))
                        } else {
                            pass(b.off_s(s))
                                || (0..b.nr).any(|r| pass(b.off_sr(s, r)))
                                || (0..NQ).any(|q| pass(b.off_sq(s, q)))
                        })
            })
            .collect();
        let own_only = concurrent && !services.is_empty();
        let mut regions: Vec<usize> = (0..b.nr)
            .filter(|&r| {
                allowed[r]
                    && (services.iter().any(|&s| pass_region(b.off_sr(s, r)))
                        || (!own_only
                            && (pass_region(b.off_r(r))
                                || (0..NQ).any(|q| pass_region(b.off_rq(r, q))))))
            })
            .collect();
        // The regions not in scope, pooled (over the episode's services, if any): if they are
        // still above baseline together, the outage reaches beyond the regions found one by
        // one (a weak national outage), so all regions (of its own) are in scope. Found once
        // the scope has formed, that holds while the episode lasts: the sums since it opened
        // take in its waning hours too, where the rise of a weak national outage sinks below
        // the long-window margins. (In its first minutes, the rest still holds the regions of
        // a spreading fault that have not passed one by one yet.)
        let mut reached_beyond = false;
        if !regions.is_empty() && regions.len() < n_allowed {
            let (mut x, mut l) = (0.0f32, 0.0f32);
            for r in (0..b.nr).filter(|&r| allowed[r] && !regions.contains(&r)) {
                let offs: Vec<usize> = if services.is_empty() {
                    vec![b.off_r(r)]
                } else {
                    services.iter().map(|&s| b.off_sr(s, r)).collect()
                };
                for o in offs {
                    x += ep.acc[o][0];
                    l += ep.acc_base[o];
                }
            }
            let above = above_baseline(cfg, x, l);
            if ep.reached_beyond || above {
                regions = (0..b.nr).filter(|&r| allowed[r]).collect();
            }
            // Once the scope has formed (after the first `merge_minutes`, when the regions of a
            // spreading fault have had time to pass one by one).
            reached_beyond = above && !matches!(ep.early, Early::Open { .. });
        }
        // Few reports in a region are no evidence that it is unaffected: expected by population
        // share, the regions left out are either too small to tell or show a rise of their own;
        // when none of them is positively unaffected and the regions in scope carry most of the
        // expectation, the footprint is national.
        if !split && !regions.is_empty() && regions.len() < n_allowed {
            let offs = |r: usize| -> Vec<usize> {
                if services.is_empty() {
                    vec![b.off_r(r)]
                } else {
                    services.iter().map(|&s| b.off_sr(s, r)).collect()
                }
            };
            let total: f32 = if services.is_empty() {
                ep.acc_base[0]
            } else {
                services.iter().map(|&s| ep.acc_base[b.off_s(s)]).sum()
            };
            let observed: Vec<f32> = (0..b.nr)
                .map(|r| offs(r).iter().map(|&o| ep.acc[o][0]).sum())
                .collect();
            // Each region's share of the expectation: its population share where the topology
            // gives populations (a prior the outage's own reports cannot bias), else the
            // provider's base rate there as its own series learned it, at this minute (the
            // sums since the episode opened start with its members only), uniform before any.
            let share: Vec<f32> = self.region_weight.clone().unwrap_or_else(|| {
                let learned: Vec<f32> = (0..b.nr)
                    .map(|r| offs(r).iter().map(|&o| self.series[base + o].tested).sum())
                    .collect();
                normalised(&learned).unwrap_or_else(|| vec![1.0 / b.nr as f32; b.nr])
            });
            let expected: Vec<f32> = share.iter().map(|w| total * w).collect();
            if national_footprint(&regions, &allowed, &observed, &expected, cfg) {
                regions = (0..b.nr).filter(|&r| allowed[r]).collect();
            }
        }
        let problems: Vec<usize> = (0..NQ)
            .filter(|&q| {
                if split {
                    return ep.members.contains(&(base + b.off_q(q)))
                        || services
                            .iter()
                            .any(|&s| ep.members.contains(&(base + b.off_sq(s, q))))
                        || regions.iter().any(|&r| pass(b.off_rq(r, q)));
                }
                services.iter().any(|&s| pass(b.off_sq(s, q)))
                    || (!own_only && (pass(b.off_q(q)) || (0..b.nr).any(|r| pass(b.off_rq(r, q)))))
            })
            .collect();
        let mut affected: BTreeSet<&String> = BTreeSet::new();
        for &s in &services {
            affected.extend(b.techs[s].iter());
        }
        let mut ruled_out: BTreeSet<&String> = BTreeSet::new();
        for s in 0..b.ns {
            if services.contains(&s) {
                continue;
            }
            if quiet_service(cfg, ep.acc[b.off_s(s)]) {
                ruled_out.extend(b.techs[s].iter());
            }
        }
        let narrowed: Vec<String> = affected
            .iter()
            .filter(|t| !ruled_out.contains(*t))
            .map(|t| (*t).clone())
            .collect();
        let technologies = if narrowed.is_empty() {
            affected.into_iter().cloned().collect()
        } else {
            narrowed
        };

        let (rate, base_rate) = if split {
            // Over the series of its own regions only.
            let offs: Vec<usize> = if services.is_empty() {
                regions.iter().map(|&r| b.off_r(r)).collect()
            } else {
                services
                    .iter()
                    .flat_map(|&s| regions.iter().map(move |&r| b.off_sr(s, r)))
                    .collect()
            };
            offs.iter().fold((0.0, 0.0), |(x, l), &o| {
                let se = &self.series[base + o];
                (x + se.last_x, l + se.expected)
            })
        } else if services.is_empty() {
            let s = &self.series[base];
            (s.last_x, s.expected)
        } else {
            services.iter().fold((0.0, 0.0), |(x, l), &s| {
                let se = &self.series[base + b.off_s(s)];
                (x + se.last_x, l + se.expected)
            })
        };
        let score = ep
            .members
            .iter()
            .map(|&i| self.series[i].score)
            .fold(0.0f32, f32::max);

        let idx = ep.idx;
        if reached_beyond {
            self.open[k].reached_beyond = true;
        }
        if let Early::Open { listed, .. } = &mut self.open[k].early {
            for &s in &services {
                listed[s] = true;
            }
        }
        let services: Vec<ServiceId> = services.iter().map(|&s| b.services[s].clone()).collect();
        for &r in &regions {
            let e = &mut self.open[k].entered[r];
            *e = (*e).min(m);
        }
        // At the end of the episode's first `merge_minutes`, which services had risen in its
        // regions by then: above their baseline rate (without the margins of the tests, which
        // guard alarms, not this comparison: a sparse service hit by the fault shows a few
        // reports where hardly any were expected). A service the scope step lists only later
        // joins the episode's alarms only if it had (`episodes` module doc).
        let ep = &mut self.open[k];
        if let (Early::Open { listed, since }, true) =
            (&ep.early, m - ep.opened >= i64::from(cfg.merge_minutes))
        {
            let rose = (0..b.ns)
                .map(|s| {
                    let offs: Vec<usize> = if regions.is_empty() {
                        vec![b.off_s(s)]
                    } else {
                        regions.iter().map(|&r| b.off_sr(s, r)).collect()
                    };
                    let [x, l] = offs
                        .iter()
                        .fold([0.0f32; 2], |[x, l], &o| [x + since[o][0], l + since[o][1]]);
                    listed[s] || ep.attached[s] || above_baseline(cfg, x, l)
                })
                .collect();
            ep.early = Early::Judged(rose);
        }
        let regions: Vec<RegionId> = regions.iter().map(|&r| self.regions[r].clone()).collect();
        let problems: Vec<Problem> = problems.iter().map(|&q| Problem::ALL[q]).collect();
        let region_shares: Vec<(RegionId, f64)> = if self.region_weight.is_none() {
            let learned: Vec<f32> = (0..b.nr)
                .map(|r| self.series[base + b.off_r(r)].tested)
                .collect();
            let sum: f32 = learned.iter().sum();
            if sum > 0.0 {
                (0..b.nr)
                    .map(|r| (self.regions[r].clone(), f64::from(learned[r] / sum)))
                    .collect()
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        };
        let served: Vec<RegionId> = {
            let (daily, minutes): (Vec<f32>, Vec<f32>) = (0..b.nr)
                .map(|r| {
                    let s = &self.series[base + b.off_r(r)];
                    (s.daily, s.age.min(24 * 60) as f32)
                })
                .unzip();
            // The region's share of the country: its population share, else its share of the
            // other providers' reports over the last day (they stand in for the population:
            // without them nothing tells a small region from strays outside a footprint; in
            // gen4, a national provider's smallest region had 0.7-4 % of its largest region's
            // reports, the cable operator's strays 0.05-0.3 %).
            let prior: Vec<f32> = self.region_weight.clone().unwrap_or_else(|| {
                let others: Vec<f32> = (0..b.nr)
                    .map(|r| {
                        self.blocks
                            .iter()
                            .filter(|o| o.base != base)
                            .map(|o| self.series[o.base + o.off_r(r)].daily)
                            .sum()
                    })
                    .collect();
                normalised(&others).unwrap_or_else(|| vec![0.0; b.nr])
            });
            served_regions(&daily, &minutes, &prior)
                .into_iter()
                .map(|r| self.regions[r].clone())
                .collect()
        };
        let e = &mut self.episodes[idx];
        e.region_shares = region_shares;
        e.served = served;
        let changed = e.services != services
            || e.regions != regions
            || e.problems != problems
            || e.technologies != technologies;
        e.services = services;
        e.regions = regions;
        e.problems = problems;
        e.technologies = technologies;
        e.peak_score = e.peak_score.max(f64::from(score));
        if f64::from(rate) > e.peak_rate {
            e.peak_rate = f64::from(rate);
            e.baseline_rate = f64::from(base_rate);
        }
        changed
    }
}
