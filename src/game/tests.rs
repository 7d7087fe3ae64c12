//! Unit tests of the game core: the behaviour an MC would notice on stage.
//!
//! Every test builds its own small contest (four teams "a".."d", buzz-in rounds of three
//! questions) and drives it with explicit times; nothing here sleeps or reads a clock.

use super::buzz_in::{Buzz, Judgement};
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

fn questions(count: usize) -> Vec<Question> {
    (0..count)
        .map(|i| Question {
            text: format!("Question {i}?"),
            answer: format!("Answer {i}"),
            notes: String::new(),
        })
        .collect()
}

fn buzz_in_round(title: &str, rules: BuzzInRules, question_count: usize) -> Round {
    Round::BuzzIn(BuzzInRound {
        title: title.into(),
        rules,
        questions: questions(question_count),
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
    }
}

/// Four teams, one buzz-in round of three questions played with `rules`.
fn contest(rules: BuzzInRules) -> Contest {
    contest_with_rounds(vec![buzz_in_round("Buzz-in", rules, 3)])
}

fn default_rules() -> BuzzInRules {
    BuzzInRules::default()
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
    Command::Buzz { team }
}

fn judge(verdict: Verdict) -> Command {
    Command::Judge { verdict }
}

fn adjust(team: TeamId, delta: i64, reason: &str) -> Command {
    Command::AdjustScore {
        team,
        delta,
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
    let Play::BuzzIn(play) = &question_stage(game).play;
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
    ok(&mut game, Command::OpenBuzzers, T0);
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
    let events = ok(&mut game, Command::OpenBuzzers, t(500));
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
            deadline: t(10_500)
        }
    );
    assert_eq!(game.next_deadline(), Some(t(10_500)));

    // The window length comes from the round's rules.
    let mut game = ready(BuzzInRules {
        buzz_window_ms: 3_000,
        ..BuzzInRules::default()
    });
    let events = ok(&mut game, Command::OpenBuzzers, t(500));
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
        vec![Event::FloorTaken {
            team: C,
            deadline: t(6_000),
            locked_out: vec![A, B, D],
        }]
    );
    assert_eq!(
        phase(&game),
        Phase::Floor {
            team: C,
            deadline: t(6_000),
            time_up: false,
        }
    );
    assert_eq!(
        play(&game).buzzes,
        vec![Buzz {
            team: C,
            at: t(1_000)
        }]
    );
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
        vec![Event::FloorTaken {
            team: A,
            deadline: t(21_000),
            locked_out: vec![B, C, D],
        }]
    );
}

/// The MC locks open buzzers; a locked question can be opened again with a fresh window.
#[test]
fn lock_then_reopen() {
    let mut game = open(default_rules());
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

    let events = ok(&mut game, Command::OpenBuzzers, t(3_000));
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
                delta: 10,
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
                delta: -5,
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
            deadline: t(13_000)
        }
    );

    // The next team to buzz locks out only the teams that have not tried.
    let events = ok(&mut game, buzz(C), t(4_000));
    assert_eq!(
        events,
        vec![Event::FloorTaken {
            team: C,
            deadline: t(9_000),
            locked_out: vec![A, D],
        }]
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
                delta: 0,
            },
            Event::BuzzersLocked,
        ]
    );
    assert_eq!(phase(&game), Phase::Locked);
    assert_eq!(play(&game).tried, vec![B]);
    assert_eq!(game.next_deadline(), None);

    let events = ok(&mut game, Command::OpenBuzzers, t(4_000));
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
            delta: -1,
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
        ok(&mut game, Command::OpenBuzzers, t(at));
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
                    delta: 0,
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
            refused(game, Command::OpenBuzzers, t(1_500)),
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

        ok(&mut game, Command::OpenBuzzers, now);
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
    ok(&mut game, Command::OpenBuzzers, t(2_000));
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

/// Before the first question only showing it (and manual adjustments) make sense.
#[test]
fn commands_before_the_first_question_are_refused() {
    let mut game = Game::new(contest(default_rules()));
    assert_eq!(refused(&mut game, buzz(A), T0), Rejection::NoQuestion);
    assert_eq!(
        refused(&mut game, Command::OpenBuzzers, T0),
        Rejection::NoQuestion
    );
    assert_eq!(
        refused(&mut game, Command::LockBuzzers, T0),
        Rejection::NoQuestion
    );
    assert_eq!(
        refused(&mut game, judge(Verdict::Correct), T0),
        Rejection::NoQuestion
    );
    assert_eq!(
        refused(&mut game, Command::RevealAnswer, T0),
        Rejection::NoQuestion
    );
    assert_eq!(
        refused(&mut game, Command::Undo, T0),
        Rejection::NothingToUndo
    );
}

/// After the last question nothing about questions can happen any more.
#[test]
fn commands_after_the_contest_finished_are_refused() {
    let mut game = Game::new(contest(default_rules()));
    for _ in 0..4 {
        ok(&mut game, Command::ShowNextQuestion, T0);
    }
    assert_eq!(game.stage(), &Stage::Finished);
    assert_eq!(refused(&mut game, buzz(A), T0), Rejection::ContestFinished);
    assert_eq!(
        refused(&mut game, Command::OpenBuzzers, T0),
        Rejection::ContestFinished
    );
    assert_eq!(
        refused(&mut game, Command::LockBuzzers, T0),
        Rejection::ContestFinished
    );
    assert_eq!(
        refused(&mut game, judge(Verdict::Wrong), T0),
        Rejection::ContestFinished
    );
    assert_eq!(
        refused(&mut game, Command::RevealAnswer, T0),
        Rejection::ContestFinished
    );
    assert_eq!(
        refused(&mut game, Command::ShowNextQuestion, T0),
        Rejection::ContestFinished
    );
    assert_eq!(
        refused(&mut game, Command::Undo, T0),
        Rejection::NothingToUndo
    );
}

/// A buzz is refused whenever the buzzers are not open: Ready, Locked, Closed, expired.
#[test]
fn buzz_while_buzzers_closed_is_refused() {
    let mut game = ready(default_rules());
    assert_eq!(
        refused(&mut game, buzz(A), t(100)),
        Rejection::BuzzersClosed
    );

    let mut game = open(default_rules());
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
    ok(&mut game, Command::OpenBuzzers, t(2_100));
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
        refused(&mut game, Command::OpenBuzzers, t(100)),
        Rejection::BuzzersOpen
    );
    let mut game = with_floor(default_rules(), A);
    assert_eq!(
        refused(&mut game, Command::OpenBuzzers, t(2_000)),
        Rejection::AwaitingJudgement
    );
    let mut game = closed(default_rules());
    assert_eq!(
        refused(&mut game, Command::OpenBuzzers, t(3_000)),
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
            adjust(A, MAX_ADJUSTMENT + 1, "typo"),
            "the change is too large",
        ),
        (
            adjust(A, -MAX_ADJUSTMENT - 1, "typo"),
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
            delta: 3,
            reason: long_reason,
        }]
    );
    assert_eq!(game.scores(), &[MAX_ADJUSTMENT, -MAX_ADJUSTMENT, 3, 0]);
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
    assert_eq!(events, vec![Event::Undone { team: B, delta: 10 }]);
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
    assert_eq!(events, vec![Event::Undone { team: B, delta: -5 }]);
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
        vec![Event::Undone { team: C, delta: -5 }]
    );
    assert_eq!(game, before_second);
    assert_eq!(play(&game).tried, vec![B]);

    assert_eq!(
        ok(&mut game, Command::Undo, t(5_500)),
        vec![Event::Undone { team: B, delta: -5 }]
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
        vec![Event::Undone { team: B, delta: -5 }]
    );
    assert_eq!(play(&game).floor(), Some(B));
    assert_eq!(
        play(&game).buzzes,
        vec![Buzz {
            team: B,
            at: t(1_000)
        }]
    );
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
                delta: 10,
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
    ok(&mut game, Command::OpenBuzzers, t(100));
    assert_eq!(game.next_deadline(), Some(t(10_100)), "open");
    ok(&mut game, Command::LockBuzzers, t(200));
    assert_eq!(game.next_deadline(), None, "locked");
    ok(&mut game, Command::OpenBuzzers, t(300));
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
                delta: 0,
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
        Ok(vec![Event::FloorTaken {
            team: C,
            deadline: t(7_000),
            locked_out: vec![A, B, D],
        }])
    );
    for result in &results[1..] {
        assert_eq!(result, &Err(Rejection::FloorTaken));
    }
    assert_eq!(play(&game).floor(), Some(C));
    assert_eq!(play(&game).buzzes, vec![Buzz { team: C, at: now }]);
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
    ok(&mut game, Command::OpenBuzzers, t(3_000));
    ok(&mut game, buzz(B), t(4_000));
    let before = game.clone();

    let events = ok(&mut game, judge(Verdict::Wrong), t(5_000));
    assert_eq!(
        events[0],
        Event::Judged {
            team: B,
            verdict: Verdict::Wrong,
            delta: -10,
        }
    );
    assert_eq!(game.scores(), &[0, 0, 0, 0]);

    assert_eq!(
        ok(&mut game, Command::Undo, t(6_000)),
        vec![Event::Undone {
            team: B,
            delta: -10
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
            delta: 0,
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
            delta: -15,
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
            delta: -10,
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
    ok(&mut game, Command::OpenBuzzers, T0);
    ok(&mut game, buzz(B), t(100));
    ok(&mut game, judge(Verdict::Wrong), t(200));
    ok(&mut game, Command::LockBuzzers, t(300));
    assert_eq!(game.scores(), &[0, -20, 0, 0]);

    ok(&mut game, Command::ShowNextQuestion, t(1_000));
    ok(&mut game, Command::OpenBuzzers, t(1_000));
    ok(&mut game, buzz(B), t(1_100));
    let events = ok(&mut game, judge(Verdict::Correct), t(1_200));
    assert_eq!(
        events[0],
        Event::Judged {
            team: B,
            verdict: Verdict::Correct,
            delta: 10,
        }
    );
    assert_eq!(game.scores(), &[0, -10, 0, 0]);

    let events = ok(&mut game, adjust(B, 4, "bonus"), t(1_300));
    assert_eq!(
        events,
        vec![Event::ScoreAdjusted {
            team: B,
            delta: 4,
            reason: "bonus".into(),
        }]
    );
    assert_eq!(game.scores(), &[0, -6, 0, 0]);

    ok(&mut game, Command::ShowNextQuestion, t(2_000));
    ok(&mut game, Command::OpenBuzzers, t(2_000));
    ok(&mut game, buzz(B), t(2_100));
    let events = ok(&mut game, judge(Verdict::Wrong), t(2_200));
    assert_eq!(
        events[0],
        Event::Judged {
            team: B,
            verdict: Verdict::Wrong,
            delta: 0,
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

/// The base file is valid and missing rules take their defaults.
#[test]
fn contest_file_parses_with_default_rules() {
    let contest = match parse(&contest_json()) {
        Ok(contest) => contest,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(contest.team_index("b"), Some(1));
    let Round::BuzzIn(round) = &contest.rounds[0];
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
    fn invalid_at(json: &serde_json::Value, place: &str) {
        match parse(json) {
            Err(error @ ContestError::Invalid { .. }) => {
                let message = error.to_string();
                assert!(message.contains(place), "{message:?} does not name {place}");
            }
            other => panic!("expected an error at {place}, got {other:?}"),
        }
    }

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
