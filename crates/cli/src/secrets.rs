//! Where a profile's secret lives: the OS keyring when one answers (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux desktops), else `credentials.json`, mode 0600,
//! beside `config.json`.
//!
//! `JK_KEYRING=auto` (the default) tries the keyring at login and falls back to the file with a
//! one-line notice when it does not answer (a headless server, CI, a container); `JK_KEYRING=off`
//! goes straight to the file. The profile records which one holds its secret, so later runs go
//! to the right place without probing, and `jk auth status` can say where it is.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::exit::usage;

/// The keyring's service name; the profile's name is the account.
const SERVICE: &str = "jk";

/// Which store holds a profile's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Store {
    /// The OS keyring.
    Keyring,
    /// `credentials.json` (0600). Profiles saved before the keyring existed have no field: file.
    #[default]
    File,
}

impl Store {
    /// For people: where the secret is.
    pub fn describe(self) -> anyhow::Result<String> {
        Ok(match self {
            Store::Keyring => format!("the OS keyring (service {SERVICE:?})"),
            Store::File => format!("{} (0600)", file_path()?.display()),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Store::Keyring => "keyring",
            Store::File => "file",
        }
    }
}

/// `JK_KEYRING`: whether to try the keyring at all.
fn keyring_wanted() -> anyhow::Result<bool> {
    match std::env::var("JK_KEYRING").ok().as_deref().map(str::trim) {
        None | Some("") | Some("auto") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(usage(format!(
            "JK_KEYRING={other:?}: expected auto (the keyring, else the 0600 file) or off (the file)"
        ))),
    }
}

static NOTICE_SHOWN: AtomicBool = AtomicBool::new(false);

/// The fallback notice, at most once per run.
fn notice_fallback(why: &str) {
    if !NOTICE_SHOWN.swap(true, Ordering::Relaxed) {
        let path = file_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "credentials.json".into());
        eprintln!(
            "jk: no OS keyring answered ({why}); keeping the secret in {path} (mode 0600). JK_KEYRING=off skips the keyring."
        );
    }
}

/// Saves a new secret for `profile` where it is best kept, and says where that was.
pub fn save_new(profile: &str, secret: &SecretString) -> anyhow::Result<Store> {
    if keyring_wanted()? {
        match keyring_set(profile, secret) {
            Ok(()) => {
                // A secret that moved into the keyring leaves no copy behind in the file.
                file_set(profile, None)?;
                return Ok(Store::Keyring);
            }
            Err(why) => notice_fallback(&why),
        }
    }
    file_set(profile, Some(secret))?;
    Ok(Store::File)
}

/// Replaces the secret of `profile` in the store that already holds it (a rotated token).
pub fn save(profile: &str, store: Store, secret: &SecretString) -> anyhow::Result<()> {
    match store {
        Store::Keyring => keyring_set(profile, secret).map_err(|why| {
            anyhow::anyhow!("could not save the secret of profile {profile:?} in the OS keyring: {why}")
        }),
        Store::File => file_set(profile, Some(secret)),
    }
}

/// The secret of `profile`, if its store has one.
pub fn load(profile: &str, store: Store) -> anyhow::Result<Option<SecretString>> {
    match store {
        Store::Keyring => keyring_get(profile).map_err(|why| {
            usage(format!(
                "profile {profile:?} keeps its secret in the OS keyring, which did not answer ({why}); \
                 unlock it, or run `jk auth login` again with JK_KEYRING=off to keep it in a file"
            ))
        }),
        Store::File => Ok(file_load()?.0.remove(profile).map(SecretString::from)),
    }
}

/// Forgets the secret of `profile` wherever it is (both stores: a logout leaves nothing).
pub fn delete(profile: &str, store: Store) -> anyhow::Result<()> {
    if store == Store::Keyring {
        keyring_delete(profile).map_err(|why| {
            anyhow::anyhow!("could not delete the secret of profile {profile:?} from the OS keyring: {why}")
        })?;
    }
    file_set(profile, None)
}

// ---------------------------------------------------------------------------------------------
// The keyring. Errors are reduced to a short reason: never the keyring's Debug output, which for a
// badly encoded entry holds the stored bytes.

fn reason(e: &keyring::Error) -> String {
    match e {
        keyring::Error::BadEncoding(_) => "the stored entry is not UTF-8".into(),
        keyring::Error::Ambiguous(_) => "several keyring entries match".into(),
        other => {
            let s = other.to_string();
            // The D-Bus errors run long; the first line says enough.
            s.lines().next().unwrap_or("").chars().take(160).collect()
        }
    }
}

fn entry(profile: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, profile).map_err(|e| reason(&e))
}

fn keyring_set(profile: &str, secret: &SecretString) -> Result<(), String> {
    entry(profile)?
        .set_password(secret.expose_secret())
        .map_err(|e| reason(&e))
}

fn keyring_get(profile: &str) -> Result<Option<SecretString>, String> {
    match entry(profile)?.get_password() {
        Ok(s) => Ok(Some(SecretString::from(s))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(reason(&e)),
    }
}

fn keyring_delete(profile: &str) -> Result<(), String> {
    match entry(profile)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(reason(&e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The file.

/// Secrets by profile name, in a 0600 file.
#[derive(Default, Serialize, Deserialize)]
struct Secrets(BTreeMap<String, String>);

pub fn file_path() -> anyhow::Result<PathBuf> {
    Ok(crate::config::dir()?.join("credentials.json"))
}

fn file_load() -> anyhow::Result<Secrets> {
    let path = file_path()?;
    match std::fs::read(&path) {
        // The file's content is never echoed: a parse error names only the file.
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|_| usage(format!("{}: not valid JSON", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Secrets::default()),
        Err(e) => Err(e).with_context(|| path.display().to_string()),
    }
}

/// Holds `credentials.lock` (an advisory lock, released when the file is dropped) for one
/// read-modify-write of the file: two `jk` saving the secrets of different profiles at the same
/// moment (a rotated OAuth token, a login) must not lose either.
fn file_lock() -> anyhow::Result<std::fs::File> {
    let dir = crate::config::dir()?;
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let path = dir.join("credentials.lock");
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(&path).with_context(|| path.display().to_string())?;
    f.lock().with_context(|| path.display().to_string())?;
    Ok(f)
}

fn file_set(profile: &str, secret: Option<&SecretString>) -> anyhow::Result<()> {
    let path = file_path()?;
    let _lock = file_lock()?;
    let mut s = file_load()?;
    let changed = match secret {
        Some(v) => {
            s.0.insert(profile.to_owned(), v.expose_secret().to_owned());
            true
        }
        None => s.0.remove(profile).is_some(),
    };
    if !changed {
        return Ok(());
    }
    crate::config::write_private(&path, &serde_json::to_vec_pretty(&s)?)
}

#[cfg(test)]
pub(crate) mod tests {
    //! The keyring path against an in-memory keyring plugged in through the keyring crate's own
    //! builder API (its `mock` store forgets a secret between two entries, which a CLI never
    //! reuses); the file path for real in a temporary directory.

    use std::any::Any;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use keyring::credential::{Credential, CredentialApi, CredentialBuilder, CredentialBuilderApi};

    use super::*;

    type Shared = Arc<Mutex<HashMap<(String, String), Vec<u8>>>>;

    #[derive(Debug)]
    struct MemCredential {
        key: (String, String),
        map: Shared,
    }

    impl CredentialApi for MemCredential {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            self.map.lock().unwrap().insert(self.key.clone(), secret.to_vec());
            Ok(())
        }
        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            self.map
                .lock()
                .unwrap()
                .get(&self.key)
                .cloned()
                .ok_or(keyring::Error::NoEntry)
        }
        fn delete_credential(&self) -> keyring::Result<()> {
            self.map
                .lock()
                .unwrap()
                .remove(&self.key)
                .map(|_| ())
                .ok_or(keyring::Error::NoEntry)
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[derive(Debug, Default)]
    struct MemBuilder {
        map: Shared,
    }

    impl CredentialBuilderApi for MemBuilder {
        fn build(
            &self,
            _target: Option<&str>,
            service: &str,
            user: &str,
        ) -> keyring::Result<Box<Credential>> {
            Ok(Box::new(MemCredential {
                key: (service.to_owned(), user.to_owned()),
                map: self.map.clone(),
            }))
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    /// Environment and the keyring's default builder are process-wide: one test at a time.
    pub(crate) static ENV_LOCK: Mutex<()> = Mutex::new(());

    #[test]
    fn concurrent_saves_of_different_profiles_all_land_in_the_file() {
        let _g = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("JK_CONFIG_DIR", dir.path());
        let threads: Vec<_> = (0..16)
            .map(|i| {
                std::thread::spawn(move || {
                    for round in 0..5 {
                        let secret = SecretString::from(format!("token-{i}-{round}"));
                        file_set(&format!("profile-{i}"), Some(&secret)).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let saved = file_load().unwrap().0;
        std::env::remove_var("JK_CONFIG_DIR");
        assert_eq!(saved.len(), 16, "{:?}", saved.keys().collect::<Vec<_>>());
        for i in 0..16 {
            assert_eq!(saved[&format!("profile-{i}")], format!("token-{i}-4"));
        }
    }

    #[test]
    fn secrets_go_to_the_keyring_when_it_answers_and_leave_the_file_alone() {
        let _g = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("JK_CONFIG_DIR", dir.path());
        std::env::remove_var("JK_KEYRING");
        let mem = MemBuilder::default();
        let map = mem.map.clone();
        keyring::set_default_credential_builder(Box::new(mem) as Box<CredentialBuilder>);

        // An old copy in the file goes away when the secret moves into the keyring.
        file_set("site", Some(&SecretString::from("old".to_owned()))).unwrap();
        let store = save_new("site", &SecretString::from("s3cr3t".to_owned())).unwrap();
        assert_eq!(store, Store::Keyring);
        assert_eq!(
            map.lock()
                .unwrap()
                .get(&("jk".into(), "site".into()))
                .map(Vec::as_slice),
            Some(&b"s3cr3t"[..])
        );
        assert!(file_load().unwrap().0.is_empty());
        assert_eq!(
            load("site", Store::Keyring).unwrap().unwrap().expose_secret(),
            "s3cr3t"
        );
        // A rotation replaces it in place.
        save("site", Store::Keyring, &SecretString::from("next".to_owned())).unwrap();
        assert_eq!(
            load("site", Store::Keyring).unwrap().unwrap().expose_secret(),
            "next"
        );
        delete("site", Store::Keyring).unwrap();
        assert!(load("site", Store::Keyring).unwrap().is_none());
        assert!(map.lock().unwrap().is_empty());

        // JK_KEYRING=off never touches the keyring.
        std::env::set_var("JK_KEYRING", "off");
        let store = save_new("other", &SecretString::from("filed".to_owned())).unwrap();
        assert_eq!(store, Store::File);
        assert!(map.lock().unwrap().is_empty());
        assert_eq!(
            load("other", Store::File).unwrap().unwrap().expose_secret(),
            "filed"
        );
        std::env::set_var("JK_KEYRING", "sometimes");
        assert_eq!(
            crate::exit::code_for(&save_new("x", &SecretString::from("y".to_owned())).unwrap_err()),
            crate::exit::USAGE
        );
        std::env::remove_var("JK_KEYRING");
        std::env::remove_var("JK_CONFIG_DIR");
    }

    #[test]
    fn keyring_errors_never_carry_the_stored_bytes() {
        let e = keyring::Error::BadEncoding(b"s3cr3t".to_vec());
        assert!(!reason(&e).contains("s3cr3t"));
    }
}
