//! Subscriptions: people and systems are told when an incident changes.
//!
//! - **What is news** ([`changes`]): every half second the product view is read as the
//!   Statuspage pages see it (`publish::statuspage::snapshot`); each incident and component
//!   gets a mark (status, impact, number of updates, end; a component's status), and the core's
//!   rule (`radar_core::notify::news`) compares it with the mark last notified, kept in the
//!   store. A change moves the stored mark and queues one delivery per active subscription in
//!   one transaction, and only if the mark was still the one read: several nodes never queue
//!   the same change twice, a restart neither repeats nor loses one.
//! - **Deliveries** ([`worker`]): due rows of the outbox are claimed under a lease, so no two
//!   nodes send the same one; webhooks are signed as Standard Webhooks ([`sign`]) and carry
//!   Statuspage's subscriber-webhook shapes (`incident`, `component_update`); e-mails
//!   ([`mail`]) go over SMTP with one-click unsubscribe (RFC 8058). A failed attempt is tried
//!   again later (exponential backoff with jitter, bounded), each attempt is logged; 410 Gone
//!   disables a webhook at once, and so do too many failures in a row.
//! - **Subscribing** ([`pages`], [`api`]): a form per provider and for all, and a JSON API.
//!   Webhook URLs are checked ([`target`]); e-mail needs a confirmation (double opt-in) before
//!   anything else is sent. New subscriptions are rate-limited per network.
//!
//! Tokens: the confirmation token is random and stored only as its SHA-256. The token of a
//! subscription's management and unsubscribe links is not stored at all: it is an HMAC of the
//! subscription's id under a key derived from the reporter secret, the same on every node.
//! Webhook signing secrets are stored as they are: every delivery needs them.

pub mod api;
pub mod changes;
pub mod mail;
pub mod pages;
pub mod sign;
pub mod target;
pub mod worker;

use hmac::{Hmac, Mac};
use radar_core::notify::RetryPolicy;
use radar_core::{ProviderId, Timestamp};
use radar_store::subscriptions::{Channel, SubState, Subscription};
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// Random hexadecimal digits.
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).expect("the operating system provides randomness");
    radar_core::audit::hex(&b)
}

/// A new subscription id.
pub fn new_id() -> String {
    format!("sub_{}", random_hex(12))
}

fn keyed(st: &AppState, parts: &[&[u8]]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&st.secret.subscription_key())
        .expect("HMAC takes a key of any length");
    for p in parts {
        mac.update(p);
        mac.update(b"\n");
    }
    radar_core::audit::hex(&mac.finalize().into_bytes()[..20])
}

/// The token of a subscription's management and unsubscribe links.
pub fn token(st: &AppState, id: &str) -> String {
    keyed(st, &[b"subscription", id.as_bytes()])
}

/// Whether `given` is the token of subscription `id` (compared by digest).
pub fn token_ok(st: &AppState, id: &str, given: &str) -> bool {
    crate::auth::same(&token(st, id), given)
}

/// The SHA-256 of a confirmation token, as stored.
pub fn confirm_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A token for the subscribe form, valid for [`FORM_VALID_SECS`] (no session is needed: it
/// is the time it was made and an HMAC of it).
pub fn form_token(st: &AppState, now: Timestamp) -> String {
    let t = now.0.to_string();
    format!("{t}.{}", keyed(st, &[b"subscribe-form", t.as_bytes()]))
}

/// How long a subscribe form may be filled in.
pub const FORM_VALID_SECS: i64 = 2 * 3600;

/// Whether a form token is one of ours and not too old.
pub fn form_token_ok(st: &AppState, given: &str, now: Timestamp) -> bool {
    let Some((t, _)) = given.split_once('.') else {
        return false;
    };
    let Ok(at) = t.parse::<i64>() else {
        return false;
    };
    (0..=FORM_VALID_SECS).contains(&(now.0 - at))
        && crate::auth::same(&form_token(st, Timestamp(at)), given)
}

/// The base of links in mails and payloads: the `public_url` setting, else this server's
/// listening address.
pub fn origin(st: &AppState) -> String {
    st.public_origin.clone()
}

/// The management page of a subscription (its state and delivery log, unsubscribe).
pub fn manage_url(st: &AppState, id: &str) -> String {
    format!("{}/subscriptions/{id}?token={}", origin(st), token(st, id))
}

/// The one-click unsubscribe URL (RFC 8058: POST to it).
pub fn unsubscribe_url(st: &AppState, id: &str) -> String {
    format!(
        "{}/subscriptions/{id}/unsubscribe?token={}",
        origin(st),
        token(st, id)
    )
}

/// The retry policy from the settings.
pub fn policy(st: &AppState) -> RetryPolicy {
    RetryPolicy {
        max_attempts: st.settings.delivery_attempts,
        first_delay_secs: st.settings.delivery_retry_secs as i64,
        max_delay_secs: RetryPolicy::default().max_delay_secs,
        disable_after: st.settings.delivery_disable_after,
    }
}

/// What a subscriber asks for.
pub struct Wanted {
    pub channel: Channel,
    /// The webhook URL or the e-mail address.
    pub target: String,
    pub provider: Option<ProviderId>,
    pub lang: &'static str,
}

/// A subscription made.
pub enum Created {
    /// Active at once; the secret and the management token are shown this once.
    Webhook {
        sub: Subscription,
        secret: String,
        token: String,
    },
    /// Pending until the link in the confirmation mail is followed.
    Email { sub: Subscription },
}

/// Why a subscription was not made.
#[derive(Debug)]
pub enum Refused {
    /// A field is wrong: which, and how to fix it.
    Invalid {
        field: &'static str,
        message: String,
    },
    /// E-mail asked for, but no SMTP relay is set.
    NoMail,
    /// The confirmation mail could not be sent (the relay refused or is down).
    MailFailed(String),
    /// The store could not write.
    Store(radar_store::StoreError),
}

/// Longest e-mail address accepted (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// Checks and stores a subscription; an e-mail subscription's confirmation mail is sent before
/// this returns (and the subscription ended again if it cannot be).
pub async fn create(st: &AppState, w: Wanted, now: Timestamp) -> Result<Created, Refused> {
    let id = new_id();
    let mut sub = Subscription {
        id: id.clone(),
        channel: w.channel,
        provider: w.provider.map(|p| p.to_string()),
        target: String::new(),
        secret: None,
        state: SubState::Active,
        reason: None,
        failures: 0,
        lang: w.lang.to_owned(),
        created: now,
    };
    match w.channel {
        Channel::Webhook => {
            let url = target::parse_url(&w.target).map_err(|message| Refused::Invalid {
                field: "url",
                message,
            })?;
            target::check_destination(&url, st.settings.webhook_private_targets)
                .await
                .map_err(|message| Refused::Invalid {
                    field: "url",
                    message,
                })?;
            let secret = sign::new_secret();
            sub.target = url.to_string();
            sub.secret = Some(secret.clone());
            st.store
                .subscriptions()
                .add_subscription(&sub, None)
                .await
                .map_err(Refused::Store)?;
            let token = token(st, &id);
            Ok(Created::Webhook { sub, secret, token })
        }
        Channel::Email => {
            let Some(mailer) = st.mailer.as_ref() else {
                return Err(Refused::NoMail);
            };
            let address = mail::parse_address(&w.target).map_err(|message| Refused::Invalid {
                field: "email",
                message,
            })?;
            sub.target = address.to_string();
            sub.state = SubState::Pending;
            let confirm = random_hex(24);
            st.store
                .subscriptions()
                .add_subscription(&sub, Some(confirm_hash(&confirm)))
                .await
                .map_err(Refused::Store)?;
            let link = format!("{}/subscriptions/confirm?token={confirm}", origin(st));
            let msg = mail::confirmation(st, &sub, &link).map_err(Refused::MailFailed)?;
            if let Err(e) = mailer.send(msg).await {
                let _ = st
                    .store
                    .subscriptions()
                    .end_subscription(
                        &id,
                        SubState::Unsubscribed,
                        "the confirmation mail could not be sent",
                    )
                    .await;
                return Err(Refused::MailFailed(e));
            }
            Ok(Created::Email { sub })
        }
    }
}

/// An e-mail address shown in lists without giving it away: `s…@example.org`.
pub fn masked(sub: &Subscription) -> String {
    match sub.channel {
        Channel::Webhook => sub.target.clone(),
        Channel::Email => match sub.target.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}…@{domain}")
            }
            None => "…".into(),
        },
    }
}
