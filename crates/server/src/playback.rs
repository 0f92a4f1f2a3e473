//! Playback: a recorded stretch of time (reports, events and operator-signal samples) fed into
//! a running server on a manual clock, through the same intake, incident and signal paths as
//! live traffic. `radar demo` uses
//! it to tell the May 2017 week in a few minutes.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use radar_core::event::Event;
use radar_core::signal::SignalSample;
use radar_core::{Report, Timestamp};

use crate::explain::incidents::apply_event;
use crate::state::AppState;

/// One leg of a playback: up to `until`, advancing `step_secs` of virtual time per
/// `pause` of real time (no pause: as fast as possible).
#[derive(Clone, Copy, Debug)]
pub struct Leg {
    pub until: Timestamp,
    pub step_secs: i64,
    pub pause: Duration,
}

/// Feeds `reports`, `events` and `signals` (each in time order) into the server, leg by leg,
/// moving `clock` along. Reports go through the intake (durable, then detection); events through
/// the incident rules; signal samples are stored, then watched (as `POST /api/v1/signals`). Every report up to the clock has been submitted when the clock moves,
/// so each step closes its minutes at once instead of waiting out the reorder window.
/// Returns the number of reports and events played.
pub async fn play(
    state: AppState,
    clock: Arc<AtomicI64>,
    reports: Vec<Report>,
    events: Vec<Event>,
    signals: Vec<SignalSample>,
    legs: Vec<Leg>,
) -> anyhow::Result<(usize, usize)> {
    let (mut r, mut e, mut g) = (0usize, 0usize, 0usize);
    let mut now = clock.load(Ordering::SeqCst);
    for leg in legs {
        while now < leg.until.0 {
            let next = (now + leg.step_secs.max(60)).min(leg.until.0);
            let end = reports[r..].partition_point(|x| x.time.0 <= next) + r;
            for chunk in reports[r..end].chunks(5000) {
                state
                    .intake
                    .submit(chunk.to_vec())
                    .await
                    .map_err(|err| anyhow::anyhow!("playback could not store reports: {err}"))?;
            }
            r = end;
            let until = signals[g..].partition_point(|x| x.time.0 <= next) + g;
            if until > g {
                state
                    .store
                    .insert_signal_samples(&signals[g..until])
                    .await
                    .map_err(|err| anyhow::anyhow!("playback could not store signals: {err}"))?;
                state.detection.observe_signals(&signals[g..until]);
                g = until;
            }
            while e < events.len() && events[e].time().0 <= next {
                if let Err(p) = apply_event(&state, &events[e]).await {
                    tracing::warn!(event = e, detail = %p.detail, "playback event refused");
                }
                e += 1;
            }
            now = next;
            clock.store(now, Ordering::SeqCst);
            // Played-back reports arrive in order: no reorder window.
            state.detection.play_before(Timestamp(now).minute());
            state.detection.show_early(Timestamp(now));
            if !leg.pause.is_zero() {
                tokio::time::sleep(leg.pause).await;
            }
        }
    }
    Ok((r, e))
}
