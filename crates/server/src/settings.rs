//! Typed settings: from a TOML file, then `RADAR_*` environment variables, then flags.
//! Every problem is reported at once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Data directory (embedded store, secret key).
    pub data: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded store.
    pub database_url: Option<String>,
    /// Topology file; the shipped German topology when absent.
    pub topology: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Trust the left-most `X-Forwarded-For` address (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// Bearer token for operator routes.
    pub operator_token: Option<String>,
    /// Days of history replayed into the detector at start.
    pub warmup_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            data: PathBuf::from("./radar-data"),
            database_url: None,
            topology: None,
            max_body_bytes: 1 << 20,
            trust_forwarded_for: false,
            operator_token: None,
            warmup_days: 8,
        }
    }
}

/// One layer of settings: every field optional. File, environment and flags each give one.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub topology: Option<PathBuf>,
    pub max_body_bytes: Option<usize>,
    pub trust_forwarded_for: Option<bool>,
    pub operator_token: Option<String>,
    pub warmup_days: Option<u32>,
}

const ENV_KEYS: &[&str] = &[
    "LISTEN",
    "DATA",
    "DATABASE_URL",
    "TOPOLOGY",
    "MAX_BODY_BYTES",
    "TRUST_FORWARDED_FOR",
    "OPERATOR_TOKEN",
    "WARMUP_DAYS",
];

impl Layer {
    /// Reads a settings file. Unknown keys are errors.
    pub fn from_file(path: &Path) -> Result<Layer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read settings file: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads `RADAR_*` variables. Unknown `RADAR_*` names are errors, except the ones other
    /// tools of the project use (`RADAR_REQUIRE_SERVICES`, `RADAR_TEST_*`, `RADAR_LOG`).
    pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> (Layer, Vec<String>) {
        let mut l = Layer::default();
        let mut errors = Vec::new();
        for (k, v) in vars {
            let Some(name) = k.strip_prefix("RADAR_") else {
                continue;
            };
            if name == "REQUIRE_SERVICES" || name.starts_with("TEST_") || name == "LOG" {
                continue;
            }
            let parse_num = |errors: &mut Vec<String>, what: &str| -> Option<u64> {
                match v.parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        errors.push(format!("{k}={v:?}: {what} must be a whole number"));
                        None
                    }
                }
            };
            match name {
                "LISTEN" => l.listen = Some(v.clone()),
                "DATA" => l.data = Some(PathBuf::from(&v)),
                "DATABASE_URL" => l.database_url = Some(v.clone()),
                "TOPOLOGY" => l.topology = Some(PathBuf::from(&v)),
                "MAX_BODY_BYTES" => {
                    l.max_body_bytes = parse_num(&mut errors, "a size in bytes").map(|n| n as usize)
                }
                "WARMUP_DAYS" => {
                    l.warmup_days = parse_num(&mut errors, "a number of days").map(|n| n as u32)
                }
                "OPERATOR_TOKEN" => l.operator_token = Some(v.clone()),
                "TRUST_FORWARDED_FOR" => match v.as_str() {
                    "1" | "true" => l.trust_forwarded_for = Some(true),
                    "0" | "false" => l.trust_forwarded_for = Some(false),
                    _ => errors.push(format!("{k}={v:?}: write true or false")),
                },
                _ => errors.push(format!(
                    "unknown environment variable {k}; known: {}",
                    ENV_KEYS
                        .iter()
                        .map(|k| format!("RADAR_{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        (l, errors)
    }
}

impl Settings {
    /// Applies layers in order (later wins) and checks the result; all errors at once.
    pub fn resolve(layers: &[Layer], mut errors: Vec<String>) -> Result<Settings, Vec<String>> {
        let mut s = Settings::default();
        for l in layers {
            if let Some(v) = &l.listen {
                match v.parse() {
                    Ok(a) => s.listen = a,
                    Err(_) => errors.push(format!(
                        "listen: {v:?} is not an address; write host:port, e.g. 127.0.0.1:8080"
                    )),
                }
            }
            if let Some(v) = &l.data {
                s.data = v.clone();
            }
            if let Some(v) = &l.database_url {
                if !(v.starts_with("postgres://") || v.starts_with("postgresql://")) {
                    errors.push(format!(
                        "database_url: {:?} is not a PostgreSQL URL; write postgres://user@host:5432/db (leave it unset for the embedded store)",
                        v.split('@').next_back().unwrap_or("")
                    ));
                }
                s.database_url = Some(v.clone());
            }
            if let Some(v) = &l.topology {
                s.topology = Some(v.clone());
            }
            if let Some(v) = l.max_body_bytes {
                if v < 1024 {
                    errors.push(format!("max_body_bytes: {v} is too small; at least 1024"));
                }
                s.max_body_bytes = v;
            }
            if let Some(v) = l.trust_forwarded_for {
                s.trust_forwarded_for = v;
            }
            if let Some(v) = &l.operator_token {
                if v.len() < 16 {
                    errors.push(
                        "operator_token: too short; use at least 16 random characters".into(),
                    );
                }
                s.operator_token = Some(v.clone());
            }
            if let Some(v) = l.warmup_days {
                s.warmup_days = v;
            }
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    /// Where the store lives: the database URL, or the data directory.
    pub fn store_target(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| self.data.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_override_in_order() {
        let file: Layer = toml::from_str("listen = \"127.0.0.1:9000\"\nwarmup_days = 3").unwrap();
        let (env, errs) = Layer::from_env(
            vec![("RADAR_LISTEN".to_string(), "127.0.0.1:9001".to_string())].into_iter(),
        );
        let flags = Layer {
            data: Some("/tmp/x".into()),
            ..Layer::default()
        };
        let s = Settings::resolve(&[file, env, flags], errs).unwrap();
        assert_eq!(s.listen.port(), 9001);
        assert_eq!(s.warmup_days, 3);
        assert_eq!(s.data, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn all_errors_at_once() {
        let (env, errs) = Layer::from_env(
            vec![
                ("RADAR_LISTEN".to_string(), "nowhere".to_string()),
                ("RADAR_COLOUR".to_string(), "blue".to_string()),
                ("RADAR_WARMUP_DAYS".to_string(), "x".to_string()),
                ("RADAR_DATABASE_URL".to_string(), "mysql://h/db".to_string()),
            ]
            .into_iter(),
        );
        let e = Settings::resolve(&[env], errs).unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
    }

    #[test]
    fn unknown_file_key() {
        assert!(toml::from_str::<Layer>("colour = 1").is_err());
    }
}
