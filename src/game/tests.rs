//! Unit tests of the game core: the behaviour an MC would notice on stage.
//!
//! Every test builds its own small contest (four teams "a".."d", buzz-in rounds of three
//! questions) and drives it with explicit times; nothing here sleeps or reads a clock.

use super::buzz_in::{Buzz, FalseStart, Judgement};
use super::*;

const A: TeamId = TeamId(0);
const B: TeamId = TeamId(1);
const C: TeamId = TeamId(2);
const D: TeamId = TeamId(3);
const ALL: [TeamId; 4] = [A, B, C, D];

/// The moment every test starts at.
const T0: Time = Time::from_millis(1_700_000_000_000);

/// `ms` milliseconds after [`T0`].
fn t(ms: u64) -> Time {
    T0.after(ms)
}

fn buzz_in_round(title: &str, rules: BuzzInRules, question_count: usize) -> Round {
    Round::BuzzIn(BuzzInRound {
        title: title.into(),
        rules,
        questions: (0..question_count)
            .map(|i| Question::new(format!("Question {i}?"), format!("Answer {i}")))
            .collect(),
    })
}

/// Four teams "a", "b", "c", "d" playing `rounds`.
fn contest_with_rounds(rounds: Vec<Round>) -> Contest {
    Contest {
        title: "Test contest".into(),
        teams: ["a", "b", "c", "d"]
            .iter()
            .map(|id| Team {
                id: (*id).into(),
                name: format!("Team {id}"),
            })
            .collect(),
        rounds,
        judges: Vec::new(),
    }
}

/// Four teams, one buzz-in round of three questions played with `rules`.
fn contest(rules: BuzzInRules) -> Contest {
    contest_with_rounds(vec![buzz_in_round("Buzz-in", rules, 3)])
}

fn default_rules() -> BuzzInRules {
    BuzzInRules::default()
}

/// Default rules, but a buzz before the buzzers open is simply not counted.
fn ignore_rules() -> BuzzInRules {
    BuzzInRules {
        false_start: FalseStartRule::Ignore,
        ..BuzzInRules::default()
    }
}

/// Default rules, but a buzz before the buzzers open loses the question.
fn lose_question_rules(reopen_after_wrong: bool) -> BuzzInRules {
    BuzzInRules {
        false_start: FalseStartRule::LoseQuestion,
        reopen_after_wrong,
        ..BuzzInRules::default()
    }
}

fn penalty_rules(penalty: i64) -> BuzzInRules {
    BuzzInRules {
        penalty,
        ..BuzzInRules::default()
    }
}

fn no_reopen_rules() -> BuzzInRules {
    BuzzInRules {
        reopen_after_wrong: false,
        ..BuzzInRules::default()
    }
}

fn floor_at_zero_rules(penalty: i64) -> BuzzInRules {
    BuzzInRules {
        penalty,
        floor_at_zero: true,
        ..BuzzInRules::default()
    }
}

fn buzz(team: TeamId) -> Command {
    Command::Buzz { team, claim: None }
}

/// The record of a buzz without a claimed press time: the arrival is the press.
fn plain_buzz(team: TeamId, race: u32, at: Time) -> Buzz {
    Buzz {
        team,
        race,
        arrived: at,
        press: at,
        claim: None,
        clamp: None,
        close: false,
    }
}

fn judge(verdict: Verdict) -> Command {
    Command::Judge { verdict }
}

fn adjust(team: TeamId, delta: impl Into<Points>, reason: &str) -> Command {
    Command::AdjustScore {
        team,
        delta: delta.into(),
        reason: reason.into(),
    }
}

/// Applies a command that must be accepted and returns its events.
fn ok(game: &mut Game, command: Command, now: Time) -> Vec<Event> {
    match game.apply(&command, now) {
        Ok(events) => events,
        Err(rejection) => panic!("{command:?} at {now:?} was refused: {rejection:?}"),
    }
}

/// Applies a command that must be refused, checks the game did not change, returns the reason.
fn refused(game: &mut Game, command: Command, now: Time) -> Rejection {
    let before = game.clone();
    let result = game.apply(&command, now);
    assert_eq!(*game, before, "{command:?} changed the game");
    match result {
        Ok(events) => panic!("{command:?} at {now:?} was accepted: {events:?}"),
        Err(rejection) => rejection,
    }
}

fn question_stage(game: &Game) -> &QuestionStage {
    match game.stage() {
        Stage::Question(stage) => stage,
        other => panic!("no question on stage: {other:?}"),
    }
}

fn play(game: &Game) -> &BuzzInQuestion {
    let Play::BuzzIn(play) = &question_stage(game).play else {
        panic!("a buzz-in question");
    };
    play
}

fn phase(game: &Game) -> Phase {
    play(game).phase.clone()
}

/// The first question on stage (shown at `T0`), buzzers not opened yet.
fn ready(rules: BuzzInRules) -> Game {
    let mut game = Game::new(contest(rules));
    ok(&mut game, Command::ShowNextQuestion, T0);
    game
}

/// The first question with the buzzers opened at `T0` (window ends at `t(10_000)` by default).
fn open(rules: BuzzInRules) -> Game {
    let mut game = ready(rules);
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, T0);
    game
}

/// `team` buzzed at `t(1_000)` and has the floor (answer ends at `t(6_000)` by default).
fn with_floor(rules: BuzzInRules, team: TeamId) -> Game {
    let mut game = open(rules);
    ok(&mut game, buzz(team), t(1_000));
    game
}

/// The first question closed by a correct answer from `B` (judged at `t(2_000)`).
fn closed(rules: BuzzInRules) -> Game {
    let mut game = with_floor(rules, B);
    ok(&mut game, judge(Verdict::Correct), t(2_000));
    game
}

// ---------------------------------------------------------------------------------------------
// The test contest itself
// ---------------------------------------------------------------------------------------------

/// The helper contests are valid contests, so the tests play what an organiser could load.
#[test]
fn test_contests_are_valid() {
    assert_eq!(contest(default_rules()).validate(), Ok(()));
    assert_eq!(contest(floor_at_zero_rules(5)).validate(), Ok(()));
    assert_eq!(contest(no_reopen_rules()).validate(), Ok(()));
    assert_eq!(contest(ignore_rules()).validate(), Ok(()));
    assert_eq!(contest(lose_question_rules(true)).validate(), Ok(()));
    assert_eq!(contest(lose_question_rules(false)).validate(), Ok(()));
}

// ---------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------

/// NotStarted → first question on stage, Ready, scores at zero, no timer running.
#[test]
fn show_first_question_puts_it_on_stage_ready() {
    let mut game = Game::new(contest(default_rules()));
    assert_eq!(game.stage(), &Stage::NotStarted);
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
    assert_eq!(game.current_question(), None);

    let events = ok(&mut game, Command::ShowNextQuestion, T0);

    assert_eq!(
        events,
        vec![Event::QuestionShown {
            round: 0,
            question: 0
        }]
    );
    assert_eq!(
        game.stage(),
        &Stage::Question(QuestionStage {
            round: 0,
            question: 0,
            revealed: false,
            play: Play::BuzzIn(BuzzInQuestion::new()),
        })
    );
    assert_eq!(phase(&game), Phase::Ready);
    assert_eq!(
        game.current_question().map(|q| q.text.as_str()),
        Some("Question 0?")
    );
    assert_eq!(game.next_deadline(), None);
    assert!(!game.can_undo());
}

/// Opening the buzzers starts the buzz window (now + buzz_window_ms) for every team.
#[test]
fn open_buzzers_starts_the_window_for_all_teams() {
    let mut game = ready(default_rules());
    let events = ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(500));
    assert_eq!(
        events,
        vec![Event::BuzzersOpened {
            deadline: t(10_500),
            eligible: ALL.to_vec(),
        }]
    );
    assert_eq!(
        phase(&game),
        Phase::Open {
            opened_at: t(500),
            deadline: t(10_500)
        }
    );
    assert_eq!(game.next_deadline(), Some(t(10_500)));

    // The window length comes from the round's rules.
    let mut game = ready(BuzzInRules {
        buzz_window_ms: 3_000,
        ..BuzzInRules::default()
    });
    let events = ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(500));
    assert_eq!(
        events,
        vec![Event::BuzzersOpened {
            deadline: t(3_500),
            eligible: ALL.to_vec(),
        }]
    );
}

/// The first buzz takes the floor with an answer countdown and locks out the other teams.
#[test]
fn first_buzz_takes_the_floor_and_locks_out_the_others() {
    let mut game = open(default_rules());
    let events = ok(&mut game, buzz(C), t(1_000));
    assert_eq!(
        events,
        vec![
            Event::BuzzReceived {
                team: C,
                press: t(1_000)
            },
            Event::FloorTaken {
                team: C,
                deadline: t(6_000),
                locked_out: vec![A, B, D],
                close: false,
            },
        ]
    );
    assert_eq!(
        phase(&game),
        Phase::Floor {
            team: C,
            deadline: t(6_000),
            time_up: false,
        }
    );
    assert_eq!(play(&game).buzzes, vec![plain_buzz(C, 1, t(1_000))]);
    assert_eq!(play(&game).floor(), Some(C));
    assert_eq!(game.next_deadline(), Some(t(6_000)));

    // The answer window comes from the round's rules.
    let mut game = open(BuzzInRules {
        answer_window_ms: 20_000,
        ..BuzzInRules::default()
    });
    let events = ok(&mut game, buzz(A), t(1_000));
    assert_eq!(
        events,
        vec![
            Event::BuzzReceived {
                team: A,
                press: t(1_000)
            },
            Event::FloorTaken {
                team: A,
                deadline: t(21_000),
                locked_out: vec![B, C, D],
                close: false,
            },
        ]
    );
}

/// The MC locks open buzzers; a locked question can be opened again with a fresh window.
#[test]
fn lock_then_reopen() {
    // With the `ignore` false-start rule a buzz while locked is simply not counted (the other
    // rules are covered under "Fair judgement").
    let mut game = open(ignore_rules());
    assert_eq!(
        ok(&mut game, Command::LockBuzzers, t(2_000)),
        vec![Event::BuzzersLocked]
    );
    assert_eq!(phase(&game), Phase::Locked);
    assert_eq!(game.next_deadline(), None);
    assert_eq!(
        refused(&mut game, buzz(A), t(2_500)),
        Rejection::BuzzersClosed
    );

    let events = ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(3_000));
    assert_eq!(
        events,
        vec![Event::BuzzersOpened {
            deadline: t(13_000),
            eligible: ALL.to_vec(),
        }]
    );
    assert_eq!(
        phase(&game),
        Phase::Open {
            opened_at: t(3_000),
            deadline: t(13_000)
        }
    );
    ok(&mut game, buzz(A), t(3_500));
    assert_eq!(play(&game).floor(), Some(A));
}

/// A correct answer scores the round's points and closes the question.
#[test]
fn correct_answer_scores_and_closes_the_question() {
    let mut game = with_floor(default_rules(), B);
    let events = ok(&mut game, judge(Verdict::Correct), t(2_000));
    assert_eq!(
        events,
        vec![
            Event::Judged {
                team: B,
                verdict: Verdict::Correct,
                delta: Points::whole(10),
            },
            Event::QuestionClosed {
                reason: CloseReason::Correct
            },
        ]
    );
    assert_eq!(game.scores(), &[0, 10, 0, 0]);
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::Correct
        }
    );
    assert_eq!(
        play(&game).judgements,
        vec![Judgement {
            team: B,
            verdict: Verdict::Correct
        }]
    );
    assert_eq!(game.next_deadline(), None);
    assert!(game.can_undo());
}

/// A wrong answer takes the penalty, marks the team as tried and reopens for the rest.
#[test]
fn wrong_answer_penalises_and_reopens_for_the_others() {
    let mut game = with_floor(penalty_rules(5), B);
    let events = ok(&mut game, judge(Verdict::Wrong), t(3_000));
    assert_eq!(
        events,
        vec![
            Event::Judged {
                team: B,
                verdict: Verdict::Wrong,
                delta: Points::whole(-5),
            },
            Event::BuzzersOpened {
                deadline: t(13_000),
                eligible: vec![A, C, D],
            },
        ]
    );
    assert_eq!(game.scores(), &[0, -5, 0, 0]);
    assert_eq!(play(&game).tried, vec![B]);
    assert_eq!(
        phase(&game),
        Phase::Open {
            opened_at: t(3_000),
            deadline: t(13_000)
        }
    );

    // The next team to buzz locks out only the teams that have not tried.
    let events = ok(&mut game, buzz(C), t(4_000));
    assert_eq!(
        events,
        vec![
            Event::BuzzReceived {
                team: C,
                press: t(4_000)
            },
            Event::FloorTaken {
                team: C,
                deadline: t(9_000),
                locked_out: vec![A, D],
                close: false,
            },
        ]
    );
    assert_eq!(
        play(&game).buzzes,
        vec![plain_buzz(B, 1, t(1_000)), plain_buzz(C, 2, t(4_000))]
    );
}

/// With reopen_after_wrong off, a wrong answer locks the buzzers; the MC reopens for the rest.
#[test]
fn wrong_answer_without_reopen_locks_the_buzzers() {
    let mut game = with_floor(no_reopen_rules(), B);
    let events = ok(&mut game, judge(Verdict::Wrong), t(3_000));
    assert_eq!(
        events,
        vec![
            Event::Judged {
                team: B,
                verdict: Verdict::Wrong,
                delta: Points::whole(0),
            },
            Event::BuzzersLocked,
        ]
    );
    assert_eq!(phase(&game), Phase::Locked);
    assert_eq!(play(&game).tried, vec![B]);
    assert_eq!(game.next_deadline(), None);

    let events = ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(4_000));
    assert_eq!(
        events,
        vec![Event::BuzzersOpened {
            deadline: t(14_000),
            eligible: vec![A, C, D],
        }]
    );
}

/// When every team has answered wrong (buzzers reopening each time) the question closes.
#[test]
fn all_teams_wrong_closes_the_question_with_reopen() {
    let mut game = open(penalty_rules(1));
    let order = [D, B, A, C];
    for (i, team) in order.into_iter().enumerate() {
        let at = 1_000 * (i as u64 + 1);
        ok(&mut game, buzz(team), t(at));
        let events = ok(&mut game, judge(Verdict::Wrong), t(at + 500));
        let judged = Event::Judged {
            team,
            verdict: Verdict::Wrong,
            delta: Points::whole(-1),
        };
        if i + 1 < order.len() {
            assert_eq!(events.len(), 2, "{events:?}");
            assert_eq!(events[0], judged);
            assert!(matches!(events[1], Event::BuzzersOpened { .. }));
        } else {
            assert_eq!(
                events,
                vec![
                    judged,
                    Event::QuestionClosed {
                        reason: CloseReason::AllTried
                    },
                ]
            );
        }
    }
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::AllTried
        }
    );
    assert_eq!(play(&game).tried, order.to_vec());
    assert_eq!(game.scores(), &[-1, -1, -1, -1]);
    assert_eq!(game.next_deadline(), None);
}

/// When every team has answered wrong (MC reopening each time) the question closes.
#[test]
fn all_teams_wrong_closes_the_question_without_reopen() {
    let mut game = ready(no_reopen_rules());
    for (i, team) in ALL.into_iter().enumerate() {
        let at = 1_000 * (i as u64 + 1);
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(at));
        ok(&mut game, buzz(team), t(at + 100));
        let events = ok(&mut game, judge(Verdict::Wrong), t(at + 200));
        let caused = if i + 1 < ALL.len() {
            Event::BuzzersLocked
        } else {
            Event::QuestionClosed {
                reason: CloseReason::AllTried,
            }
        };
        assert_eq!(
            events,
            vec![
                Event::Judged {
                    team,
                    verdict: Verdict::Wrong,
                    delta: Points::whole(0),
                },
                caused,
            ]
        );
    }
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::AllTried
        }
    );
}

/// Revealing the answer while the buzzers are open closes the question with reason Revealed.
#[test]
fn reveal_closes_an_open_question() {
    let mut game = open(default_rules());
    let events = ok(&mut game, Command::RevealAnswer, t(1_000));
    assert_eq!(
        events,
        vec![
            Event::QuestionClosed {
                reason: CloseReason::Revealed
            },
            Event::AnswerRevealed,
        ]
    );
    assert!(question_stage(&game).revealed);
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::Revealed
        }
    );
    assert_eq!(game.next_deadline(), None);
    assert_eq!(
        refused(&mut game, buzz(A), t(1_500)),
        Rejection::BuzzersClosed
    );
}

/// Revealing from Ready or Locked also closes the question: nobody can win it afterwards.
#[test]
fn reveal_closes_a_ready_or_locked_question() {
    let mut from_ready = ready(default_rules());
    let mut from_locked = open(default_rules());
    ok(&mut from_locked, Command::LockBuzzers, t(500));
    for game in [&mut from_ready, &mut from_locked] {
        let events = ok(game, Command::RevealAnswer, t(1_000));
        assert_eq!(
            events,
            vec![
                Event::QuestionClosed {
                    reason: CloseReason::Revealed
                },
                Event::AnswerRevealed,
            ]
        );
        assert!(question_stage(game).revealed);
        assert_eq!(
            refused(game, Command::OpenBuzzers { settle_us: 0 }, t(1_500)),
            Rejection::QuestionClosed
        );
    }
}

/// Revealing after a correct answer only shows the key; the question keeps its reason.
#[test]
fn reveal_after_a_correct_answer_keeps_the_close_reason() {
    let mut game = closed(default_rules());
    let events = ok(&mut game, Command::RevealAnswer, t(3_000));
    assert_eq!(events, vec![Event::AnswerRevealed]);
    assert!(question_stage(&game).revealed);
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::Correct
        }
    );
    assert_eq!(game.scores(), &[0, 10, 0, 0]);
}

/// The answer cannot be revealed while a team is answering.
#[test]
fn reveal_is_refused_while_a_team_has_the_floor() {
    let mut game = with_floor(default_rules(), B);
    assert_eq!(
        refused(&mut game, Command::RevealAnswer, t(2_000)),
        Rejection::AwaitingJudgement
    );
    assert!(!question_stage(&game).revealed);
}

/// A whole programme of two rounds: every question shown in order, each round's rules used,
/// and the question after the last one finishes the contest.
#[test]
fn programme_runs_across_two_rounds_to_the_finish() {
    let second_rules = BuzzInRules {
        points: 20,
        ..BuzzInRules::default()
    };
    let mut game = Game::new(contest_with_rounds(vec![
        buzz_in_round("First", default_rules(), 3),
        buzz_in_round("Second", second_rules, 2),
    ]));
    let mut now = T0;
    for (round, question, title) in [
        (0, 0, "First"),
        (0, 1, "First"),
        (0, 2, "First"),
        (1, 0, "Second"),
        (1, 1, "Second"),
    ] {
        let events = ok(&mut game, Command::ShowNextQuestion, now);
        assert_eq!(events, vec![Event::QuestionShown { round, question }]);
        let stage = question_stage(&game);
        assert_eq!((stage.round, stage.question), (round, question));
        assert!(!stage.revealed);
        assert_eq!(stage.play, Play::BuzzIn(BuzzInQuestion::new()));
        assert_eq!(game.current_round().map(Round::title), Some(title));
        assert_eq!(
            game.current_question().map(|q| q.text.clone()),
            Some(format!("Question {question}?"))
        );
        assert!(!game.can_undo());

        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, now);
        ok(&mut game, buzz(B), now.after(100));
        ok(&mut game, judge(Verdict::Correct), now.after(200));
        now = now.after(1_000);
    }
    assert_eq!(game.scores(), &[0, 3 * 10 + 2 * 20, 0, 0]);

    let events = ok(&mut game, Command::ShowNextQuestion, now);
    assert_eq!(events, vec![Event::ContestFinished]);
    assert_eq!(game.stage(), &Stage::Finished);
    assert_eq!(game.current_question(), None);
    assert_eq!(game.current_round(), None);
    assert_eq!(game.next_deadline(), None);
    assert!(!game.can_undo());
    assert_eq!(game.scores(), &[0, 70, 0, 0]);
    assert_eq!(
        refused(&mut game, Command::ShowNextQuestion, now),
        Rejection::ContestFinished
    );
}

/// The MC may skip a question that is still Ready or Locked.
#[test]
fn show_next_skips_a_ready_or_locked_question() {
    let mut game = ready(default_rules());
    assert_eq!(
        ok(&mut game, Command::ShowNextQuestion, t(1_000)),
        vec![Event::QuestionShown {
            round: 0,
            question: 1
        }]
    );
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(2_000));
    ok(&mut game, Command::LockBuzzers, t(3_000));
    assert_eq!(
        ok(&mut game, Command::ShowNextQuestion, t(4_000)),
        vec![Event::QuestionShown {
            round: 0,
            question: 2
        }]
    );
}

// ---------------------------------------------------------------------------------------------
// Illegal commands: the exact rejection, and the game unchanged (checked by `refused`)
// ---------------------------------------------------------------------------------------------

/// The question commands, each refused with `rejection`, and Undo with nothing to undo.
fn assert_question_commands_refused(game: &mut Game, rejection: Rejection) {
    for command in [
        buzz(A),
        Command::OpenBuzzers { settle_us: 0 },
        Command::LockBuzzers,
        judge(Verdict::Correct),
        judge(Verdict::Wrong),
        Command::RevealAnswer,
    ] {
        assert_eq!(refused(game, command.clone(), T0), rejection, "{command:?}");
    }
    assert_eq!(refused(game, Command::Undo, T0), Rejection::NothingToUndo);
}

/// Before the first question only showing it (and manual adjustments) make sense.
#[test]
fn commands_before_the_first_question_are_refused() {
    let mut game = Game::new(contest(default_rules()));
    assert_question_commands_refused(&mut game, Rejection::NoQuestion);
}

/// After the last question nothing about questions can happen any more.
#[test]
fn commands_after_the_contest_finished_are_refused() {
    let mut game = Game::new(contest(default_rules()));
    for _ in 0..4 {
        ok(&mut game, Command::ShowNextQuestion, T0);
    }
    assert_eq!(game.stage(), &Stage::Finished);
    assert_question_commands_refused(&mut game, Rejection::ContestFinished);
    assert_eq!(
        refused(&mut game, Command::ShowNextQuestion, T0),
        Rejection::ContestFinished
    );
}

/// A buzz is refused whenever the buzzers are not open: Ready, Locked, Closed, expired.
#[test]
fn buzz_while_buzzers_closed_is_refused() {
    // Ready and Locked refuse plainly under the `ignore` false-start rule; the other rules record
    // a false start (see "Fair judgement"). Closed and expired refuse under every rule.
    let mut game = ready(ignore_rules());
    assert_eq!(
        refused(&mut game, buzz(A), t(100)),
        Rejection::BuzzersClosed
    );

    let mut game = open(ignore_rules());
    ok(&mut game, Command::LockBuzzers, t(100));
    assert_eq!(
        refused(&mut game, buzz(A), t(200)),
        Rejection::BuzzersClosed
    );

    let mut game = closed(default_rules());
    assert_eq!(
        refused(&mut game, buzz(A), t(3_000)),
        Rejection::BuzzersClosed
    );

    let mut game = open(default_rules());
    game.tick(t(10_000));
    assert_eq!(
        refused(&mut game, buzz(A), t(10_001)),
        Rejection::BuzzersClosed
    );
}

/// A team that answered wrong cannot buzz again on the same question.
#[test]
fn buzz_by_a_team_that_already_tried_is_refused() {
    let mut game = with_floor(default_rules(), B);
    ok(&mut game, judge(Verdict::Wrong), t(2_000));
    assert!(matches!(phase(&game), Phase::Open { .. }));
    assert_eq!(
        refused(&mut game, buzz(B), t(2_500)),
        Rejection::AlreadyTried
    );

    let mut game = with_floor(no_reopen_rules(), B);
    ok(&mut game, judge(Verdict::Wrong), t(2_000));
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(2_100));
    assert_eq!(
        refused(&mut game, buzz(B), t(2_500)),
        Rejection::AlreadyTried
    );
}

/// Once a team has the floor, other buzzes get FloorTaken and the holder's get AlreadyHasFloor.
#[test]
fn buzz_while_the_floor_is_taken_is_refused() {
    let mut game = with_floor(default_rules(), B);
    assert_eq!(refused(&mut game, buzz(A), t(1_001)), Rejection::FloorTaken);
    assert_eq!(refused(&mut game, buzz(D), t(1_500)), Rejection::FloorTaken);
    assert_eq!(
        refused(&mut game, buzz(B), t(1_200)),
        Rejection::AlreadyHasFloor
    );
    assert_eq!(play(&game).floor(), Some(B));
}

/// Team ids outside the contest are refused for buzzes and adjustments.
#[test]
fn unknown_team_is_refused() {
    let mut game = open(default_rules());
    assert_eq!(
        refused(&mut game, buzz(TeamId(4)), t(100)),
        Rejection::UnknownTeam
    );
    assert_eq!(
        refused(&mut game, buzz(TeamId(usize::MAX)), t(100)),
        Rejection::UnknownTeam
    );
    assert_eq!(
        refused(&mut game, adjust(TeamId(4), 5, "bonus"), t(100)),
        Rejection::UnknownTeam
    );
}

/// The MC cannot judge when no team has the floor.
#[test]
fn judge_without_floor_is_refused() {
    let mut locked = open(default_rules());
    ok(&mut locked, Command::LockBuzzers, t(100));
    for mut game in [
        ready(default_rules()),
        open(default_rules()),
        locked,
        closed(default_rules()),
    ] {
        for verdict in [Verdict::Correct, Verdict::Wrong] {
            assert_eq!(
                refused(&mut game, judge(verdict), t(5_000)),
                Rejection::NoFloor
            );
        }
    }
}

/// Locking only makes sense while the buzzers are open.
#[test]
fn lock_when_not_open_is_refused() {
    let mut locked = open(default_rules());
    ok(&mut locked, Command::LockBuzzers, t(100));
    for mut game in [
        ready(default_rules()),
        with_floor(default_rules(), A),
        locked,
        closed(default_rules()),
    ] {
        assert_eq!(
            refused(&mut game, Command::LockBuzzers, t(3_000)),
            Rejection::BuzzersNotOpen
        );
    }
}

/// Opening is refused while open, while a team answers, and once the question is closed.
#[test]
fn open_in_the_wrong_phase_is_refused() {
    let mut game = open(default_rules());
    assert_eq!(
        refused(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(100)),
        Rejection::BuzzersOpen
    );
    let mut game = with_floor(default_rules(), A);
    assert_eq!(
        refused(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(2_000)),
        Rejection::AwaitingJudgement
    );
    let mut game = closed(default_rules());
    assert_eq!(
        refused(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(3_000)),
        Rejection::QuestionClosed
    );
}

/// The MC cannot move on while the buzzers are open or a team is answering.
#[test]
fn show_next_while_open_or_floor_is_refused() {
    let mut game = open(default_rules());
    assert_eq!(
        refused(&mut game, Command::ShowNextQuestion, t(100)),
        Rejection::BuzzersOpen
    );
    let mut game = with_floor(default_rules(), A);
    assert_eq!(
        refused(&mut game, Command::ShowNextQuestion, t(2_000)),
        Rejection::AwaitingJudgement
    );
}

/// The answer key is revealed once.
#[test]
fn reveal_twice_is_refused() {
    let mut game = open(default_rules());
    ok(&mut game, Command::RevealAnswer, t(100));
    assert_eq!(
        refused(&mut game, Command::RevealAnswer, t(200)),
        Rejection::AlreadyRevealed
    );
}

/// Undo with no judgement on this question does nothing.
#[test]
fn undo_with_nothing_to_undo_is_refused() {
    let mut game = ready(default_rules());
    assert_eq!(
        refused(&mut game, Command::Undo, t(100)),
        Rejection::NothingToUndo
    );
    let mut game = with_floor(default_rules(), A);
    assert_eq!(
        refused(&mut game, Command::Undo, t(2_000)),
        Rejection::NothingToUndo
    );
}

/// Manual adjustments need a non-zero, bounded change and a real, bounded reason.
#[test]
fn invalid_score_adjustments_are_refused() {
    let mut game = ready(default_rules());
    let cases = [
        (adjust(A, 0, "nothing"), "the change must not be zero"),
        (
            adjust(A, MAX_ADJUSTMENT + Points::from_hundredths(1), "typo"),
            "the change is too large",
        ),
        (
            adjust(A, -MAX_ADJUSTMENT - Points::from_hundredths(1), "typo"),
            "the change is too large",
        ),
        (adjust(A, i64::MIN, "typo"), "the change is too large"),
        (adjust(A, 5, ""), "a reason is required"),
        (adjust(A, 5, " \t\n "), "a reason is required"),
        (
            adjust(A, 5, &"x".repeat(MAX_REASON_CHARS + 1)),
            "the reason is too long",
        ),
    ];
    for (command, problem) in cases {
        assert_eq!(
            refused(&mut game, command, t(100)),
            Rejection::InvalidAdjustment(problem)
        );
    }
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
}

/// The limits themselves are allowed; the reason is counted in characters and stored trimmed.
#[test]
fn score_adjustments_at_the_limits_are_accepted() {
    let mut game = ready(default_rules());
    ok(&mut game, adjust(A, MAX_ADJUSTMENT, "max"), t(100));
    ok(&mut game, adjust(B, -MAX_ADJUSTMENT, "min"), t(100));
    let long_reason = "ế".repeat(MAX_REASON_CHARS);
    let events = ok(
        &mut game,
        adjust(C, 3, &format!("  {long_reason}  ")),
        t(100),
    );
    assert_eq!(
        events,
        vec![Event::ScoreAdjusted {
            team: C,
            delta: Points::whole(3),
            reason: long_reason,
        }]
    );
    assert_eq!(
        game.scores(),
        &[
            MAX_ADJUSTMENT,
            -MAX_ADJUSTMENT,
            Points::whole(3),
            Points::ZERO
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Undo
// ---------------------------------------------------------------------------------------------

/// Undo of a correct answer gives back exactly the game before the judgement.
#[test]
fn undo_reverts_a_correct_judgement_exactly() {
    let mut game = with_floor(default_rules(), B);
    let before = game.clone();
    ok(&mut game, judge(Verdict::Correct), t(2_000));

    let events = ok(&mut game, Command::Undo, t(3_000));
    assert_eq!(
        events,
        vec![Event::Undone {
            team: B,
            delta: Points::whole(10)
        }]
    );
    assert_eq!(game.scores(), before.scores());
    assert_eq!(game.stage(), before.stage());
    assert_eq!(game, before);
    assert!(!game.can_undo());
    // The MC can now give the verdict they meant.
    ok(&mut game, judge(Verdict::Wrong), t(3_500));
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
}

/// Undo of a wrong answer restores the score, the tried list and the floor.
#[test]
fn undo_reverts_a_wrong_judgement_exactly() {
    let mut game = with_floor(penalty_rules(5), B);
    let before = game.clone();
    ok(&mut game, judge(Verdict::Wrong), t(2_000));
    assert_eq!(game.scores(), &[0, -5, 0, 0]);

    let events = ok(&mut game, Command::Undo, t(3_000));
    assert_eq!(
        events,
        vec![Event::Undone {
            team: B,
            delta: Points::whole(-5)
        }]
    );
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
    assert_eq!(play(&game).tried, Vec::<TeamId>::new());
    assert_eq!(play(&game).floor(), Some(B));
    assert_eq!(game.stage(), before.stage());
    assert_eq!(game, before);
}

/// Two undos in a row revert the last two judgements, newest first.
#[test]
fn two_undos_revert_two_judgements() {
    let mut game = with_floor(penalty_rules(5), B);
    let before_first = game.clone();
    ok(&mut game, judge(Verdict::Wrong), t(2_000));
    ok(&mut game, buzz(C), t(3_000));
    let before_second = game.clone();
    ok(&mut game, judge(Verdict::Wrong), t(4_000));
    assert_eq!(game.scores(), &[0, -5, -5, 0]);

    assert_eq!(
        ok(&mut game, Command::Undo, t(5_000)),
        vec![Event::Undone {
            team: C,
            delta: Points::whole(-5)
        }]
    );
    assert_eq!(game, before_second);
    assert_eq!(play(&game).tried, vec![B]);

    assert_eq!(
        ok(&mut game, Command::Undo, t(5_500)),
        vec![Event::Undone {
            team: B,
            delta: Points::whole(-5)
        }]
    );
    assert_eq!(game, before_first);
    assert_eq!(
        refused(&mut game, Command::Undo, t(5_600)),
        Rejection::NothingToUndo
    );
}

/// Undo takes back only the judgement's points; a manual adjustment made later stays.
#[test]
fn undo_keeps_a_later_manual_adjustment() {
    let mut game = with_floor(default_rules(), B);
    ok(&mut game, judge(Verdict::Correct), t(2_000));
    ok(&mut game, adjust(B, 3, "bonus"), t(2_500));
    ok(&mut game, adjust(A, -2, "foul"), t(2_600));
    assert_eq!(game.scores(), &[-2, 13, 0, 0]);

    ok(&mut game, Command::Undo, t(3_000));
    assert_eq!(game.scores(), &[-2, 3, 0, 0]);
    assert_eq!(play(&game).floor(), Some(B));
}

/// Judgements of a question can no longer be undone once the next question is on stage.
#[test]
fn undo_is_not_possible_after_the_next_question() {
    let mut game = closed(default_rules());
    assert!(game.can_undo());
    ok(&mut game, Command::ShowNextQuestion, t(3_000));
    assert!(!game.can_undo());
    assert_eq!(
        refused(&mut game, Command::Undo, t(3_500)),
        Rejection::NothingToUndo
    );
    assert_eq!(game.scores(), &[0, 10, 0, 0]);
}

/// Undo after wrong, reopen and another team's buzz returns the floor to the first team.
#[test]
fn undo_after_reopen_and_another_buzz_returns_to_the_first_floor() {
    let mut game = with_floor(penalty_rules(5), B);
    let before = game.clone();
    ok(&mut game, judge(Verdict::Wrong), t(2_000));
    ok(&mut game, buzz(C), t(3_000));
    assert_eq!(play(&game).floor(), Some(C));

    assert_eq!(
        ok(&mut game, Command::Undo, t(3_500)),
        vec![Event::Undone {
            team: B,
            delta: Points::whole(-5)
        }]
    );
    assert_eq!(play(&game).floor(), Some(B));
    assert_eq!(play(&game).buzzes, vec![plain_buzz(B, 1, t(1_000))]);
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
    assert_eq!(game, before);
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/// The buzz window does not close early, and closes at exactly its deadline.
#[test]
fn buzz_window_expires_at_exactly_its_deadline() {
    let mut game = open(default_rules());
    let before = game.clone();
    assert_eq!(game.tick(t(9_999)), vec![]);
    assert_eq!(game, before);

    assert_eq!(game.tick(t(10_000)), vec![Event::BuzzWindowExpired]);
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::NoBuzz
        }
    );
    assert_eq!(game.next_deadline(), None);
    assert_eq!(game.tick(t(20_000)), vec![]);
}

/// The answer countdown sets time_up once; the MC still judges afterwards.
#[test]
fn answer_time_up_is_reported_once_and_the_mc_still_judges() {
    let mut game = with_floor(default_rules(), B);
    let before = game.clone();
    assert_eq!(game.tick(t(5_999)), vec![]);
    assert_eq!(game, before);

    assert_eq!(game.tick(t(6_000)), vec![Event::AnswerTimeUp { team: B }]);
    assert_eq!(
        phase(&game),
        Phase::Floor {
            team: B,
            deadline: t(6_000),
            time_up: true,
        }
    );
    assert_eq!(game.next_deadline(), None);
    assert_eq!(game.tick(t(6_001)), vec![]);
    assert_eq!(game.tick(t(60_000)), vec![]);

    let events = ok(&mut game, judge(Verdict::Correct), t(60_000));
    assert_eq!(
        events,
        vec![
            Event::Judged {
                team: B,
                verdict: Verdict::Correct,
                delta: Points::whole(10),
            },
            Event::QuestionClosed {
                reason: CloseReason::Correct
            },
        ]
    );
    assert_eq!(game.scores(), &[0, 10, 0, 0]);
}

/// `next_deadline` is the running timer of each phase, and None when nothing runs.
#[test]
fn next_deadline_in_each_phase() {
    let mut game = Game::new(contest(penalty_rules(0)));
    assert_eq!(game.next_deadline(), None, "not started");
    ok(&mut game, Command::ShowNextQuestion, T0);
    assert_eq!(game.next_deadline(), None, "ready");
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(100));
    assert_eq!(game.next_deadline(), Some(t(10_100)), "open");
    ok(&mut game, Command::LockBuzzers, t(200));
    assert_eq!(game.next_deadline(), None, "locked");
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(300));
    assert_eq!(game.next_deadline(), Some(t(10_300)), "reopened");
    ok(&mut game, buzz(A), t(400));
    assert_eq!(game.next_deadline(), Some(t(5_400)), "floor");
    game.tick(t(5_400));
    assert_eq!(game.next_deadline(), None, "time up");
    ok(&mut game, judge(Verdict::Wrong), t(6_000));
    assert_eq!(
        game.next_deadline(),
        Some(t(16_000)),
        "reopened after wrong"
    );
    ok(&mut game, buzz(B), t(6_500));
    ok(&mut game, judge(Verdict::Correct), t(7_000));
    assert_eq!(game.next_deadline(), None, "closed");
    for _ in 0..3 {
        ok(&mut game, Command::ShowNextQuestion, t(8_000));
    }
    assert_eq!(game.stage(), &Stage::Finished);
    assert_eq!(game.next_deadline(), None, "finished");
}

/// A buzz at the deadline, arriving before the owner's tick, is refused and the window closes;
/// one millisecond earlier it wins the floor.
#[test]
fn buzz_at_the_deadline_before_any_tick_is_refused_and_changes_nothing() {
    let mut game = open(default_rules());

    let mut just_in_time = game.clone();
    ok(&mut just_in_time, buzz(A), t(9_999));
    assert_eq!(play(&just_in_time).floor(), Some(A));

    // The window is over at 10 000 even though no tick ran: refused, and the game untouched
    // (the owner ticks before applying, which is what publishes the expiry).
    let before = game.clone();
    assert_eq!(
        game.apply(&buzz(A), t(10_000)),
        Err(Rejection::BuzzersClosed)
    );
    assert_eq!(game, before);
    assert_eq!(game.tick(t(10_000)), vec![Event::BuzzWindowExpired]);
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::NoBuzz
        }
    );
    assert_eq!(game.next_deadline(), None);
    assert_eq!(play(&game).buzzes, vec![]);
    assert_eq!(game.scores(), &[0, 0, 0, 0]);

    let mut late = open(default_rules());
    let before = late.clone();
    assert_eq!(
        late.apply(&buzz(D), t(15_000)),
        Err(Rejection::BuzzersClosed)
    );
    assert_eq!(late, before);
}

/// An accepted command reports the expiries it caused before its own events.
#[test]
fn accepted_command_reports_missed_expiries_first() {
    let mut game = open(default_rules());
    let events = ok(&mut game, Command::ShowNextQuestion, t(10_000));
    assert_eq!(
        events,
        vec![
            Event::BuzzWindowExpired,
            Event::QuestionShown {
                round: 0,
                question: 1
            },
        ]
    );

    let mut game = with_floor(default_rules(), B);
    let events = ok(&mut game, judge(Verdict::Wrong), t(7_000));
    assert_eq!(
        events,
        vec![
            Event::AnswerTimeUp { team: B },
            Event::Judged {
                team: B,
                verdict: Verdict::Wrong,
                delta: Points::whole(0),
            },
            Event::BuzzersOpened {
                deadline: t(17_000),
                eligible: vec![A, C, D],
            },
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Concurrent buzzes
// ---------------------------------------------------------------------------------------------

/// Four buzzes in the same millisecond: the first applied wins, the others get FloorTaken.
#[test]
fn simultaneous_buzzes_give_exactly_one_floor() {
    let mut game = open(default_rules());
    let now = t(2_000);
    let order = [C, A, D, B];
    let results: Vec<_> = order
        .iter()
        .map(|team| game.apply(&buzz(*team), now))
        .collect();

    assert_eq!(
        results[0],
        Ok(vec![
            Event::BuzzReceived {
                team: C,
                press: now
            },
            Event::FloorTaken {
                team: C,
                deadline: t(7_000),
                locked_out: vec![A, B, D],
                close: false,
            },
        ])
    );
    for result in &results[1..] {
        assert_eq!(result, &Err(Rejection::FloorTaken));
    }
    assert_eq!(play(&game).floor(), Some(C));
    assert_eq!(play(&game).buzzes, vec![plain_buzz(C, 1, now)]);
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
}

// ---------------------------------------------------------------------------------------------
// Scores and floor_at_zero
// ---------------------------------------------------------------------------------------------

/// With floor_at_zero a penalty stops at zero (the event shows what was applied) and undo
/// restores the score exactly.
#[test]
fn floor_at_zero_stops_a_penalty_at_zero_and_undo_restores_it() {
    let mut game = closed(floor_at_zero_rules(15));
    assert_eq!(game.scores(), &[0, 10, 0, 0]);
    ok(&mut game, Command::ShowNextQuestion, t(3_000));
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(3_000));
    ok(&mut game, buzz(B), t(4_000));
    let before = game.clone();

    let events = ok(&mut game, judge(Verdict::Wrong), t(5_000));
    assert_eq!(
        events[0],
        Event::Judged {
            team: B,
            verdict: Verdict::Wrong,
            delta: Points::whole(-10),
        }
    );
    assert_eq!(game.scores(), &[0, 0, 0, 0]);

    assert_eq!(
        ok(&mut game, Command::Undo, t(6_000)),
        vec![Event::Undone {
            team: B,
            delta: Points::whole(-10)
        }]
    );
    assert_eq!(game.scores(), &[0, 10, 0, 0]);
    assert_eq!(game, before);

    // A team already at zero loses nothing.
    ok(&mut game, judge(Verdict::Wrong), t(7_000));
    ok(&mut game, buzz(A), t(8_000));
    let events = ok(&mut game, judge(Verdict::Wrong), t(9_000));
    assert_eq!(
        events[0],
        Event::Judged {
            team: A,
            verdict: Verdict::Wrong,
            delta: Points::whole(0),
        }
    );
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
}

/// Without floor_at_zero a penalty takes the score below zero.
#[test]
fn without_floor_at_zero_scores_go_negative() {
    let mut game = with_floor(penalty_rules(15), B);
    let events = ok(&mut game, judge(Verdict::Wrong), t(2_000));
    assert_eq!(
        events[0],
        Event::Judged {
            team: B,
            verdict: Verdict::Wrong,
            delta: Points::whole(-15),
        }
    );
    assert_eq!(game.scores(), &[0, -15, 0, 0]);
    ok(&mut game, adjust(B, -100, "foul"), t(3_000));
    assert_eq!(game.scores(), &[0, -115, 0, 0]);
}

/// Manual deductions in a floor_at_zero round also stop at zero; the event shows the amount.
#[test]
fn floor_at_zero_clamps_manual_deductions() {
    let mut game = closed(floor_at_zero_rules(0));
    let events = ok(&mut game, adjust(B, -50, "foul"), t(3_000));
    assert_eq!(
        events,
        vec![Event::ScoreAdjusted {
            team: B,
            delta: Points::whole(-10),
            reason: "foul".into(),
        }]
    );
    assert_eq!(game.scores(), &[0, 0, 0, 0]);
}

/// A team left below zero by an earlier round still scores in a floor_at_zero round, and
/// further penalties leave its score where it is.
#[test]
fn floor_at_zero_never_withholds_points_from_a_team_below_zero() {
    let mut game = Game::new(contest_with_rounds(vec![
        buzz_in_round("Penalties", penalty_rules(20), 1),
        buzz_in_round("Floored", floor_at_zero_rules(5), 2),
    ]));
    ok(&mut game, Command::ShowNextQuestion, T0);
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, T0);
    ok(&mut game, buzz(B), t(100));
    ok(&mut game, judge(Verdict::Wrong), t(200));
    ok(&mut game, Command::LockBuzzers, t(300));
    assert_eq!(game.scores(), &[0, -20, 0, 0]);

    ok(&mut game, Command::ShowNextQuestion, t(1_000));
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(1_000));
    ok(&mut game, buzz(B), t(1_100));
    let events = ok(&mut game, judge(Verdict::Correct), t(1_200));
    assert_eq!(
        events[0],
        Event::Judged {
            team: B,
            verdict: Verdict::Correct,
            delta: Points::whole(10),
        }
    );
    assert_eq!(game.scores(), &[0, -10, 0, 0]);

    let events = ok(&mut game, adjust(B, 4, "bonus"), t(1_300));
    assert_eq!(
        events,
        vec![Event::ScoreAdjusted {
            team: B,
            delta: Points::whole(4),
            reason: "bonus".into(),
        }]
    );
    assert_eq!(game.scores(), &[0, -6, 0, 0]);

    ok(&mut game, Command::ShowNextQuestion, t(2_000));
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(2_000));
    ok(&mut game, buzz(B), t(2_100));
    let events = ok(&mut game, judge(Verdict::Wrong), t(2_200));
    assert_eq!(
        events[0],
        Event::Judged {
            team: B,
            verdict: Verdict::Wrong,
            delta: Points::whole(0),
        }
    );
    assert_eq!(game.scores(), &[0, -6, 0, 0]);
}

// ---------------------------------------------------------------------------------------------
// Event order
// ---------------------------------------------------------------------------------------------

/// `Judged` always comes before the reopening, locking or closing it caused.
#[test]
fn judged_comes_before_what_it_caused() {
    fn kinds(events: &[Event]) -> Vec<&'static str> {
        events
            .iter()
            .map(|event| match event {
                Event::Judged { .. } => "judged",
                Event::BuzzersOpened { .. } => "opened",
                Event::BuzzersLocked => "locked",
                Event::QuestionClosed { .. } => "closed",
                Event::AnswerTimeUp { .. } => "time_up",
                other => panic!("unexpected event {other:?}"),
            })
            .collect()
    }

    let mut game = with_floor(default_rules(), A);
    let events = ok(&mut game, judge(Verdict::Wrong), t(2_000));
    assert_eq!(kinds(&events), ["judged", "opened"]);

    let mut game = with_floor(no_reopen_rules(), A);
    let events = ok(&mut game, judge(Verdict::Wrong), t(2_000));
    assert_eq!(kinds(&events), ["judged", "locked"]);

    let mut game = with_floor(default_rules(), A);
    let events = ok(&mut game, judge(Verdict::Correct), t(2_000));
    assert_eq!(kinds(&events), ["judged", "closed"]);

    // Expired countdown first, then the judgement, then what it caused.
    let mut game = with_floor(default_rules(), A);
    let events = ok(&mut game, judge(Verdict::Correct), t(9_000));
    assert_eq!(kinds(&events), ["time_up", "judged", "closed"]);
}

// ---------------------------------------------------------------------------------------------
// Contest files
// ---------------------------------------------------------------------------------------------

/// The demo contest file parses by itself, so `Contest::demo()` never silently falls back.
#[test]
fn demo_contest_file_parses() {
    let parsed = Contest::from_json(include_str!("../demo_contest.json"));
    let contest = match parsed {
        Ok(contest) => contest,
        Err(error) => panic!("demo_contest.json is invalid: {error}"),
    };
    assert_eq!(contest.teams.len(), 4);
    let questions: Vec<&Question> = contest
        .rounds
        .iter()
        .flat_map(|round| round.questions())
        .collect();
    assert!(questions.len() >= 12, "only {} questions", questions.len());
    for question in questions {
        assert!(
            !question.answer.trim().is_empty(),
            "{:?} has no answer",
            question.text
        );
    }
    assert_eq!(Contest::demo(), contest);
}

/// A small valid contest file, to be broken one place at a time.
fn contest_json() -> serde_json::Value {
    serde_json::json!({
        "title": "Test",
        "teams": [
            { "id": "a", "name": "Team A" },
            { "id": "b", "name": "Team B" },
        ],
        "rounds": [{
            "kind": "buzz_in",
            "title": "Buzz-in",
            "rules": { "buzz_window_ms": 8000 },
            "questions": [
                { "text": "Q0?", "answer": "A0" },
                { "text": "Q1?", "answer": "A1", "notes": "accept B1" },
                { "text": "Q2?", "answer": "A2" },
            ],
        }],
    })
}

fn parse(json: &serde_json::Value) -> Result<Contest, ContestError> {
    Contest::from_json(&json.to_string())
}

/// Checks that `json` is refused with an error naming `place`.
fn invalid_at(json: &serde_json::Value, place: &str) {
    match parse(json) {
        Err(error @ ContestError::Invalid { .. }) => {
            let message = error.to_string();
            assert!(message.contains(place), "{message:?} does not name {place}");
        }
        other => panic!("expected an error at {place}, got {other:?}"),
    }
}

/// The base file is valid and missing rules take their defaults.
#[test]
fn contest_file_parses_with_default_rules() {
    let contest = match parse(&contest_json()) {
        Ok(contest) => contest,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(contest.team_index("b"), Some(1));
    let Round::BuzzIn(round) = &contest.rounds[0] else {
        panic!("a buzz-in round");
    };
    assert_eq!(
        round.rules,
        BuzzInRules {
            buzz_window_ms: 8_000,
            ..BuzzInRules::default()
        }
    );
    assert_eq!(round.questions[1].notes, "accept B1");
}

/// Each broken file is refused with an error naming the place in the file.
#[test]
fn contest_file_errors_name_the_place() {
    let mut json = contest_json();
    json["teams"][1]["id"] = "a".into();
    invalid_at(&json, "teams[1].id");

    let mut json = contest_json();
    json["rounds"][0]["questions"][2]["answer"] = "  ".into();
    invalid_at(&json, "rounds[0].questions[2].answer");

    let mut json = contest_json();
    json["rounds"][0]["rules"]["buzz_window_ms"] = 0.into();
    invalid_at(&json, "rounds[0].rules.buzz_window_ms");
}

/// A file with several mistakes gets all of them at once, each with its place, so the organiser
/// fixes the file in one go; a team name used twice is one of them.
#[test]
fn contest_file_errors_are_all_listed_together() {
    let mut json = contest_json();
    json["title"] = " ".into();
    json["teams"][1]["name"] = json["teams"][0]["name"].clone();
    json["rounds"][0]["questions"][0]["text"] = "".into();
    json["rounds"][0]["rules"]["points"] = (-1).into();
    let Err(ContestError::Invalid(problems)) = parse(&json) else {
        panic!("expected problems");
    };
    let places: Vec<&str> = problems.iter().map(|p| p.at.as_str()).collect();
    assert_eq!(
        places,
        [
            "title",
            "teams[1].name",
            "rounds[0].questions[0].text",
            "rounds[0].rules.points"
        ]
    );
    let message = ContestError::Invalid(problems).to_string();
    assert_eq!(message.lines().count(), 4, "{message}");
    assert!(message.contains("duplicate team name"), "{message}");
}

/// Unknown fields (typos) anywhere in the file are parse errors, not silently ignored.
#[test]
fn contest_file_with_unknown_field_is_a_parse_error() {
    let mut top = contest_json();
    top["colour"] = "red".into();
    let mut team = contest_json();
    team["teams"][0]["colour"] = "red".into();
    let mut round = contest_json();
    round["rounds"][0]["timer"] = 5.into();
    let mut rules = contest_json();
    rules["rounds"][0]["rules"]["penalty_points"] = 5.into();
    let mut question = contest_json();
    question["rounds"][0]["questions"][0]["anwser"] = "typo".into();
    let mut kind = contest_json();
    kind["rounds"][0]["kind"] = "speed".into();

    for json in [top, team, round, rules, question, kind] {
        let result = parse(&json);
        assert!(
            matches!(result, Err(ContestError::Parse(_))),
            "{json} gave {result:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Fair judgement
// ---------------------------------------------------------------------------------------------

/// One millisecond in microseconds, for settle windows and clock values.
const MS: u64 = 1_000;

/// What an honest phone sends for a press at `press` (server clock) when its own clock runs
/// `offset_us` ahead of the server's: `pressed_us = press_us + offset_us`. Its clock estimate is
/// good to 1 ms and its delays make a press up to 60 ms before arrival plausible.
fn claim(press: Time, offset_us: i64) -> PressClaim {
    let press_us = i64::try_from(press.0).unwrap_or(i64::MAX);
    PressClaim {
        pressed_us: press_us + offset_us,
        offset_us,
        error_us: 1_000,
        round_trip_us: 2_000,
        allowance_us: 60_000,
    }
}

fn claimed(team: TeamId, claim: PressClaim) -> Command {
    Command::Buzz {
        team,
        claim: Some(claim),
    }
}

/// The record of a buzz in `race` that arrived at `arrived` and was placed at `press`
/// (no clamp, not a close call).
fn record(team: TeamId, race: u32, arrived: Time, press: Time, claim: Option<PressClaim>) -> Buzz {
    Buzz {
        team,
        race,
        arrived,
        press,
        claim,
        clamp: None,
        close: false,
    }
}

/// The first question with the buzzers opened at `at`, waiting `settle_us` after a first buzz.
fn open_at(rules: BuzzInRules, settle_us: u64, at: Time) -> Game {
    let mut game = ready(rules);
    ok(&mut game, Command::OpenBuzzers { settle_us }, at);
    game
}

/// B's buzz arrives first, but A pressed first: after the settle window A has the floor.
#[test]
fn the_press_claim_decides_not_the_arrival() {
    let mut game = open_at(default_rules(), 50 * MS, T0);
    // B's phone clock is 250 ms behind the server's, A's an hour ahead.
    let b_claim = claim(t(1_015), -250_000);
    let a_claim = claim(t(1_000), 3_600_000_000);

    let events = ok(&mut game, claimed(B, b_claim), t(1_020));
    assert_eq!(
        events,
        vec![Event::BuzzReceived {
            team: B,
            press: t(1_015)
        }]
    );
    let settling = Phase::Settling {
        opened_at: T0,
        until: t(1_065),
    };
    assert_eq!(phase(&game), settling);
    assert_eq!(game.next_deadline(), Some(t(1_065)));
    assert_eq!(play(&game).floor(), None);
    let b_buzz = record(B, 1, t(1_020), t(1_015), Some(b_claim));
    assert_eq!(play(&game).race_order(), vec![b_buzz]);

    let events = ok(&mut game, claimed(A, a_claim), t(1_030));
    assert_eq!(
        events,
        vec![Event::BuzzReceived {
            team: A,
            press: t(1_000)
        }]
    );
    // A later buzz joins the race; it does not move the settle deadline.
    assert_eq!(phase(&game), settling);
    assert_eq!(game.next_deadline(), Some(t(1_065)));
    let a_buzz = record(A, 1, t(1_030), t(1_000), Some(a_claim));
    assert_eq!(play(&game).race_order(), vec![a_buzz, b_buzz]);
    assert_eq!(play(&game).buzzes, vec![b_buzz, a_buzz]);

    // While the race settles: one buzz per team, and the MC waits for the verdict.
    assert_eq!(
        refused(&mut game, claimed(B, b_claim), t(1_040)),
        Rejection::AlreadyBuzzed
    );
    assert_eq!(
        refused(&mut game, judge(Verdict::Correct), t(1_040)),
        Rejection::NoFloor
    );
    for command in [
        Command::LockBuzzers,
        Command::RevealAnswer,
        Command::ShowNextQuestion,
        Command::OpenBuzzers { settle_us: 0 },
    ] {
        assert_eq!(
            refused(&mut game, command, t(1_040)),
            Rejection::AwaitingJudgement
        );
    }

    assert_eq!(game.tick(Time(t(1_065).0 - 1)), vec![]);
    assert_eq!(phase(&game), settling);
    assert_eq!(
        game.tick(t(1_065)),
        vec![Event::FloorTaken {
            team: A,
            deadline: t(6_065),
            locked_out: vec![B, C, D],
            close: false,
        }]
    );
    assert_eq!(
        phase(&game),
        Phase::Floor {
            team: A,
            deadline: t(6_065),
            time_up: false,
        }
    );
    assert_eq!(play(&game).race_order(), vec![a_buzz, b_buzz]);
    assert_eq!(game.next_deadline(), Some(t(6_065)));
}

/// The settle wait never exceeds arrival + settle_max_ms; once it is over the race is closed.
#[test]
fn the_settle_wait_is_bounded_and_then_the_race_is_over() {
    // A huge settle window from the transport is cut to the round's 100 ms.
    let mut game = open_at(default_rules(), u64::MAX, T0);
    assert_eq!(
        ok(&mut game, buzz(C), t(1_000)),
        vec![Event::BuzzReceived {
            team: C,
            press: t(1_000)
        }]
    );
    assert_eq!(
        phase(&game),
        Phase::Settling {
            opened_at: T0,
            until: t(1_100),
        }
    );
    assert_eq!(game.next_deadline(), Some(t(1_100)));

    // One microsecond before the deadline a buzz still joins the race...
    let mut joined = game.clone();
    let just_in = Time(t(1_100).0 - 1);
    assert_eq!(
        ok(&mut joined, buzz(D), just_in),
        vec![Event::BuzzReceived {
            team: D,
            press: just_in
        }]
    );
    assert_eq!(play(&joined).race_order().len(), 2);

    // ...at the deadline, even before the owner's tick, it is refused, however early its claim.
    assert_eq!(refused(&mut game, buzz(A), t(1_100)), Rejection::FloorTaken);
    assert_eq!(
        game.tick(t(1_100)),
        vec![Event::FloorTaken {
            team: C,
            deadline: t(6_100),
            locked_out: vec![A, B, D],
            close: false,
        }]
    );
    assert_eq!(refused(&mut game, buzz(A), t(1_101)), Rejection::FloorTaken);
    assert_eq!(
        refused(&mut game, claimed(B, claim(t(1_050), 0)), t(1_101)),
        Rejection::FloorTaken
    );
    assert_eq!(
        play(&game).buzzes,
        vec![record(C, 1, t(1_000), t(1_000), None)]
    );

    // A claimed press is waited on from the press, still within arrival + settle_max_ms.
    let mut game = open_at(default_rules(), 200 * MS, T0);
    ok(&mut game, claimed(B, claim(t(960), 0)), t(1_000));
    assert_eq!(
        phase(&game),
        Phase::Settling {
            opened_at: T0,
            until: t(1_100),
        }
    );

    // A press whose settle window is already over when it arrives takes the floor at once.
    let mut game = open_at(default_rules(), 50 * MS, T0);
    assert_eq!(
        ok(&mut game, claimed(D, claim(t(945), 0)), t(1_000)),
        vec![
            Event::BuzzReceived {
                team: D,
                press: t(945)
            },
            Event::FloorTaken {
                team: D,
                deadline: t(6_000),
                locked_out: vec![A, B, C],
                close: false,
            },
        ]
    );

    // settle_max_ms 0: ordinary buzzers, the first arrival wins at once whatever the claims.
    let mut game = open_at(
        BuzzInRules {
            settle_max_ms: 0,
            ..BuzzInRules::default()
        },
        50 * MS,
        T0,
    );
    assert_eq!(
        ok(&mut game, buzz(B), t(1_000)),
        vec![
            Event::BuzzReceived {
                team: B,
                press: t(1_000)
            },
            Event::FloorTaken {
                team: B,
                deadline: t(6_000),
                locked_out: vec![A, C, D],
                close: false,
            },
        ]
    );
    assert_eq!(
        refused(&mut game, claimed(A, claim(t(990), 0)), t(1_000)),
        Rejection::FloorTaken
    );
    assert_eq!(play(&game).floor(), Some(B));
}

/// A phone claiming a press 5 s before its arrival is placed at the earliest plausible press.
#[test]
fn a_claim_far_earlier_than_its_delays_allow_is_clamped() {
    let mut game = open_at(default_rules(), 0, T0);
    let cheat = claim(t(1_000), 42_000);
    assert_eq!(
        ok(&mut game, claimed(A, cheat), t(6_000)),
        vec![
            Event::PressClamped {
                team: A,
                clamp: Clamp::Early
            },
            Event::BuzzReceived {
                team: A,
                press: t(5_940)
            },
            Event::FloorTaken {
                team: A,
                deadline: t(11_000),
                locked_out: vec![B, C, D],
                close: false,
            },
        ]
    );
    assert_eq!(
        play(&game).buzzes,
        vec![Buzz {
            clamp: Some(Clamp::Early),
            ..record(A, 1, t(6_000), t(5_940), Some(cheat))
        }]
    );
    assert_eq!(play(&game).false_starts, vec![]);
}

/// An allowance above the round's cap is cut to the cap: a lying phone gains at most the cap,
/// and an honest team that really pressed first still wins.
#[test]
fn the_round_cap_bounds_what_a_lying_phone_gains() {
    let liar = PressClaim {
        allowance_us: 10_000_000,
        error_us: 200,
        ..claim(t(1_000), -3_000)
    };
    for (cap_ms, press) in [(80, t(5_920)), (30, t(5_970)), (0, t(6_000))] {
        let mut game = open_at(
            BuzzInRules {
                press_allowance_cap_ms: cap_ms,
                ..BuzzInRules::default()
            },
            0,
            T0,
        );
        let events = ok(&mut game, claimed(A, liar), t(6_000));
        assert_eq!(
            events[..2],
            [
                Event::PressClamped {
                    team: A,
                    clamp: Clamp::Early
                },
                Event::BuzzReceived { team: A, press },
            ],
            "cap {cap_ms} ms"
        );
        assert_eq!(
            t(6_000).0 - press.0,
            cap_ms * MS,
            "gain with cap {cap_ms} ms"
        );
    }

    // B pressed 1 ms before the liar's capped press; its press arrived 71 ms later.
    let mut game = open_at(default_rules(), 100 * MS, T0);
    let honest = PressClaim {
        allowance_us: 80_000,
        error_us: 200,
        ..claim(t(5_919), 7_000)
    };
    assert_eq!(
        ok(&mut game, claimed(B, honest), t(5_990)),
        vec![Event::BuzzReceived {
            team: B,
            press: t(5_919)
        }]
    );
    assert_eq!(
        ok(&mut game, claimed(A, liar), t(6_000)),
        vec![
            Event::PressClamped {
                team: A,
                clamp: Clamp::Early
            },
            Event::BuzzReceived {
                team: A,
                press: t(5_920)
            },
        ]
    );
    assert_eq!(
        game.tick(t(6_019)),
        vec![Event::FloorTaken {
            team: B,
            deadline: t(11_019),
            locked_out: vec![A, C, D],
            close: false,
        }]
    );
    assert_eq!(
        play(&game).race_order(),
        vec![
            record(B, 1, t(5_990), t(5_919), Some(honest)),
            Buzz {
                clamp: Some(Clamp::Early),
                ..record(A, 1, t(6_000), t(5_920), Some(liar))
            },
        ]
    );
}

/// A claim after the arrival is moved to the arrival.
#[test]
fn a_claim_later_than_its_arrival_is_clamped_to_the_arrival() {
    let mut game = open_at(default_rules(), 0, T0);
    let late = claim(t(1_050), -12_345);
    assert_eq!(
        ok(&mut game, claimed(C, late), t(1_000)),
        vec![
            Event::PressClamped {
                team: C,
                clamp: Clamp::Late
            },
            Event::BuzzReceived {
                team: C,
                press: t(1_000)
            },
            Event::FloorTaken {
                team: C,
                deadline: t(6_000),
                locked_out: vec![A, B, D],
                close: false,
            },
        ]
    );
    assert_eq!(
        play(&game).buzzes,
        vec![Buzz {
            clamp: Some(Clamp::Late),
            ..record(C, 1, t(1_000), t(1_000), Some(late))
        }]
    );
}

/// Claims from before the opening that are not plausible (or within the clock error) are not
/// false starts: they are moved into the window and never placed before the opening.
#[test]
fn an_implausible_claim_from_before_the_opening_is_clamped_into_the_window() {
    // (claim, arrival, press it gets, clamp): buzzers open at t(1_000), allowance 60 ms.
    let cases = [
        // Earliest plausible t(970) is before the opening: moved to the opening.
        (claim(t(900), 0), t(1_030), t(1_000), Clamp::BeforeOpen),
        // Earliest plausible t(1_940) is after the opening: moved there.
        (claim(t(500), 0), t(2_000), t(1_940), Clamp::Early),
        // 1 ms before the opening with a 1 ms clock error: may well have been after it.
        (claim(t(999), 0), t(1_030), t(1_000), Clamp::BeforeOpen),
    ];
    for rules in [default_rules(), ignore_rules(), lose_question_rules(true)] {
        for (c, arrival, press, clamp) in cases {
            let mut game = open_at(rules.clone(), 0, t(1_000));
            let events = ok(&mut game, claimed(A, c), arrival);
            assert_eq!(
                events[..2],
                [
                    Event::PressClamped { team: A, clamp },
                    Event::BuzzReceived { team: A, press },
                ],
                "{c:?} arriving at {arrival:?} under {:?}",
                rules.false_start
            );
            assert_eq!(play(&game).floor(), Some(A));
            assert_eq!(play(&game).false_starts, vec![]);
            assert_eq!(
                play(&game).buzzes,
                vec![Buzz {
                    clamp: Some(clamp),
                    ..record(A, 1, arrival, press, Some(c))
                }]
            );
        }
    }
}

/// Absurd claims (extreme clock values, errors, allowances) never panic and always land in
/// [opened_at, arrival].
#[test]
fn extreme_claims_never_panic_and_stay_in_the_window() {
    let values = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    let opened_at = t(1_000);
    let arrival = t(1_030);
    for rules in [default_rules(), ignore_rules(), lose_question_rules(true)] {
        for pressed_us in values {
            for offset_us in values {
                for (error_us, allowance_us) in [(0, 0), (1_000, 60_000), (u64::MAX, u64::MAX)] {
                    let c = PressClaim {
                        pressed_us,
                        offset_us,
                        error_us,
                        round_trip_us: u64::MAX,
                        allowance_us,
                    };
                    let corrected = i128::from(pressed_us) - i128::from(offset_us);
                    let (press, clamp) = if corrected > i128::from(arrival.0) {
                        (arrival, Clamp::Late)
                    } else if allowance_us == 0 {
                        (arrival, Clamp::Early)
                    } else {
                        (opened_at, Clamp::BeforeOpen)
                    };
                    let mut game = open_at(rules.clone(), u64::MAX, opened_at);
                    let events = match game.apply(&claimed(A, c), arrival) {
                        Ok(events) => events,
                        Err(rejection) => panic!("{c:?} was refused: {rejection:?}"),
                    };
                    assert_eq!(
                        events[..2],
                        [
                            Event::PressClamped { team: A, clamp },
                            Event::BuzzReceived { team: A, press },
                        ],
                        "{c:?}"
                    );
                    assert!(opened_at <= press && press <= arrival);
                    // The settle wait is bounded by the round, not by the claim.
                    let until = Time(press.0.saturating_add(u64::MAX)).clamp(arrival, t(1_130));
                    assert_eq!(phase(&game), Phase::Settling { opened_at, until }, "{c:?}");
                    let events = game.tick(until);
                    assert!(
                        matches!(events[..], [Event::FloorTaken { team: A, .. }]),
                        "{c:?}: {events:?}"
                    );
                }
            }
        }
    }
}

/// Identical corrected presses: the earlier arrival wins, then the lower team; a close call.
#[test]
fn identical_presses_are_a_close_call_decided_by_arrival_then_team() {
    let mut game = open_at(default_rules(), 50 * MS, T0);
    let c_claim = claim(t(1_010), 123_456);
    let b_claim = claim(t(1_010), -987_654);
    ok(&mut game, claimed(C, c_claim), t(1_020));
    ok(&mut game, claimed(B, b_claim), t(1_030));
    assert_eq!(
        game.tick(t(1_060)),
        vec![Event::FloorTaken {
            team: C,
            deadline: t(6_060),
            locked_out: vec![A, B, D],
            close: true,
        }]
    );
    assert_eq!(
        play(&game).race_order(),
        vec![
            Buzz {
                close: true,
                ..record(C, 1, t(1_020), t(1_010), Some(c_claim))
            },
            Buzz {
                close: true,
                ..record(B, 1, t(1_030), t(1_010), Some(b_claim))
            },
        ]
    );

    // Same press and same arrival: the lower team index wins, whichever was applied first.
    for first in [B, D] {
        let second = if first == B { D } else { B };
        let mut game = open_at(default_rules(), 50 * MS, T0);
        ok(&mut game, claimed(first, claim(t(1_010), 5)), t(1_020));
        ok(&mut game, claimed(second, claim(t(1_010), -5)), t(1_020));
        assert_eq!(
            game.tick(t(1_060)),
            vec![Event::FloorTaken {
                team: B,
                deadline: t(6_060),
                locked_out: vec![A, C, D],
                close: true,
            }]
        );
        let order: Vec<(TeamId, bool)> = play(&game)
            .race_order()
            .iter()
            .map(|b| (b.team, b.close))
            .collect();
        assert_eq!(order, vec![(B, true), (D, true)]);
    }
}

/// Presses closer than the sum of both clock errors are close calls; farther ones are not.
#[test]
fn presses_within_the_measurement_error_are_marked_close() {
    // (A's press, B's press, each error): A always pressed first, B's press arrives first.
    for (b_press, error_us, close) in [
        (t(1_001), 2_000, true),
        (t(1_002), 1_000, true),
        (t(1_010), 1_000, false),
    ] {
        let mut game = open_at(default_rules(), 50 * MS, T0);
        let a_claim = PressClaim {
            error_us,
            ..claim(t(1_000), 77)
        };
        let b_claim = PressClaim {
            error_us,
            ..claim(b_press, -77)
        };
        ok(&mut game, claimed(B, b_claim), t(1_015));
        ok(&mut game, claimed(A, a_claim), t(1_020));
        // C's plain buzz is 40 ms behind: never a close call.
        ok(&mut game, buzz(C), t(1_040));
        let until = b_press.after(50);
        assert_eq!(game.next_deadline(), Some(until));
        assert_eq!(
            game.tick(until),
            vec![Event::FloorTaken {
                team: A,
                deadline: until.after(5_000),
                locked_out: vec![B, C, D],
                close,
            }],
            "B at {b_press:?}, error {error_us}"
        );
        assert_eq!(
            play(&game).race_order(),
            vec![
                Buzz {
                    close,
                    ..record(A, 1, t(1_020), t(1_000), Some(a_claim))
                },
                Buzz {
                    close,
                    ..record(B, 1, t(1_015), b_press, Some(b_claim))
                },
                record(C, 1, t(1_040), t(1_040), None),
            ]
        );
    }
}

/// `ignore`: an early press is not counted, whether sent while Ready, while Locked, or claimed
/// from before the opening; the team can press again at once.
#[test]
fn ignore_rule_does_not_count_an_early_press() {
    let mut game = ready(ignore_rules());
    assert_eq!(
        refused(&mut game, buzz(A), t(100)),
        Rejection::BuzzersClosed
    );
    assert_eq!(
        refused(&mut game, claimed(A, claim(t(90), 0)), t(100)),
        Rejection::BuzzersClosed
    );

    let mut game = open_at(ignore_rules(), 0, T0);
    ok(&mut game, Command::LockBuzzers, t(100));
    assert_eq!(
        refused(&mut game, buzz(A), t(200)),
        Rejection::BuzzersClosed
    );

    // Opened at t(1_000); A's press at t(980) was plausible (its allowance reaches t(970)) and
    // more than its 1 ms error before the opening: it anticipated.
    let mut game = open_at(ignore_rules(), 0, t(1_000));
    assert_eq!(
        refused(&mut game, claimed(A, claim(t(980), 0)), t(1_030)),
        Rejection::BuzzersClosed
    );
    assert_eq!(play(&game).false_starts, vec![]);
    assert_eq!(play(&game).buzzes, vec![]);
    // Its next, real press counts.
    let again = claim(t(1_040), 0);
    assert_eq!(
        ok(&mut game, claimed(A, again), t(1_050)),
        vec![
            Event::BuzzReceived {
                team: A,
                press: t(1_040)
            },
            Event::FloorTaken {
                team: A,
                deadline: t(6_050),
                locked_out: vec![B, C, D],
                close: false,
            },
        ]
    );
    assert_eq!(
        play(&game).buzzes,
        vec![record(A, 1, t(1_050), t(1_040), Some(again))]
    );
}

/// `lockout`: an early buzz locks the team's buzzer for false_start_lockout_ms; mashing changes
/// nothing; at exactly locked_until the buzzer works again.
#[test]
fn lockout_rule_locks_an_early_buzzer_until_exactly_its_end() {
    // While Ready.
    let mut game = ready(default_rules());
    assert_eq!(
        ok(&mut game, buzz(A), t(100)),
        vec![Event::FalseStart {
            team: A,
            lost_question: false
        }]
    );
    let lockout = FalseStart {
        team: A,
        at: t(100),
        locked_until: Some(t(350)),
        lost_question: false,
    };
    assert_eq!(play(&game).false_starts, vec![lockout]);
    assert_eq!(phase(&game), Phase::Ready);
    for at in [t(101), t(200), Time(t(350).0 - 1)] {
        assert_eq!(
            refused(&mut game, buzz(A), at),
            Rejection::FalseStartLockout
        );
    }
    assert_eq!(
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(300)),
        vec![Event::BuzzersOpened {
            deadline: t(10_300),
            eligible: ALL.to_vec(),
        }]
    );
    assert_eq!(
        refused(&mut game, buzz(A), Time(t(350).0 - 1)),
        Rejection::FalseStartLockout
    );
    assert_eq!(
        refused(&mut game, claimed(A, claim(t(340), 0)), t(349)),
        Rejection::FalseStartLockout
    );
    assert_eq!(play(&game).false_starts, vec![lockout]);
    assert_eq!(
        ok(&mut game, buzz(A), t(350)),
        vec![
            Event::BuzzReceived {
                team: A,
                press: t(350)
            },
            Event::FloorTaken {
                team: A,
                deadline: t(5_350),
                locked_out: vec![B, C, D],
                close: false,
            },
        ]
    );

    // While Locked.
    let mut game = open_at(default_rules(), 0, T0);
    ok(&mut game, Command::LockBuzzers, t(100));
    assert_eq!(
        ok(&mut game, buzz(B), t(200)),
        vec![Event::FalseStart {
            team: B,
            lost_question: false
        }]
    );
    assert_eq!(phase(&game), Phase::Locked);
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(300));
    assert_eq!(
        refused(&mut game, buzz(B), t(449)),
        Rejection::FalseStartLockout
    );
    ok(&mut game, buzz(B), t(450));
    assert_eq!(play(&game).floor(), Some(B));

    // By a plausible claim from before the opening, arriving after it.
    let mut game = open_at(default_rules(), 0, t(1_000));
    assert_eq!(
        ok(&mut game, claimed(C, claim(t(980), 0)), t(1_030)),
        vec![Event::FalseStart {
            team: C,
            lost_question: false
        }]
    );
    assert_eq!(
        play(&game).false_starts,
        vec![FalseStart {
            team: C,
            at: t(1_030),
            locked_until: Some(t(1_280)),
            lost_question: false,
        }]
    );
    assert_eq!(play(&game).buzzes, vec![]);
    assert_eq!(
        phase(&game),
        Phase::Open {
            opened_at: t(1_000),
            deadline: t(11_000)
        }
    );
    assert_eq!(
        refused(&mut game, buzz(C), t(1_279)),
        Rejection::FalseStartLockout
    );
    ok(&mut game, buzz(C), t(1_280));
    assert_eq!(play(&game).floor(), Some(C));
}

/// `lose_question`: an early buzz takes the question from the team: it is not eligible, not
/// locked out by a winner, and the question closes when the others have all answered wrong.
#[test]
fn lose_question_rule_takes_the_question_from_an_early_buzzer() {
    let rules = lose_question_rules(true);

    // While Ready.
    let mut game = ready(rules.clone());
    assert_eq!(
        ok(&mut game, buzz(A), t(100)),
        vec![Event::FalseStart {
            team: A,
            lost_question: true
        }]
    );
    assert_eq!(
        play(&game).false_starts,
        vec![FalseStart {
            team: A,
            at: t(100),
            locked_until: None,
            lost_question: true,
        }]
    );
    assert_eq!(
        refused(&mut game, buzz(A), t(200)),
        Rejection::LostByFalseStart
    );
    assert_eq!(
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(300)),
        vec![Event::BuzzersOpened {
            deadline: t(10_300),
            eligible: vec![B, C, D],
        }]
    );
    assert_eq!(play(&game).eligible(4), vec![B, C, D]);
    assert_eq!(
        refused(&mut game, buzz(A), t(400)),
        Rejection::LostByFalseStart
    );
    assert_eq!(
        refused(&mut game, claimed(A, claim(t(390), 0)), t(400)),
        Rejection::LostByFalseStart
    );
    let events = ok(&mut game, buzz(B), t(500));
    assert_eq!(
        events[1],
        Event::FloorTaken {
            team: B,
            deadline: t(5_500),
            locked_out: vec![C, D],
            close: false,
        }
    );
    assert_eq!(
        ok(&mut game, judge(Verdict::Wrong), t(600))[1],
        Event::BuzzersOpened {
            deadline: t(10_600),
            eligible: vec![C, D],
        }
    );
    ok(&mut game, buzz(C), t(700));
    assert_eq!(
        ok(&mut game, judge(Verdict::Wrong), t(800))[1],
        Event::BuzzersOpened {
            deadline: t(10_800),
            eligible: vec![D],
        }
    );
    assert_eq!(
        ok(&mut game, buzz(D), t(900))[1],
        Event::FloorTaken {
            team: D,
            deadline: t(5_900),
            locked_out: vec![],
            close: false,
        }
    );
    assert_eq!(
        ok(&mut game, judge(Verdict::Wrong), t(1_000)),
        vec![
            Event::Judged {
                team: D,
                verdict: Verdict::Wrong,
                delta: Points::whole(0),
            },
            Event::QuestionClosed {
                reason: CloseReason::AllTried
            },
        ]
    );
    assert_eq!(play(&game).tried, vec![B, C, D]);

    // While Locked.
    let mut game = open_at(rules.clone(), 0, T0);
    ok(&mut game, Command::LockBuzzers, t(100));
    assert_eq!(
        ok(&mut game, buzz(C), t(200)),
        vec![Event::FalseStart {
            team: C,
            lost_question: true
        }]
    );
    assert_eq!(
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(300)),
        vec![Event::BuzzersOpened {
            deadline: t(10_300),
            eligible: vec![A, B, D],
        }]
    );

    // By a plausible claim from before the opening, arriving while another buzz settles.
    let mut game = open_at(rules, 50 * MS, t(1_000));
    ok(&mut game, buzz(D), t(1_020));
    assert_eq!(
        ok(&mut game, claimed(B, claim(t(980), 0)), t(1_030)),
        vec![Event::FalseStart {
            team: B,
            lost_question: true
        }]
    );
    assert_eq!(
        refused(&mut game, buzz(B), t(1_040)),
        Rejection::LostByFalseStart
    );
    assert_eq!(
        game.tick(t(1_070)),
        vec![Event::FloorTaken {
            team: D,
            deadline: t(6_070),
            locked_out: vec![A, C],
            close: false,
        }]
    );
    assert_eq!(
        play(&game).race_order(),
        vec![record(D, 1, t(1_020), t(1_020), None)]
    );
}

/// When the last team that could still win loses the question by a false start, the question
/// closes at once (AllTried) instead of waiting out a window nobody can buzz in.
#[test]
fn a_false_start_by_the_last_eligible_team_closes_the_question() {
    // Reopened for D alone at t(1_500); D's claim is from before that opening.
    let mut game = open_at(lose_question_rules(true), 0, T0);
    for (i, team) in [A, B, C].into_iter().enumerate() {
        let at = 1_000 + 200 * i as u64;
        ok(&mut game, buzz(team), t(at));
        ok(&mut game, judge(Verdict::Wrong), t(at + 100));
    }
    assert_eq!(
        phase(&game),
        Phase::Open {
            opened_at: t(1_500),
            deadline: t(11_500)
        }
    );
    assert_eq!(
        ok(&mut game, claimed(D, claim(t(1_480), 0)), t(1_520)),
        vec![
            Event::FalseStart {
                team: D,
                lost_question: true
            },
            Event::QuestionClosed {
                reason: CloseReason::AllTried
            },
        ]
    );
    assert_eq!(
        phase(&game),
        Phase::Closed {
            reason: CloseReason::AllTried
        }
    );
    assert_eq!(game.next_deadline(), None);
    assert_eq!(play(&game).eligible(4), vec![]);

    // Without reopening: D buzzes while the buzzers are locked for it.
    let mut game = ready(lose_question_rules(false));
    for (i, team) in [A, B, C].into_iter().enumerate() {
        let at = 1_000 * (i as u64 + 1);
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(at));
        ok(&mut game, buzz(team), t(at + 100));
        ok(&mut game, judge(Verdict::Wrong), t(at + 200));
    }
    assert_eq!(phase(&game), Phase::Locked);
    assert_eq!(
        ok(&mut game, buzz(D), t(4_000)),
        vec![
            Event::FalseStart {
                team: D,
                lost_question: true
            },
            Event::QuestionClosed {
                reason: CloseReason::AllTried
            },
        ]
    );
}

/// After a wrong answer the reopened buzzers are race 2: the team that answered is out, the
/// others may buzz again, and the settle window given at the opening applies again.
#[test]
fn reopening_after_wrong_starts_race_two_with_the_same_settle_window() {
    let mut game = open_at(penalty_rules(5), 50 * MS, T0);
    ok(&mut game, buzz(A), t(1_000));
    ok(&mut game, buzz(B), t(1_020));
    assert_eq!(
        refused(&mut game, buzz(B), t(1_030)),
        Rejection::AlreadyBuzzed
    );
    game.tick(t(1_050));
    assert_eq!(play(&game).floor(), Some(A));

    assert_eq!(
        ok(&mut game, judge(Verdict::Wrong), t(2_000)),
        vec![
            Event::Judged {
                team: A,
                verdict: Verdict::Wrong,
                delta: Points::whole(-5),
            },
            Event::BuzzersOpened {
                deadline: t(12_000),
                eligible: vec![B, C, D],
            },
        ]
    );
    assert_eq!(play(&game).race, 2);
    assert_eq!(play(&game).settle_us, 50 * MS);
    assert_eq!(play(&game).race_order(), vec![]);
    assert_eq!(
        refused(&mut game, buzz(A), t(2_100)),
        Rejection::AlreadyTried
    );
    assert_eq!(
        refused(&mut game, claimed(A, claim(t(2_050), 0)), t(2_100)),
        Rejection::AlreadyTried
    );

    // B buzzed in race 1 and may buzz in race 2; C pressed earlier but arrives later.
    let b_claim = claim(t(3_010), 7);
    let c_claim = claim(t(3_000), -7);
    ok(&mut game, claimed(B, b_claim), t(3_040));
    assert_eq!(
        phase(&game),
        Phase::Settling {
            opened_at: t(2_000),
            until: t(3_060),
        }
    );
    ok(&mut game, claimed(C, c_claim), t(3_050));
    assert_eq!(
        game.tick(t(3_060)),
        vec![Event::FloorTaken {
            team: C,
            deadline: t(8_060),
            locked_out: vec![B, D],
            close: false,
        }]
    );
    assert_eq!(
        play(&game).race_order(),
        vec![
            record(C, 2, t(3_050), t(3_000), Some(c_claim)),
            record(B, 2, t(3_040), t(3_010), Some(b_claim)),
        ]
    );
    assert_eq!(
        play(&game).buzzes,
        vec![
            record(A, 1, t(1_000), t(1_000), None),
            record(B, 1, t(1_020), t(1_020), None),
            record(B, 2, t(3_040), t(3_010), Some(b_claim)),
            record(C, 2, t(3_050), t(3_000), Some(c_claim)),
        ]
    );
}

/// Undo after a settled race's judgement gives back exactly the floor, even while the next
/// race is settling.
#[test]
fn undo_after_a_settled_race_restores_the_floor_exactly() {
    let mut game = open_at(penalty_rules(5), 50 * MS, T0);
    ok(&mut game, buzz(B), t(1_020));
    ok(&mut game, claimed(A, claim(t(1_000), 99)), t(1_030));
    game.tick(t(1_070));
    let before = game.clone();
    assert_eq!(
        phase(&before),
        Phase::Floor {
            team: A,
            deadline: t(6_070),
            time_up: false,
        }
    );

    ok(&mut game, judge(Verdict::Wrong), t(2_000));
    ok(&mut game, buzz(C), t(3_000));
    assert!(matches!(phase(&game), Phase::Settling { .. }));
    assert_eq!(
        ok(&mut game, Command::Undo, t(3_010)),
        vec![Event::Undone {
            team: A,
            delta: Points::whole(-5)
        }]
    );
    assert_eq!(game, before);
    assert_eq!(game.next_deadline(), Some(t(6_070)));
    assert_eq!(play(&game).race, 1);
}

/// A tick long after the settle deadline and the answer deadline awards the floor as of the
/// settle deadline, then reports the time up, in one go.
#[test]
fn a_late_tick_awards_the_floor_from_the_settle_deadline() {
    let mut game = open_at(default_rules(), 50 * MS, T0);
    ok(&mut game, buzz(B), t(1_000));
    ok(&mut game, claimed(A, claim(t(990), 0)), t(1_030));
    let settling = game.clone();

    assert_eq!(
        game.tick(t(20_000)),
        vec![
            Event::FloorTaken {
                team: A,
                deadline: t(6_050),
                locked_out: vec![B, C, D],
                close: false,
            },
            Event::AnswerTimeUp { team: A },
        ]
    );
    assert_eq!(
        phase(&game),
        Phase::Floor {
            team: A,
            deadline: t(6_050),
            time_up: true,
        }
    );
    assert_eq!(game.next_deadline(), None);

    // Late, but before the answer deadline: the deadline still counts from the settle deadline.
    let mut game = settling.clone();
    assert_eq!(
        game.tick(t(3_000)),
        vec![Event::FloorTaken {
            team: A,
            deadline: t(6_050),
            locked_out: vec![B, C, D],
            close: false,
        }]
    );
    assert_eq!(game.next_deadline(), Some(t(6_050)));

    // A command with no tick before it reports both first.
    let mut game = settling;
    assert_eq!(
        ok(&mut game, judge(Verdict::Correct), t(20_000)),
        vec![
            Event::FloorTaken {
                team: A,
                deadline: t(6_050),
                locked_out: vec![B, C, D],
                close: false,
            },
            Event::AnswerTimeUp { team: A },
            Event::Judged {
                team: A,
                verdict: Verdict::Correct,
                delta: Points::whole(10),
            },
            Event::QuestionClosed {
                reason: CloseReason::Correct
            },
        ]
    );
}

/// The settle bound and the allowance cap are at most 250 ms; the error names the field.
#[test]
fn fairness_bounds_are_validated() {
    for field in ["press_allowance_cap_ms", "settle_max_ms"] {
        let mut json = contest_json();
        json["rounds"][0]["rules"][field] = 251.into();
        invalid_at(&json, &format!("rounds[0].rules.{field}"));

        for ms in [0, 250] {
            let mut json = contest_json();
            json["rounds"][0]["rules"][field] = ms.into();
            assert!(parse(&json).is_ok(), "{field} = {ms}");
        }
    }
}

/// Each false-start rule has its name in the contest file; a misspelt one is a parse error.
#[test]
fn false_start_rules_parse_from_the_contest_file() {
    for (name, rule) in [
        ("ignore", FalseStartRule::Ignore),
        ("lockout", FalseStartRule::Lockout),
        ("lose_question", FalseStartRule::LoseQuestion),
    ] {
        let mut json = contest_json();
        json["rounds"][0]["rules"]["false_start"] = name.into();
        json["rounds"][0]["rules"]["false_start_lockout_ms"] = 400.into();
        let contest = match parse(&json) {
            Ok(contest) => contest,
            Err(error) => panic!("{name}: {error}"),
        };
        let Round::BuzzIn(round) = &contest.rounds[0] else {
            panic!("a buzz-in round");
        };
        assert_eq!(round.rules.false_start, rule);
        assert_eq!(round.rules.false_start_lockout_ms, 400);
    }
    let mut json = contest_json();
    json["rounds"][0]["rules"]["false_start"] = "lose-question".into();
    assert!(matches!(parse(&json), Err(ContestError::Parse(_))));
}

/// A contest file fixed on stage: wording may change under a running show, nothing else may.
#[test]
fn only_wording_can_be_amended_in_a_running_show() {
    let contest = Contest::demo();
    let mut game = Game::new(contest.clone());
    game.apply(&Command::ShowNextQuestion, Time(1_000))
        .expect("show");
    game.apply(
        &Command::AdjustScore {
            team: TeamId(2),
            delta: Points::whole(7),
            reason: "chào hỏi".into(),
        },
        Time(2_000),
    )
    .expect("adjust");

    let mut reworded = contest.clone();
    reworded.title = "Hội thi (đã sửa)".into();
    reworded.teams[0].name = "Đội xã Phước Hải mới".into();
    let Round::BuzzIn(round) = &mut reworded.rounds[0] else {
        panic!("a buzz-in round");
    };
    round.title = "Vòng 1".into();
    round.questions[0].text = "Câu hỏi đã sửa?".into();
    let before = game.clone();
    game.amend(reworded.clone()).expect("wording only");
    assert_eq!(game.scores(), before.scores());
    assert_eq!(game.stage(), before.stage());
    assert_eq!(
        game.current_question().map(|q| q.text.as_str()),
        Some("Câu hỏi đã sửa?")
    );

    let refused = |change: &dyn Fn(&mut Contest), why: &str| {
        let mut other = contest.clone();
        change(&mut other);
        let mut attempt = before.clone();
        assert_eq!(attempt.amend(other), Err(why.to_string()));
        assert_eq!(attempt, before, "a refused amendment changes nothing");
    };
    refused(&|c| c.teams.swap(0, 1), "the teams are not the same");
    refused(
        &|c| c.rounds.push(c.rounds[0].clone()),
        "the number of rounds changed",
    );
    refused(
        &|c| {
            let Round::BuzzIn(round) = &mut c.rounds[0] else {
                panic!("a buzz-in round");
            };
            round.questions.pop();
        },
        "the number of questions in round 1 changed",
    );
    refused(
        &|c| {
            let Round::BuzzIn(round) = &mut c.rounds[0] else {
                panic!("a buzz-in round");
            };
            round.rules.penalty = 5;
        },
        "the rules of round 1 changed",
    );
}

// ---------------------------------------------------------------------------------------------
// The programme: rounds in any order, slides, finishing early
// ---------------------------------------------------------------------------------------------

/// Two buzz-in rounds of two questions each.
fn two_rounds() -> Game {
    Game::new(contest_with_rounds(vec![
        buzz_in_round("Khởi động", default_rules(), 2),
        buzz_in_round("Về đích", default_rules(), 2),
    ]))
}

/// (round, question) on stage.
fn position(game: &Game) -> (usize, usize) {
    let stage = question_stage(game);
    (stage.round, stage.question)
}

/// Plays the question on stage to a correct answer by `team`.
fn win(game: &mut Game, team: TeamId, now: Time) {
    ok(game, Command::OpenBuzzers { settle_us: 0 }, now);
    ok(game, buzz(team), now);
    ok(game, judge(Verdict::Correct), now);
}

#[test]
fn rounds_are_played_in_the_order_the_mc_chooses() {
    let mut game = two_rounds();
    let events = ok(&mut game, Command::StartRound { round: 1 }, t(0));
    assert_eq!(events, vec![Event::RoundStarted { round: 1 }]);
    assert_eq!(game.stage(), &Stage::RoundIntro { round: 1 });
    assert_eq!(game.current_round_index(), Some(1));
    ok(&mut game, Command::ShowNextQuestion, t(1));
    assert_eq!(position(&game), (1, 0));
    ok(&mut game, Command::ShowNextQuestion, t(2));
    assert_eq!(position(&game), (1, 1));
    // Round 2 done: the next question is the first unplayed one in programme order.
    ok(&mut game, Command::ShowNextQuestion, t(3));
    assert_eq!(position(&game), (0, 0));
    ok(&mut game, Command::ShowNextQuestion, t(4));
    assert_eq!(position(&game), (0, 1));
    let events = ok(&mut game, Command::ShowNextQuestion, t(5));
    assert_eq!(events, vec![Event::ContestFinished]);
    assert_eq!(game.shown(), &[2, 2]);
}

#[test]
fn a_round_started_in_the_middle_resumes_where_it_stopped() {
    let mut game = two_rounds();
    ok(&mut game, Command::ShowNextQuestion, t(0));
    assert_eq!(position(&game), (0, 0));
    ok(&mut game, Command::StartRound { round: 1 }, t(1));
    ok(&mut game, Command::ShowNextQuestion, t(2));
    assert_eq!(position(&game), (1, 0));
    // Back to the first round: its second question, not the first again.
    ok(&mut game, Command::StartRound { round: 0 }, t(3));
    ok(&mut game, Command::ShowNextQuestion, t(4));
    assert_eq!(position(&game), (0, 1));
    // The round being played is finished: on to the rest of round 2.
    ok(&mut game, Command::ShowNextQuestion, t(5));
    assert_eq!(position(&game), (1, 1));
}

#[test]
fn points_count_for_the_round_being_played_even_between_questions() {
    let mut game = two_rounds();
    ok(&mut game, Command::StartRound { round: 1 }, t(0));
    ok(&mut game, Command::ShowNextQuestion, t(1));
    win(&mut game, B, t(2));
    ok(
        &mut game,
        Command::ShowSlide {
            slide: Slide::Ranking { round: Some(1) },
        },
        t(3),
    );
    // A foul noticed while the ranking is up counts for the round just played.
    ok(&mut game, adjust(C, -3, "phạm quy"), t(4));
    assert_eq!(game.round_scores(), &[vec![0, 0, 0, 0], vec![0, 10, -3, 0]]);
    assert_eq!(game.scores(), &[0, 10, -3, 0]);
}

#[test]
fn starting_a_round_is_refused_when_it_cannot_be_played_now() {
    let mut game = two_rounds();
    assert_eq!(
        refused(&mut game, Command::StartRound { round: 2 }, t(0)),
        Rejection::UnknownRound
    );
    ok(&mut game, Command::StartRound { round: 0 }, t(0));
    ok(&mut game, Command::ShowNextQuestion, t(1));
    ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, t(2));
    assert_eq!(
        refused(&mut game, Command::StartRound { round: 1 }, t(3)),
        Rejection::BuzzersOpen
    );
    ok(&mut game, buzz(A), t(3));
    for command in [
        Command::StartRound { round: 1 },
        Command::ShowSlide {
            slide: Slide::Intermission {
                caption: String::new(),
            },
        },
        Command::FinishContest,
    ] {
        assert_eq!(
            refused(&mut game, command, t(4)),
            Rejection::AwaitingJudgement
        );
    }
    ok(&mut game, judge(Verdict::Correct), t(5));
    ok(&mut game, Command::ShowNextQuestion, t(6));
    assert_eq!(
        refused(&mut game, Command::StartRound { round: 0 }, t(7)),
        Rejection::RoundPlayed
    );
}

#[test]
fn slides_are_checked_and_the_show_continues_after_them() {
    let mut game = two_rounds();
    assert_eq!(
        refused(
            &mut game,
            Command::ShowSlide {
                slide: Slide::Ranking { round: Some(2) }
            },
            t(0)
        ),
        Rejection::UnknownRound
    );
    assert_eq!(
        refused(
            &mut game,
            Command::ShowSlide {
                slide: Slide::Intermission {
                    caption: "x".repeat(MAX_CAPTION_CHARS + 1)
                }
            },
            t(0)
        ),
        Rejection::CaptionTooLong
    );
    let events = ok(
        &mut game,
        Command::ShowSlide {
            slide: Slide::Intermission {
                caption: "  Văn nghệ chào mừng  ".into(),
            },
        },
        t(0),
    );
    let welcome = Slide::Intermission {
        caption: "Văn nghệ chào mừng".into(),
    };
    assert_eq!(
        events,
        vec![Event::SlideShown {
            slide: welcome.clone()
        }]
    );
    assert_eq!(game.stage(), &Stage::Slide(welcome));
    // Judging or revealing needs a question.
    assert_eq!(
        refused(&mut game, Command::RevealAnswer, t(1)),
        Rejection::NoQuestion
    );
    ok(&mut game, Command::ShowNextQuestion, t(2));
    assert_eq!(position(&game), (0, 0));
}

#[test]
fn the_mc_may_end_the_contest_early_and_take_it_back() {
    let mut game = two_rounds();
    ok(&mut game, Command::ShowNextQuestion, t(0));
    win(&mut game, A, t(1));
    let events = ok(&mut game, Command::FinishContest, t(2));
    assert_eq!(events, vec![Event::ContestFinished]);
    assert_eq!(
        refused(&mut game, Command::FinishContest, t(3)),
        Rejection::ContestFinished
    );
    assert_eq!(
        refused(&mut game, Command::ShowNextQuestion, t(3)),
        Rejection::ContestFinished
    );
    // Ended by mistake: the MC starts the round that was left, and the show goes on.
    ok(&mut game, Command::StartRound { round: 1 }, t(4));
    ok(&mut game, Command::ShowNextQuestion, t(5));
    assert_eq!(position(&game), (1, 0));
    assert_eq!(game.scores(), &[10, 0, 0, 0]);
}

#[test]
fn equal_points_share_a_rank() {
    assert_eq!(ranks(&[10, 20, 10, 5]), vec![2, 1, 2, 4]);
    assert_eq!(ranks(&[0, 0, 0]), vec![1, 1, 1]);
    assert_eq!(ranks::<i64>(&[]), Vec::<usize>::new());
}

/// A snapshot from before rounds could be played in any order has no record of the questions
/// shown: it was played in programme order, so they follow from the question on stage.
#[test]
fn a_snapshot_without_the_programme_record_reads_as_played_in_order() {
    let mut game = two_rounds();
    for i in 0..3 {
        ok(&mut game, Command::ShowNextQuestion, t(i));
    }
    assert_eq!(position(&game), (1, 0));
    let mut old = serde_json::to_value(&game).expect("serialise");
    let fields = old.as_object_mut().expect("object");
    assert!(fields.remove("shown").is_some() && fields.remove("round").is_some());
    let read: Game = serde_json::from_value(old).expect("reads");
    assert_eq!(read, game);
    assert_eq!(read.shown(), &[2, 1]);
}

/// Greeting, a buzz-in round, talent: the rounds the MC scores by hand have no questions.
fn with_scored_rounds() -> Game {
    Game::new(
        ContestBuilder::new("Hội thi")
            .teams(4, |i| (["a", "b", "c", "d"][i].into(), format!("Đội {i}")))
            .scored("Chào hỏi")
            .buzz_in("Kiến thức", default_rules(), 1, |_| {
                Question::new("?", "!")
            })
            .scored("Năng khiếu")
            .build(),
    )
}

#[test]
fn a_round_scored_by_hand_is_played_at_its_title_and_skipped_by_next_question() {
    let mut game = with_scored_rounds();
    assert_eq!(game.contest().validate(), Ok(()));
    ok(&mut game, Command::StartRound { round: 0 }, t(0));
    ok(&mut game, adjust(A, 9, "Chào hỏi: 9 điểm"), t(1));
    ok(&mut game, adjust(B, 8, "Chào hỏi: 8 điểm"), t(2));
    // Next question: the buzz-in round's, the scored rounds have none.
    ok(&mut game, Command::ShowNextQuestion, t(3));
    assert_eq!(position(&game), (1, 0));
    win(&mut game, C, t(4));
    ok(&mut game, Command::StartRound { round: 2 }, t(5));
    ok(&mut game, adjust(D, 7, "Năng khiếu"), t(6));
    // A score entered wrongly is corrected by coming back to the round.
    ok(&mut game, Command::StartRound { round: 0 }, t(7));
    ok(&mut game, adjust(B, 1, "Chào hỏi: sửa 8 thành 9"), t(8));
    assert_eq!(
        game.round_scores(),
        &[vec![9, 9, 0, 0], vec![0, 0, 10, 0], vec![0, 0, 0, 7]]
    );
    let events = ok(&mut game, Command::ShowNextQuestion, t(9));
    assert_eq!(events, vec![Event::ContestFinished]);
}

#[test]
fn a_scored_round_needs_no_questions_but_a_buzz_in_round_does() {
    let contest = ContestBuilder::new("Hội thi")
        .team("a", "Đội A")
        .scored("Chào hỏi")
        .buzz_in("Kiến thức", default_rules(), 0, |_| {
            Question::new("?", "!")
        })
        .build();
    let Err(ContestError::Invalid(problems)) = contest.validate() else {
        panic!("refused");
    };
    let places: Vec<&str> = problems.iter().map(|p| p.at.as_str()).collect();
    assert_eq!(places, ["rounds[1].questions"]);
}

/// Phones are measured often only while teams may buzz on what is on stage.
#[test]
fn clocks_are_synced_fast_only_while_a_question_is_open_to_buzzes() {
    let mut game = two_rounds();
    assert!(!game.wants_fast_sync(), "before the start");
    ok(&mut game, Command::StartRound { round: 0 }, t(0));
    assert!(!game.wants_fast_sync(), "a round's title");
    ok(&mut game, Command::ShowNextQuestion, t(1));
    assert!(
        game.wants_fast_sync(),
        "a question shown: a false start is possible"
    );
    win(&mut game, A, t(2));
    assert!(!game.wants_fast_sync(), "the question closed");
    ok(
        &mut game,
        Command::ShowSlide {
            slide: Slide::Ranking { round: None },
        },
        t(3),
    );
    assert!(!game.wants_fast_sync(), "a slide");
}

/// A judgement that moves points between teams (a steal) goes through the one score path and
/// is undone exactly, every team at once.
#[test]
fn a_score_change_of_several_teams_is_undone_exactly() {
    let mut game = with_floor(floor_at_zero_rules(5), A);
    ok(&mut game, adjust(B, 5, "start"), t(10));
    let before = game.clone();
    let mut applied = Vec::new();
    let mut events = Vec::new();
    game.with_kind(t(11), &mut events, |_, _, _, turn| {
        applied = turn.score(
            &[(A, 30.into()), (B, (-30).into()), (C, (-10).into())],
            true,
        );
        Ok(())
    })
    .expect("a question is on stage");
    // Scores stop at zero: B loses its 5, C (at 0) loses nothing.
    assert_eq!(
        applied,
        vec![
            ScoreDelta {
                team: A,
                delta: Points::whole(30)
            },
            ScoreDelta {
                team: B,
                delta: Points::whole(-5)
            },
            ScoreDelta {
                team: C,
                delta: Points::whole(0)
            }
        ]
    );
    assert_eq!(game.scores(), &[30, 0, 0, 0]);
    let events = ok(&mut game, Command::Undo, t(20));
    assert_eq!(
        events,
        vec![
            Event::Undone {
                team: A,
                delta: Points::whole(30)
            },
            Event::Undone {
                team: B,
                delta: Points::whole(-5)
            },
            Event::Undone {
                team: C,
                delta: Points::whole(0)
            }
        ]
    );
    assert_eq!(game.scores(), before.scores());
    assert_eq!(game.round_scores(), before.round_scores());
    assert_eq!(game.stage(), before.stage());
}

/// An undo entry saved before several teams could change at once (one `team`, one `delta`)
/// still undoes that judgement.
#[test]
fn an_undo_entry_of_the_previous_format_still_undoes() {
    let mut game = with_floor(default_rules(), B);
    ok(&mut game, judge(Verdict::Correct), t(10));
    let mut saved = serde_json::to_value(&game).expect("serialise");
    let entry = &mut saved["undo"][0];
    assert_eq!(
        entry["changes"],
        serde_json::json!([{"team": 1, "delta": 10}])
    );
    let fields = entry.as_object_mut().expect("entry");
    fields.remove("changes");
    fields.insert("team".into(), 1.into());
    fields.insert("delta".into(), 10.into());
    let mut old: Game = serde_json::from_value(saved).expect("reads");
    assert_eq!(old, game);
    let events = ok(&mut old, Command::Undo, t(11));
    assert_eq!(
        events,
        vec![Event::Undone {
            team: B,
            delta: Points::whole(10)
        }]
    );
    assert_eq!(old.scores(), &[0, 0, 0, 0]);
}

// ---------------------------------------------------------------------------------------------
// Multiple choice
// ---------------------------------------------------------------------------------------------

/// A multiple-choice round of two questions (answer B of four options; the second worth 20 and
/// 10 s), with `rules`.
fn choice_game(rules: MultipleChoiceRules) -> Game {
    Game::new(
        ContestBuilder::new("Hội thi")
            .teams(4, |i| (["a", "b", "c", "d"][i].into(), format!("Đội {i}")))
            .multiple_choice("Kiến thức", rules, 2, |i| Question {
                text: format!("Câu {i}?"),
                answer: "B".into(),
                options: vec!["Một".into(), "Hai".into(), "Ba".into(), "Bốn".into()],
                points: (i == 1).then_some(20),
                time_ms: (i == 1).then_some(10_000),
                ..Question::default()
            })
            .build(),
    )
}

fn choose(team: TeamId, option: usize) -> Command {
    Command::Choose {
        team,
        option,
        claim: None,
    }
}

fn choice_play(game: &Game) -> &multiple_choice::ChoiceQuestion {
    let Play::MultipleChoice(play) = &question_stage(game).play else {
        panic!("a multiple-choice question");
    };
    play
}

#[test]
fn teams_choose_and_may_change_until_time_is_up_then_right_answers_score() {
    let mut game = choice_game(MultipleChoiceRules::default());
    ok(&mut game, Command::ShowNextQuestion, t(0));
    assert_eq!(
        refused(&mut game, choose(A, 1), t(1)),
        Rejection::AnswersNotOpen
    );
    let events = ok(&mut game, Command::OpenAnswers, t(1_000));
    assert_eq!(
        events,
        vec![Event::AnswersOpened {
            deadline: t(21_000)
        }]
    );
    assert!(game.wants_fast_sync() && game.has_team_views());
    ok(&mut game, choose(A, 1), t(2_000));
    ok(&mut game, choose(B, 2), t(3_000));
    ok(&mut game, choose(B, 1), t(4_000));
    ok(&mut game, choose(C, 0), t(5_000));
    assert_eq!(
        refused(&mut game, choose(D, 4), t(6_000)),
        Rejection::NoSuchOption
    );
    assert_eq!(
        refused(&mut game, Command::ShowNextQuestion, t(6_000)),
        Rejection::AnswersOpen
    );
    // Time runs out: the choices are final.
    assert_eq!(game.next_deadline(), Some(t(21_000)));
    assert_eq!(game.tick(t(21_000)), vec![Event::AnswersLocked]);
    assert_eq!(
        refused(&mut game, choose(D, 1), t(21_001)),
        Rejection::AnswersClosed
    );
    let picks: Vec<Option<(usize, u32)>> = choice_play(&game)
        .choices
        .iter()
        .map(|c| c.map(|c| (c.option, c.changes)))
        .collect();
    assert_eq!(picks, [Some((1, 0)), Some((1, 1)), Some((0, 0)), None]);
    let events = ok(&mut game, Command::RevealAnswer, t(22_000));
    assert_eq!(
        events,
        vec![
            Event::AnswerRevealed,
            Event::ChoicesScored {
                changes: vec![
                    ScoreDelta {
                        team: A,
                        delta: Points::whole(10)
                    },
                    ScoreDelta {
                        team: B,
                        delta: Points::whole(10)
                    }
                ]
            }
        ]
    );
    assert_eq!(game.scores(), &[10, 10, 0, 0]);
    // Next question: its own points and time.
    ok(&mut game, Command::ShowNextQuestion, t(23_000));
    let events = ok(&mut game, Command::OpenAnswers, t(24_000));
    assert_eq!(
        events,
        vec![Event::AnswersOpened {
            deadline: t(34_000)
        }]
    );
    ok(&mut game, choose(D, 1), t(25_000));
    ok(&mut game, Command::LockAnswers, t(26_000));
    ok(&mut game, Command::RevealAnswer, t(27_000));
    assert_eq!(game.scores(), &[10, 10, 0, 20]);
}

#[test]
fn the_speed_bonus_follows_the_press_time_and_a_reveal_is_undone_exactly() {
    let rules = MultipleChoiceRules {
        answer_time_ms: 20_000,
        points: 10,
        speed_bonus: 10,
        ..MultipleChoiceRules::default()
    };
    let mut game = choice_game(rules);
    ok(&mut game, Command::ShowNextQuestion, t(0));
    ok(&mut game, Command::OpenAnswers, t(0));
    // A at once (all the bonus), B a quarter in (7.5 → 7), C at the end (none), D wrong.
    ok(&mut game, choose(A, 1), t(0));
    ok(&mut game, choose(B, 1), t(5_000));
    ok(&mut game, choose(C, 1), t(20_000 - 1));
    ok(&mut game, choose(D, 3), t(1_000));
    // The game as the reveal finds it: time up, choices final.
    let mut before = game.clone();
    assert_eq!(before.tick(t(20_000)), vec![Event::AnswersLocked]);
    ok(&mut game, Command::RevealAnswer, t(20_000));
    assert_eq!(game.scores(), &[20, 17, 10, 0]);
    let points: Vec<Points> = choice_play(&game)
        .choices
        .iter()
        .map(|c| c.map_or(Points::whole(-1), |c| c.points))
        .collect();
    assert_eq!(points, [20, 17, 10, 0]);
    // A wrong answer key found on stage: the MC takes the reveal back, every score with it.
    let events = ok(&mut game, Command::Undo, t(21_000));
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(game.scores(), before.scores());
    assert_eq!(game.stage(), before.stage());
    ok(&mut game, Command::RevealAnswer, t(22_000));
    assert_eq!(game.scores(), &[20, 17, 10, 0]);
}

#[test]
fn buzz_commands_are_refused_on_a_multiple_choice_question_and_the_reverse() {
    let mut game = choice_game(MultipleChoiceRules::default());
    ok(&mut game, Command::ShowNextQuestion, t(0));
    for command in [
        Command::OpenBuzzers { settle_us: 0 },
        buzz(A),
        judge(Verdict::Correct),
    ] {
        assert_eq!(refused(&mut game, command, t(1)), Rejection::WrongKind);
    }
    let mut game = ready(default_rules());
    for command in [Command::OpenAnswers, Command::LockAnswers, choose(A, 0)] {
        assert_eq!(refused(&mut game, command, t(1)), Rejection::WrongKind);
    }
}

#[test]
fn a_multiple_choice_question_needs_options_and_an_answer_among_them() {
    let contest = ContestBuilder::new("Hội thi")
        .team("a", "Đội A")
        .multiple_choice("Kiến thức", MultipleChoiceRules::default(), 3, |i| {
            Question {
                text: "?".into(),
                answer: ["B", "E", "A"][i].into(),
                options: match i {
                    0 => vec!["Một".into()],
                    _ => vec!["Một".into(), "Hai".into(), " ".into()],
                },
                ..Question::default()
            }
        })
        .buzz_in("Giành quyền", default_rules(), 1, |_| Question {
            options: vec!["x".into(), "y".into()],
            ..Question::new("?", "!")
        })
        .build();
    let Err(ContestError::Invalid(problems)) = contest.validate() else {
        panic!("refused");
    };
    let places: Vec<&str> = problems.iter().map(|p| p.at.as_str()).collect();
    assert_eq!(
        places,
        [
            "rounds[0].questions[0].options",
            "rounds[0].questions[0].answer",
            "rounds[0].questions[1].options[2]",
            "rounds[0].questions[1].answer",
            "rounds[0].questions[2].options[2]",
            "rounds[1].questions[0]"
        ]
    );
}
