//! The virtual-time simulation of one session: a set of phones connected to a server for a run
//! of questions.
//!
//! The server side is the real code: one [`TeamLink`] per phone (pings, replies, online checks,
//! claims) and the real [`Game`], driven the way `server.rs` and `owner.rs` drive them: pings
//! every `TeamLink::ping_period_ms` (fast while a question is on stage and after connecting),
//! the owner's copy of each link's estimate refreshed by the same reporting rule as `server.rs`,
//! `settle_window_us`
//! over those copies for `OpenBuzzers`, `tick` before every `apply` and at `next_deadline()`.
//! The phones, the network and the people are the model in `model.rs`. Nothing sleeps: events
//! are processed in time order from a queue, so a session is deterministic given its seed.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use stagebuzz::clocksync::SyncEstimate;
use stagebuzz::game::buzz_in::Buzz;
use stagebuzz::game::{
    BuzzInRules, Clamp, Command, Contest, ContestBuilder, Event, Game, Phase, Play, Question,
    QuestionStage, Stage, TeamId, Time, Verdict,
};
use stagebuzz::link::{TeamLink, settle_window_us};

use crate::model::{
    CHEAT_CLAIM_MS, CHEAT_FORGE_MS, CHEAT_HOLD_MS, Cheat, MS, PageClock, PhoneNet, Profile, Timing,
    Us, uniform_us,
};

/// Server time of the session start: a plausible "now" in µs since the Unix epoch, so that the
/// server-side values have the magnitude (and `f64` rounding) they have in a real show.
pub const EPOCH_US: u64 = 1_800_000_000_000_000;

/// One session to simulate.
#[derive(Clone, Copy, Debug)]
pub struct SessionSpec<'a> {
    /// The network.
    pub profile: &'a Profile,
    /// The rhythm of the show.
    pub timing: &'a Timing,
    /// The round's rules.
    pub rules: &'a BuzzInRules,
    /// Number of teams (phones), all of which press in every race.
    pub teams: usize,
    /// Races to play.
    pub races: usize,
    /// Time between consecutive true presses.
    pub gap_us: Us,
    /// One phone (chosen at random) lies this way.
    pub cheat: Option<Cheat>,
    /// Seeds everything random in the session.
    pub seed: u64,
}

/// What the cheating phone got out of one race.
#[derive(Clone, Copy, Debug)]
pub struct CheaterOutcome {
    /// Its true press minus the press time the server used for it (µs), when its buzz entered
    /// the race.
    pub gain_us: Option<i64>,
    /// It truly pressed first.
    pub truly_first: bool,
    /// It got the floor.
    pub won: bool,
}

/// The result of one race, compared with the truth.
#[derive(Clone, Debug)]
pub struct RaceOutcome {
    /// Teams in the race.
    pub teams: usize,
    /// The floor went to the team that truly pressed first.
    pub correct: bool,
    /// The first buzz to arrive came from the team that truly pressed first.
    pub arrival_correct: bool,
    /// A floor was awarded at all.
    pub decided: bool,
    /// Floor award time minus the first arrival.
    pub verdict_delay_us: Option<u64>,
    /// The true winner's buzz arrived after the verdict (lost to the delay tail).
    pub lost_to_tail: bool,
    /// The true winner's buzz was judged a false start.
    pub winner_false_start: bool,
    /// The true winner's claimed press was clamped to its allowance before arrival.
    pub winner_clamped_early: bool,
    /// The verdict was flagged a close call.
    pub close: bool,
    /// The settle window asked for at the opening, after the round's bound (simulation only).
    pub settle_us: Option<u64>,
    /// Each buzz's time from leaving the page to reaching the server.
    pub uplink_us: Vec<u64>,
    /// For each buzz that entered the race: its true press minus the press time the server used
    /// (positive: placed too early).
    pub press_error_us: Vec<i64>,
    /// The cheater's result, in a race with a cheater.
    pub cheater: Option<CheaterOutcome>,
}

/// A contest of `teams` teams and one buzz-in round of `questions` questions.
pub fn contest(teams: usize, questions: usize, rules: &BuzzInRules) -> Contest {
    ContestBuilder::new("Fairness benchmark")
        .teams(teams, |i| {
            (format!("team-{}", i + 1), format!("Team {}", i + 1))
        })
        .buzz_in("Buzz-in", rules.clone(), questions, |i| {
            Question::new(format!("Question {}?", i + 1), format!("Answer {}", i + 1))
        })
        .build()
}

/// Messages a page sends.
#[derive(Clone, Copy, Debug)]
enum Up {
    SyncReply { t0: f64, t1: f64, t2: f64 },
    Buzz { pressed_at: f64, sent: Us },
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Connect(usize),
    /// The server's ping timer for a phone's socket.
    Ping(usize),
    /// A `sync` ping reaches the page.
    PhoneGetsSync {
        phone: usize,
        t0: f64,
    },
    /// The page hands a message to its socket.
    PhoneSends {
        phone: usize,
        up: Up,
    },
    /// A message from a page reaches the server.
    ServerGets {
        phone: usize,
        up: Up,
    },
    /// The owner task wakes for the game's next deadline.
    Deadline,
    /// The MC shows the next question.
    Show,
    /// The MC opens the buzzers.
    Open,
    /// The MC judges (or closes the question).
    Judge,
    /// A team's finger hits the button.
    Press(usize),
}

struct Scheduled {
    at: Us,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed, so the max-heap pops the earliest event; ties go first-scheduled first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Clone, Copy, Debug)]
struct Award {
    team: usize,
    /// When the game says the floor was given (the end of the settle window).
    logical: Us,
    /// When the owner published it.
    published: Us,
    close: bool,
}

struct Race {
    settle_us: u64,
    press_at: Vec<Us>,
    arrived: Vec<Option<Us>>,
    uplink_us: Vec<u64>,
    false_start: Vec<bool>,
    award: Option<Award>,
    judge_scheduled: bool,
}

struct Engine<'a> {
    spec: SessionSpec<'a>,
    rng: StdRng,
    queue: BinaryHeap<Scheduled>,
    seq: u64,
    now: Us,
    game: Game,
    answer_window_us: Us,
    links: Vec<Option<TeamLink>>,
    /// The owner task's copy of each link's (online, estimate), as reported by the socket task.
    owner_view: Vec<Option<(bool, Option<SyncEstimate>)>>,
    nets: Vec<PhoneNet>,
    clocks: Vec<PageClock>,
    cheater: Option<usize>,
    deadline_at: Option<Us>,
    race: Option<Race>,
    races_done: usize,
    outcomes: Vec<RaceOutcome>,
    finished: bool,
}

/// Plays one session and returns its races.
pub fn run_session(spec: SessionSpec) -> Vec<RaceOutcome> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let n = spec.teams;
    let skewed = rng.random_range(0..n);
    let cheater = spec.cheat.map(|_| rng.random_range(0..n));
    let nets = (0..n)
        .map(|i| PhoneNet::new(spec.profile, i == skewed))
        .collect();
    let clocks = (0..n).map(|_| PageClock::random(&mut rng)).collect();
    let game = Game::new(contest(n, spec.races + 1, spec.rules));
    let mut engine = Engine {
        spec,
        rng,
        queue: BinaryHeap::new(),
        seq: 0,
        now: 0,
        game,
        answer_window_us: spec.rules.answer_window_ms * MS,
        links: vec![None; n],
        owner_view: vec![None; n],
        nets,
        clocks,
        cheater,
        deadline_at: None,
        race: None,
        races_done: 0,
        outcomes: Vec::with_capacity(spec.races),
        finished: false,
    };
    engine.run();
    engine.outcomes
}

impl Engine<'_> {
    fn time(&self) -> Time {
        Time(EPOCH_US + self.now)
    }

    fn push(&mut self, at: Us, ev: Ev) {
        self.seq += 1;
        self.queue.push(Scheduled {
            at,
            seq: self.seq,
            ev,
        });
    }

    fn run(&mut self) {
        for phone in 0..self.spec.teams {
            let at = uniform_us(&mut self.rng, (0.0, self.spec.timing.connect_spread_ms));
            self.push(at, Ev::Connect(phone));
        }
        let lobby = (self.spec.timing.lobby_ms * 1000.0) as Us;
        self.push(lobby, Ev::Show);
        while let Some(next) = self.queue.pop() {
            self.now = next.at;
            self.handle(next.ev);
            if self.finished {
                break;
            }
        }
        assert!(self.finished, "session stopped before its last race");
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Connect(phone) => {
                // As `run_socket`: a new link, announced to the owner unmeasured, pinged at once.
                self.links[phone] = Some(TeamLink::new(self.time()));
                self.owner_view[phone] = Some((true, None));
                self.push(self.now, Ev::Ping(phone));
            }
            Ev::Ping(phone) => self.ping(phone),
            Ev::PhoneGetsSync { phone, t0 } => self.answer_sync(phone, t0),
            Ev::PhoneSends { phone, up } => {
                let delivered =
                    self.nets[phone].up(&self.spec.profile.delay, &mut self.rng, self.now);
                self.push(delivered, Ev::ServerGets { phone, up });
            }
            Ev::ServerGets { phone, up } => match up {
                Up::SyncReply { t0, t1, t2 } => self.sync_reply(phone, t0, t1, t2),
                Up::Buzz { pressed_at, sent } => self.buzz(phone, pressed_at, sent),
            },
            Ev::Deadline => {
                self.deadline_at = None;
                let events = self.game.tick(self.time());
                self.absorb(&events);
                if !events.is_empty() {
                    self.publish();
                }
                self.schedule_deadline();
                self.check_race_done();
            }
            Ev::Show => {
                self.command(&Command::ShowNextQuestion)
                    .expect("the next question can be shown");
                let reading = uniform_us(&mut self.rng, self.spec.timing.reading_ms);
                self.push(self.now + reading, Ev::Open);
            }
            Ev::Open => self.open(),
            Ev::Judge => self.judge(),
            Ev::Press(phone) => {
                let mut pressed_at = self.clocks[phone].read(self.now);
                if self.cheater == Some(phone) && self.spec.cheat == Some(Cheat::Claim) {
                    pressed_at -= CHEAT_CLAIM_MS;
                }
                let sent = self.now + uniform_us(&mut self.rng, self.spec.timing.press_send_ms);
                let up = Up::Buzz { pressed_at, sent };
                self.push(sent, Ev::PhoneSends { phone, up });
            }
        }
    }

    /// `sync_fast` as `owner.rs` publishes it.
    fn sync_fast(&self) -> bool {
        self.game.wants_fast_sync()
    }

    /// The ping timer branch of `serve_socket`.
    fn ping(&mut self, phone: usize) {
        let now = self.time();
        let question_on_stage = self.sync_fast() && !self.spec.profile.slow_ping_in_question;
        let link = self.links[phone].as_mut().expect("connected");
        let t0 = link.ping(now);
        let period = link.ping_period_ms(question_on_stage);
        if link.check_online(now) {
            self.report(phone);
        }
        self.push(self.now + period * MS, Ev::Ping(phone));
        let delivered = self.nets[phone].down(&self.spec.profile.delay, &mut self.rng, self.now);
        self.push(delivered, Ev::PhoneGetsSync { phone, t0 });
    }

    /// The page's `sync` handler: `t1` at receipt, `t2` when the reply leaves (or the lies).
    fn answer_sync(&mut self, phone: usize, t0: f64) {
        let clock = self.clocks[phone];
        let t1 = clock.read(self.now);
        let cheat = self.spec.cheat.filter(|_| self.cheater == Some(phone));
        let hold = (CHEAT_HOLD_MS * 1000.0) as Us;
        let (at, up) = match cheat {
            None => {
                let at = self.now + uniform_us(&mut self.rng, self.spec.timing.sync_process_ms);
                let t2 = clock.read(at);
                (at, Up::SyncReply { t0, t1, t2 })
            }
            Some(Cheat::Claim) => (self.now + hold, Up::SyncReply { t0, t1, t2: t1 }),
            Some(Cheat::Forge) => {
                let forged = t1 + CHEAT_FORGE_MS;
                let up = Up::SyncReply {
                    t0,
                    t1: forged,
                    t2: forged,
                };
                (self.now + hold, up)
            }
        };
        self.push(at, Ev::PhoneSends { phone, up });
    }

    /// The `sync_reply` branch of `handle_text`, with its reporting rule.
    fn sync_reply(&mut self, phone: usize, t0: f64, t1: f64, t2: f64) {
        let now = self.time();
        let link = self.links[phone].as_mut().expect("connected");
        let was_online = link.online();
        if link.reply(t0, t1, t2, now) && (link.report_due(now) || !was_online) {
            self.report(phone);
        }
    }

    /// `report_link`: the owner's copy of the link's state is refreshed.
    fn report(&mut self, phone: usize) {
        let link = self.links[phone].as_ref().expect("connected");
        self.owner_view[phone] = Some((link.online(), link.estimate()));
    }

    /// A buzz reaches the server: claim from the link, then the owner's tick-then-apply.
    fn buzz(&mut self, phone: usize, pressed_at: f64, sent: Us) {
        if let Some(race) = self.race.as_mut() {
            race.arrived[phone] = Some(self.now);
            race.uplink_us.push(self.now - sent);
        }
        let claim = self.links[phone]
            .as_ref()
            .expect("connected")
            .claim(pressed_at);
        let command = Command::Buzz {
            team: TeamId(phone),
            claim,
        };
        let _ = self.command(&command);
        // The `ack` or `rejected` answer goes back down this phone's connection.
        self.nets[phone].down(&self.spec.profile.delay, &mut self.rng, self.now);
        self.check_race_done();
    }

    /// What the owner does with a command: tick, apply, publish; returns the apply result.
    fn command(&mut self, command: &Command) -> Result<(), ()> {
        let now = self.time();
        let expired = self.game.tick(now);
        self.absorb(&expired);
        let result = self.game.apply(command, now);
        match &result {
            Ok(events) => {
                self.absorb(events);
                self.publish();
            }
            Err(_) if !expired.is_empty() => {
                self.publish();
            }
            Err(_) => {}
        }
        self.schedule_deadline();
        result.map(|_| ()).map_err(|_| ())
    }

    /// Sends the new state to every phone; returns when each page has it.
    fn publish(&mut self) -> Vec<Us> {
        (0..self.spec.teams)
            .map(|phone| self.nets[phone].down(&self.spec.profile.delay, &mut self.rng, self.now))
            .collect()
    }

    fn absorb(&mut self, events: &[Event]) {
        let Some(race) = self.race.as_mut() else {
            return;
        };
        for event in events {
            match event {
                Event::FloorTaken {
                    team,
                    deadline,
                    close,
                    ..
                } => {
                    race.award = Some(Award {
                        team: team.0,
                        logical: deadline.0 - EPOCH_US - self.answer_window_us,
                        published: self.now,
                        close: *close,
                    });
                }
                Event::FalseStart { team, .. } => race.false_start[team.0] = true,
                _ => {}
            }
        }
    }

    fn schedule_deadline(&mut self) {
        if let Some(deadline) = self.game.next_deadline() {
            let at = (deadline.0 - EPOCH_US).max(self.now);
            if self.deadline_at != Some(at) {
                self.deadline_at = Some(at);
                self.push(at, Ev::Deadline);
            }
        }
    }

    /// The MC opens the buzzers; the harness decides when everybody truly presses.
    fn open(&mut self) {
        let settle_us = settle_window_us(self.owner_view.iter().flatten().copied());
        let n = self.spec.teams;
        self.race = Some(Race {
            settle_us: settle_us.min(self.spec.rules.settle_max_ms * MS),
            press_at: vec![0; n],
            arrived: vec![None; n],
            uplink_us: Vec::with_capacity(n),
            false_start: vec![false; n],
            award: None,
            judge_scheduled: false,
        });
        // `command` publishes the new state; do it here to learn when each page shows "open".
        let now = self.time();
        let expired = self.game.tick(now);
        self.absorb(&expired);
        let events = self
            .game
            .apply(&Command::OpenBuzzers { settle_us }, now)
            .expect("the buzzers can be opened");
        self.absorb(&events);
        let shown = self.publish();
        self.schedule_deadline();

        let last_shown = shown.into_iter().max().unwrap_or(self.now);
        let first = last_shown + uniform_us(&mut self.rng, self.spec.timing.reaction_ms);
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut self.rng);
        for (k, phone) in order.into_iter().enumerate() {
            let at = first + k as Us * self.spec.gap_us;
            if let Some(race) = self.race.as_mut() {
                race.press_at[phone] = at;
            }
            self.push(at, Ev::Press(phone));
        }
    }

    /// Once every buzz is in and the floor decided, the MC judges after the answer.
    fn check_race_done(&mut self) {
        let deciding = matches!(
            self.game.stage(),
            Stage::Question(QuestionStage {
                play: Play::BuzzIn(play),
                ..
            }) if matches!(play.phase, Phase::Settling { .. })
        );
        let Some(race) = self.race.as_mut() else {
            return;
        };
        if race.judge_scheduled || deciding || race.arrived.iter().any(Option::is_none) {
            return;
        }
        race.judge_scheduled = true;
        let after = race.award.map_or(self.now, |a| a.published).max(self.now);
        let at = after + uniform_us(&mut self.rng, self.spec.timing.answer_ms);
        self.push(at, Ev::Judge);
    }

    /// Scores the race against the truth, then closes the question.
    fn judge(&mut self) {
        let race = self.race.take().expect("a race to judge");
        let records = self.race_records();
        self.outcomes.push(outcome(&race, &records, self.cheater));

        let phase = match self.game.stage() {
            Stage::Question(QuestionStage {
                play: Play::BuzzIn(play),
                ..
            }) => play.phase.clone(),
            _ => unreachable!("a question is on stage during a race"),
        };
        match phase {
            Phase::Floor { .. } => {
                let judge = Command::Judge {
                    verdict: Verdict::Correct,
                };
                self.command(&judge).expect("the floor can be judged");
            }
            Phase::Open { .. } => {
                self.command(&Command::LockBuzzers).expect("lock");
                self.command(&Command::RevealAnswer).expect("reveal");
            }
            Phase::Ready | Phase::Locked => {
                self.command(&Command::RevealAnswer).expect("reveal");
            }
            Phase::Closed { .. } | Phase::Settling { .. } => {}
        }
        self.races_done += 1;
        if self.races_done == self.spec.races {
            self.finished = true;
        } else {
            let pause = uniform_us(&mut self.rng, self.spec.timing.break_ms);
            self.push(self.now + pause, Ev::Show);
        }
    }

    /// The game's records of the buzzes that entered the current race.
    fn race_records(&self) -> Vec<Buzz> {
        match self.game.stage() {
            Stage::Question(QuestionStage {
                play: Play::BuzzIn(play),
                ..
            }) => play
                .buzzes
                .iter()
                .filter(|b| b.race == play.race)
                .copied()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Scores one race.
fn outcome(race: &Race, records: &[Buzz], cheater: Option<usize>) -> RaceOutcome {
    let argmin = |times: &[Us]| {
        (0..times.len())
            .min_by_key(|&i| (times[i], i))
            .expect("at least one team")
    };
    let winner = argmin(&race.press_at);
    let arrived: Vec<Us> = race
        .arrived
        .iter()
        .map(|a| a.expect("every buzz arrived"))
        .collect();
    let first_arrival = argmin(&arrived);
    let floor = race.award.map(|a| a.team);
    let cheater = cheater.map(|c| CheaterOutcome {
        gain_us: records
            .iter()
            .find(|b| b.team.0 == c)
            .map(|b| race.press_at[c] as i64 - (b.press.0 - EPOCH_US) as i64),
        truly_first: winner == c,
        won: floor == Some(c),
    });
    let press_error_us = records
        .iter()
        .map(|b| race.press_at[b.team.0] as i64 - (b.press.0 - EPOCH_US) as i64)
        .collect();
    RaceOutcome {
        teams: race.press_at.len(),
        press_error_us,
        correct: floor == Some(winner),
        arrival_correct: first_arrival == winner,
        decided: race.award.is_some(),
        verdict_delay_us: race
            .award
            .map(|a| a.logical.saturating_sub(arrived[first_arrival])),
        lost_to_tail: race.award.is_some_and(|a| arrived[winner] >= a.published),
        winner_false_start: race.false_start[winner],
        winner_clamped_early: records
            .iter()
            .any(|b| b.team.0 == winner && b.clamp == Some(Clamp::Early)),
        close: race.award.is_some_and(|a| a.close),
        settle_us: Some(race.settle_us),
        uplink_us: race.uplink_us.clone(),
        cheater,
    }
}
