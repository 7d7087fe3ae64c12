//! What a contest is made of: teams and a programme of rounds, each with its rules and questions.
//!
//! This is the data an organiser writes (JSON today, Excel/CSV later). It is validated once, when loaded,
//! so the rest of the core can rely on it.

use serde::{Deserialize, Serialize};

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
}

/// A team of contestants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Stable identifier used on the wire and in URLs: lowercase ASCII letters, digits and `-`.
    pub id: String,
    /// Display name, e.g. "Đội xã Phước Hải".
    pub name: String,
}

/// One round of the programme. Each kind of round is one variant with its own rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Round {
    /// "Giành quyền trả lời": the MC opens the buzzers, the first team to buzz answers.
    BuzzIn(BuzzInRound),
    /// "Trắc nghiệm": the question and its options A–D on every phone and the projector; each
    /// team picks one (changeable until time is up); at the reveal every right answer scores.
    MultipleChoice(MultipleChoiceRound),
    /// A round the MC scores by hand, e.g. greeting ("chào hỏi"), situation handling ("xử lý
    /// tình huống") or talent ("năng khiếu"): no questions; while its title is on stage the MC
    /// enters each team's points with a reason, and they count for this round.
    Scored(ScoredRound),
}

/// A multiple-choice round: its rules and questions (each with 2 to 4 options).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultipleChoiceRound {
    /// Title shown on stage, e.g. "Kiến thức".
    pub title: String,
    /// How the round is played; every field has a default.
    #[serde(default)]
    pub rules: MultipleChoiceRules,
    /// The questions, in order.
    pub questions: Vec<Question>,
}

/// Rules of a multiple-choice round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultipleChoiceRules {
    /// Time to answer once the MC opens the answers (a question may set its own).
    pub answer_time_ms: u64,
    /// Points for a right answer (a question may set its own).
    pub points: i64,
    /// Extra points for speed: a right answer given at once earns all of them, one given at the
    /// last moment none, in proportion between (0: no bonus). Times are press times, measured
    /// with the same clock sync as buzzes.
    pub speed_bonus: i64,
    /// The most a claimed press time may precede its arrival (as for buzzes).
    pub press_allowance_cap_ms: u64,
}

impl Default for MultipleChoiceRules {
    fn default() -> Self {
        MultipleChoiceRules {
            answer_time_ms: 20_000,
            points: 10,
            speed_bonus: 0,
            press_allowance_cap_ms: DEFAULT_PRESS_ALLOWANCE_CAP_MS,
        }
    }
}

/// A round scored by hand: what the teams perform, shown under its title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoredRound {
    /// Title shown on stage, e.g. "Chào hỏi".
    pub title: String,
    /// What the teams perform, shown under the title (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// Longest description of a scored round, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

impl Round {
    /// The round's title as shown on stage.
    pub fn title(&self) -> &str {
        match self {
            Round::BuzzIn(round) => &round.title,
            Round::MultipleChoice(round) => &round.title,
            Round::Scored(round) => &round.title,
        }
    }

    /// The round's questions in order.
    pub fn questions(&self) -> &[Question] {
        match self {
            Round::BuzzIn(round) => &round.questions,
            Round::MultipleChoice(round) => &round.questions,
            Round::Scored(_) => &[],
        }
    }

    /// Whether scores are clamped at zero in this round.
    pub fn floor_at_zero(&self) -> bool {
        match self {
            Round::BuzzIn(round) => round.rules.floor_at_zero,
            Round::MultipleChoice(_) | Round::Scored(_) => false,
        }
    }

    /// The wire name of the round kind.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Round::BuzzIn(_) => "buzz_in",
            Round::MultipleChoice(_) => "multiple_choice",
            Round::Scored(_) => "scored",
        }
    }
}

/// A buzz-in round: its rules and questions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuzzInRound {
    /// Title shown on stage, e.g. "Giành quyền trả lời".
    pub title: String,
    /// How the round is played; every field has a default.
    #[serde(default)]
    pub rules: BuzzInRules,
    /// The questions, in order.
    pub questions: Vec<Question>,
}

/// Rules of a buzz-in round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BuzzInRules {
    /// How long the buzzers stay open waiting for a first buzz.
    pub buzz_window_ms: u64,
    /// How long the team with the floor has to answer before "time's up".
    pub answer_window_ms: u64,
    /// Points for a correct answer.
    pub points: i64,
    /// Points taken for a wrong answer (0 = no penalty).
    pub penalty: i64,
    /// After a wrong answer, reopen the buzzers for the teams that have not tried yet.
    pub reopen_after_wrong: bool,
    /// Never let a score go below zero.
    pub floor_at_zero: bool,
    /// The most a claimed press time may precede its arrival. Bounds what a phone that lies about
    /// its press time can gain; see `docs/FAIRNESS.md` for the choice of the default.
    pub press_allowance_cap_ms: u64,
    /// The longest wait after a first buzz for earlier presses still in flight (0 = none: the
    /// first arrival wins, as with ordinary buzzers).
    pub settle_max_ms: u64,
    /// What a buzz before the buzzers open costs.
    pub false_start: FalseStartRule,
    /// With the `lockout` rule: how long a false start locks the team's buzzer.
    pub false_start_lockout_ms: u64,
}

/// What happens to a team that buzzes before the buzzers open ("bấm sớm").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FalseStartRule {
    /// Nothing: the early press is simply not counted.
    Ignore,
    /// The team's buzzer is dead for `false_start_lockout_ms`.
    Lockout,
    /// The team loses the right to answer this question ("phạm quy").
    LoseQuestion,
}

impl Default for BuzzInRules {
    fn default() -> Self {
        BuzzInRules {
            buzz_window_ms: 10_000,
            answer_window_ms: 5_000,
            points: 10,
            penalty: 0,
            reopen_after_wrong: true,
            floor_at_zero: false,
            press_allowance_cap_ms: DEFAULT_PRESS_ALLOWANCE_CAP_MS,
            settle_max_ms: 100,
            false_start: FalseStartRule::Lockout,
            false_start_lockout_ms: 250,
        }
    }
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

/// Problems found so far while checking a contest.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, at: impl Into<String>, problem: impl Into<String>) {
        self.0.push(Problem {
            at: at.into(),
            problem: problem.into(),
        });
    }

    /// Adds "must be low..=high unit" at `at` when `value` is outside.
    fn range<T: PartialOrd + std::fmt::Display>(
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
    fn window(&mut self, at: impl Into<String>, value: u64) {
        self.range(at, value, 1, MAX_WINDOW_MS, " ms");
    }

    /// Points: 0 to `MAX_POINTS`.
    fn points(&mut self, at: impl Into<String>, value: i64) {
        self.range(at, value, 0, MAX_POINTS, "");
    }
}

/// Default cap on how far before its arrival a press may be placed: covers the p99 uplink delay
/// of an awake phone on Wi-Fi (~60 ms) with a margin, and is the most a cheating phone can gain.
pub const DEFAULT_PRESS_ALLOWANCE_CAP_MS: u64 = 80;
/// Upper bound for the settle window and the press allowance: a verdict must feel instant.
const MAX_FAIRNESS_MS: u64 = 250;

/// Upper bound for any window, so that a typo (extra zeros) cannot freeze a show for hours.
const MAX_WINDOW_MS: u64 = 10 * 60 * 1000;
/// Upper bound for points, keeping every sum far from integer overflow.
const MAX_POINTS: i64 = 1_000_000;

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
        if self.rounds.len() != amended.rounds.len() {
            return Err("the number of rounds changed".into());
        }
        for (i, (was, now)) in self.rounds.iter().zip(&amended.rounds).enumerate() {
            let place = format!("round {}", i + 1);
            match (was, now) {
                (Round::BuzzIn(was), Round::BuzzIn(now)) => {
                    if was.rules != now.rules {
                        return Err(format!("the rules of {place} changed"));
                    }
                    if was.questions.len() != now.questions.len() {
                        return Err(format!("the number of questions in {place} changed"));
                    }
                }
                (Round::MultipleChoice(was), Round::MultipleChoice(now)) => {
                    if was.rules != now.rules {
                        return Err(format!("the rules of {place} changed"));
                    }
                    if was.questions.len() != now.questions.len() {
                        return Err(format!("the number of questions in {place} changed"));
                    }
                    let scoring = |q: &Question| (q.options.len(), q.points, q.time_ms);
                    if was
                        .questions
                        .iter()
                        .map(scoring)
                        .ne(now.questions.iter().map(scoring))
                    {
                        return Err(format!("the options, points or times in {place} changed"));
                    }
                }
                (Round::Scored(_), Round::Scored(_)) => {}
                _ => return Err(format!("the kind of {place} changed")),
            }
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
            let id_ok = !team.id.is_empty()
                && team.id.len() <= 40
                && team
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok {
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
        if self.rounds.is_empty() {
            problems.add("rounds", "a contest needs at least one round");
        }
        for (r, round) in self.rounds.iter().enumerate() {
            let at = format!("rounds[{r}]");
            if round.title().trim().is_empty() {
                problems.add(format!("{at}.title"), "must not be empty");
            }
            if round.questions().is_empty() && !matches!(round, Round::Scored(_)) {
                problems.add(
                    format!("{at}.questions"),
                    "a round needs at least one question",
                );
            }
            let multiple_choice = matches!(round, Round::MultipleChoice(_));
            for (q, question) in round.questions().iter().enumerate() {
                let at = format!("{at}.questions[{q}]");
                if question.text.trim().is_empty() {
                    problems.add(format!("{at}.text"), "must not be empty");
                }
                if question.answer.trim().is_empty() {
                    problems.add(format!("{at}.answer"), "must not be empty");
                }
                if multiple_choice {
                    check_choice_question(question, &at, problems);
                } else if !question.options.is_empty()
                    || question.points.is_some()
                    || question.time_ms.is_some()
                {
                    problems.add(
                        at,
                        "options, points and time_ms belong to multiple-choice questions",
                    );
                }
            }
            match round {
                Round::BuzzIn(buzz_in) => check_buzz_in_rules(&buzz_in.rules, &at, problems),
                Round::MultipleChoice(choice) => {
                    check_choice_rules(&choice.rules, &at, problems);
                }
                Round::Scored(scored) => {
                    if scored.description.chars().count() > MAX_DESCRIPTION_CHARS {
                        problems.add(
                            format!("{at}.description"),
                            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
                        );
                    }
                }
            }
        }
    }

    /// The index of the team with this id.
    pub fn team_index(&self, id: &str) -> Option<usize> {
        self.teams.iter().position(|team| team.id == id)
    }
}

fn check_choice_question(question: &Question, at: &str, problems: &mut Problems) {
    let count = question.options.len();
    if !(2..=OPTION_LETTERS.len()).contains(&count) {
        problems.add(
            format!("{at}.options"),
            format!("a multiple-choice question needs 2 to 4 options, found {count}"),
        );
    }
    if let Some(empty) = question.options.iter().position(|o| o.trim().is_empty()) {
        problems.add(
            format!("{at}.options[{empty}]"),
            "an option must not be empty",
        );
    }
    if !question.answer.trim().is_empty() && question.answer_option().is_none() {
        problems.add(
            format!("{at}.answer"),
            format!(
                "the answer {:?} is not the letter of one of its options (A to {})",
                question.answer,
                OPTION_LETTERS[count.clamp(1, OPTION_LETTERS.len()) - 1]
            ),
        );
    }
    if let Some(points) = question.points {
        problems.points(format!("{at}.points"), points);
    }
    if let Some(time_ms) = question.time_ms {
        problems.window(format!("{at}.time_ms"), time_ms);
    }
}

fn check_choice_rules(rules: &MultipleChoiceRules, at: &str, problems: &mut Problems) {
    problems.window(format!("{at}.rules.answer_time_ms"), rules.answer_time_ms);
    problems.points(format!("{at}.rules.points"), rules.points);
    problems.points(format!("{at}.rules.speed_bonus"), rules.speed_bonus);
    problems.range(
        format!("{at}.rules.press_allowance_cap_ms"),
        rules.press_allowance_cap_ms,
        0,
        MAX_FAIRNESS_MS,
        " ms",
    );
}

fn check_buzz_in_rules(rules: &BuzzInRules, at: &str, problems: &mut Problems) {
    problems.window(format!("{at}.rules.buzz_window_ms"), rules.buzz_window_ms);
    problems.window(
        format!("{at}.rules.answer_window_ms"),
        rules.answer_window_ms,
    );
    for (name, value) in [
        ("press_allowance_cap_ms", rules.press_allowance_cap_ms),
        ("settle_max_ms", rules.settle_max_ms),
    ] {
        problems.range(
            format!("{at}.rules.{name}"),
            value,
            0,
            MAX_FAIRNESS_MS,
            " ms",
        );
    }
    problems.range(
        format!("{at}.rules.false_start_lockout_ms"),
        rules.false_start_lockout_ms,
        0,
        MAX_WINDOW_MS,
        " ms",
    );
    problems.points(format!("{at}.rules.points"), rules.points);
    problems.points(format!("{at}.rules.penalty"), rules.penalty);
}
