//! What a contest is made of: teams and a programme of rounds, each with its rules and questions.
//!
//! This is the data an organiser writes (JSON today, Excel/CSV later). It is validated once, when loaded,
//! so the rest of the core can rely on it.

use serde::{Deserialize, Serialize};

pub use super::kinds::Round;
pub use super::kinds::buzz_in::{BuzzInRound, BuzzInRules, FalseStartRule};
pub use super::kinds::judged::{Aggregate, Criterion, JudgedRound, JudgedRules, Situation};
pub use super::kinds::multiple_choice::{MultipleChoiceRound, MultipleChoiceRules};
pub use super::kinds::scored::{MAX_DESCRIPTION_CHARS, ScoredRound};

/// The most teams a contest may have; a hall stage rarely holds more than 18.
pub const MAX_TEAMS: usize = 64;
/// Longest team name, in characters, so that it fits on a phone and the scoreboard.
pub const MAX_TEAM_NAME_CHARS: usize = 60;

/// A whole contest: its title, its teams and its rounds in the order they are played.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    /// Shown at the top of every page.
    pub title: String,
    /// The teams, in the order they are listed on the scoreboard.
    pub teams: Vec<Team>,
    /// The programme: played from the first round to the last.
    pub rounds: Vec<Round>,
    /// The judging panel ("ban giám khảo"), for rounds the judges score; may be empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub judges: Vec<Judge>,
}

/// A member of the judging panel; joins on their own phone with a judge code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judge {
    /// Stable identifier used on the wire: lowercase ASCII letters, digits and `-`.
    pub id: String,
    /// Display name, e.g. "Bà Nguyễn Thị Lan".
    pub name: String,
}

/// The most judges a panel may have.
pub const MAX_JUDGES: usize = 15;

/// A team of contestants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Stable identifier used on the wire and in URLs: lowercase ASCII letters, digits and `-`.
    pub id: String,
    /// Display name, e.g. "Đội xã Phước Hải".
    pub name: String,
}

/// A question with its answer key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Read out by the MC and shown on the phones and the projector.
    pub text: String,
    /// The answer key: only the control page sees it until the MC reveals it. In a
    /// multiple-choice round, the letter of the right option (`A` to `D`).
    pub answer: String,
    /// Private notes for the MC (sources, accepted variants); never shown to teams or the audience.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Multiple choice only: the options A, B, … (2 to 4), shown to everyone with the question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Multiple choice only: points for the right answer, instead of the round's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    /// Multiple choice only: time to answer (ms), instead of the round's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<u64>,
    /// An image shown with the question on the projector and the phones: a path relative to the
    /// contest file's folder, `/` between folders (`hinh/cau-3.png`). Checked when the file is
    /// loaded and served by the server (`crate::media`); like the text, it is wording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// Option letters of a multiple-choice question, in order.
pub const OPTION_LETTERS: [&str; 4] = ["A", "B", "C", "D"];

impl Question {
    /// The index of the right option of a multiple-choice question (`answer` is its letter).
    pub fn answer_option(&self) -> Option<usize> {
        let letter = self.answer.trim().to_ascii_uppercase();
        OPTION_LETTERS
            .iter()
            .position(|l| *l == letter)
            .filter(|i| *i < self.options.len())
    }
}

/// Builds a contest in code — tests, benchmarks, the demo's fallback — so that they say what they
/// need (teams, rounds, questions) and not how a contest is laid out.
#[derive(Clone, Debug)]
pub struct ContestBuilder {
    contest: Contest,
}

impl ContestBuilder {
    /// A contest titled `title`, without teams or rounds yet.
    pub fn new(title: impl Into<String>) -> ContestBuilder {
        ContestBuilder {
            contest: Contest {
                title: title.into(),
                teams: Vec::new(),
                rounds: Vec::new(),
                judges: Vec::new(),
            },
        }
    }

    /// Adds a team.
    pub fn team(mut self, id: impl Into<String>, name: impl Into<String>) -> ContestBuilder {
        self.contest.teams.push(Team {
            id: id.into(),
            name: name.into(),
        });
        self
    }

    /// Adds `count` teams; `id_and_name` makes the `i`th (from 0).
    pub fn teams(
        self,
        count: usize,
        id_and_name: impl Fn(usize) -> (String, String),
    ) -> ContestBuilder {
        (0..count).fold(self, |builder, i| {
            let (id, name) = id_and_name(i);
            builder.team(id, name)
        })
    }

    /// Adds a buzz-in round of `count` questions; `question` makes the `i`th (from 0).
    pub fn buzz_in(
        mut self,
        title: impl Into<String>,
        rules: BuzzInRules,
        count: usize,
        question: impl Fn(usize) -> Question,
    ) -> ContestBuilder {
        self.contest.rounds.push(Round::BuzzIn(BuzzInRound {
            title: title.into(),
            rules,
            questions: (0..count).map(question).collect(),
        }));
        self
    }

    /// Adds a multiple-choice round of `count` questions; `question` makes the `i`th (from 0).
    pub fn multiple_choice(
        mut self,
        title: impl Into<String>,
        rules: MultipleChoiceRules,
        count: usize,
        question: impl Fn(usize) -> Question,
    ) -> ContestBuilder {
        self.contest
            .rounds
            .push(Round::MultipleChoice(MultipleChoiceRound {
                title: title.into(),
                rules,
                questions: (0..count).map(question).collect(),
            }));
        self
    }

    /// Adds a judge to the panel.
    pub fn judge(mut self, id: impl Into<String>, name: impl Into<String>) -> ContestBuilder {
        self.contest.judges.push(Judge {
            id: id.into(),
            name: name.into(),
        });
        self
    }

    /// Adds a round the judging panel scores, with `rules` and `situations` to draw.
    pub fn judged(
        mut self,
        title: impl Into<String>,
        rules: JudgedRules,
        situations: Vec<Situation>,
    ) -> ContestBuilder {
        self.contest.rounds.push(Round::Judged(JudgedRound {
            title: title.into(),
            description: String::new(),
            rules,
            situations,
        }));
        self
    }

    /// Adds a round the MC scores by hand.
    pub fn scored(mut self, title: impl Into<String>) -> ContestBuilder {
        self.contest.rounds.push(Round::Scored(ScoredRound {
            title: title.into(),
            description: String::new(),
        }));
        self
    }

    /// The contest (not validated: tests build broken ones on purpose).
    pub fn build(self) -> Contest {
        self.contest
    }
}

impl Question {
    /// A question with its answer and no notes.
    pub fn new(text: impl Into<String>, answer: impl Into<String>) -> Question {
        Question {
            text: text.into(),
            answer: answer.into(),
            ..Question::default()
        }
    }
}

/// Why a contest file cannot be used; names the place in the file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContestError {
    /// The file is not valid JSON or does not have the expected shape.
    #[error("contest file is not valid: {0}")]
    Parse(String),
    /// The file parses but breaks rules: every problem found, each with its place.
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

/// One broken rule of a contest, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// A path such as `rounds[0].questions[3].text`.
    pub at: String,
    /// What is wrong there.
    pub problem: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Problems found so far while checking a contest; each round kind adds its own.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// Adds `problem` at `at`.
    pub fn add(&mut self, at: impl Into<String>, problem: impl Into<String>) {
        self.0.push(Problem {
            at: at.into(),
            problem: problem.into(),
        });
    }

    /// Adds "must be low..=high unit" at `at` when `value` is outside.
    pub fn range<T: PartialOrd + std::fmt::Display>(
        &mut self,
        at: impl Into<String>,
        value: T,
        low: T,
        high: T,
        unit: &str,
    ) {
        if value < low || value > high {
            self.add(at, format!("must be {low}..={high}{unit}"));
        }
    }

    /// A window of time (ms): 1 ms to 10 minutes, so that a typo cannot freeze a show.
    pub fn window(&mut self, at: impl Into<String>, value: u64) {
        self.range(at, value, 1, MAX_WINDOW_MS, " ms");
    }

    /// Points: 0 to `MAX_POINTS`.
    pub fn points(&mut self, at: impl Into<String>, value: i64) {
        self.range(at, value, 0, MAX_POINTS, "");
    }
}

/// Default cap on how far before its arrival a press may be placed: covers the p99 uplink delay
/// of an awake phone on Wi-Fi (~60 ms) with a margin, and is the most a cheating phone can gain.
pub const DEFAULT_PRESS_ALLOWANCE_CAP_MS: u64 = 80;
/// Upper bound for the settle window and the press allowance: a verdict must feel instant.
pub(crate) const MAX_FAIRNESS_MS: u64 = 250;

/// Upper bound for any window, so that a typo (extra zeros) cannot freeze a show for hours.
pub(crate) const MAX_WINDOW_MS: u64 = 10 * 60 * 1000;
/// Upper bound for points, keeping every sum far from integer overflow.
pub(crate) const MAX_POINTS: i64 = 1_000_000;

impl Contest {
    /// Whether `amended` is this contest with only its wording changed — the title, team names,
    /// round titles, questions, answers and notes — so that a show in progress can take it (a
    /// typo found on stage) without any recorded command meaning something else. Says what else
    /// changed otherwise.
    pub fn amendable_to(&self, amended: &Contest) -> Result<(), String> {
        let ids = |c: &Contest| c.teams.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        if ids(self) != ids(amended) {
            return Err("the teams are not the same".into());
        }
        let judge_ids = |c: &Contest| c.judges.iter().map(|j| j.id.clone()).collect::<Vec<_>>();
        if judge_ids(self) != judge_ids(amended) {
            return Err("the judges are not the same".into());
        }
        if self.rounds.len() != amended.rounds.len() {
            return Err("the number of rounds changed".into());
        }
        for (i, (was, now)) in self.rounds.iter().zip(&amended.rounds).enumerate() {
            was.amendable_to(now, &format!("round {}", i + 1))?;
        }
        Ok(())
    }

    /// Parses and validates a contest from JSON text.
    pub fn from_json(text: &str) -> Result<Contest, ContestError> {
        let contest: Contest =
            serde_json::from_str(text).map_err(|e| ContestError::Parse(e.to_string()))?;
        contest.validate()?;
        Ok(contest)
    }

    /// The demo contest built into the binary: four communes, a buzz-in round in Vietnamese.
    pub fn demo() -> Contest {
        // The demo file is part of the source tree and covered by a unit test, so this cannot fail
        // in a released binary; fall back to a minimal contest rather than panic regardless.
        Contest::from_json(include_str!("../demo_contest.json")).unwrap_or_else(|_| {
            ContestBuilder::new("stagebuzz")
                .team("team-1", "Team 1")
                .buzz_in("Buzz-in", BuzzInRules::default(), 1, |_| {
                    Question::new("?", "?")
                })
                .build()
        })
    }

    /// Checks every rule the core relies on and names every broken one.
    pub fn validate(&self) -> Result<(), ContestError> {
        let mut problems = Problems::default();
        self.check(&mut problems);
        if problems.0.is_empty() {
            Ok(())
        } else {
            Err(ContestError::Invalid(problems.0))
        }
    }

    fn check(&self, problems: &mut Problems) {
        if self.title.trim().is_empty() {
            problems.add("title", "must not be empty");
        }
        if self.teams.is_empty() {
            problems.add("teams", "a contest needs at least one team");
        }
        if self.teams.len() > MAX_TEAMS {
            problems.add(
                "teams",
                format!("at most {MAX_TEAMS} teams, found {}", self.teams.len()),
            );
        }
        for (i, team) in self.teams.iter().enumerate() {
            let at = format!("teams[{i}]");
            if !is_id(&team.id) {
                problems.add(
                    format!("{at}.id"),
                    "use 1-40 lowercase letters, digits or '-'",
                );
            }
            if self.teams[..i].iter().any(|other| other.id == team.id) {
                problems.add(
                    format!("{at}.id"),
                    format!("duplicate team id {:?}", team.id),
                );
            }
            if self.teams[..i]
                .iter()
                .any(|other| other.name.trim() == team.name.trim())
            {
                problems.add(
                    format!("{at}.name"),
                    format!("duplicate team name {:?}", team.name.trim()),
                );
            }
            let name_chars = team.name.trim().chars().count();
            if name_chars == 0 || name_chars > MAX_TEAM_NAME_CHARS {
                problems.add(
                    format!("{at}.name"),
                    format!("must be 1-{MAX_TEAM_NAME_CHARS} characters"),
                );
            }
        }
        self.check_judges(problems);
        if self.rounds.is_empty() {
            problems.add("rounds", "a contest needs at least one round");
        }
        for (r, round) in self.rounds.iter().enumerate() {
            let at = format!("rounds[{r}]");
            if round.title().trim().is_empty() {
                problems.add(format!("{at}.title"), "must not be empty");
            }
            for (q, question) in round.questions().iter().enumerate() {
                let at = format!("{at}.questions[{q}]");
                if question.text.trim().is_empty() {
                    problems.add(format!("{at}.text"), "must not be empty");
                }
                if question.answer.trim().is_empty() {
                    problems.add(format!("{at}.answer"), "must not be empty");
                }
            }
            round.check(&at, problems);
        }
    }

    fn check_judges(&self, problems: &mut Problems) {
        if self.judges.len() > MAX_JUDGES {
            problems.add(
                "judges",
                format!("at most {MAX_JUDGES} judges, found {}", self.judges.len()),
            );
        }
        for (i, judge) in self.judges.iter().enumerate() {
            let at = format!("judges[{i}]");
            if !is_id(&judge.id) {
                problems.add(
                    format!("{at}.id"),
                    "use 1-40 lowercase letters, digits or '-'",
                );
            }
            let earlier = &self.judges[..i];
            if earlier.iter().any(|other| other.id == judge.id)
                || self.teams.iter().any(|team| team.id == judge.id)
            {
                problems.add(
                    format!("{at}.id"),
                    format!("{:?} is already a team's or a judge's id", judge.id),
                );
            }
            let name_chars = judge.name.trim().chars().count();
            if name_chars == 0 || name_chars > MAX_TEAM_NAME_CHARS {
                problems.add(
                    format!("{at}.name"),
                    format!("must be 1-{MAX_TEAM_NAME_CHARS} characters"),
                );
            }
            if earlier
                .iter()
                .any(|other| other.name.trim() == judge.name.trim())
            {
                problems.add(
                    format!("{at}.name"),
                    format!("duplicate judge name {:?}", judge.name.trim()),
                );
            }
        }
        for (r, round) in self.rounds.iter().enumerate() {
            if let Round::Judged(judged) = round
                && self.judges.len() < judged.rules.min_judges.max(1)
            {
                problems.add(
                    format!("rounds[{r}]"),
                    format!(
                        "a judged round needs at least {} judges in \"judges\", found {}",
                        judged.rules.min_judges.max(1),
                        self.judges.len()
                    ),
                );
            }
        }
    }

    /// The index of the team with this id.
    pub fn team_index(&self, id: &str) -> Option<usize> {
        self.teams.iter().position(|team| team.id == id)
    }
}

/// Whether `id` is 1-40 lowercase ASCII letters, digits or `-`: safe in URLs and on the wire.
fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
