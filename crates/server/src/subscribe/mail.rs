//! E-mail over SMTP (`lettre`, tokio): the relay from the settings, the confirmation mail
//! (the only mail before a subscription is confirmed) and incident mails, which carry
//! RFC 8058 one-click unsubscribe (`List-Unsubscribe` with an https/http URL and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`) and the same link in the body.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::Address;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use radar_store::subscriptions::Subscription;
use serde_json::Value;

use crate::settings::{Settings, SmtpTls};
use crate::state::AppState;
use crate::subscribe::pages::text;

/// The relay and the sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The relay the settings name; `None` without `smtp_host`.
    pub fn from_settings(s: &Settings) -> Result<Option<Mailer>, String> {
        let Some(host) = &s.smtp_host else {
            return Ok(None);
        };
        let mut b = match s.smtp_tls {
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|e| format!("smtp_host: {host}: {e}"))?;
        if let Some(p) = s.smtp_port {
            b = b.port(p);
        }
        if let (Some(u), Some(p)) = (&s.smtp_user, &s.smtp_password) {
            b = b.credentials(Credentials::new(u.clone(), p.expose().to_owned()));
        }
        let from = s
            .mail_from
            .as_deref()
            .unwrap_or_default()
            .parse::<Mailbox>()
            .map_err(|e| format!("mail_from: {e}"))?;
        Ok(Some(Mailer {
            transport: b.timeout(Some(Duration::from_secs(20))).build(),
            from,
        }))
    }

    /// Sends; the relay's reply code, or what went wrong.
    pub async fn send(&self, msg: Message) -> Result<u16, String> {
        match self.transport.send(msg).await {
            Ok(r) => Ok(u16::from(r.code())),
            Err(e) => Err(format!("SMTP: {e}")),
        }
    }
}

/// A subscriber's address, checked.
pub fn parse_address(s: &str) -> Result<Address, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("give the e-mail address that should receive the mails".into());
    }
    if s.len() > super::MAX_EMAIL {
        return Err(format!(
            "the address is {} characters long; at most {}",
            s.len(),
            super::MAX_EMAIL
        ));
    }
    s.parse::<Address>()
        .map_err(|_| format!("{s:?} is not an e-mail address; write it as name@example.org"))
}

fn header(msg: &mut Message, name: &'static str, value: String) {
    msg.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str(name),
        value,
    ));
}

fn to(sub: &Subscription) -> Result<Mailbox, String> {
    sub.target
        .parse::<Mailbox>()
        .map_err(|e| format!("stored address {:?}: {e}", sub.target))
}

/// The confirmation mail with its link.
pub fn confirmation(st: &AppState, sub: &Subscription, link: &str) -> Result<Message, String> {
    let mailer = st.mailer.as_ref().ok_or("no SMTP relay is set")?;
    let l = sub.lang.as_str();
    let what = match &sub.provider {
        Some(p) => format!("{} {p}", text(l, "mail_for_provider")),
        None => text(l, "mail_for_all").to_owned(),
    };
    let body = format!(
        "{}\n\n{what}\n\n{}\n{link}\n\n{}\n",
        text(l, "mail_confirm_intro"),
        text(l, "mail_confirm_action"),
        text(l, "mail_confirm_ignore"),
    );
    Message::builder()
        .from(mailer.from.clone())
        .to(to(sub)?)
        .subject(text(l, "mail_confirm_subject"))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())
}

/// An incident mail from a queued payload (the Statuspage webhook shape), with one-click
/// unsubscribe.
pub fn incident(st: &AppState, sub: &Subscription, payload: &Value) -> Result<Message, String> {
    let mailer = st.mailer.as_ref().ok_or("no SMTP relay is set")?;
    let l = sub.lang.as_str();
    let i = &payload["incident"];
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let page = s(&payload["page"]["id"]);
    let status = s(&i["status"]);
    let name = s(&i["name"]);
    let latest = i["incident_updates"]
        .as_array()
        .and_then(|u| u.first())
        .map(|u| s(&u["body"]))
        .unwrap_or_default();
    let unsubscribe = super::unsubscribe_url(st, &sub.id);
    let manage = super::manage_url(st, &sub.id);
    let subject = format!("[{page}] {name}: {}", text(l, &format!("status_{status}")));
    let body = format!(
        "{name}\n\n{}: {}\n{}: {}\n\n{latest}\n\n{}\n{}\n\n{}\n{manage}\n",
        text(l, "mail_status"),
        text(l, &format!("status_{status}")),
        text(l, "mail_impact"),
        s(&i["impact"]),
        text(l, "mail_details"),
        s(&i["shortlink"]),
        text(l, "mail_unsubscribe"),
    );
    let mut msg = Message::builder()
        .from(mailer.from.clone())
        .to(to(sub)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    header(&mut msg, "List-Unsubscribe", format!("<{unsubscribe}>"));
    header(
        &mut msg,
        "List-Unsubscribe-Post",
        "List-Unsubscribe=One-Click".into(),
    );
    Ok(msg)
}
