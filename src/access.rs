//! Who may join as what: each team's and each judge's join code, the phones registered with
//! them, and the MC's control token. Kept in the data directory so that a restart keeps them.
//!
//! A new phone joins a team by presenting that team's join code (from the QR code or typed); it
//! then gets a device token, kept by the page (localStorage), to rejoin as the same team after a
//! reload, a sleep or a network change without asking again. The MC can rotate a team's code
//! (phones already joined stay) and revoke a phone (it is disconnected and refused from then on).
//! A judge's phone joins the same way with that judge's code ([`Seat::Judge`]); judges' codes
//! and phones are kept apart from the teams'.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::game::Contest;

/// File with the join codes and phones, archived with the contest by `--new`.
pub const ACCESS_FILE: &str = "access.json";
/// File with the control token; it outlives contests, so the MC's bookmark keeps working.
pub const CONTROL_TOKEN_FILE: &str = "control-token";
/// Letters and digits that cannot be mistaken for each other when read aloud or typed
/// (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
/// Length of a join code: 25^7 ≈ 6·10^9 codes, far beyond guessing within a contest's rate limits.
pub const CODE_LENGTH: usize = 7;

/// One registered phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// The team it plays for; for a judge's phone, the judge it scores as.
    pub team: String,
    /// Short number shown to the MC ("Máy 3").
    pub number: u32,
    /// Refused from now on.
    #[serde(default)]
    pub revoked: bool,
}

/// What a phone joins as: a team or a member of the judging panel. Each has its own codes and
/// phones, so that a judge's device token never joins a team, nor a team's a judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seat {
    /// A team's phone.
    Team,
    /// A judge's phone.
    Judge,
}

/// The join codes (by id) and registered phones (by device token) of one kind of seat.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Book {
    codes: BTreeMap<String, String>,
    phones: BTreeMap<String, Phone>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    /// The teams' codes and phones, at the top level as before judges existed.
    #[serde(flatten)]
    teams: Book,
    /// Numbers phones of teams and judges alike, so that "Máy 7" names one phone.
    next_number: u32,
    /// The judges' codes and phones (absent in files written before judges existed).
    #[serde(default, skip_serializing_if = "Book::is_empty")]
    judges: Book,
}

impl Book {
    fn is_empty(&self) -> bool {
        self.codes.is_empty() && self.phones.is_empty()
    }
}

/// Join codes and phones of the contest.
#[derive(Debug)]
pub struct Access {
    path: Option<PathBuf>,
    stored: Stored,
}

/// Why a team hello is refused: a stable code and an English message.
pub type Refused = (&'static str, &'static str);

impl Access {
    /// The access registry kept in `dir` (made, with a code for every team and judge, if
    /// absent); in memory only without a directory.
    pub fn load(dir: Option<&Path>, contest: &Contest) -> Result<Access, String> {
        let path = dir.map(|dir| dir.join(ACCESS_FILE));
        let stored = match &path {
            None => Stored::default(),
            Some(path) => match fs::read(path) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map_err(|e| format!("{} is damaged: {e}", path.display()))?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => Stored::default(),
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            },
        };
        let mut access = Access { path, stored };
        let teams = contest.teams.iter().map(|team| (Seat::Team, &team.id));
        let judges = contest.judges.iter().map(|judge| (Seat::Judge, &judge.id));
        let missing: Vec<(Seat, String)> = teams
            .chain(judges)
            .filter(|(seat, id)| !access.book(*seat).codes.contains_key(*id))
            .map(|(seat, id)| (seat, id.clone()))
            .collect();
        for (seat, id) in &missing {
            access.book_mut(*seat).codes.insert(id.clone(), new_code());
        }
        if !missing.is_empty() {
            access
                .save()
                .map_err(|e| format!("cannot save the join codes: {e}"))?;
        }
        Ok(access)
    }

    fn book(&self, seat: Seat) -> &Book {
        match seat {
            Seat::Team => &self.stored.teams,
            Seat::Judge => &self.stored.judges,
        }
    }

    fn book_mut(&mut self, seat: Seat) -> &mut Book {
        match seat {
            Seat::Team => &mut self.stored.teams,
            Seat::Judge => &mut self.stored.judges,
        }
    }

    /// The join code of `team`.
    pub fn code(&self, team: &str) -> Option<&str> {
        self.code_of(Seat::Team, team)
    }

    /// The join code of the team or judge `id`.
    pub fn code_of(&self, seat: Seat, id: &str) -> Option<&str> {
        self.book(seat).codes.get(id).map(String::as_str)
    }

    /// The team a hello would join, checking what can be checked without registering anything:
    /// a device token must be known, not revoked and of the team asked for (if any); without a
    /// token the team must exist.
    pub fn team_for<'a>(
        &'a self,
        team: Option<&'a str>,
        device: Option<&str>,
    ) -> Result<&'a str, Refused> {
        self.seat_for(Seat::Team, team, device)
    }

    /// The team or judge a hello would join, as [`Access::team_for`] for teams.
    pub fn seat_for<'a>(
        &'a self,
        seat: Seat,
        id: Option<&'a str>,
        device: Option<&str>,
    ) -> Result<&'a str, Refused> {
        let book = self.book(seat);
        if let Some(token) = device {
            let Some(phone) = book.phones.get(token) else {
                return Err(match seat {
                    Seat::Team => (
                        "unknown_device",
                        "this phone is not registered; join your team again",
                    ),
                    Seat::Judge => (
                        "unknown_device",
                        "this phone is not registered; join again with your judge code",
                    ),
                });
            };
            if phone.revoked {
                return Err(("device_revoked", "the MC removed this phone"));
            }
            if id.is_some_and(|asked| asked != phone.team) {
                return Err(match seat {
                    Seat::Team => (
                        "device_refused",
                        "this phone is registered for another team",
                    ),
                    Seat::Judge => (
                        "device_refused",
                        "this phone is registered for another judge",
                    ),
                });
            }
            return Ok(&phone.team);
        }
        match id {
            Some(id) if book.codes.contains_key(id) => Ok(id),
            _ => Err(unknown(seat)),
        }
    }

    /// Admits a phone: with a device token, as the team it registered for; otherwise as `team`
    /// if `code` is that team's join code, registering it. Returns (team id, device token, number).
    pub fn admit(
        &mut self,
        team: Option<&str>,
        code: Option<&str>,
        device: Option<&str>,
    ) -> Result<(String, String, u32), Refused> {
        self.admit_to(Seat::Team, team, code, device)
    }

    /// Admits a phone as a team or a judge, as [`Access::admit`] does for teams.
    pub fn admit_to(
        &mut self,
        seat: Seat,
        id: Option<&str>,
        code: Option<&str>,
        device: Option<&str>,
    ) -> Result<(String, String, u32), Refused> {
        let id = self.seat_for(seat, id, device)?.to_string();
        if let Some(token) = device {
            let number = self
                .book(seat)
                .phones
                .get(token)
                .map_or(0, |phone| phone.number);
            return Ok((id, token.to_string(), number));
        }
        let Some(expected) = self.book(seat).codes.get(&id) else {
            return Err(unknown(seat));
        };
        let presented = normalize_code(code.unwrap_or_default());
        if !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
            return Err(match seat {
                Seat::Team => ("bad_code", "wrong join code for this team"),
                Seat::Judge => ("bad_code", "wrong join code for this judge"),
            });
        }
        let token = format!("{:032x}", rand::random::<u128>());
        self.stored.next_number += 1;
        let number = self.stored.next_number;
        let phone = Phone {
            team: id.clone(),
            number,
            revoked: false,
        };
        self.book_mut(seat).phones.insert(token.clone(), phone);
        if self.save().is_err() {
            self.book_mut(seat).phones.remove(&token);
            return Err(("storage_failed", "the server could not save this phone"));
        }
        Ok((id, token, number))
    }

    /// Whether the phone with this token was revoked.
    pub fn is_revoked(&self, token: &str) -> bool {
        self.is_revoked_in(Seat::Team, token)
    }

    /// Whether the team's or judge's phone with this token was revoked (or is unknown).
    pub fn is_revoked_in(&self, seat: Seat, token: &str) -> bool {
        self.book(seat)
            .phones
            .get(token)
            .is_none_or(|phone| phone.revoked)
    }

    /// Gives `team` a new join code; phones already joined stay.
    pub fn rotate_code(&mut self, team: &str) -> io::Result<bool> {
        self.rotate_code_of(Seat::Team, team)
    }

    /// Gives the team or judge `id` a new join code; phones already joined stay.
    pub fn rotate_code_of(&mut self, seat: Seat, id: &str) -> io::Result<bool> {
        if !self.book(seat).codes.contains_key(id) {
            return Ok(false);
        }
        self.book_mut(seat).codes.insert(id.to_string(), new_code());
        self.save()?;
        Ok(true)
    }

    /// Revokes phone `number` of `team`; returns whether there was such a phone.
    pub fn revoke(&mut self, team: &str, number: u32) -> io::Result<bool> {
        self.revoke_in(Seat::Team, team, number)
    }

    /// Revokes phone `number` of the team or judge `id`; returns whether there was such a
    /// phone.
    pub fn revoke_in(&mut self, seat: Seat, id: &str, number: u32) -> io::Result<bool> {
        let Some(phone) = self
            .book_mut(seat)
            .phones
            .values_mut()
            .find(|p| p.team == id && p.number == number)
        else {
            return Ok(false);
        };
        phone.revoked = true;
        self.save()?;
        Ok(true)
    }

    /// The phones of `team` as (number, revoked), in joining order.
    pub fn phones_of(&self, team: &str) -> Vec<(u32, bool)> {
        self.phones_in(Seat::Team, team)
    }

    /// The phones of the team or judge `id` as (number, revoked), in joining order.
    pub fn phones_in(&self, seat: Seat, id: &str) -> Vec<(u32, bool)> {
        let mut phones: Vec<(u32, bool)> = self
            .book(seat)
            .phones
            .values()
            .filter(|p| p.team == id)
            .map(|p| (p.number, p.revoked))
            .collect();
        phones.sort_unstable();
        phones
    }

    fn save(&self) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let bytes = serde_json::to_vec_pretty(&self.stored).map_err(io::Error::other)?;
        write_private(path, &bytes)
    }
}

/// The refusal of a hello naming a team or judge the contest does not have.
fn unknown(seat: Seat) -> Refused {
    match seat {
        Seat::Team => ("unknown_team", "no team with that id"),
        Seat::Judge => ("unknown_judge", "no judge with that id"),
    }
}

/// The MC's control token: `given` if set (and saved), else the one kept in `dir`, else a new
/// random one (saved). Without a directory, `given` or a random one.
pub fn control_token(dir: Option<&Path>, given: Option<String>) -> Result<String, String> {
    let path = dir.map(|dir| dir.join(CONTROL_TOKEN_FILE));
    if let Some(token) = given {
        if token.trim().len() < 16 {
            return Err("--control-token must be at least 16 characters".into());
        }
        if let Some(path) = &path {
            write_private(path, token.as_bytes())
                .map_err(|e| format!("cannot save {}: {e}", path.display()))?;
        }
        return Ok(token);
    }
    if let Some(path) = &path {
        match fs::read_to_string(path) {
            Ok(token) if token.trim().len() >= 16 => return Ok(token.trim().to_string()),
            Ok(_) => return Err(format!("{} is damaged (too short)", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
    }
    // 128 random bits.
    let token = format!("{:032x}", rand::random::<u128>());
    if let Some(path) = &path {
        write_private(path, token.as_bytes())
            .map_err(|e| format!("cannot save {}: {e}", path.display()))?;
    }
    Ok(token)
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn new_code() -> String {
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[rand::random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Codes are typed on phones: ignore case, spaces and dashes.
fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Writes a secret file readable by its owner only, atomically.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contest() -> Contest {
        Contest::demo()
    }

    #[test]
    fn every_team_gets_a_readable_code_that_survives_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let access = Access::load(Some(dir.path()), &contest()).expect("load");
        let code = access.code("an-hai").expect("code").to_string();
        assert_eq!(code.len(), CODE_LENGTH);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        let again = Access::load(Some(dir.path()), &contest()).expect("reload");
        assert_eq!(again.code("an-hai"), Some(code.as_str()));
    }

    #[test]
    fn a_phone_joins_with_the_code_and_rejoins_with_its_token() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut access = Access::load(Some(dir.path()), &contest()).expect("load");
        let code = access.code("an-hai").expect("code").to_lowercase();
        assert_eq!(
            access.admit(Some("an-hai"), Some("WRONG99"), None),
            Err(("bad_code", "wrong join code for this team"))
        );
        assert_eq!(
            access.admit(Some("an-hai"), None, None).map(|_| ()),
            Err(("bad_code", "wrong join code for this team"))
        );
        // Lower case and a space, as typed on a phone.
        let typed = format!("{} {}", &code[..3], &code[3..]);
        let (team, token, number) = access
            .admit(Some("an-hai"), Some(&typed), None)
            .expect("joins");
        assert_eq!((team.as_str(), number), ("an-hai", 1));
        let mut reloaded = Access::load(Some(dir.path()), &contest()).expect("reload");
        assert_eq!(
            reloaded
                .admit(None, None, Some(&token))
                .map(|(t, _, n)| (t, n)),
            Ok(("an-hai".to_string(), 1))
        );
        assert_eq!(
            reloaded
                .admit(Some("vinh-hai"), None, Some(&token))
                .map(|_| ()),
            Err((
                "device_refused",
                "this phone is registered for another team"
            ))
        );
    }

    #[test]
    fn rotating_a_code_keeps_joined_phones_and_revoking_refuses_one() {
        let mut access = Access::load(None, &contest()).expect("load");
        let old = access.code("nhon-hai").expect("code").to_string();
        let (_, token, number) = access
            .admit(Some("nhon-hai"), Some(&old), None)
            .expect("joins");
        assert!(access.rotate_code("nhon-hai").expect("rotate"));
        assert_ne!(access.code("nhon-hai"), Some(old.as_str()));
        assert!(
            access.admit(Some("nhon-hai"), Some(&old), None).is_err(),
            "old code dead"
        );
        assert!(
            access.admit(None, None, Some(&token)).is_ok(),
            "joined phone stays"
        );
        assert!(access.revoke("nhon-hai", number).expect("revoke"));
        assert!(access.is_revoked(&token));
        assert_eq!(
            access.admit(None, None, Some(&token)).map(|_| ()),
            Err(("device_revoked", "the MC removed this phone"))
        );
        assert_eq!(access.phones_of("nhon-hai"), vec![(number, true)]);
    }

    #[test]
    fn the_control_token_is_kept_and_can_be_set() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = control_token(Some(dir.path()), None).expect("made");
        assert_eq!(first.len(), 32);
        assert_eq!(control_token(Some(dir.path()), None).expect("kept"), first);
        let chosen = "a-token-the-mc-chose-1234".to_string();
        assert_eq!(
            control_token(Some(dir.path()), Some(chosen.clone())).expect("set"),
            chosen
        );
        assert_eq!(control_token(Some(dir.path()), None).expect("kept"), chosen);
        assert!(control_token(None, Some("short".into())).is_err());
    }

    fn panel() -> Contest {
        crate::game::ContestBuilder::new("Hội thi")
            .team("an-hai", "Đội An Hải")
            .judge("gk-lan", "Bà Lan")
            .judge("gk-minh", "Ông Minh")
            .scored("Chào hỏi")
            .build()
    }

    #[test]
    fn a_judge_joins_with_its_own_code_and_rejoins_with_its_token_after_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut access = Access::load(Some(dir.path()), &panel()).expect("load");
        let lan = access
            .code_of(Seat::Judge, "gk-lan")
            .expect("code")
            .to_string();
        let minh = access
            .code_of(Seat::Judge, "gk-minh")
            .expect("code")
            .to_string();
        assert_eq!(lan.len(), CODE_LENGTH);
        assert_ne!(lan, minh);
        // One judge's code does not open another judge's seat, nor a team's.
        assert_eq!(
            access
                .admit_to(Seat::Judge, Some("gk-minh"), Some(&lan), None)
                .map(|_| ()),
            Err(("bad_code", "wrong join code for this judge"))
        );
        assert_eq!(
            access.admit(Some("an-hai"), Some(&lan), None).map(|_| ()),
            Err(("bad_code", "wrong join code for this team"))
        );
        assert_eq!(
            access
                .admit_to(Seat::Judge, Some("nobody"), Some(&lan), None)
                .map(|_| ()),
            Err(("unknown_judge", "no judge with that id"))
        );
        let (judge, token, number) = access
            .admit_to(Seat::Judge, Some("gk-lan"), Some(&lan.to_lowercase()), None)
            .expect("joins");
        assert_eq!(judge, "gk-lan");
        let mut reloaded = Access::load(Some(dir.path()), &panel()).expect("reload");
        assert_eq!(reloaded.code_of(Seat::Judge, "gk-lan"), Some(lan.as_str()));
        assert_eq!(
            reloaded
                .admit_to(Seat::Judge, None, None, Some(&token))
                .map(|(j, _, n)| (j, n)),
            Ok(("gk-lan".to_string(), number))
        );
        // The token names its judge: it is not another judge's, nor any team's.
        assert_eq!(
            reloaded
                .admit_to(Seat::Judge, Some("gk-minh"), None, Some(&token))
                .map(|_| ()),
            Err((
                "device_refused",
                "this phone is registered for another judge"
            ))
        );
        assert_eq!(
            reloaded.admit(None, None, Some(&token)).map(|_| ()),
            Err((
                "unknown_device",
                "this phone is not registered; join your team again"
            ))
        );
    }

    #[test]
    fn a_judges_code_rotates_and_its_phone_is_revoked_apart_from_the_teams() {
        let mut access = Access::load(None, &panel()).expect("load");
        let old = access
            .code_of(Seat::Judge, "gk-minh")
            .expect("code")
            .to_string();
        let (_, token, number) = access
            .admit_to(Seat::Judge, Some("gk-minh"), Some(&old), None)
            .expect("joins");
        // A team of that name has no phone to revoke: the judge's stays.
        assert!(!access.revoke("gk-minh", number).expect("nothing"));
        assert!(
            access
                .rotate_code_of(Seat::Judge, "gk-minh")
                .expect("rotate")
        );
        assert!(!access.rotate_code("gk-minh").expect("not a team"));
        assert!(
            access
                .admit_to(Seat::Judge, Some("gk-minh"), Some(&old), None)
                .is_err()
        );
        assert!(
            access
                .admit_to(Seat::Judge, None, None, Some(&token))
                .is_ok()
        );
        assert!(
            access
                .revoke_in(Seat::Judge, "gk-minh", number)
                .expect("revoke")
        );
        assert!(access.is_revoked_in(Seat::Judge, &token));
        assert_eq!(
            access
                .admit_to(Seat::Judge, None, None, Some(&token))
                .map(|_| ()),
            Err(("device_revoked", "the MC removed this phone"))
        );
        assert_eq!(
            access.phones_in(Seat::Judge, "gk-minh"),
            vec![(number, true)]
        );
        assert!(access.phones_of("gk-minh").is_empty());
    }

    #[test]
    fn a_file_from_before_judges_keeps_its_team_codes_and_gains_judge_codes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = r#"{"codes": {"an-hai": "ACDEFGH"},
                      "phones": {"0123": {"team": "an-hai", "number": 4}},
                      "next_number": 4}"#;
        fs::write(dir.path().join(ACCESS_FILE), old).expect("write");
        let mut access = Access::load(Some(dir.path()), &panel()).expect("load");
        assert_eq!(access.code("an-hai"), Some("ACDEFGH"));
        assert!(access.code_of(Seat::Judge, "gk-lan").is_some());
        assert_eq!(
            access.admit(None, None, Some("0123")).map(|(_, _, n)| n),
            Ok(4)
        );
        let code = access
            .code_of(Seat::Judge, "gk-lan")
            .expect("code")
            .to_string();
        let (_, _, number) = access
            .admit_to(Seat::Judge, Some("gk-lan"), Some(&code), None)
            .expect("joins");
        assert_eq!(number, 5, "one numbering for every phone");
        let saved: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join(ACCESS_FILE)).expect("read"))
                .expect("JSON");
        assert_eq!(saved["codes"]["an-hai"], "ACDEFGH");
        assert_eq!(saved["judges"]["codes"]["gk-lan"], code.as_str());
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join(ACCESS_FILE), b"{nope").expect("write");
        let error = Access::load(Some(dir.path()), &contest()).expect_err("damaged");
        assert!(error.contains("damaged"), "{error}");
    }
}
