//! The tie-breaker ("câu hỏi phụ"): when teams tie for a place that matters (a prize), the MC
//! runs extra buzz questions among just those teams; the first right answer takes the highest
//! place in question, and the others go on until every place is decided. It scores no points:
//! the totals stay as they are, and the rankings (and results) order the tied teams by how the
//! tie was broken.
//!
//! Its questions are a buzz-in race ([`BuzzInQuestion`]) with every team outside the tie out of
//! it from the start.

use serde::{Deserialize, Serialize};

use super::buzz_in::{BuzzInQuestion, BuzzInRules, Judgement, Setting, apply_race};
use super::{QuestionKind, RoundKind, RoundState, Turn};
#[cfg(test)]
use crate::game::Time;
use crate::game::contest::{Contest, Problems, Question};
use crate::game::{Command, Event, Points, Rejection, TeamId, Verdict};

/// A round of tie-breaker questions, kept aside: it is played only when the MC breaks a tie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TieBreakerRound {
    /// Title shown on stage, e.g. "Câu hỏi phụ".
    pub title: String,
    /// How its buzz races run (points and penalty are not used: a tie-breaker scores nothing).
    #[serde(default)]
    pub rules: BuzzInRules,
    /// The questions, used in order across every tie broken.
    pub questions: Vec<Question>,
}

/// What the MC does to break a tie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Break the tie between `teams`, equal in the ranking of `round` (`None`: the totals).
    Start {
        /// The tied teams (at least two).
        teams: Vec<TeamId>,
        /// The round whose ranking is tied, or `None` for the contest's totals.
        round: Option<usize>,
    },
}

/// A tie broken, or being broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieBreak {
    /// The round whose ranking was tied (`None`: the totals).
    pub round: Option<usize>,
    /// The tied teams.
    pub teams: Vec<TeamId>,
    /// The teams in the order the tie-breaker placed them (complete once every place is
    /// decided: the last team takes the last place).
    pub order: Vec<TeamId>,
    /// The questions asked for it, by index in the round.
    pub questions: Vec<usize>,
}

impl TieBreak {
    /// Every place is decided.
    pub fn resolved(&self) -> bool {
        self.order.len() == self.teams.len()
    }

    fn still_tied(&self) -> Vec<TeamId> {
        self.teams
            .iter()
            .copied()
            .filter(|team| !self.order.contains(team))
            .collect()
    }
}

/// Every tie broken so far; the last one may be in progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieBreakState {
    /// The ties, in the order they were broken.
    pub breaks: Vec<TieBreak>,
}

impl TieBreakState {
    /// The tie being broken.
    pub fn active(&self) -> Option<&TieBreak> {
        self.breaks.last().filter(|b| !b.resolved())
    }

    fn active_mut(&mut self) -> Option<&mut TieBreak> {
        self.breaks.last_mut().filter(|b| !b.resolved())
    }
}

impl RoundKind for TieBreakerRound {
    const NAME: &'static str = "tie_breaker";

    fn title(&self) -> &str {
        &self.title
    }

    fn questions(&self) -> &[Question] {
        &self.questions
    }

    fn check(&self, at: &str, problems: &mut Problems) {
        // The same rules as a buzz-in round's, checked the same way.
        let as_buzz_in = super::buzz_in::BuzzInRound {
            title: self.title.clone(),
            rules: self.rules.clone(),
            questions: self.questions.clone(),
        };
        as_buzz_in.check(at, problems);
    }

    fn amendable_to(&self, amended: &Self, place: &str) -> Result<(), String> {
        if self.rules != amended.rules {
            return Err(format!("the rules of {place} changed"));
        }
        if self.questions.len() != amended.questions.len() {
            return Err(format!("the number of questions in {place} changed"));
        }
        Ok(())
    }

    fn new_state(&self, _contest: &Contest) -> RoundState {
        RoundState::TieBreaker(TieBreakState::default())
    }

    fn state_fits(&self, state: &RoundState, contest: &Contest) -> bool {
        let RoundState::TieBreaker(state) = state else {
            return false;
        };
        let team_ok = |team: &TeamId| team.0 < contest.teams.len();
        state.breaks.iter().all(|b| {
            b.teams.iter().all(team_ok)
                && b.order.iter().all(|t| b.teams.contains(t))
                && b.questions.iter().all(|q| *q < self.questions.len())
                && b.round.is_none_or(|r| r < contest.rounds.len())
        })
    }

    fn next_question(
        &self,
        state: &RoundState,
        shown: usize,
        _team_count: usize,
    ) -> Result<Option<usize>, Rejection> {
        let RoundState::TieBreaker(state) = state else {
            return Err(Rejection::WrongKind);
        };
        // Never reached by moving on through the programme: only while a tie is being broken.
        if state.active().is_none() {
            return Err(Rejection::NoTie);
        }
        if shown >= self.questions.len() {
            return Err(Rejection::RoundPlayed);
        }
        Ok(Some(shown))
    }

    fn played(&self, _state: &RoundState, _shown: usize, _team_count: usize) -> bool {
        // The MC may come back whenever another tie needs breaking.
        false
    }
}

impl TieBreakerRound {
    fn setting<'a>(&'a self, turn: &Turn) -> Setting<'a> {
        Setting {
            rules: &self.rules,
            team_count: turn.team_count,
        }
    }

    /// Starts breaking a tie between teams equal in the ranking asked for.
    pub(crate) fn apply_round(
        &self,
        state: &mut TieBreakState,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let Command::TieBreak(Action::Start { teams, round }) = command else {
            return Err(Rejection::WrongKind);
        };
        if state.active().is_some() {
            return Err(Rejection::TieInProgress);
        }
        let mut teams = teams.clone();
        teams.sort();
        teams.dedup();
        if teams.iter().any(|t| t.0 >= turn.team_count) {
            return Err(Rejection::UnknownTeam);
        }
        let points = turn
            .standings
            .as_ref()
            .and_then(|standings| match round {
                None => Some(standings.totals.clone()),
                Some(r) => standings.rounds.get(*r).cloned(),
            })
            .ok_or(Rejection::UnknownRound)?;
        let first = teams.first().map(|t| points[t.0]);
        if teams.len() < 2 || teams.iter().any(|t| Some(points[t.0]) != first) {
            return Err(Rejection::NotTied);
        }
        state.breaks.push(TieBreak {
            round: *round,
            teams: teams.clone(),
            order: Vec::new(),
            questions: Vec::new(),
        });
        turn.events.push(Event::TieBreakStarted {
            teams,
            round: *round,
        });
        Ok(())
    }
}

impl QuestionKind for TieBreakerRound {
    type Play = BuzzInQuestion;
    type State = TieBreakState;

    fn new_play(&self, question: usize, state: &mut TieBreakState, teams: usize) -> BuzzInQuestion {
        let mut play = BuzzInQuestion::new();
        if let Some(active) = state.active_mut() {
            active.questions.push(question);
            let still_tied = active.still_tied();
            play.tried = (0..teams)
                .map(TeamId)
                .filter(|team| !still_tied.contains(team))
                .collect();
        }
        play
    }

    fn fits(&self, play: &BuzzInQuestion, _question: usize, team_count: usize) -> bool {
        play.teams_fit(team_count)
    }

    fn tick(&self, play: &mut BuzzInQuestion, turn: &mut Turn) {
        play.tick(self.setting(turn), turn.now, turn.events);
    }

    fn apply(
        &self,
        play: &mut BuzzInQuestion,
        state: &mut TieBreakState,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let judged = apply_race(play, self.setting(turn), command, turn, false)?;
        if let Some(Judgement {
            team,
            verdict: Verdict::Correct,
        }) = judged
            && let Some(active) = state.active_mut()
        {
            active.order.push(team);
            if let [last] = active.still_tied()[..] {
                active.order.push(last);
            }
            turn.events.push(Event::TiePlaceTaken { team });
        }
        Ok(())
    }
}

/// Places in a ranking with ties broken: standard competition ranks of `points` (equal points
/// share a rank), except that the teams of each `break` still equal in points take consecutive
/// places in the tie-breaker's order, and those not placed yet share the next one.
pub fn ranks_with_breaks(points: &[Points], breaks: &[&TieBreak]) -> Vec<usize> {
    let mut ranks = crate::game::ranks(points);
    for tie in breaks {
        let Some(first) = tie.teams.first() else {
            continue;
        };
        let tied = |t: &TeamId| t.0 < points.len() && points[t.0] == points[first.0];
        if !tie.teams.iter().all(tied) {
            // The points changed since: the tie-breaker no longer applies.
            continue;
        }
        let base = ranks[first.0];
        for team in &tie.teams {
            ranks[team.0] = base
                + tie
                    .order
                    .iter()
                    .position(|t| t == team)
                    .unwrap_or(tie.order.len());
        }
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{ContestBuilder, Game, Stage};
    use crate::results::Results;

    const A: TeamId = TeamId(0);
    const B: TeamId = TeamId(1);
    const C: TeamId = TeamId(2);
    const D: TeamId = TeamId(3);

    fn t(ms: u64) -> Time {
        Time::from_millis(ms)
    }

    /// Four teams, a round scored by hand and a tie-breaker of three questions; the scores
    /// `points` are given in the first round.
    fn game(points: [i64; 4]) -> Game {
        let mut contest = ContestBuilder::new("Hội thi")
            .team("a", "Đội A")
            .team("b", "Đội B")
            .team("c", "Đội C")
            .team("d", "Đội D")
            .scored("Năng khiếu")
            .build();
        contest
            .rounds
            .push(crate::game::Round::TieBreaker(TieBreakerRound {
                title: "Câu hỏi phụ".into(),
                rules: BuzzInRules {
                    settle_max_ms: 0,
                    ..BuzzInRules::default()
                },
                questions: (1..=3)
                    .map(|i| Question::new(format!("Câu phụ {i}"), "x"))
                    .collect(),
            }));
        contest.validate().expect("valid");
        let mut game = Game::new(contest);
        ok(&mut game, Command::StartRound { round: 0 }, 0);
        for (team, points) in points.into_iter().enumerate().filter(|(_, p)| *p != 0) {
            let adjust = Command::AdjustScore {
                team: TeamId(team),
                delta: Points::whole(points),
                reason: "giám khảo".into(),
            };
            ok(&mut game, adjust, 1);
        }
        game
    }

    fn ok(game: &mut Game, command: Command, ms: u64) -> Vec<Event> {
        game.apply(&command, t(ms))
            .unwrap_or_else(|e| panic!("{command:?} refused: {e}"))
    }

    fn start(teams: &[TeamId], round: Option<usize>) -> Command {
        Command::TieBreak(Action::Start {
            teams: teams.to_vec(),
            round,
        })
    }

    /// Shows the next tie-breaker question; `team` buzzes and is judged.
    fn answer(game: &mut Game, team: TeamId, verdict: Verdict, ms: u64) {
        ok(game, Command::ShowNextQuestion, ms);
        ok(game, Command::OpenBuzzers { settle_us: 0 }, ms);
        ok(game, Command::Buzz { team, claim: None }, ms + 1);
        ok(game, Command::Judge { verdict }, ms + 2);
    }

    #[test]
    fn the_first_right_answer_takes_the_place_and_scores_nothing() {
        let mut game = game([9, 8, 9, 5]);
        assert_eq!(game.ranking(None), vec![1, 3, 1, 4]);
        ok(&mut game, Command::StartRound { round: 1 }, 2);
        ok(&mut game, start(&[C, A], None), 3);
        ok(&mut game, Command::ShowNextQuestion, 4);
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, 5);
        // Only the tied teams race.
        assert_eq!(
            game.apply(
                &Command::Buzz {
                    team: B,
                    claim: None
                },
                t(6)
            ),
            Err(Rejection::AlreadyTried)
        );
        ok(
            &mut game,
            Command::Buzz {
                team: C,
                claim: None,
            },
            7,
        );
        let events = ok(
            &mut game,
            Command::Judge {
                verdict: Verdict::Correct,
            },
            8,
        );
        assert!(events.contains(&Event::TiePlaceTaken { team: C }));
        assert_eq!(game.scores(), &[9, 8, 9, 5]);
        assert_eq!(game.ranking(None), vec![2, 3, 1, 4]);
        let results = Results::of(&game);
        let order: Vec<&str> = results.ranking.iter().map(|t| t.team.as_str()).collect();
        assert_eq!(order, ["c", "a", "b", "d"]);
        assert_eq!(results.tie_breaks[0].order, ["c", "a"]);
        let csv = String::from_utf8(results.to_csv()).expect("utf-8");
        assert!(
            csv.contains("Câu hỏi phụ, Tổng điểm (Total): thứ 1/2 (tie-breaker: 1 of 2)"),
            "{csv}"
        );
        // The tie is broken: nothing more to ask.
        assert_eq!(
            game.apply(&Command::ShowNextQuestion, t(9)),
            Err(Rejection::NoTie)
        );
    }

    #[test]
    fn three_tied_teams_play_on_until_every_place_is_decided() {
        let mut game = game([7, 7, 7, 1]);
        ok(&mut game, Command::StartRound { round: 1 }, 2);
        ok(&mut game, start(&[A, B, C], None), 3);
        // A is wrong; the others may buzz again on the same question; B is right: 1st.
        ok(&mut game, Command::ShowNextQuestion, 10);
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, 10);
        ok(
            &mut game,
            Command::Buzz {
                team: A,
                claim: None,
            },
            11,
        );
        ok(
            &mut game,
            Command::Judge {
                verdict: Verdict::Wrong,
            },
            12,
        );
        ok(
            &mut game,
            Command::Buzz {
                team: B,
                claim: None,
            },
            13,
        );
        ok(
            &mut game,
            Command::Judge {
                verdict: Verdict::Correct,
            },
            14,
        );
        assert_eq!(game.ranking(None), vec![2, 1, 2, 4]);
        // A and C play on for 2nd; B is out of the race now.
        ok(&mut game, Command::ShowNextQuestion, 20);
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, 20);
        assert_eq!(
            game.apply(
                &Command::Buzz {
                    team: B,
                    claim: None
                },
                t(21)
            ),
            Err(Rejection::AlreadyTried)
        );
        ok(
            &mut game,
            Command::Buzz {
                team: C,
                claim: None,
            },
            22,
        );
        ok(
            &mut game,
            Command::Judge {
                verdict: Verdict::Correct,
            },
            23,
        );
        assert_eq!(game.ranking(None), vec![3, 1, 2, 4]);
    }

    #[test]
    fn undo_takes_a_place_back() {
        let mut game = game([5, 5, 0, 0]);
        ok(&mut game, Command::StartRound { round: 1 }, 2);
        ok(&mut game, start(&[A, B], None), 3);
        answer(&mut game, B, Verdict::Correct, 10);
        assert_eq!(game.ranking(None), vec![2, 1, 3, 3]);
        ok(&mut game, Command::Undo, 20);
        assert_eq!(game.ranking(None), vec![1, 1, 3, 3]);
        assert!(matches!(game.stage(), Stage::Question(_)));
    }

    #[test]
    fn only_teams_equal_in_that_ranking_can_be_tied_and_only_one_tie_at_a_time() {
        let mut game = game([5, 4, 5, 5]);
        ok(&mut game, Command::StartRound { round: 1 }, 2);
        for teams in [vec![A, B], vec![A]] {
            assert_eq!(
                game.apply(&start(&teams, None), t(3)),
                Err(Rejection::NotTied)
            );
        }
        assert_eq!(
            game.apply(&start(&[A, C], Some(7)), t(3)),
            Err(Rejection::UnknownRound)
        );
        ok(&mut game, start(&[A, C, D], Some(0)), 3);
        assert_eq!(
            game.apply(&start(&[A, C], None), t(4)),
            Err(Rejection::TieInProgress)
        );
    }

    #[test]
    fn the_programme_never_moves_into_the_tie_breaker_on_its_own() {
        let mut game = game([1, 2, 3, 4]);
        // The scored round has no questions and the tie-breaker waits for a tie: the end.
        assert_eq!(
            ok(&mut game, Command::ShowNextQuestion, 5),
            vec![Event::ContestFinished]
        );
    }

    #[test]
    fn a_tie_broken_no_longer_counts_once_the_points_differ() {
        let mut game = game([5, 5, 0, 0]);
        ok(&mut game, Command::StartRound { round: 1 }, 2);
        ok(&mut game, start(&[A, B], None), 3);
        answer(&mut game, A, Verdict::Correct, 10);
        assert_eq!(game.ranking(None), vec![1, 2, 3, 3]);
        let correction = Command::AdjustScore {
            team: B,
            delta: Points::whole(1),
            reason: "sửa điểm".into(),
        };
        ok(&mut game, Command::StartRound { round: 0 }, 20);
        ok(&mut game, correction, 21);
        assert_eq!(game.ranking(None), vec![2, 1, 3, 3]);
    }
}
