//! What changed since subscribers were last told: the product view as each provider's
//! Statuspage page shows it, one mark per incident and component, compared with the marks
//! stored (`radar_core::notify::news`), each change a [`Notice`] with its payload in
//! Statuspage's subscriber-webhook shape.

use std::collections::HashMap;

use radar_core::notify::{news, Change, Mark};
use radar_core::{ProviderId, Timestamp};
use radar_store::subscriptions::Notice;
use serde_json::{json, Value};

use crate::explain::outages::LiveView;
use crate::publish::statuspage::{snapshot, Snapshot, SpComponent, SpIncident};
use crate::state::AppState;

fn incident_mark(i: &SpIncident) -> Mark {
    Mark {
        subject: format!("incident:{}", i.id),
        provider: i.page_id.clone(),
        // The newest update's id changes with each statement (an outage without statements
        // has one update made of its summary).
        mark: format!(
            "{}|{}|{}|{}|{}",
            i.status,
            i.impact,
            i.incident_updates.len(),
            i.incident_updates.first().map_or("-", |u| u.id.as_str()),
            i.resolved_at.as_deref().unwrap_or("-")
        ),
        open: i.resolved_at.is_none() && i.status != "completed" && i.status != "resolved",
    }
}

fn component_mark(provider: &str, c: &SpComponent) -> Mark {
    Mark {
        subject: format!("component:{provider}:{}", c.id),
        provider: provider.to_owned(),
        mark: c.status.clone(),
        open: c.status != "operational",
    }
}

/// Statuspage's `page` object of a subscriber webhook.
fn page(s: &Snapshot) -> Value {
    json!({
        "id": s.page.id,
        "status_indicator": s.status.indicator,
        "status_description": s.status.description,
    })
}

/// A notice for `mark` given the stored marks: a change to tell, a subject to record without
/// telling, or nothing.
fn notice(
    marks: &HashMap<String, String>,
    m: Mark,
    payload: impl FnOnce(Option<&str>) -> (String, Value),
    email: bool,
) -> Option<Notice> {
    let last = marks.get(&m.subject).map(String::as_str);
    let change = news(last, &m);
    if change.is_none() && last.is_some() {
        return None;
    }
    let payload = change.map(|c| {
        let prev = match c {
            Change::New => None,
            Change::Changed => last,
        };
        let (event, v) = payload(prev);
        (event, v.to_string())
    });
    Some(Notice {
        subject: m.subject,
        provider: m.provider,
        last: last.map(str::to_owned),
        mark: m.mark,
        payload,
        email,
    })
}

/// The notices for the view `lv` at `now`, given the marks stored, and every subject the view
/// shows (the marks of the others may be forgotten).
pub fn notices(
    st: &AppState,
    lv: &LiveView,
    marks: &HashMap<String, String>,
    now: Timestamp,
) -> (Vec<Notice>, Vec<String>) {
    let origin = super::origin(st);
    let mut out = Vec::new();
    let mut shown = Vec::new();
    for p in &st.topology.providers {
        let Ok(provider) = ProviderId::parse(p.id.as_str()) else {
            continue;
        };
        let snap = snapshot(lv, st, &provider, &origin);
        let pg = page(&snap);
        for i in &snap.incidents {
            let m = incident_mark(i);
            shown.push(m.subject.clone());
            let n = notice(
                marks,
                m,
                |_| ("incident".to_owned(), json!({"page": pg, "incident": i})),
                true,
            );
            out.extend(n);
        }
        for c in &snap.components {
            let m = component_mark(provider.as_str(), c);
            shown.push(m.subject.clone());
            let n = notice(
                marks,
                m,
                |old| {
                    (
                        "component_update".to_owned(),
                        json!({
                            "page": pg,
                            "component_update": {
                                "id": format!("{}-{}", c.id, now.0),
                                "component_id": c.id,
                                "created_at": now.to_rfc3339(),
                                "old_status": old.unwrap_or("operational"),
                                "new_status": c.status,
                            },
                            "component": c,
                        }),
                    )
                },
                false,
            );
            out.extend(n);
        }
    }
    (out, shown)
}
