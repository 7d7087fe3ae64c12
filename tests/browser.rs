//! Real-browser end-to-end tests in headless Chromium: a team phone taps the buzzer and the
//! projector page shows that team on the floor; names and questions are text, never markup; a
//! buzz pressed while the phone's Wi-Fi is gone is sent when it is back.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test says so loudly and
//! skips — unless `CI` is set, then it fails.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{TEAMS, TestServer, contest, phase, to_floor};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use stagebuzz::game::{BuzzInRules, ContestBuilder, MultipleChoiceRules, Question};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Upper bound for one browser-side wait; the waits themselves are driven by DOM mutations.
const BROWSER_WAIT: Duration = Duration::from_secs(15);

/// A team phone and a projector, with the profile directories they live in.
struct Browsers {
    phone: Client,
    screen: Client,
    _profiles: [tempfile::TempDir; 2],
}

/// A chromedriver process on loopback, killed on drop.
struct Driver {
    process: Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver, or returns `None` (after saying why) when Chromium is not installed.
    fn start() -> Option<Driver> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            let message = format!(
                "\n\n!!!!! BROWSER TEST SKIPPED: {CHROMIUM} or {CHROMEDRIVER} is missing.\n\
                 !!!!! Install them with: apt-get install -y chromium chromium-driver\n"
            );
            if std::env::var_os("CI").is_some() {
                panic!("{message}(CI is set, so a missing browser is a failure)");
            }
            eprintln!("{message}");
            return None;
        }
        // Ask the OS for a free loopback port, then hand it to chromedriver.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut process = Command::new(CHROMEDRIVER)
            // Its own process group, so that the browsers it starts die with it (see Drop).
            .process_group(0)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // chromedriver prints one line when it is ready to accept sessions.
        let stdout = process.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines.any(|line| {
            line.map(|l| l.contains("started successfully"))
                .unwrap_or(false)
        });
        assert!(ready, "chromedriver did not report readiness");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Some(Driver { process, port })
    }

    /// A phone-sized Chromium and a projector-sized one showing `screen_url`, each with a fresh
    /// profile.
    async fn phone_and_screen(&self, screen_url: &str) -> Browsers {
        let profiles = [
            tempfile::tempdir().expect("profile dir"),
            tempfile::tempdir().expect("profile dir"),
        ];
        let phone = self.browser(profiles[0].path(), "390,844").await;
        let screen = self.browser(profiles[1].path(), "1280,720").await;
        screen.goto(screen_url).await.expect("open screen");
        Browsers {
            phone,
            screen,
            _profiles: profiles,
        }
    }

    /// A new headless Chromium with a fresh profile.
    async fn browser(&self, profile: &Path, window: &str) -> Client {
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={window}"),
        ])
        .collect::<Vec<_>>();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": args}),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("chromium session starts");
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(BROWSER_WAIT),
                Some(BROWSER_WAIT),
                None,
            ))
            .await
            .expect("set timeouts");
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole process group: chromedriver and every Chromium it started, even when a test
        // failed before closing its session. `killpg` with the group's own id, never a shell
        // `kill` whose argument parsing could turn a group into "every process".
        if let Ok(pgid) = i32::try_from(self.process.id())
            && pgid > 1
        {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pgid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Waits, inside the page, until `selector`'s text (trimmed) equals `want`. Driven by a
/// MutationObserver, so it returns as soon as the page renders it.
async fn wait_for_text(client: &Client, selector: &str, want: &str) {
    let script = r#"
        const [selector, want, done] = arguments;
        const matches = () => {
            const el = document.querySelector(selector);
            return el !== null && el.textContent.trim() === want;
        };
        if (matches()) { done(true); return; }
        new MutationObserver(() => { if (matches()) done(true); })
            .observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true});
    "#;
    let result = client
        .execute_async(script, vec![json!(selector), json!(want)])
        .await;
    if result.is_err() {
        let actual = client
            .execute(
                "const el = document.querySelector(arguments[0]); return el ? el.textContent : null;",
                vec![json!(selector)],
            )
            .await
            .unwrap_or(Value::Null);
        panic!("{selector} never showed {want:?}; it shows {actual}");
    }
}

/// A TCP relay on 127.0.0.1 in front of the server that can be cut, like a phone's Wi-Fi going
/// away: while cut it drops the connections it carries and every new one.
struct Relay {
    addr: std::net::SocketAddr,
    up: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    async fn start(server: std::net::SocketAddr) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind relay");
        let addr = listener.local_addr().expect("relay address");
        let (up, is_up) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut phone_side, _)) = listener.accept().await {
                let mut is_up = is_up.clone();
                if !*is_up.borrow() {
                    continue; // dropped at once: the network is gone
                }
                let Ok(mut server_side) = tokio::net::TcpStream::connect(server).await else {
                    continue;
                };
                tokio::spawn(async move {
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut phone_side, &mut server_side) => {}
                        _ = is_up.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Relay { addr, up }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

/// Opens the join page at `base` on `phone`, picks `team` and types its `code`.
async fn join_team(phone: &Client, base: &str, team: &str, code: &str) {
    phone
        .goto(&format!("{base}/"))
        .await
        .expect("open join page");
    phone
        .wait()
        .at_most(BROWSER_WAIT)
        .for_element(Locator::Css(&format!(r#"#team-list [data-team="{team}"]"#)))
        .await
        .expect("the team list shows the team")
        .click()
        .await
        .expect("pick team");
    let code_field = phone
        .wait()
        .at_most(BROWSER_WAIT)
        .for_element(Locator::Css("#join-code"))
        .await
        .expect("code field");
    code_field
        .send_keys(&code.to_lowercase())
        .await
        .expect("type code");
    phone
        .find(Locator::Css("#join-submit"))
        .await
        .expect("join button")
        .click()
        .await
        .expect("join");
}

/// Waits until `selector` has attribute `name` equal to `want`.
async fn wait_for_attribute(client: &Client, selector: &str, name: &str, want: &str) {
    let script = r#"
        const [selector, name, want, done] = arguments;
        const matches = () => {
            const el = document.querySelector(selector);
            return el !== null && el.getAttribute(name) === want;
        };
        if (matches()) { done(true); return; }
        new MutationObserver(() => { if (matches()) done(true); })
            .observe(document.documentElement, {subtree: true, childList: true, attributes: true});
    "#;
    client
        .execute_async(script, vec![json!(selector), json!(name), json!(want)])
        .await
        .unwrap_or_else(|e| panic!("{selector}[{name}] never became {want:?}: {e}"));
}

/// Waits until the children of `selector` read `want`: one array of cell texts (trimmed) per
/// child, in order, e.g. `[["1", "Đội bravo", "10 điểm"], …]`.
async fn wait_for_rows(client: &Client, selector: &str, want: &Value) {
    let script = r#"
        const [selector, want, done] = arguments;
        const rows = () => [...document.querySelectorAll(`${selector} > *`)]
            .map((row) => [...row.children].map((cell) => cell.textContent.trim()));
        const matches = () => JSON.stringify(rows()) === JSON.stringify(want);
        if (matches()) { done(true); return; }
        new MutationObserver(() => { if (matches()) done(true); })
            .observe(document.documentElement, {subtree: true, childList: true, characterData: true});
    "#;
    if client
        .execute_async(script, vec![json!(selector), want.clone()])
        .await
        .is_err()
    {
        let actual = client
            .execute(
                "return [...document.querySelectorAll(`${arguments[0]} > *`)]
                    .map((row) => [...row.children].map((cell) => cell.textContent.trim()));",
                vec![json!(selector)],
            )
            .await
            .unwrap_or(Value::Null);
        panic!("{selector} never listed {want}; it lists {actual}");
    }
}

#[tokio::test]
async fn team_taps_buzzer_and_projector_shows_the_floor() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let base = format!("http://{}", server.addr());
    // `_profiles` (not `_`) keeps the profile directories until the end of the test.
    let Browsers {
        phone,
        screen,
        _profiles,
    } = driver.phone_and_screen(&format!("{base}/screen")).await;

    // The MC shows a question and opens the buzzers.
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    wait_for_text(&screen, "#question-text", "Câu hỏi số 1?").await;

    // The phone picks its team, types the team's code, and waits until its page knows the
    // buzzers are open.
    join_team(&phone, &base, "bravo", &server.code("bravo")).await;
    wait_for_attribute(&phone, "#buzz-state", "data-state", "open").await;

    phone
        .find(Locator::Css("#buzz"))
        .await
        .expect("buzz button")
        .click()
        .await
        .expect("tap buzzer");

    wait_for_text(&screen, "#floor-team", "Đội bravo").await;
    wait_for_attribute(&phone, "#buzz-state", "data-state", "first").await;
    let state = control.state_where(|s| phase(s) == "floor").await;
    assert_eq!(state["buzz"]["floor"], "bravo");

    // Reloaded mid-question, the phone comes back as the same team without asking.
    phone.refresh().await.expect("reload");
    wait_for_attribute(&phone, "#buzz-state", "data-state", "first").await;
    let picker_shown: Value = phone
        .execute(
            "const list = document.querySelector('#team-list'); return list !== null && list.offsetParent !== null;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(picker_shown, json!(false), "no team picker after a reload");

    // Someone in the audience follows on a phone: the projector page becomes a readable column.
    phone
        .goto(&format!("{base}/screen"))
        .await
        .expect("open the screen on a phone");
    wait_for_text(&phone, "#floor-team", "Đội bravo").await;
    let layout: Value = phone
        .execute(
            "const px = (el) => parseFloat(getComputedStyle(el).fontSize);
             const floor = document.querySelector('#floor-box').getBoundingClientRect();
             const board = document.querySelector('.board').getBoundingClientRect();
             return {
               question_px: px(document.querySelector('#question-text')),
               scoreboard_px: px(document.querySelector('#scoreboard')),
               board_below_floor: board.top >= floor.bottom,
               fits_width: document.documentElement.scrollWidth <= window.innerWidth,
             };",
            vec![],
        )
        .await
        .expect("script");
    assert!(layout["question_px"].as_f64() >= Some(16.0), "{layout}");
    assert!(layout["scoreboard_px"].as_f64() >= Some(14.0), "{layout}");
    assert_eq!(layout["board_below_floor"], true, "{layout}");
    assert_eq!(layout["fits_width"], true, "{layout}");

    phone.close().await.expect("close phone");
    screen.close().await.expect("close screen");
}

/// A team named like markup and a question with a script: every page shows them as text and
/// runs nothing.
#[tokio::test]
async fn names_and_questions_are_text_never_markup() {
    let Some(driver) = Driver::start() else {
        return;
    };
    const NAME: &str = "<img src=x onerror=alert(1)>";
    const QUESTION: &str = "Câu <script>alert(2)</script> <b>đậm</b>?";
    let mut hostile = contest(BuzzInRules::default());
    hostile.teams[0].name = NAME.into();
    let stagebuzz::game::Round::BuzzIn(round) = &mut hostile.rounds[0] else {
        panic!("a buzz-in round");
    };
    round.questions[0].text = QUESTION.into();
    round.questions[0].answer = "<i onmouseover=alert(3)>x</i>".into();
    let server = TestServer::start(hostile).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let browser = driver.browser(profile.path(), "1280,800").await;

    let pages = [
        format!("{base}/screen"),
        format!("{base}/control#token={}", server.token()),
        format!("{base}/?team=alpha&code={}", server.code("alpha")),
    ];
    for page in &pages {
        browser.goto(page).await.expect("open page");
        // The page shows the question (the join page once it has joined).
        let shown: Value = browser
            .execute_async(
                r#"
                const [want, done] = arguments;
                const found = () => document.body.innerText.includes(want);
                if (found()) { done(true); return; }
                new MutationObserver(() => { if (found()) done(true); })
                    .observe(document.body, {subtree: true, childList: true, characterData: true});
                "#,
                vec![json!(QUESTION)],
            )
            .await
            .unwrap_or_else(|e| panic!("{page} never showed the question as text: {e}"));
        assert_eq!(shown, json!(true));
        let report: Value = browser
            .execute(
                r#"
                return {
                    name_as_text: document.body.innerText.includes(arguments[0]),
                    injected: document.querySelectorAll('img[src="x"], b, i[onmouseover], script:not([src])').length,
                };
                "#,
                vec![json!(NAME)],
            )
            .await
            .expect("inspect page");
        assert_eq!(
            report["injected"], 0,
            "{page}: markup from data became elements"
        );
        assert_eq!(
            report["name_as_text"], true,
            "{page}: the team name is shown literally"
        );
        // An alert would be open now if anything had run.
        assert!(
            browser.get_alert_text().await.is_err(),
            "{page}: a script ran"
        );
    }
    browser.close().await.expect("close");
}

/// The MC shows the next question and opens the buzzers; once the phone shows them open, its
/// network is cut and the team presses: the page holds the buzz.
async fn press_while_offline(phone: &Client, relay: &Relay, control: &mut common::Client) {
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    wait_for_attribute(phone, "#buzz-state", "data-state", "open").await;
    relay.cut();
    wait_for_attribute(phone, "#conn", "data-status", "disconnected").await;
    phone
        .find(Locator::Css("#buzz"))
        .await
        .expect("buzz button")
        .click()
        .await
        .expect("tap buzzer");
    wait_for_attribute(phone, "#held-buzz", "data-held", "waiting").await;
}

/// The state as a control page opened now sees it (the state of the last acknowledged command).
async fn current_state(server: &TestServer) -> Value {
    let control = server.control().await;
    let joined = control.transcript.last().expect("a state on joining");
    serde_json::from_str(joined).expect("JSON")
}

/// A buzz pressed while the phone has no connection is sent, with its press time, once the phone
/// is back, and the phone says what became of it: the floor when nobody else buzzed meanwhile,
/// "too late" when another team did. A projector that lost its connection meanwhile comes back
/// showing what happened while it was away.
#[tokio::test]
async fn a_buzz_pressed_while_offline_is_sent_when_the_phone_is_back() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let relay = Relay::start(server.addr()).await;
    let Browsers {
        phone,
        screen,
        _profiles,
    } = driver
        .phone_and_screen(&format!("http://{}/screen", relay.addr))
        .await;
    let mut control = server.control().await;
    let mut alpha = server.team("alpha").await;

    join_team(
        &phone,
        &format!("http://{}", relay.addr),
        "bravo",
        &server.code("bravo"),
    )
    .await;
    wait_for_attribute(&phone, "#conn", "data-status", "connected").await;

    // Question 1: the Wi-Fi goes while the buzzers are open, and the team presses.
    press_while_offline(&phone, &relay, &mut control).await;
    let state = current_state(&server).await;
    assert_eq!(phase(&state), "open");
    assert_eq!(state["buzz"]["buzzes"], json!([]), "nothing arrived yet");

    // Back: the held press goes out and, nobody else having buzzed, wins the floor.
    relay.restore();
    wait_for_attribute(&phone, "#held-buzz", "data-held", "accepted").await;
    wait_for_attribute(&phone, "#buzz-state", "data-state", "first").await;
    let state = control.state_where(|s| phase(s) == "floor").await;
    assert_eq!(state["buzz"]["floor"], "bravo");
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;

    // Question 2: offline again; this time another team buzzes before the phone is back.
    press_while_offline(&phone, &relay, &mut control).await;
    wait_for_attribute(&screen, "#conn", "data-status", "disconnected").await;
    alpha.state_where(|s| phase(s) == "open").await;
    alpha.ok(json!({"type": "buzz"})).await;
    control.state_where(|s| phase(s) == "floor").await;
    relay.restore();
    wait_for_attribute(&phone, "#held-buzz", "data-held", "refused").await;
    wait_for_text(&screen, "#floor-team", "Đội alpha").await;
    wait_for_attribute(&screen, "#conn", "data-status", "connected").await;
    let said: Value = phone
        .execute(
            "return document.querySelector('#held-buzz').textContent;",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        said.as_str().is_some_and(|text| text.contains("Đội alpha")),
        "the phone names who was faster: {said}"
    );
    let state = current_state(&server).await;
    assert_eq!(
        state["buzz"]["floor"], "alpha",
        "a late press takes nothing away"
    );
    assert_eq!(
        state["buzz"]["buzzes"].as_array().map(Vec::len),
        Some(1),
        "only alpha's buzz entered the race: {state}"
    );

    phone.close().await.expect("close phone");
    screen.close().await.expect("close screen");
}

/// The programme on the projector: the MC starts round 1 and its title is on stage; after a
/// scored question the round's ranking lists the teams best first with their points, equal
/// points sharing a rank; the overall ranking adds the next round's points; an intermission
/// shows its caption.
#[tokio::test]
async fn projector_shows_round_titles_rankings_and_intermissions() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let question = |i: usize| Question::new(format!("Câu hỏi số {}?", i + 1), "Đáp án");
    let two_rounds = ContestBuilder::new("Hội thi thử")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .buzz_in("Khởi động", BuzzInRules::default(), 2, question)
        .buzz_in("Về đích", BuzzInRules::default(), 2, question)
        .build();
    let server = TestServer::start(two_rounds).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let screen = driver.browser(profile.path(), "1280,720").await;
    screen
        .goto(&format!("http://{}/screen", server.addr()))
        .await
        .expect("open screen");
    let mut control = server.control().await;

    // The round's title card.
    control.ok(json!({"type": "start_round", "round": 1})).await;
    wait_for_text(&screen, "#intro-title", "Khởi động").await;
    wait_for_text(&screen, "#intro-round", "Phần thi 1/2").await;
    wait_for_attribute(&screen, "body", "data-view", "intro").await;

    // Its first question: bravo buzzes and is right (10 points); the judges give charlie 5.
    let mut bravo = server.team("bravo").await;
    to_floor(&mut control, &mut bravo).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    control
        .ok(json!({"type": "adjust_score", "team": "charlie", "delta": 5, "reason": "Ban giám khảo"}))
        .await;

    control
        .ok(json!({"type": "show_ranking", "round": 1}))
        .await;
    wait_for_text(&screen, "#ranking-title", "Kết quả phần thi Khởi động").await;
    wait_for_attribute(&screen, "body", "data-view", "ranking").await;
    wait_for_rows(
        &screen,
        "#ranking",
        &json!([
            ["1", "Đội bravo", "10 điểm"],
            ["2", "Đội charlie", "5 điểm"],
            ["3", "Đội alpha", "0 điểm"],
            ["3", "Đội delta", "0 điểm"],
        ]),
    )
    .await;
    // Every line is inside the projector's window, none cut off.
    let fits: Value = screen
        .execute(
            "const bottom = document.querySelector('#stage').getBoundingClientRect().bottom;
             return [...document.querySelectorAll('#ranking > li')]
                 .every((li) => li.getBoundingClientRect().bottom <= bottom);",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(fits, json!(true), "the ranking fits the screen");

    // Round 2 starts with 20 points for alpha; the overall ranking counts both rounds.
    control.ok(json!({"type": "start_round", "round": 2})).await;
    wait_for_text(&screen, "#intro-title", "Về đích").await;
    control
        .ok(json!({"type": "adjust_score", "team": "alpha", "delta": 20, "reason": "Ban giám khảo"}))
        .await;
    control.ok(json!({"type": "show_ranking"})).await;
    wait_for_text(&screen, "#ranking-title", "Bảng xếp hạng chung").await;
    wait_for_rows(
        &screen,
        "#ranking",
        &json!([
            ["1", "Đội alpha", "20 điểm"],
            ["2", "Đội bravo", "10 điểm"],
            ["3", "Đội charlie", "5 điểm"],
            ["4", "Đội delta", "0 điểm"],
        ]),
    )
    .await;

    // A pause with its caption, under the contest's title.
    control
        .ok(json!({"type": "show_intermission", "caption": "Giải lao 10 phút"}))
        .await;
    wait_for_text(&screen, "#pause-caption", "Giải lao 10 phút").await;
    wait_for_text(&screen, "#pause-contest", "Hội thi thử").await;
    wait_for_attribute(&screen, "body", "data-view", "intermission").await;

    screen.close().await.expect("close screen");
}

/// Taps option `letter` on a team phone showing a multiple-choice question.
async fn tap_option(phone: &Client, letter: &str) {
    phone
        .find(Locator::Css(&format!(
            r#"#options [data-option="{letter}"]"#
        )))
        .await
        .expect("option button")
        .click()
        .await
        .expect("tap option");
}

/// A multiple-choice question ("trắc nghiệm") on two team phones and the projector: the phones
/// answer (one changes its mind), each sees only its own choice, the projector only who has
/// answered; at the reveal the projector shows the right option with the team that chose it and
/// its points, and each phone whether it was right.
#[tokio::test]
async fn multiple_choice_on_phones_and_projector() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let quiz = ContestBuilder::new("Hội thi thử")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .multiple_choice("Kiến thức", MultipleChoiceRules::default(), 2, |i| {
            Question {
                text: format!("Câu trắc nghiệm số {}: cơ quan nào tổ chức hội thi?", i + 1),
                answer: "B".into(),
                options: vec![
                    "Hội đồng nhân dân xã".into(),
                    "Ủy ban nhân dân xã phối hợp với Ủy ban Mặt trận Tổ quốc Việt Nam xã".into(),
                    "Đoàn Thanh niên".into(),
                    "Hội Nông dân".into(),
                ],
                ..Question::default()
            }
        })
        .build();
    let server = TestServer::start(quiz).await;
    let base = format!("http://{}", server.addr());
    let profiles = [
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
    ];
    let phone1 = driver.browser(profiles[0].path(), "360,740").await;
    let phone2 = driver.browser(profiles[1].path(), "360,740").await;
    let screen = driver.browser(profiles[2].path(), "1280,720").await;
    screen
        .goto(&format!("{base}/screen"))
        .await
        .expect("open screen");

    // The MC shows the question: the phones show it with their options, not yet tappable.
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    join_team(&phone1, &base, "alpha", &server.code("alpha")).await;
    join_team(&phone2, &base, "bravo", &server.code("bravo")).await;
    for phone in [&phone1, &phone2] {
        wait_for_attribute(phone, "#buzz-state", "data-state", "mc_ready").await;
        wait_for_rows(
            phone,
            "#options",
            &json!([
                ["A", "Hội đồng nhân dân xã", ""],
                [
                    "B",
                    "Ủy ban nhân dân xã phối hợp với Ủy ban Mặt trận Tổ quốc Việt Nam xã",
                    ""
                ],
                ["C", "Đoàn Thanh niên", ""],
                ["D", "Hội Nông dân", ""],
            ]),
        )
        .await;
        wait_for_attribute(phone, r#"#options [data-option="B"]"#, "disabled", "").await;
    }
    // From here on, phone 1 records every option it ever marks as chosen, right or wrong.
    phone1
        .execute(
            "window.marked = new Set();
             const note = () => document.querySelectorAll('#options .opt.chosen, #options .opt.wrong')
                 .forEach((b) => window.marked.add(b.dataset.option));
             note();
             new MutationObserver(note).observe(document.body,
                 {subtree: true, childList: true, attributes: true, characterData: true});",
            vec![],
        )
        .await
        .expect("watch phone 1");

    // Answers open: phone 1 taps B; phone 2 taps C, then changes to A.
    control.ok(json!({"type": "open_answers"})).await;
    wait_for_attribute(&phone1, "#buzz-state", "data-state", "mc_open").await;
    wait_for_attribute(&phone2, "#buzz-state", "data-state", "mc_open").await;
    wait_for_text(&screen, "#answered-count", "Đã trả lời: 0/4").await;
    tap_option(&phone1, "B").await;
    wait_for_text(
        &phone1,
        "#buzz-state",
        "Đã chọn B — có thể đổi đến khi hết giờ",
    )
    .await;
    let picked = |team: &'static str, option: &'static str, changes: u64| {
        move |s: &Value| {
            s["choice"]["choices"].as_array().is_some_and(|all| {
                all.iter()
                    .any(|c| c["team"] == team && c["option"] == option && c["changes"] == changes)
            })
        }
    };
    control.state_where(picked("alpha", "B", 0)).await;
    tap_option(&phone2, "C").await;
    control.state_where(picked("bravo", "C", 0)).await;
    tap_option(&phone2, "A").await;
    control.state_where(picked("bravo", "A", 1)).await;
    wait_for_text(
        &phone2,
        "#buzz-state",
        "Đã chọn A — có thể đổi đến khi hết giờ",
    )
    .await;
    wait_for_attribute(&phone2, "#options .opt.chosen", "data-option", "A").await;

    // The projector: both teams lit as answered, and nothing about what they chose.
    wait_for_text(&screen, "#answered-count", "Đã trả lời: 2/4").await;
    let shown: Value = screen
        .execute(
            "return {
                lit: [...document.querySelectorAll('#answered-chips .done')].map((li) => li.dataset.team),
                under_options: document.querySelectorAll('#options .opt-teams, #options .correct').length,
                names_in_options: document.querySelector('#options').textContent.includes('Đội'),
             };",
            vec![],
        )
        .await
        .expect("inspect projector");
    assert_eq!(
        shown,
        json!({"lit": ["alpha", "bravo"], "under_options": 0, "names_in_options": false}),
        "the projector says who answered, never what"
    );

    // Time is up (the MC ends it early): phone 1's answer is locked in.
    control.ok(json!({"type": "lock_answers"})).await;
    wait_for_text(&phone1, "#buzz-state", "Hết giờ — đã khóa đáp án B").await;
    wait_for_attribute(&phone1, r#"#options [data-option="B"]"#, "disabled", "").await;

    // The reveal: B was right.
    control.ok(json!({"type": "reveal_answer"})).await;
    wait_for_attribute(&screen, "#options .opt.correct", "data-option", "B").await;
    wait_for_rows(
        &screen,
        "#options .opt.correct .opt-teams",
        &json!([["Đội alpha", "+10 điểm"]]),
    )
    .await;
    wait_for_rows(
        &screen,
        r#"#options [data-option="A"] .opt-teams"#,
        &json!([["Đội bravo"]]),
    )
    .await;
    wait_for_text(&screen, "#result-line", "Đáp án đúng: B").await;
    wait_for_attribute(&phone1, "#buzz-state", "data-state", "mc_right").await;
    wait_for_text(&phone1, "#buzz-state", "Đúng +10 điểm").await;
    wait_for_attribute(&phone1, "#options .opt.correct", "data-option", "B").await;
    wait_for_attribute(&phone2, "#buzz-state", "data-state", "mc_wrong").await;
    wait_for_text(&phone2, "#buzz-state", "Chưa chính xác").await;
    wait_for_attribute(&phone2, "#options .opt.wrong", "data-option", "A").await;
    wait_for_attribute(&phone2, "#options .opt.correct", "data-option", "B").await;

    // Phone 1 never marked anything but its own B.
    let marked: Value = phone1
        .execute("return [...window.marked].sort();", vec![])
        .await
        .expect("phone 1's marks");
    assert_eq!(marked, json!(["B"]), "phone 1 showed another team's choice");

    for client in [phone1, phone2, screen] {
        client.close().await.expect("close browser");
    }
}

/// Taps the button `selector` on `phone`.
async fn tap(phone: &Client, selector: &str) {
    phone
        .wait()
        .at_most(BROWSER_WAIT)
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector} is on the page: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("tap {selector}: {e}"));
}

/// A judge joins on the judge page, scores the team on stage criterion by criterion with the
/// big buttons and sends: the MC's socket sees exactly those marks. Closing locks the card, a
/// reminder shows a banner, and after a reload the phone is the same judge with its marks.
#[tokio::test]
async fn a_judge_scores_on_the_judge_page_and_the_mc_sees_the_marks() {
    use stagebuzz::game::Points;
    use stagebuzz::game::judged::{Criterion, JudgedRules};
    let Some(driver) = Driver::start() else {
        return;
    };
    let criterion = |name: &str, max: i64| Criterion {
        name: name.into(),
        max: Some(Points::whole(max)),
        weight: None,
    };
    let rules = JudgedRules {
        criteria: vec![criterion("Nội dung", 6), criterion("Phong cách", 4)],
        ..JudgedRules::default()
    };
    let contest = ContestBuilder::new("Hội thi thử")
        .teams(2, |i| (TEAMS[i].into(), format!("Đội {}", TEAMS[i])))
        .judge("gk-1", "Giám khảo Một")
        .judge("gk-2", "Giám khảo Hai")
        .judged("Chào hỏi", rules, Vec::new())
        .build();
    let server = TestServer::start(contest).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "perform", "team": "alpha"}))
        .await;

    let profile = tempfile::tempdir().expect("profile dir");
    let phone = driver.browser(profile.path(), "390,844").await;
    phone
        .goto(&format!("{base}/judge"))
        .await
        .expect("open the judge page");
    tap(&phone, r#"#judge-list [data-judge="gk-1"]"#).await;
    phone
        .wait()
        .at_most(BROWSER_WAIT)
        .for_element(Locator::Css("#judge-code"))
        .await
        .expect("code field")
        .send_keys(&server.judge_code("gk-1").to_lowercase())
        .await
        .expect("type the code");
    tap(&phone, "#judge-submit").await;
    wait_for_text(&phone, "#my-name", "Giám khảo Một").await;
    wait_for_text(&phone, "#stage-team", "Đội alpha").await;
    let card = r#"#teams [data-team="alpha"]"#;
    wait_for_attribute(&phone, card, "data-status", "todo").await;
    let on_stage: Value = phone
        .execute(
            "return document.querySelector(arguments[0]).classList.contains('on-stage');",
            vec![json!(card)],
        )
        .await
        .expect("script");
    assert_eq!(on_stage, json!(true), "the team on stage is highlighted");

    // Content: 5, then half a point more; style: 3. The buttons are big enough for a thumb.
    tap(
        &phone,
        &format!(r#"{card} [data-criterion="0"][data-set="500"]"#),
    )
    .await;
    tap(
        &phone,
        &format!(r#"{card} [data-criterion="0"][data-step="1"]"#),
    )
    .await;
    tap(
        &phone,
        &format!(r#"{card} [data-criterion="1"][data-set="300"]"#),
    )
    .await;
    wait_for_text(
        &phone,
        &format!(r#"{card} [data-criterion="0"] .mark-value"#),
        "5,5",
    )
    .await;
    wait_for_attribute(&phone, card, "data-status", "todo").await;
    let smallest: Value = phone
        .execute(
            "return Math.min(...[...document.querySelectorAll(
                 '.step-btn, .quick-btn, .send-btn, .judge-bar .link-btn')]
                 .map((b) => b.getBoundingClientRect().height));",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        smallest.as_f64() >= Some(44.0),
        "smallest button {smallest}"
    );
    tap(&phone, r#"[data-send="alpha"]"#).await;
    wait_for_attribute(&phone, card, "data-status", "sent").await;
    wait_for_text(
        &phone,
        &format!("{card} .card-sent"),
        "Đã gửi: 5,5 · 3 — tổng 8,5",
    )
    .await;

    // The MC's socket sees judge 1's marks, and that judge 2 has not scored.
    let state = control
        .state_where(|s| s["judged"]["teams"][0]["marks"][0]["marks"] == json!([5.5, 3]))
        .await;
    assert_eq!(
        state["judged"]["teams"][0]["marks"][1]["marks"],
        Value::Null
    );

    // The secretary closes alpha: the card locks.
    control
        .ok(json!({"type": "close_scoring", "team": "alpha"}))
        .await;
    wait_for_attribute(&phone, card, "data-status", "closed").await;
    let locked: Value = phone
        .execute(
            "return [...document.querySelectorAll(arguments[0] + ' button')].every((b) => b.disabled);",
            vec![json!(card)],
        )
        .await
        .expect("script");
    assert_eq!(locked, json!(true), "every button of a closed team is off");

    // A reminder to score bravo: a banner on the phone.
    control
        .ok(json!({"type": "remind_judge", "judge": "gk-1", "team": "bravo"}))
        .await;
    wait_for_text(
        &phone,
        "#reminder-text",
        "Thư ký nhắc: xin quý giám khảo chấm điểm Đội bravo.",
    )
    .await;

    // Reloaded, the phone is the same judge, with the marks it sent.
    phone.refresh().await.expect("reload");
    wait_for_text(
        &phone,
        &format!("{card} .card-sent"),
        "Đã gửi: 5,5 · 3 — tổng 8,5",
    )
    .await;
    wait_for_attribute(&phone, card, "data-status", "closed").await;
    phone.close().await.expect("close");
}
