//! Atom feeds (RFC 4287): `/feed.atom` (every provider) and `/providers/{id}/feed.atom`.
//!
//! One entry per outage of the product view, declared or detected, newest change first, at
//! most [`MAX_ENTRIES`]. An entry's id is a tag URI (RFC 4151) made of the outage's id and
//! start, so it stays the same while the outage changes; its `updated` is the outage's last
//! change, its summary the latest statement (else what was seen), its link the incident page.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use radar_core::view::{Outage, ProductView};
use radar_core::ProviderId;

use crate::explain::outages::product_view;
use crate::problem::Problem;
use crate::publish::api::known_provider;
use crate::publish::statuspage::{last_change, origin};
use crate::state::AppState;

/// Most entries in one feed.
pub const MAX_ENTRIES: usize = 50;

/// The authority and date of every tag URI of the feeds.
pub const TAG_AUTHORITY: &str = "tag:outage-radar,2017:";

pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// Escapes text for XML element content and attribute values; drops the characters XML 1.0
/// cannot carry (control characters other than tab, line feed and carriage return).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn provider_name(st: &AppState, p: &ProviderId) -> String {
    st.topology
        .provider(p.as_str())
        .map_or_else(|| p.as_str().to_owned(), |x| x.name.clone())
}

fn title_of(o: &Outage) -> String {
    match &o.incident {
        Some(i) => i.title.get("en").unwrap_or_default().to_owned(),
        None => o.summary.en.clone(),
    }
}

/// The latest statement (with its workaround while the outage is open), else the summary.
fn latest_text(o: &Outage) -> String {
    let latest = o
        .incident
        .as_ref()
        .and_then(|i| i.statements.iter().max_by_key(|s| s.time));
    match latest {
        Some(s) => {
            let mut t = s.text.get("en").unwrap_or_default().to_owned();
            if let (Some(w), true) = (&s.workaround, o.is_open()) {
                t.push_str("\n\nWorkaround: ");
                t.push_str(w.get("en").unwrap_or_default());
            }
            t
        }
        None => o.summary.en.clone(),
    }
}

fn feed(st: &AppState, view: &ProductView, provider: Option<&ProviderId>, origin: &str) -> String {
    let mut outages: Vec<&Outage> = view
        .outages
        .iter()
        .filter(|o| provider.is_none_or(|p| &o.provider == p))
        .collect();
    outages.sort_by(|a, b| (last_change(b), b.start, &b.id).cmp(&(last_change(a), a.start, &a.id)));
    outages.truncate(MAX_ENTRIES);
    let updated = outages
        .iter()
        .map(|o| last_change(o))
        .max()
        .unwrap_or(view.now);
    let (self_path, page_path, title, feed_id) = match provider {
        Some(p) => (
            format!("/providers/{p}/feed.atom"),
            format!("/providers/{p}"),
            format!("Outage Radar: {}", provider_name(st, p)),
            format!("{TAG_AUTHORITY}feed/{p}"),
        ),
        None => (
            "/feed.atom".to_owned(),
            "/".to_owned(),
            "Outage Radar: all providers".to_owned(),
            format!("{TAG_AUTHORITY}feed"),
        ),
    };
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n");
    let _ = writeln!(x, "  <id>{}</id>", escape(&feed_id));
    let _ = writeln!(x, "  <title>{}</title>", escape(&title));
    let _ = writeln!(x, "  <updated>{}</updated>", updated.to_rfc3339());
    let _ = writeln!(
        x,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        escape(&format!("{origin}{self_path}"))
    );
    let _ = writeln!(
        x,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape(&format!("{origin}{page_path}"))
    );
    x.push_str("  <author><name>Outage Radar</name></author>\n");
    x.push_str("  <generator>Outage Radar</generator>\n");
    for o in outages {
        let name = provider_name(st, &o.provider);
        let _ = writeln!(x, "  <entry>");
        let _ = writeln!(
            x,
            "    <id>{}</id>",
            escape(&format!(
                "{TAG_AUTHORITY}outage/{}/{}/{}",
                o.provider, o.id, o.start.0
            ))
        );
        let _ = writeln!(
            x,
            "    <title type=\"text\">{}</title>",
            escape(&format!("{name}: {}", title_of(o)))
        );
        let _ = writeln!(x, "    <updated>{}</updated>", last_change(o).to_rfc3339());
        let _ = writeln!(
            x,
            "    <published>{}</published>",
            o.detected_at.to_rfc3339()
        );
        let _ = writeln!(
            x,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            escape(&format!("{origin}/incidents/{}", o.id))
        );
        let _ = writeln!(
            x,
            "    <category term=\"{}\" label=\"{}\"/>",
            escape(o.state.as_str()),
            escape(if o.is_open() { "open" } else { "over" })
        );
        let _ = writeln!(x, "    <author><name>{}</name></author>", escape(&name));
        let text = latest_text(o);
        let _ = writeln!(x, "    <summary type=\"text\">{}</summary>", escape(&text));
        let mut content = format!("State: {}.", o.state.as_str());
        if o.is_declared() {
            content.push_str(" Declared by the provider.");
        } else {
            content.push_str(" Detected from user reports.");
        }
        content.push_str("\n\n");
        content.push_str(&text);
        let _ = writeln!(
            x,
            "    <content type=\"text\">{}</content>",
            escape(&content)
        );
        let _ = writeln!(x, "  </entry>");
    }
    x.push_str("</feed>\n");
    x
}

fn atom(body: String) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

/// `GET /feed.atom`: every provider's outages.
pub async fn all(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, Problem> {
    let lv = product_view(&st).await?;
    Ok(atom(feed(&st, &lv.view, None, &origin(&headers))))
}

/// `GET /providers/{id}/feed.atom`: one provider's outages.
pub async fn provider(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = known_provider(&st, &id)?;
    let lv = product_view(&st).await?;
    Ok(atom(feed(&st, &lv.view, Some(&p), &origin(&headers))))
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            escape("a<b>&\"c\"'d'\u{1}\te"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\te"
        );
    }
}
