//! The 24-hour report chart of a provider page and the overview's sparklines: distinct
//! reporters per quarter hour against the typical range for that time of day, as inline SVG
//! that scales to the page width, with a time axis, a legend and the same numbers as a table.
//!
//! **Typical range.** For each quarter hour of the last 24 hours, the counts of the same
//! quarter hour on each of the 7 days before are sorted; the range runs from the second
//! lowest to the second highest of those 7 (roughly the 15th to the 85th percentile, so one
//! unusual day does not widen it) and the typical value is their median. Days before the
//! first stored report count as 0.

use chrono_tz::Tz;
use maud::{html, Markup};
use radar_core::Timestamp;
use radar_store::MinuteCount;

use crate::publish::i18n::{t, tf, tn};
use crate::publish::local_time;

/// Quarter hours shown: 24 hours.
pub const BINS: usize = 96;
const BIN_SECS: i64 = 900;
/// Days before that make the typical range.
pub const HISTORY_DAYS: i64 = 7;

/// The end of the quarter hour `now` is in: the chart's right edge.
pub fn day_end(now: Timestamp) -> Timestamp {
    Timestamp((now.0.div_euclid(BIN_SECS) + 1) * BIN_SECS)
}

/// The chart's left edge: 24 hours before [`day_end`].
pub fn day_start(now: Timestamp) -> Timestamp {
    Timestamp(day_end(now).0 - BINS as i64 * BIN_SECS)
}

/// The typical range of one quarter hour.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Band {
    pub low: u64,
    pub typical: u64,
    pub high: u64,
}

/// 24 hours of distinct reporters per quarter hour and the typical range of each.
#[derive(Clone, Debug, PartialEq)]
pub struct Day {
    pub start: Timestamp,
    pub now: Timestamp,
    pub bins: Vec<u64>,
    pub band: Vec<Band>,
}

impl Day {
    /// From per-minute counts covering `[start − 7 days, start + 24 h)`: the last 24 hours
    /// go to `bins`, the 7 days before to the typical range (see the module documentation).
    pub fn of(counts: &[MinuteCount], start: Timestamp, now: Timestamp) -> Day {
        let span = BINS as i64 * BIN_SECS;
        let mut bins = vec![0u64; BINS];
        let mut past = vec![[0u64; HISTORY_DAYS as usize]; BINS];
        for c in counts {
            let off = c.minute.0 - start.0;
            if (0..span).contains(&off) {
                bins[(off / BIN_SECS) as usize] += c.reporters;
                continue;
            }
            for d in 1..=HISTORY_DAYS {
                let o = off + d * 86_400;
                if (0..span).contains(&o) {
                    past[(o / BIN_SECS) as usize][(d - 1) as usize] += c.reporters;
                }
            }
        }
        let band = past
            .into_iter()
            .map(|mut v| {
                v.sort_unstable();
                Band {
                    low: v[1],
                    typical: v[3],
                    high: v[5],
                }
            })
            .collect();
        Day {
            start,
            now,
            bins,
            band,
        }
    }

    pub fn total(&self) -> u64 {
        self.bins.iter().sum()
    }

    fn bin_start(&self, i: usize) -> Timestamp {
        Timestamp(self.start.0 + i as i64 * BIN_SECS)
    }
}

/// A round number at or above `x` for the top of the axis: 1, 2, 5 × 10ⁿ.
fn nice_ceiling(x: u64) -> u64 {
    let x = x.max(4);
    let mut m = 1u64;
    loop {
        for f in [1, 2, 5] {
            if f * m >= x {
                return f * m;
            }
        }
        m *= 10;
    }
}

const W: f64 = 560.0;
const H: f64 = 200.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

/// The chart: bars of reporters per quarter hour, the typical range as a band with its
/// median as a dashed line, a y axis with three ticks and a time axis every 3 local hours;
/// then a legend and a table of the same numbers behind a disclosure.
pub fn day_chart(lang: &str, tz: Tz, day: &Day) -> Markup {
    let max = nice_ceiling(
        day.bins
            .iter()
            .copied()
            .chain(day.band.iter().map(|b| b.high))
            .max()
            .unwrap_or(0),
    );
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let bw = pw / BINS as f64;
    let y = |v: f64| TOP + ph - v / max as f64 * ph;
    let x = |i: usize| LEFT + i as f64 * bw;
    let mut band_path = String::new();
    for (i, b) in day.band.iter().enumerate() {
        let cx = x(i) + bw / 2.0;
        band_path.push_str(&format!(
            "{}{cx:.1},{:.1}",
            if i == 0 { "M" } else { "L" },
            y(b.high as f64)
        ));
    }
    for (i, b) in day.band.iter().enumerate().rev() {
        band_path.push_str(&format!("L{:.1},{:.1}", x(i) + bw / 2.0, y(b.low as f64)));
    }
    band_path.push('Z');
    let typical: String = day
        .band
        .iter()
        .enumerate()
        .map(|(i, b)| format!("{:.1},{:.1}", x(i) + bw / 2.0, y(b.typical as f64)))
        .collect::<Vec<_>>()
        .join(" ");
    // Time ticks: quarter hours that start a local hour divisible by 3.
    let ticks: Vec<(usize, String)> = (0..BINS)
        .filter_map(|i| {
            let hm = local_time::time_of_day(day.bin_start(i), tz);
            (hm.ends_with(":00") && hm[..2].parse::<u32>().is_ok_and(|h| h % 3 == 0))
                .then_some((i, hm))
        })
        .collect();
    let peak = day
        .bins
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
        .map(|(i, n)| (i, *n));
    let summary = match peak {
        Some((i, n)) if n > 0 => tf(
            lang,
            "chart.summary",
            &[
                ("total", &day.total().to_string()),
                ("peak", &n.to_string()),
                ("time", &local_time::time_of_day(day.bin_start(i), tz)),
                ("low", &day.band[i].low.to_string()),
                ("high", &day.band[i].high.to_string()),
            ],
        ),
        _ => t(lang, "chart.summary-none").to_owned(),
    };
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (W) " " (H) } role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet" {
                title id="chart-title" { (t(lang, "chart.title")) }
                desc id="chart-desc" { (summary) }
                @for v in [0, max / 2, max] {
                    line x1=(LEFT) x2=(W - RIGHT) y1=(y(v as f64)) y2=(y(v as f64)) class="grid" {}
                    text x=(LEFT - 4.0) y=(y(v as f64) + 4.0) text-anchor="end" class="axis" { (v) }
                }
                @for (i, n) in day.bins.iter().enumerate() {
                    @if *n > 0 {
                        @let top = y(*n as f64);
                        rect x=(format!("{:.1}", x(i) + 0.5)) y=(format!("{top:.1}")) width=(format!("{:.1}", (bw - 1.0).max(0.5))) height=(format!("{:.1}", TOP + ph - top)) class="bar" {}
                    }
                }
                // The band over the bars, translucent, so that both stay visible.
                path d=(band_path) class="band" {}
                polyline points=(typical) class="typical" {}
                line x1=(LEFT) x2=(W - RIGHT) y1=(TOP + ph) y2=(TOP + ph) class="axis-line" {}
                @for (i, hm) in &ticks {
                    line x1=(x(*i)) x2=(x(*i)) y1=(TOP + ph) y2=(TOP + ph + 4.0) class="axis-line" {}
                    text x=(x(*i)) y=(H - 8.0) text-anchor="middle" class="axis" { (hm) }
                }
            }
            figcaption {
                ul.legend {
                    li { span.swatch.bar-swatch aria-hidden="true" {} (t(lang, "chart.legend-reports")) }
                    li { span.swatch.band-swatch aria-hidden="true" {} (t(lang, "chart.legend-band")) }
                    li { span.swatch.typical-swatch aria-hidden="true" {} (t(lang, "chart.legend-typical")) }
                }
                p.note { (summary) }
            }
        }
        details.table {
            summary { (t(lang, "chart.as-table")) }
            div.table-wrap {
                table {
                    caption { (t(lang, "chart.table-caption")) }
                    thead { tr {
                        th scope="col" { (t(lang, "chart.col-time")) }
                        th scope="col" { (t(lang, "chart.col-reports")) }
                        th scope="col" { (t(lang, "chart.col-typical")) }
                    } }
                    tbody {
                        @for (i, n) in day.bins.iter().enumerate() {
                            @if day.bin_start(i).0 <= day.now.0 {
                                tr {
                                    th scope="row" { (local_time::time_of_day(day.bin_start(i), tz)) }
                                    td { (n) }
                                    td { (day.band[i].low) "–" (day.band[i].high) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A small line of the last 24 hours for the overview; decorative, with the total in words
/// beside it for screen readers.
pub fn sparkline(lang: &str, day: &Day) -> Markup {
    let max = day.bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let points: String = day
        .bins
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{i},{:.1}", 22.0 - *n as f64 / max * 20.0))
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        div.spark {
            svg viewBox="0 0 96 24" aria-hidden="true" focusable="false" preserveAspectRatio="none" {
                polyline points=(points) {}
            }
            span.spark-text { (tn(lang, "overview.reports-24h", day.total())) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(minute: i64, reporters: u64) -> MinuteCount {
        MinuteCount {
            minute: Timestamp(minute),
            reports: reporters,
            reporters,
        }
    }

    #[test]
    fn bins_and_typical_range() {
        let now = Timestamp(1_494_950_400 + 3_600 + 120); // 17:02 UTC
        let start = day_start(now);
        assert_eq!(day_end(now).0 - start.0, 86_400);
        assert_eq!(day_end(now).0 % 900, 0);
        let mut counts = vec![c(start.0, 3), c(start.0 + 60, 2), c(start.0 + 95 * 900, 7)];
        // The same first quarter hour on the 7 days before: 1, 2, …, 7 reporters.
        for d in 1..=7 {
            counts.push(c(start.0 - d * 86_400, d as u64));
        }
        let day = Day::of(&counts, start, now);
        assert_eq!(day.bins[0], 5);
        assert_eq!(day.bins[95], 7);
        assert_eq!(day.total(), 12);
        assert_eq!(
            day.band[0],
            Band {
                low: 2,
                typical: 4,
                high: 6
            }
        );
        assert_eq!(day.band[1], Band::default());
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(180), 200);
        assert_eq!(nice_ceiling(201), 500);
    }

    #[test]
    fn chart_has_axis_band_legend_and_table() {
        let now = Timestamp(1_494_950_400);
        let start = day_start(now);
        let day = Day::of(&[c(start.0 + 900, 4)], start, now);
        let html = day_chart("de", chrono_tz::Europe::Berlin, &day).into_string();
        assert!(html.contains("viewBox=\"0 0 560 200\""), "{html}");
        assert!(html.contains("class=\"band\""));
        assert!(
            html.contains(">18:00<"),
            "a time tick in local time: {html}"
        );
        assert!(html.contains("<table>") && html.contains("<caption>"));
        assert!(!html.contains("width=\"384\""), "no fixed width");
    }
}
