//! Settings from a file, the environment and flags. The environment is the process's, so each
//! test runs in a `figment::Jail` (one at a time, the environment cleared and restored).

use super::*;

/// The flags of `radar serve`, as the command line gives them.
#[derive(Default, Serialize)]
struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<PathBuf>,
    database_url: Option<String>,
}

/// Loads settings with `file` as radar.toml (if given), `env` set and nothing else in the
/// environment.
#[allow(clippy::result_large_err)] // the jail's closure returns figment's error
fn load(file: Option<&str>, env: &[(&str, &str)], flags: Flags) -> Result<Settings, Vec<String>> {
    let mut result = None;
    figment::Jail::expect_with(|jail| {
        jail.clear_env();
        for (k, v) in env {
            jail.set_env(k, v);
        }
        let path = match file {
            Some(text) => {
                jail.create_file("radar.toml", text)?;
                Some(jail.directory().join("radar.toml"))
            }
            None => None,
        };
        result = Some(Settings::load(path.as_deref(), &flags));
        Ok(())
    });
    result.expect("the jail ran")
}

fn errors(file: Option<&str>, env: &[(&str, &str)]) -> Vec<String> {
    load(file, env, Flags::default()).expect_err("settings accepted")
}

#[test]
fn defaults_without_any_layer() {
    let s = load(None, &[], Flags::default()).unwrap();
    assert_eq!(s.listen.port(), 8080);
    assert_eq!(s.data, PathBuf::from("./radar-data"));
    assert!(s.operator_token.is_none() && s.database_url.is_none());
    assert_eq!(s.detector_config(), DetectorConfig::default());
}

#[test]
fn layers_override_in_order() {
    let file = r#"
        listen = "127.0.0.1:9000"
        warmup_days = 3
        data = "/from-file"
        [detector]
        min_excess = 15
        quiet_minutes = 12
    "#;
    let env = [
        ("RADAR_LISTEN", "127.0.0.1:9001"),
        ("RADAR_DATA", "/from-env"),
        ("RADAR_DETECTOR__MIN_EXCESS", "16.5"),
    ];
    let flags = Flags {
        data: Some("/from-flags".into()),
        ..Flags::default()
    };
    let s = load(Some(file), &env, flags).unwrap();
    assert_eq!(s.listen.port(), 9001, "environment over file");
    assert_eq!(s.warmup_days, 3, "file over default");
    assert_eq!(
        s.data,
        PathBuf::from("/from-flags"),
        "flags over environment"
    );
    let d = s.detector_config();
    assert_eq!(d.min_excess, 16.5, "environment over file, nested");
    assert_eq!(d.quiet_minutes, 12);
    assert_eq!(d.merge_minutes, DetectorConfig::default().merge_minutes);
}

#[test]
fn environment_values_are_read_as_written() {
    let s = load(
        None,
        &[
            ("RADAR_TRUST_FORWARDED_FOR", "1"),
            ("RADAR_OPERATOR_TOKEN", "12345678901234567"),
            ("RADAR_DATA", "2024"),
            ("RADAR_MAX_BODY_BYTES", "2048"),
        ],
        Flags::default(),
    )
    .unwrap();
    assert!(s.trust_forwarded_for);
    assert_eq!(s.operator_token.unwrap().expose(), "12345678901234567");
    assert_eq!(s.data, PathBuf::from("2024"));
    assert_eq!(s.max_body_bytes, 2048);
}

#[test]
fn all_errors_at_once() {
    let file = "colour = 1\nmax_body_bytes = 10\n[detector]\nmin_excess = -1\n";
    let e = errors(
        Some(file),
        &[
            ("RADAR_LISTEN", "nowhere"),
            ("RADAR_COLOUR", "blue"),
            ("RADAR_WARMUP_DAYS", "x"),
            ("RADAR_DATABASE_URL", "mysql://h/db"),
        ],
    );
    assert_eq!(e.len(), 7, "{e:#?}");
    let has = |needle: &str| assert!(e.iter().any(|m| m.contains(needle)), "{needle}: {e:#?}");
    has("radar.toml: colour: unknown setting; known: listen, data, database_url");
    has("radar.toml: max_body_bytes: 10 is too small; at least 1024");
    has("radar.toml: detector.min_excess: -1 is out of range; allowed: a finite number > 0");
    has("RADAR_LISTEN: \"nowhere\" is not an address; write host:port");
    has("RADAR_COLOUR: unknown setting; known: RADAR_LISTEN, RADAR_DATA");
    has("RADAR_WARMUP_DAYS: ");
    has("RADAR_DATABASE_URL: mysql://h/db is not a PostgreSQL URL");
}

#[test]
fn an_overridden_bad_value_is_still_reported() {
    let e = load(
        None,
        &[("RADAR_LISTEN", "nowhere")],
        Flags {
            listen: Some("127.0.0.1:0".into()),
            ..Flags::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("RADAR_LISTEN: "), "{e:?}");
}

#[test]
fn unknown_keys_in_the_file() {
    let e = errors(Some("colour = 1\n[detector]\nmin_exces = 3\n"), &[]);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(
        e[0].contains("radar.toml: colour: unknown setting"),
        "{e:?}"
    );
    assert!(
        e[1].contains("radar.toml: detector.min_exces: unknown setting; known: dedup_window_minutes, repeat_threshold"),
        "{e:?}"
    );
}

#[test]
fn unknown_environment_variables() {
    let e = errors(None, &[("RADAR_DETECTOR__MIN_EXCES", "3")]);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].starts_with("RADAR_DETECTOR__MIN_EXCES: unknown setting"),
        "{e:?}"
    );
    let e = errors(None, &[("RADAR_UTC_OFFSET", "60")]);
    assert!(
        e[0].starts_with("RADAR_UTC_OFFSET: unknown setting"),
        "{e:?}"
    );
}

#[test]
fn the_project_s_own_variables_are_not_settings() {
    let env = [
        ("RADAR_LOG", "debug"),
        ("RADAR_REQUIRE_SERVICES", "1"),
        (
            "RADAR_TEST_DATABASE_URL",
            "postgres://postgres@127.0.0.1/test",
        ),
        ("RADAR_CONFIG", "/etc/radar.toml"),
    ];
    assert!(load(None, &env, Flags::default()).is_ok());
}

#[test]
fn missing_file_and_bad_toml_are_reported_with_the_rest() {
    let e = errors(Some("listen = \n"), &[("RADAR_COLOUR", "blue")]);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(e[0].contains("radar.toml: line 1"), "{e:?}");
    let missing = Settings::load(
        Some(Path::new("/nonexistent/radar.toml")),
        &Flags::default(),
    );
    assert!(missing.unwrap_err()[0].contains("cannot read settings file"));
}

const TOKEN: &str = "correct-horse-battery-staple";
const PASSWORD: &str = "hunter2-very-secret";

#[test]
fn secrets_are_not_printed() {
    let url =
        format!("postgres://radar:{PASSWORD}@db:5432/radar?sslmode=require&password={PASSWORD}");
    let s = load(
        None,
        &[
            ("RADAR_OPERATOR_TOKEN", TOKEN),
            ("RADAR_DATABASE_URL", &url),
        ],
        Flags::default(),
    )
    .unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains(TOKEN) && !debug.contains(PASSWORD),
        "{debug}"
    );
    assert!(debug.contains("[redacted]"));
    let token = s.operator_token.as_ref().unwrap();
    assert_eq!(format!("{token}"), "[redacted]");
    assert_eq!(format!("{token:?}"), "[redacted]");
    assert_eq!(token.expose(), TOKEN);
    assert_eq!(
        s.store_name(),
        "postgres://radar:[redacted]@db:5432/radar?sslmode=require&password=[redacted]"
    );
    assert_eq!(s.store_target(), url);
}

#[test]
fn secrets_are_not_repeated_in_errors() {
    let short = "short-secret";
    let mut all = errors(
        None,
        &[
            ("RADAR_OPERATOR_TOKEN", short),
            (
                "RADAR_DATABASE_URL",
                &format!("mysql://radar:{PASSWORD}@db/radar"),
            ),
        ],
    );
    // A syntax error on the token's line: the TOML error would quote the line.
    all.extend(errors(Some(&format!("operator_token = \"{TOKEN}\n")), &[]));
    all.extend(errors(
        Some(&format!("operator_token = [\"{TOKEN}\"]\n")),
        &[],
    ));
    all.extend(errors(Some("operator_token = 3.5\n"), &[]));
    assert_eq!(all.len(), 5, "{all:#?}");
    for m in &all {
        assert!(
            !m.contains(short) && !m.contains(PASSWORD) && !m.contains(TOKEN) && !m.contains("3.5"),
            "{m}"
        );
    }
    assert!(
        all.iter()
            .any(|m| m.contains("RADAR_OPERATOR_TOKEN: too short")),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|m| m.contains("mysql://radar:[redacted]@db/radar")),
        "{all:?}"
    );
}

#[test]
fn each_invalid_detector_value_is_rejected_with_its_field() {
    let bad = [
        ("dedup_window_minutes", "0"),
        ("repeat_threshold", "1"),
        ("flood_quick_flags", "0"),
        ("quick_repeat_minutes", "0"),
        ("quiet_minutes", "0"),
        ("min_rate", "0"),
        ("rate_slack", "-0.5"),
        ("cold_z", "nan"),
        ("cold_abs", "-1"),
        ("cold_rel", "inf"),
        ("prior_weight", "0.5"),
        ("rise_ratio", "1"),
        ("rise_abs", "0"),
        ("alarm_llr", "0"),
        ("cusum_cap", "5"),
        ("min_excess", "0"),
        ("flood_min_excess", "-3"),
        ("instant_excess", "-1"),
        ("learn_min_alpha", "1.5"),
        ("anomaly_weight", "-0.1"),
        ("suspect_score", "2"),
        ("suspect_weight", "1.01"),
        ("gap_expected", "0"),
        ("level_alpha", "0"),
        ("winsor_z", "-2"),
        ("fast_alpha", "0.001"),
        ("hot_ratio", "0.5"),
        ("hot_abs", "-1"),
        ("scope_llr", "-1"),
        ("scope_min_excess", "-inf"),
        ("tech_min_expected", "-5"),
        ("host_evidence", "1.5"),
        // Not a whole number ≥ 0: refused when read.
        ("warmup_minutes", "-1"),
        ("merge_minutes", "1.5"),
        ("split_minutes", "\"soon\""),
    ];
    for (field, value) in bad {
        let e = errors(Some(&format!("[detector]\n{field} = {value}\n")), &[]);
        assert_eq!(e.len(), 1, "{field}: {e:#?}");
        assert!(
            e[0].contains(&format!("radar.toml: detector.{field}: ")),
            "{field}: {e:?}"
        );
    }
    let e = errors(None, &[("RADAR_DETECTOR__FAST_ALPHA", "2")]);
    assert_eq!(
        e,
        ["RADAR_DETECTOR__FAST_ALPHA: 2 is out of range; allowed: a number in [0.01, 1]"]
    );
}

#[test]
fn a_default_made_invalid_by_another_value_is_named() {
    let e = errors(Some("[detector]\nalarm_llr = 100\n"), &[]);
    assert_eq!(
        e,
        ["detector.cusum_cap (default): 60 is out of range; allowed: a finite number ≥ alarm_llr (100)"]
    );
}

#[test]
fn a_cluster_node_needs_the_shared_store_and_the_shared_reporter_secret() {
    let all = errors(None, &[("RADAR_BUS", "nats://127.0.0.1:4222")]);
    assert!(all.iter().any(|e| e.contains("database_url")), "{all:#?}");
    assert!(
        all.iter().any(|e| e.contains("reporter_secret")),
        "{all:#?}"
    );
    let secret = "ab".repeat(32);
    let s = load(
        None,
        &[
            ("RADAR_BUS", "nats://radar:hunter2hunter2@bus:4222"),
            ("RADAR_DATABASE_URL", "postgres://radar@db/radar"),
            ("RADAR_REPORTER_SECRET", &secret),
            ("RADAR_BUS_REPLICAS", "3"),
            ("RADAR_REORDER_SECS", "20"),
        ],
        Flags::default(),
    )
    .unwrap();
    assert_eq!((s.bus_replicas, s.reorder_secs), (3, 20));
    assert_eq!(s.bus_stream, "RADAR_REPORTS");
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains(&secret),
        "{shown}"
    );
    assert_eq!(
        s.bus.as_ref().unwrap().to_string(),
        "nats://[redacted]@bus:4222"
    );
    let all = errors(
        None,
        &[
            ("RADAR_BUS", "http://bus:4222"),
            ("RADAR_BUS_STREAM", "no spaces"),
            ("RADAR_BUS_REPLICAS", "7"),
            ("RADAR_REORDER_SECS", "0"),
            ("RADAR_REPORTER_SECRET", "not-hex"),
        ],
    );
    for (key, says) in [
        ("RADAR_BUS", "not a NATS URL"),
        ("RADAR_BUS_STREAM", "not a stream name"),
        ("RADAR_BUS_REPLICAS", "1 to 5"),
        ("RADAR_REORDER_SECS", "1 to 600"),
        ("RADAR_REPORTER_SECRET", "64 hexadecimal"),
    ] {
        assert!(
            all.iter().any(|e| e.starts_with(key) && e.contains(says)),
            "{key}: {all:#?}"
        );
    }
}

#[test]
fn session_settings_from_file_and_environment() {
    let s = load(
        Some("session_hours = 12"),
        &[("RADAR_SECURE_COOKIES", "true")],
        Flags::default(),
    )
    .unwrap();
    assert_eq!(s.session_hours, 12);
    assert!(s.secure_cookies);
    let d = load(None, &[], Flags::default()).unwrap();
    assert_eq!((d.session_hours, d.secure_cookies), (8, false));
    let errs = errors(None, &[("RADAR_SESSION_HOURS", "0")]);
    assert!(
        errs.iter()
            .any(|e| e.contains("RADAR_SESSION_HOURS") && e.contains("1 to 720 hours")),
        "{errs:?}"
    );
}

#[test]
fn subscription_settings_are_read_and_checked() {
    let file = r#"
        public_url = "https://status.example.org/"
        smtp_host = "mail.example.org"
        smtp_tls = "tls"
        mail_from = "Outage Radar <status@example.org>"
        delivery_attempts = 5
    "#;
    let s = load(Some(file), &[("RADAR_SMTP_PORT", "2525")], Flags::default()).unwrap();
    assert_eq!(s.public_url.as_deref(), Some("https://status.example.org"));
    assert_eq!(s.smtp_tls, SmtpTls::Tls);
    assert_eq!(s.smtp_port, Some(2525));
    assert_eq!(s.delivery_attempts, 5);
    assert!(
        !s.webhook_private_targets,
        "private targets are refused by default"
    );

    let e = errors(
        Some(
            r#"
            public_url = "ftp://x/y"
            smtp_tls = "ssl"
            delivery_attempts = 0
            smtp_host = "mail.example.org"
            smtp_user = "radar"
        "#,
        ),
        &[],
    );
    let has = |s: &str| assert!(e.iter().any(|x| x.contains(s)), "{s} not in {e:#?}");
    has("public_url: ");
    has("write https://host[:port] without a path");
    has("smtp_tls: ");
    has("write starttls, tls or none");
    has("delivery_attempts: ");
    has("1 to 20 attempts");
    has("set mail_from");
    has("set both smtp_user and smtp_password");
    let e = errors(Some(r#"mail_from = "not an address""#), &[]);
    assert!(
        e[0].contains("mail_from") && e[0].contains("is not an e-mail address"),
        "{e:?}"
    );
}
