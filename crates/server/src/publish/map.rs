//! Where reports come from: an SVG map of the German Länder shaded by distinct reporters over
//! the last 24 hours, and the same numbers as a list. The outlines are Natural Earth's (public
//! domain), simplified and compiled in; `data/laender/README.md` names the source and how
//! they were made.

use std::collections::BTreeMap;

use maud::{html, Markup};
use radar_store::ReportTally;

use crate::publish::i18n::{self, t, tf, tn};
use crate::state::AppState;

const OUTLINES: &str = include_str!("../../data/laender/laender.txt");

/// The outlines: the view box, then (region id, SVG path) per Land.
fn outlines() -> (&'static str, Vec<(&'static str, &'static str)>) {
    let mut view_box = "0 0 400 541";
    let mut lands = Vec::new();
    for line in OUTLINES.lines() {
        if let Some(v) = line.strip_prefix("# viewBox ") {
            view_box = v;
        } else if let Some((id, d)) = line.split_once(' ') {
            lands.push((id, d));
        }
    }
    (view_box, lands)
}

/// One of five shades: 0 for none, then by the share of the busiest Land.
fn shade(n: u64, max: u64) -> u8 {
    if n == 0 || max == 0 {
        0
    } else {
        (1 + (n * 4 - 1) / max).min(4) as u8
    }
}

pub fn laender(st: &AppState, lang: &str, tally: &[ReportTally]) -> Markup {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for x in tally {
        *by.entry(x.region.as_str()).or_default() += x.reporters;
    }
    let max = by.values().copied().max().unwrap_or(0);
    let (view_box, lands) = outlines();
    let mut list: Vec<(&str, u64)> = by.iter().map(|(r, n)| (*r, *n)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let name = |id: &str| i18n::region_name(&st.topology, lang, id);
    let shown: Vec<String> = list
        .iter()
        .take(3)
        .map(|(r, n)| format!("{} {n}", name(r)))
        .collect();
    let label = if list.is_empty() {
        t(lang, "map.none").to_owned()
    } else {
        tf(lang, "map.label", &[("top", &shown.join(", "))])
    };
    html! {
        div.map-wrap {
            svg.map viewBox=(view_box) role="img" aria-label=(label) {
                @for (id, d) in &lands {
                    @let n = by.get(id).copied().unwrap_or(0);
                    path d=(d) class={ "land s" (shade(n, max)) } {
                        title { (name(id)) ": " (tn(lang, "map.reports", n)) }
                    }
                }
            }
            ul.legend.scale aria-hidden="true" {
                li { span.swatch.s0 {} "0" }
                li { span.swatch.s1 {} }
                li { span.swatch.s2 {} }
                li { span.swatch.s3 {} }
                li { span.swatch.s4 {} (max) }
            }
        }
        @if list.is_empty() { p { (t(lang, "map.none")) } }
        @else {
            div.table-wrap {
                table.laender {
                    caption { (t(lang, "map.caption")) }
                    thead { tr { th scope="col" { (t(lang, "map.land")) } th scope="col" { (t(lang, "map.count")) } } }
                    tbody {
                        @for (r, n) in &list {
                            tr { th scope="row" { (name(r)) } td { (n) } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_laender_with_paths() {
        let (vb, lands) = outlines();
        assert_eq!(vb, "0 0 400 541");
        assert_eq!(lands.len(), 16);
        for (id, d) in lands {
            assert!(id.starts_with("DE-"), "{id}");
            assert!(d.starts_with('M') && d.ends_with('z'), "{id}");
        }
    }

    #[test]
    fn shades() {
        assert_eq!(shade(0, 10), 0);
        assert_eq!(shade(1, 10), 1);
        assert_eq!(shade(10, 10), 4);
        assert_eq!(shade(5, 10), 2);
    }
}
