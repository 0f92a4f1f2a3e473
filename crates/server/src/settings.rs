//! Typed settings. Each setting is declared once: its name and meaning in [`Settings`], its
//! default in `Default for Settings`; the `[detector]` table mirrors the core's
//! [`DetectorConfig`] (meanings and defaults are the core's).
//!
//! Layers, later wins: the TOML file (`--config`), `RADAR_*` environment variables (a nested
//! key with `__`: `RADAR_DETECTOR__MIN_EXCESS=15`), then command-line flags. figment reads the
//! file and the environment and merges the layers. Before merging, every key of every layer
//! is checked on its own, so every problem is reported at once, named as the user wrote it
//! (`radar.toml: listen`, `RADAR_LISTEN`, `--listen`); unknown keys and unknown `RADAR_*`
//! variables are errors. The detector's tunables are then range-checked together
//! ([`DetectorConfig::validate`]).
//!
//! Secrets (the operator token, the database URL's password) are held in [`Secret`], which
//! prints as `[redacted]`, and no error message repeats a secret's value.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Value};
use figment::{Figment, Profile, Provider};
use radar_core::detect::DetectorConfig;
use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// The server's settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address to listen on.
    #[serde(deserialize_with = "parse::address")]
    pub listen: SocketAddr,
    /// Data directory (embedded store, reporter secret).
    #[serde(deserialize_with = "parse::path")]
    pub data: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded store.
    pub database_url: Option<DatabaseUrl>,
    /// `nats://…`: run as one node of several, reports going through this NATS JetStream
    /// server's stream (see `crate::cluster`); needs `database_url`, the store the nodes share.
    pub bus: Option<BusUrl>,
    /// The JetStream stream of reports (letters, digits, `-`, `_`); nodes of one cluster name
    /// the same stream.
    #[serde(deserialize_with = "parse::stream_name")]
    pub bus_stream: String,
    /// Copies the stream keeps (1 to 5): 3 on a NATS cluster of three, so that an acknowledged
    /// report survives the loss of a NATS server.
    #[serde(deserialize_with = "parse::replicas")]
    pub bus_replicas: usize,
    /// Seconds a minute stays open for reports after it ends (the reorder window, 1 to 600):
    /// reports dated in a minute that closed longer ago are stored but not counted. Every
    /// alarm comes this much later; see `crate::detection::REORDER_SECS`, the default.
    #[serde(deserialize_with = "parse::reorder")]
    pub reorder_secs: i64,
    /// Topology file; the shipped German topology when absent.
    #[serde(deserialize_with = "parse::some_path")]
    pub topology: Option<PathBuf>,
    /// Largest request body accepted, in bytes (at least 1024).
    #[serde(deserialize_with = "parse::body_size")]
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind proxies you run): the
    /// `forwarded_hops`-th entry from the right, the one your outermost proxy appended.
    pub trust_forwarded_for: bool,
    /// Proxies of yours in front of the server, each appending to `X-Forwarded-For` (at
    /// least 1); entries further left are the client's own claims and are ignored.
    pub forwarded_hops: u32,
    /// Anonymous reports one network (/24, /48) may send per minute; 0 turns the limit off.
    /// Clients with the operator token are not limited.
    pub reports_per_minute: u32,
    /// Anonymous reports one network may send at once (the bucket the rate refills).
    pub report_burst: u32,
    /// Bootstrap bearer token with the operator's permissions on the JSON API (at least 16
    /// characters), for a server without accounts yet; API tokens (`radar token add`) replace
    /// it.
    #[serde(deserialize_with = "parse::token")]
    pub operator_token: Option<Secret>,
    /// The reporter-key secret as 64 hexadecimal digits (`openssl rand -hex 32`), instead of
    /// the `reporter-secret` file in the data directory. Required with `bus`: every node of a
    /// cluster must derive the same reporter keys, and nodes that do not agree refuse to start.
    #[serde(deserialize_with = "parse::reporter_secret")]
    pub reporter_secret: Option<Secret>,
    /// Bearer token for `/metrics` (at least 16 characters); without it, `/metrics` answers
    /// loopback clients only.
    #[serde(deserialize_with = "parse::token")]
    pub metrics_token: Option<Secret>,
    /// Hours a console session lasts after signing in (1 to 720).
    #[serde(deserialize_with = "parse::session_hours")]
    pub session_hours: u32,
    /// Mark session cookies `Secure` (set when clients reach the server over HTTPS; behind a
    /// trusted proxy, `X-Forwarded-Proto: https` does so per request).
    pub secure_cookies: bool,
    /// Days of history replayed into the detector at start.
    pub warmup_days: u32,
    /// Seconds a client may take to send a request's headers (also while a kept-alive
    /// connection waits for its next request); slow or idle connections are closed.
    #[serde(deserialize_with = "parse::seconds")]
    pub header_timeout_secs: u64,
    /// Seconds one request may take, body included; a body announced but not sent is answered
    /// 408.
    #[serde(deserialize_with = "parse::seconds")]
    pub request_timeout_secs: u64,
    /// The public address of this server (`https://status.example.org`, no path), for links
    /// in mails and webhook payloads, which have no request to take a host from. Without it,
    /// links in mails and payloads use `http://` and the `listen` address.
    #[serde(deserialize_with = "parse::public_url")]
    pub public_url: Option<String>,
    /// Allow webhooks to loopback, private, link-local and other non-public addresses. Off by
    /// default: the server usually runs inside a network whose internal services a webhook
    /// URL must not reach (SSRF); turn it on for tests and for receivers in your own network.
    pub webhook_private_targets: bool,
    /// Attempts per webhook or e-mail delivery, the first included (1 to 20).
    #[serde(deserialize_with = "parse::attempts")]
    pub delivery_attempts: u32,
    /// Seconds before the second attempt (1 to 3600); each later wait is four times longer
    /// (capped at 6 h), ±20 % jitter.
    #[serde(deserialize_with = "parse::seconds")]
    pub delivery_retry_secs: u64,
    /// A subscription is disabled after this many failed attempts in a row (1 to 1000); a
    /// webhook answering 410 Gone is disabled at once.
    #[serde(deserialize_with = "parse::disable_after")]
    pub delivery_disable_after: u32,
    /// New subscriptions one network (/24, /48) may make per hour; 0 turns the limit off.
    pub subscriptions_per_hour: u32,
    /// The SMTP relay for e-mail subscriptions (host name); without it, e-mail subscriptions
    /// are refused with a message on the page.
    pub smtp_host: Option<String>,
    /// The relay's port; by default 587 (`starttls`), 465 (`tls`) or 25 (`none`).
    pub smtp_port: Option<u16>,
    /// `starttls` (default: upgrade a plain connection, required), `tls` (TLS from the first
    /// byte) or `none` (plain text; only for a relay on the same machine or in tests).
    #[serde(deserialize_with = "parse::smtp_tls")]
    pub smtp_tls: SmtpTls,
    /// The relay's user name, if it wants one.
    pub smtp_user: Option<String>,
    /// The relay's password.
    pub smtp_password: Option<Secret>,
    /// The sender of subscription mails (`Outage Radar <status@example.org>`); required with
    /// `smtp_host`.
    pub mail_from: Option<String>,
    /// The detector's tunables.
    pub detector: DetectorSettings,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    #[default]
    Starttls,
    Tls,
    None,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            data: PathBuf::from("./radar-data"),
            database_url: None,
            bus: None,
            bus_stream: "RADAR_REPORTS".into(),
            bus_replicas: 1,
            reorder_secs: crate::detection::REORDER_SECS,
            topology: None,
            max_body_bytes: 1 << 20,
            trust_forwarded_for: false,
            forwarded_hops: 1,
            reports_per_minute: 10,
            report_burst: 20,
            operator_token: None,
            reporter_secret: None,
            metrics_token: None,
            session_hours: 8,
            secure_cookies: false,
            warmup_days: 8,
            header_timeout_secs: 10,
            request_timeout_secs: 30,
            public_url: None,
            webhook_private_targets: false,
            delivery_attempts: 8,
            delivery_retry_secs: 5,
            delivery_disable_after: 15,
            subscriptions_per_hour: 20,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::Starttls,
            smtp_user: None,
            smtp_password: None,
            mail_from: None,
            detector: DetectorSettings::default(),
        }
    }
}

/// Declares the `[detector]` table: each listed field of [`DetectorConfig`] with its type, its
/// default taken from `DetectorConfig::default()`.
macro_rules! detector_settings {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// The `[detector]` table: the tunables of [`DetectorConfig`] (see there for what each
        /// one means), defaults from `DetectorConfig::default()`.
        #[derive(Clone, Debug, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct DetectorSettings {
            $(pub $field: $ty,)*
        }

        impl Default for DetectorSettings {
            fn default() -> Self {
                let d = DetectorConfig::default();
                DetectorSettings { $($field: d.$field,)* }
            }
        }

        impl DetectorSettings {
            /// The detector's configuration. Every field is listed, so a new tunable of the
            /// detector cannot be forgotten here.
            pub fn to_config(&self) -> DetectorConfig {
                DetectorConfig { $($field: self.$field,)* }
            }
        }
    };
}

detector_settings! {
    dedup_window_minutes: u32,
    repeat_threshold: u32,
    warmup_minutes: u32,
    warmup_quiet_minutes: u32,
    warmup_min_excess: f32,
    min_rate: f32,
    rate_slack: f32,
    cold_z: f32,
    cold_abs: f32,
    cold_rel: f32,
    prior_weight: f32,
    rise_ratio: f32,
    rise_abs: f32,
    cusum_cap: f32,
    alarm_llr: f32,
    min_excess: f32,
    host_evidence: f32,
    flood_min_excess: f32,
    flood_quick_flags: u32,
    quick_repeat_minutes: u32,
    instant_excess: f32,
    learn_min_alpha: f32,
    anomaly_weight: f32,
    suspect_score: f32,
    suspect_weight: f32,
    gap_expected: f32,
    level_alpha: f32,
    winsor_z: f32,
    fast_alpha: f32,
    hot_ratio: f32,
    hot_abs: f32,
    quiet_minutes: u32,
    merge_minutes: u32,
    split_minutes: u32,
    scope_llr: f32,
    scope_min_excess: f32,
    tech_min_expected: f32,
    slow_rise_ratio: f32,
    slow_min_minutes: u32,
    slow_aggregate_min_minutes: u32,
    slow_aggregate_llr: f32,
    slow_aggregate_rise_ratio: f32,
    slow_floor_share: f32,
}

/// Prefix of the environment variables.
const ENV_PREFIX: &str = "RADAR_";

/// `RADAR_*` variables that are not settings: used by the tests, CI, logging and `--config`.
fn not_a_setting(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "require_services" || key == "log" || key == "config" || key.starts_with("test_")
}

impl Settings {
    /// Reads the layers (the file if given, the environment, `flags`), checks them and
    /// resolves them; every problem at once. `flags` serialises to a map of setting names;
    /// absent (`None`) flags are left out.
    pub fn load(file: Option<&Path>, flags: &impl Serialize) -> Result<Settings, Vec<String>> {
        let mut layers = Vec::new();
        let mut errors = Vec::new();
        let read = [
            file.map(Layer::file),
            Some(Layer::env()),
            Some(Layer::flags(flags)),
        ];
        for layer in read.into_iter().flatten() {
            match layer {
                Ok(l) => layers.push(l),
                Err(e) => errors.push(e),
            }
        }
        Settings::resolve(layers, errors)
    }

    /// Applies layers in order (later wins) over the defaults after checking each key of each
    /// layer, then range-checks the detector's tunables; all errors at once, `errors` first.
    pub fn resolve(
        mut layers: Vec<Layer>,
        mut errors: Vec<String>,
    ) -> Result<Settings, Vec<String>> {
        for l in &mut layers {
            l.keep_valid(&mut errors);
        }
        let merged = layers.iter().fold(Figment::new(), |fig, l| {
            fig.merge(Serialized::defaults(l.data.clone()))
        });
        let settings = match merged.extract_lossy::<Settings>() {
            Ok(s) => s,
            Err(e) => {
                // Each key was accepted on its own; this is not expected, but say so if it is.
                errors.push(format!("settings: {}", e.kind));
                return Err(errors);
            }
        };
        if let Err(bad) = settings.detector_config().validate() {
            for e in bad {
                let path = ["detector".to_owned(), e.field.to_owned()];
                let given = layers.iter().rev().find(|l| l.has(&path));
                let name = match given {
                    Some(l) => l.origin.name(&path),
                    None => format!("detector.{} (default)", e.field),
                };
                errors.push(format!(
                    "{name}: {} is out of range; allowed: {}",
                    e.value, e.allowed
                ));
            }
        }
        if settings.bus.is_some() && settings.reporter_secret.is_none() {
            errors.push(
                "bus: the nodes of a cluster must derive the same reporter keys; set reporter_secret (64 hex digits, e.g. from `openssl rand -hex 32`) to the same value on every node"
                    .into(),
            );
        }
        if settings.bus.is_some() && settings.database_url.is_none() {
            errors.push(
                "bus: the nodes of a cluster share one store; set database_url (postgres://…) as well, or leave bus unset for a single node"
                    .into(),
            );
        }
        if settings.smtp_host.is_some() && settings.mail_from.is_none() {
            errors.push(
                "smtp_host: mails need a sender; set mail_from (e.g. \"Outage Radar <status@example.org>\")"
                    .into(),
            );
        }
        if let Some(from) = &settings.mail_from {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                errors.push(format!(
                    "mail_from: {from:?} is not an e-mail address; write status@example.org or \"Outage Radar <status@example.org>\""
                ));
            }
        }
        if settings.smtp_user.is_some() != settings.smtp_password.is_some() {
            errors.push(
                "smtp_user: the relay's credentials come in pairs; set both smtp_user and smtp_password, or neither"
                    .into(),
            );
        }
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }

    /// The detector's configuration from the `[detector]` table.
    pub fn detector_config(&self) -> DetectorConfig {
        self.detector.to_config()
    }

    /// Where the store lives: the database URL, or the data directory. The URL includes its
    /// password: pass it to `radar_store::open` only, never to a log or a message (use
    /// [`Settings::store_name`] there).
    pub fn store_target(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => self.data.display().to_string(),
        }
    }

    /// The store for logs and messages: the database URL without its password, or the data
    /// directory.
    pub fn store_name(&self) -> String {
        match &self.database_url {
            Some(url) => url.to_string(),
            None => self.data.display().to_string(),
        }
    }
}

/// Where a layer comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    File(PathBuf),
    Env,
    Flags,
}

impl Origin {
    /// A key as the user wrote it in this layer: `radar.toml: detector.min_excess`,
    /// `RADAR_DETECTOR__MIN_EXCESS`, `--listen`.
    fn name(&self, path: &[String]) -> String {
        match self {
            Origin::File(p) => format!("{}: {}", p.display(), path.join(".")),
            Origin::Env => format!("{ENV_PREFIX}{}", path.join("__").to_ascii_uppercase()),
            Origin::Flags => format!("--{}", path.join("-").replace('_', "-")),
        }
    }
}

/// One layer of settings: the keys it sets.
#[derive(Clone, Debug)]
pub struct Layer {
    origin: Origin,
    data: Dict,
}

impl Layer {
    /// Reads a TOML settings file.
    pub fn file(path: &Path) -> Result<Layer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read settings file: {e}", path.display()))?;
        Layer::toml(path, &text)
    }

    /// Parses TOML text as if read from `path`.
    pub fn toml(path: &Path, text: &str) -> Result<Layer, String> {
        match Toml::string(text).data() {
            Ok(mut map) => Ok(Layer {
                origin: Origin::File(path.to_owned()),
                data: map.remove(&Profile::Default).unwrap_or_default(),
            }),
            // The TOML error quotes the offending line, which may hold a secret: say where
            // and what only.
            Err(_) => Err(match toml::from_str::<toml::Table>(text) {
                Err(e) => {
                    let at = e.span().map(|s| line_col(text, s.start));
                    match at {
                        Some((line, col)) => format!(
                            "{}: line {line}, column {col}: {}",
                            path.display(),
                            e.message()
                        ),
                        None => format!("{}: {}", path.display(), e.message()),
                    }
                }
                Ok(_) => format!("{}: not a settings file", path.display()),
            }),
        }
    }

    /// Reads the `RADAR_*` environment variables, except those that are not settings
    /// (`RADAR_REQUIRE_SERVICES`, `RADAR_TEST_*`, `RADAR_LOG`, `RADAR_CONFIG`).
    pub fn env() -> Result<Layer, String> {
        let env = Env::prefixed(ENV_PREFIX)
            .filter(|k| !not_a_setting(k.as_str()))
            .split("__");
        match env.data() {
            Ok(mut map) => Ok(Layer {
                origin: Origin::Env,
                data: map.remove(&Profile::Default).unwrap_or_default(),
            }),
            Err(e) => Err(format!("environment: {}", e.kind)),
        }
    }

    /// The command-line flags given: `flags` serialised, without absent (`None`) values.
    pub fn flags(flags: &impl Serialize) -> Result<Layer, String> {
        let data = match Value::serialize(flags) {
            Ok(Value::Dict(_, d)) => d,
            Ok(_) => return Err("flags: not a set of named flags".into()),
            Err(e) => return Err(format!("flags: {}", e.kind)),
        };
        Ok(Layer {
            origin: Origin::Flags,
            data: data
                .into_iter()
                .filter(|(_, v)| !matches!(v, Value::Empty(..)))
                .collect(),
        })
    }

    fn has(&self, path: &[String]) -> bool {
        let mut dict = &self.data;
        for (i, key) in path.iter().enumerate() {
            match dict.get(key) {
                Some(_) if i + 1 == path.len() => return true,
                Some(Value::Dict(_, d)) => dict = d,
                _ => return false,
            }
        }
        false
    }

    /// Checks each key on its own (the `detector` table key by key), reports the bad ones
    /// and keeps the good ones.
    fn keep_valid(&mut self, errors: &mut Vec<String>) {
        let mut kept = Dict::new();
        for (key, value) in std::mem::take(&mut self.data) {
            match value {
                Value::Dict(tag, table) if key == "detector" => {
                    let mut good = Dict::new();
                    for (k, v) in table {
                        let one = Dict::from([(k.clone(), v.clone())]);
                        let path = [key.clone(), k.clone()];
                        match check(Dict::from([(key.clone(), Value::Dict(tag, one))])) {
                            Ok(()) => {
                                good.insert(k, v);
                            }
                            Err(e) => errors.push(self.describe(&path, e)),
                        }
                    }
                    kept.insert(key, Value::Dict(tag, good));
                }
                value => match check(Dict::from([(key.clone(), value.clone())])) {
                    Ok(()) => {
                        kept.insert(key, value);
                    }
                    Err(e) => errors.push(self.describe(&[key], e)),
                },
            }
        }
        self.data = kept;
    }

    /// The error message for a key: its name in this layer, then what is wrong.
    fn describe(&self, path: &[String], e: figment::error::Kind) -> String {
        let name = self.origin.name(path);
        match e {
            figment::error::Kind::UnknownField(_, known) => {
                let known: Vec<String> = known
                    .iter()
                    .map(|k| match (&self.origin, path.len()) {
                        (Origin::Env, 1) if *k == "detector" => format!("{ENV_PREFIX}DETECTOR__*"),
                        (Origin::Env, 1) => format!("{ENV_PREFIX}{}", k.to_ascii_uppercase()),
                        _ => (*k).to_owned(),
                    })
                    .collect();
                format!("{name}: unknown setting; known: {}", known.join(", "))
            }
            kind => format!("{name}: {kind}"),
        }
    }
}

/// Whether a map of one key deserialises into [`Settings`].
fn check(one: Dict) -> Result<(), figment::error::Kind> {
    Figment::from(Serialized::defaults(one))
        .extract_lossy::<Settings>()
        .map(drop)
        .map_err(|e| e.kind)
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    (line, col)
}

/// A secret value: `Debug` and `Display` print `[redacted]`; the value is zeroed when dropped.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The value's bytes, for comparing digests.
    pub fn as_bytes(&self) -> &[u8] {
        self.expose().as_bytes()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(SecretString::from(s))
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(SecretString::from(s))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Reads text (an all-digit value from the environment arrives as a number) and never
/// repeats the value in an error.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        struct V;
        impl<'a> de::Visitor<'a> for V {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::from(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret::from(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret::from(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(E::custom("must be text, not a number (quote it)"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(E::custom("must be text, not true or false"))
            }
            fn visit_map<A: de::MapAccess<'a>>(self, _: A) -> Result<Secret, A::Error> {
                Err(de::Error::custom("must be text, not a table"))
            }
            fn visit_seq<A: de::SeqAccess<'a>>(self, _: A) -> Result<Secret, A::Error> {
                Err(de::Error::custom("must be text, not a list"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A PostgreSQL URL. It prints with its password replaced by `[redacted]`.
#[derive(Clone)]
pub struct DatabaseUrl(Secret);

impl DatabaseUrl {
    /// Accepts `postgres://…` and `postgresql://…`.
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        let url = DatabaseUrl(Secret::from(url));
        if url.expose().starts_with("postgres://") || url.expose().starts_with("postgresql://") {
            Ok(url)
        } else {
            Err(format!(
                "{url} is not a PostgreSQL URL; write postgres://user@host:5432/db (leave it unset for the embedded store)"
            ))
        }
    }

    /// The URL with its password, for connecting only.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// The URL with the password of its user information (`user:password@`) and of a
/// `password=` parameter replaced by `[redacted]`.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const R: &str = "[redacted]";
        let url = self.expose();
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (Some(s), r),
            None => (None, url),
        };
        let (before_query, query) = match rest.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.find('/') {
            Some(i) => before_query.split_at(i),
            None => (before_query, ""),
        };
        if let Some(s) = scheme {
            write!(f, "{s}://")?;
        }
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => write!(f, "{user}:{R}@{host}")?,
                None => write!(f, "{userinfo}@{host}")?,
            },
            None => f.write_str(authority)?,
        }
        f.write_str(path)?;
        if let Some(q) = query {
            f.write_str("?")?;
            for (i, param) in q.split('&').enumerate() {
                if i > 0 {
                    f.write_str("&")?;
                }
                match param.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => write!(f, "{k}={R}")?,
                    _ => f.write_str(param)?,
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DatabaseUrl, D::Error> {
        let url = Secret::deserialize(d)?;
        DatabaseUrl::parse(url.expose()).map_err(de::Error::custom)
    }
}

/// A NATS server URL (`nats://`, `tls://`, `ws://`, `wss://`); its user information (which may
/// hold a password or token) prints as `[redacted]`.
#[derive(Clone)]
pub struct BusUrl(Secret);

impl BusUrl {
    pub fn parse(url: &str) -> Result<BusUrl, String> {
        let ok = ["nats://", "tls://", "ws://", "wss://"]
            .iter()
            .any(|s| url.starts_with(s));
        let bus = BusUrl(Secret::from(url));
        if ok {
            Ok(bus)
        } else {
            Err(format!(
                "{bus} is not a NATS URL; write nats://host:4222 (leave it unset for a single node)"
            ))
        }
    }

    /// The URL with its credentials, for connecting only.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Display for BusUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.expose();
        match (url.split_once("://"), url.rfind('@')) {
            (Some((scheme, rest)), Some(_)) => {
                let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
                write!(f, "{scheme}://[redacted]@{host}")
            }
            _ => f.write_str(url),
        }
    }
}

impl fmt::Debug for BusUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BusUrl({self})")
    }
}

impl<'de> Deserialize<'de> for BusUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BusUrl, D::Error> {
        let url = Secret::deserialize(d)?;
        BusUrl::parse(url.expose()).map_err(de::Error::custom)
    }
}

/// Field parsers with messages that say how to fix the value.
mod parse {
    use super::*;

    /// Text; an all-digit value from the environment arrives as a number.
    struct Text;
    impl de::Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("text")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }

    pub fn address<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
        let s = d.deserialize_any(Text)?;
        s.parse().map_err(|_| {
            de::Error::custom(format!(
                "{s:?} is not an address; write host:port, e.g. 127.0.0.1:8080"
            ))
        })
    }

    pub fn path<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        d.deserialize_any(Text).map(PathBuf::from)
    }

    pub fn some_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        path(d).map(Some)
    }

    pub fn body_size<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        let n = usize::deserialize(d)?;
        if n < 1024 {
            return Err(de::Error::custom(format!(
                "{n} is too small; at least 1024"
            )));
        }
        Ok(n)
    }

    pub fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let n = u64::deserialize(d)?;
        if !(1..=3600).contains(&n) {
            return Err(de::Error::custom(format!(
                "{n} is out of range; 1 to 3600 seconds"
            )));
        }
        Ok(n)
    }

    pub fn stream_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let s = d.deserialize_any(Text)?;
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(s)
        } else {
            Err(de::Error::custom(format!(
                "{s:?} is not a stream name; use 1 to 64 letters, digits, - and _"
            )))
        }
    }

    pub fn replicas<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        let n = u64::deserialize(d)?;
        if !(1..=5).contains(&n) {
            return Err(de::Error::custom(format!(
                "{n} is out of range; 1 to 5 copies (3 on a NATS cluster of three)"
            )));
        }
        Ok(n as usize)
    }

    pub fn reorder<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let n = u64::deserialize(d)?;
        if !(1..=600).contains(&n) {
            return Err(de::Error::custom(format!(
                "{n} is out of range; 1 to 600 seconds"
            )));
        }
        Ok(n as i64)
    }

    pub fn reporter_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        let secret = Secret::deserialize(d)?;
        let s = secret.expose();
        if s.len() != 64 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(de::Error::custom(
                "not 64 hexadecimal digits; create one with `openssl rand -hex 32`",
            ));
        }
        Ok(Some(secret))
    }

    pub fn public_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let s = d.deserialize_any(Text)?;
        let t = s.trim_end_matches('/');
        let rest = t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ', '@']) => {
                Ok(Some(t.to_owned()))
            }
            _ => Err(de::Error::custom(format!(
                "{s:?} is not a public address; write https://host[:port] without a path"
            ))),
        }
    }

    pub fn attempts<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let n = u32::deserialize(d)?;
        if !(1..=20).contains(&n) {
            return Err(de::Error::custom(format!(
                "{n} is out of range; 1 to 20 attempts"
            )));
        }
        Ok(n)
    }

    pub fn disable_after<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let n = u32::deserialize(d)?;
        if !(1..=1000).contains(&n) {
            return Err(de::Error::custom(format!(
                "{n} is out of range; 1 to 1000 failed attempts"
            )));
        }
        Ok(n)
    }

    pub fn smtp_tls<'de, D: Deserializer<'de>>(d: D) -> Result<SmtpTls, D::Error> {
        let s = d.deserialize_any(Text)?;
        match s.as_str() {
            "starttls" => Ok(SmtpTls::Starttls),
            "tls" => Ok(SmtpTls::Tls),
            "none" => Ok(SmtpTls::None),
            _ => Err(de::Error::custom(format!(
                "{s:?} is not a TLS mode; write starttls, tls or none"
            ))),
        }
    }

    pub fn session_hours<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let n = u32::deserialize(d)?;
        if !(1..=720).contains(&n) {
            return Err(de::Error::custom(format!(
                "{n} is out of range; 1 to 720 hours"
            )));
        }
        Ok(n)
    }

    pub fn token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        let token = Secret::deserialize(d)?;
        if token.expose().chars().count() < 16 {
            return Err(de::Error::custom(
                "too short; use at least 16 random characters",
            ));
        }
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests;
