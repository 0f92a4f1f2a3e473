//! Reporter keys: HMAC-SHA256 under a secret that rotates daily, over the client's network and
//! a slot in it ([`crate::intake::identity`]), or over a trusted client's token. The address
//! itself is never stored or logged.

use std::path::Path;
use std::sync::{Arc, Mutex};

use radar_core::{ReporterKey, Timestamp};

/// The master secret; each day's key is derived from it, so keys of different days cannot be
/// linked without the master secret.
#[derive(Clone)]
pub struct ReporterSecret {
    master: [u8; 32],
    /// The current day and its key, derived once per day.
    today: Arc<Mutex<(i64, [u8; 16])>>,
}

impl ReporterSecret {
    pub fn random() -> ReporterSecret {
        let mut master = [0u8; 32];
        getrandom::getrandom(&mut master).expect("the operating system provides randomness");
        ReporterSecret::from_master(master)
    }

    /// The secret given as 64 hexadecimal digits (setting `reporter_secret`).
    pub fn from_hex(hex: &str) -> Option<ReporterSecret> {
        let master = radar_core::audit::unhex(hex)?.try_into().ok()?;
        Some(ReporterSecret::from_master(master))
    }

    /// A value that tells secrets apart without revealing them: the nodes of a cluster
    /// compare theirs through the store.
    pub fn fingerprint(&self) -> String {
        ReporterKey::derive(&self.master, b"reporter-secret-fingerprint").to_hex()
    }

    /// A key for subscription tokens (unsubscribe and management links, form tokens), derived
    /// from the master secret so that every node of a cluster derives the same one.
    pub fn subscription_key(&self) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.master)
            .expect("HMAC takes a key of any length");
        mac.update(b"subscription-tokens");
        mac.finalize().into_bytes().into()
    }

    fn from_master(master: [u8; 32]) -> ReporterSecret {
        ReporterSecret {
            master,
            today: Arc::new(Mutex::new((i64::MIN, [0; 16]))),
        }
    }

    /// Loads `DIR/reporter-secret`, creating it (mode 0600) if missing.
    pub fn load_or_create(dir: &Path) -> std::io::Result<ReporterSecret> {
        let path = dir.join("reporter-secret");
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut master = [0u8; 32];
                master.copy_from_slice(&bytes);
                Ok(ReporterSecret::from_master(master))
            }
            Ok(_) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} is not a 32-byte secret; delete it to create a new one",
                    path.display()
                ),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)?;
                let s = ReporterSecret::random();
                let tmp = dir.join("reporter-secret.tmp");
                {
                    use std::io::Write;
                    let mut opts = std::fs::OpenOptions::new();
                    opts.write(true).create(true).truncate(true);
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::OpenOptionsExt;
                        opts.mode(0o600);
                    }
                    let mut f = opts.open(&tmp)?;
                    f.write_all(&s.master)?;
                    f.sync_all()?;
                }
                std::fs::rename(&tmp, &path)?;
                Ok(s)
            }
            Err(e) => Err(e),
        }
    }

    fn day_key(&self, now: Timestamp) -> [u8; 16] {
        let day = now.0.div_euclid(86_400);
        let mut today = self.today.lock().unwrap_or_else(|p| p.into_inner());
        if today.0 != day {
            let key =
                ReporterKey::derive(&self.master, format!("reporter-key-day-{day}").as_bytes()).0;
            *today = (day, key);
        }
        today.1
    }

    /// The key for a client-supplied token (stable within a day).
    pub fn for_token(&self, now: Timestamp, token: &str) -> ReporterKey {
        ReporterKey::derive(&self.day_key(now), format!("token\n{token}").as_bytes())
    }

    /// A key for `material` under today's key, in the domain `what` (see
    /// [`crate::intake::identity`]).
    pub(crate) fn keyed(&self, now: Timestamp, what: &[u8], material: &[u8]) -> ReporterKey {
        let mut m = Vec::with_capacity(what.len() + 1 + material.len());
        m.extend_from_slice(what);
        m.push(b'\n');
        m.extend_from_slice(material);
        ReporterKey::derive(&self.day_key(now), &m)
    }

    /// A keyed 64-bit number of `parts` (to pick a slot).
    pub(crate) fn tag(&self, now: Timestamp, parts: &[&[u8]]) -> u64 {
        let k = self.keyed(now, b"tag", &parts.concat()).0;
        u64::from_le_bytes(k[..8].try_into().expect("16-byte key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_daily_and_hides_address() {
        let s = ReporterSecret::random();
        let a = s.for_token(Timestamp(10), "t");
        let b = s.for_token(Timestamp(20), "t");
        let c = s.for_token(Timestamp(86_400 + 10), "t");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(
            s.for_token(Timestamp(10), "t"),
            s.for_token(Timestamp(10), "u")
        );
    }

    #[test]
    fn persisted_secret_is_reused() {
        let d = tempfile::tempdir().unwrap();
        let a = ReporterSecret::load_or_create(d.path()).unwrap();
        let b = ReporterSecret::load_or_create(d.path()).unwrap();
        assert_eq!(a.master, b.master);
    }
}
