//! Team phones known to the contest: each gets a device token when it first joins, kept by the
//! page (localStorage), so that after a reload, a sleep or a network change it rejoins as the same
//! team without asking. Kept in the data directory, so a server restart keeps them too.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// File name in the data directory.
pub const DEVICES_FILE: &str = "devices.json";

/// One registered phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The team it plays for.
    pub team: String,
    /// Refused from now on (the MC revoked it).
    #[serde(default)]
    pub revoked: bool,
}

/// Every phone registered for the contest, by token.
#[derive(Debug, Default)]
pub struct Devices {
    path: Option<PathBuf>,
    by_token: BTreeMap<String, Device>,
}

impl Devices {
    /// The devices kept in `dir` (none yet if the file does not exist); in memory only without a
    /// directory.
    pub fn load(dir: Option<&Path>) -> Result<Devices, String> {
        let Some(dir) = dir else {
            return Ok(Devices::default());
        };
        let path = dir.join(DEVICES_FILE);
        let by_token = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} is damaged: {e}", path.display()))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(Devices {
            path: Some(path),
            by_token,
        })
    }

    /// Registers a new phone for `team` and returns its token (saved before it is returned).
    pub fn register(&mut self, team: &str) -> io::Result<String> {
        let token = format!("{:032x}", rand::random::<u128>());
        self.by_token.insert(
            token.clone(),
            Device {
                team: team.to_string(),
                revoked: false,
            },
        );
        if let Err(error) = self.save() {
            self.by_token.remove(&token);
            return Err(error);
        }
        Ok(token)
    }

    /// The team of a known, not revoked token.
    pub fn team_of(&self, token: &str) -> Option<&str> {
        self.by_token
            .get(token)
            .filter(|device| !device.revoked)
            .map(|device| device.team.as_str())
    }

    fn save(&self) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(&self.by_token).map_err(io::Error::other)?;
        {
            use std::io::Write;
            let mut file = fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
        }
        fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_phone_is_known_after_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut devices = Devices::load(Some(dir.path())).expect("load");
        let token = devices.register("an-hai").expect("register");
        assert_eq!(token.len(), 32);
        let again = Devices::load(Some(dir.path())).expect("reload");
        assert_eq!(again.team_of(&token), Some("an-hai"));
        assert_eq!(again.team_of("not-a-token"), None);
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join(DEVICES_FILE), b"{nope").expect("write");
        let error = Devices::load(Some(dir.path())).expect_err("damaged");
        assert!(error.contains("damaged"), "{error}");
    }
}
