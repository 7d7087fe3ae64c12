//! Real-browser end-to-end tests in headless Chromium: a team phone taps the buzzer and the
//! projector page shows that team on the floor; names and questions are text, never markup; a
//! buzz pressed while the phone's Wi-Fi is gone is sent when it is back; a Về đích steal and a
//! tie-breaker on the phones that may buzz and those that may not; a judged round scored on the
//! judge page and revealed on the projector, and driven from the control page; the projector's
//! sounds at the right moments; the pages' own font, from the server, with every Vietnamese letter;
//! and (in `browser/walk.rs`) the whole example show on every page at every size.
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
use fantoccini::actions::InputSource;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use stagebuzz::game::olympia::{OlympiaRound, OlympiaRules};
use stagebuzz::game::tie_breaker::TieBreakerRound;
use stagebuzz::game::{BuzzInRules, ContestBuilder, MultipleChoiceRules, Question, Round};

#[path = "browser/walk.rs"]
mod walk;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Upper bound for one browser-side wait; the waits themselves are driven by DOM mutations.
const BROWSER_WAIT: Duration = Duration::from_secs(15);
/// A projector's Chromium switch: audio starts without a click, as once the operator has
/// clicked, so that its sounds play (and are recorded) headless.
const AUTOPLAY: &str = "--autoplay-policy=no-user-gesture-required";

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
        let screen = self
            .browser_with(profiles[1].path(), "1280,720", &[AUTOPLAY], None)
            .await;
        screen.goto(screen_url).await.expect("open screen");
        Browsers {
            phone,
            screen,
            _profiles: profiles,
        }
    }

    /// A new headless Chromium with a fresh profile.
    async fn browser(&self, profile: &Path, window: &str) -> Client {
        self.browser_with(profile, window, &[], None).await
    }

    /// A headless Chromium emulating a phone whose viewport is `width`×`height` CSS pixels, with
    /// touch (a desktop window is never narrower than 500 px).
    async fn phone(&self, profile: &Path, width: u32, height: u32) -> Client {
        let emulation = json!({
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true},
        });
        self.browser_with(profile, "500,900", &[], Some(emulation))
            .await
    }

    /// A new headless Chromium with a fresh profile and `extra` command-line switches, emulating
    /// a mobile device if asked.
    async fn browser_with(
        &self,
        profile: &Path,
        window: &str,
        extra: &[&str],
        emulation: Option<Value>,
    ) -> Client {
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
        .chain(extra.iter().map(|s| s.to_string()))
        .collect::<Vec<_>>();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            match emulation {
                Some(emulation) => {
                    json!({"binary": CHROMIUM, "args": args, "mobileEmulation": emulation})
                }
                None => json!({"binary": CHROMIUM, "args": args}),
            },
        );
        // The page's console, for the tests that read it (`walk::console_messages`).
        capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
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
    pick_team_and_type_code(phone, team, code).await;
}

/// Opens the judge page at `base` on `phone`, picks `judge`, types its `code` and sends it.
async fn join_judge(phone: &Client, base: &str, judge: &str, code: &str) {
    phone
        .goto(&format!("{base}/judge"))
        .await
        .expect("open the judge page");
    tap(phone, &format!(r#"#judge-list [data-judge="{judge}"]"#)).await;
    phone
        .wait()
        .at_most(BROWSER_WAIT)
        .for_element(Locator::Css("#judge-code"))
        .await
        .expect("code field")
        .send_keys(&code.to_lowercase())
        .await
        .expect("type the code");
    tap(phone, "#judge-submit").await;
}

/// On the join page's team list: picks `team` and types its `code`.
async fn pick_team_and_type_code(phone: &Client, team: &str, code: &str) {
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
/// shows its caption. At the finish the projector shows the podium and each round's prize
/// winners, and a team phone its final place and its place in each round.
#[tokio::test]
async fn programme_on_the_projector_from_round_titles_to_the_podium() {
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
    let base = format!("http://{}", server.addr());
    let Browsers {
        phone,
        screen,
        _profiles,
    } = driver.phone_and_screen(&format!("{base}/screen")).await;
    join_team(&phone, &base, "bravo", &server.code("bravo")).await;
    wait_for_attribute(&phone, "#buzz-state", "data-state", "not_started").await;
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

    // The finish: the podium, 3rd, 2nd then 1st, then each round's prize ("giải phần thi")
    // with its winners.
    screen.execute(RECORD_STEPS, vec![]).await.expect("script");
    control.ok(json!({"type": "finish_contest"})).await;
    wait_for_attribute(&screen, "body", "data-view", "final").await;
    wait_until(
        &screen,
        "document.querySelector('.view-final').dataset.finale === 'done'",
        "the finale ends",
    )
    .await;
    let order: Value = screen
        .execute("return window.steps.map((s) => s.place);", vec![])
        .await
        .expect("script");
    assert_eq!(order, json!([3, 2, 1]), "the podium's steps in turn");
    wait_for_rows(
        &screen,
        "#podium",
        &json!([
            ["Giải Nhì", "Đội bravo", "10 điểm"],
            ["Giải Nhất", "Đội alpha", "20 điểm"],
            ["Giải Ba", "Đội charlie", "5 điểm"],
        ]),
    )
    .await;
    wait_for_rows(
        &screen,
        "#round-prizes",
        &json!([
            ["Giải phần thi Khởi động", "Đội bravo", "10 điểm"],
            ["Giải phần thi Về đích", "Đội alpha", "20 điểm"],
        ]),
    )
    .await;
    // Bravo's phone: its final place, its prize, and its place in each round.
    wait_for_text(&phone, "#buzz-state", "Hạng 2/4 chung cuộc").await;
    wait_for_text(&phone, "#prize", "Giải Nhì").await;
    wait_for_rows(
        &phone,
        "#my-rounds-list",
        &json!([
            ["Khởi động", "Giải phần thi", "10 điểm"],
            ["Về đích", "Hạng 2", "0 điểm"],
        ]),
    )
    .await;

    phone.close().await.expect("close phone");
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
    let screen = driver
        .browser_with(profiles[2].path(), "1280,720", &[AUTOPLAY], None)
        .await;
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
    // A team was right: the projector's "correct" sting.
    wait_for_last_sound(&screen, "correct").await;
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

/// A question's picture appears with it on the projector and the phone, decoded before the
/// question is shown; a picture the browser cannot decode shows the bilingual note, never a
/// broken-image icon.
#[tokio::test]
async fn question_images_on_the_projector_and_the_phone() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("hinh")).expect("folder");
    let png = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets/hinh/ban-do.png"),
    )
    .expect("fixture PNG");
    std::fs::write(dir.path().join("hinh/ban-do.png"), &png).expect("write");
    // A PNG's signature and nothing a browser can decode: the server serves it, the page fails.
    let mut broken = png[..8].to_vec();
    broken.extend_from_slice(b"not really an image");
    std::fs::write(dir.path().join("hinh/hong.png"), broken).expect("write");
    let file = dir.path().join("contest.json");
    let contest = json!({
        "title": "Hội thi có hình",
        "teams": TEAMS.iter().map(|id| json!({"id": id, "name": format!("Đội {id}")})).collect::<Vec<_>>(),
        "rounds": [{"kind": "buzz_in", "title": "Giành quyền trả lời", "questions": [
            {"text": "Tỉnh nào trên bản đồ?", "answer": "Ninh Thuận", "image": "hinh/ban-do.png"},
            {"text": "Hình này là gì?", "answer": "?", "image": "hinh/hong.png"}
        ]}]
    });
    std::fs::write(&file, contest.to_string()).expect("contest file");
    let server = TestServer::start_file(&file, None).await;
    let base = format!("http://{}", server.addr());
    let Browsers {
        phone,
        screen,
        _profiles,
    } = driver.phone_and_screen(&format!("{base}/screen")).await;
    join_team(&phone, &base, "alpha", &server.code("alpha")).await;
    // Record whether the question's text was ever on show while its picture was still missing.
    let watch = r#"
        window.shownWithoutImage = false;
        new MutationObserver(() => {
            const text = document.querySelector('#question-text');
            const figure = document.querySelector('#question-image');
            if (text && text.textContent.includes('bản đồ') && figure && figure.dataset.image !== 'ready') {
                window.shownWithoutImage = true;
            }
        }).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true});
    "#;
    for page in [&screen, &phone] {
        page.execute(watch, vec![]).await.expect("watch");
    }

    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    for page in [&screen, &phone] {
        wait_for_attribute(page, "#question-image", "data-image", "ready").await;
        wait_for_text(page, "#question-text", "Tỉnh nào trên bản đồ?").await;
        let seen = page
            .execute(
                "const img = document.querySelector('#question-image img');
                 return [img !== null && img.complete && img.naturalWidth > 0, window.shownWithoutImage];",
                vec![],
            )
            .await
            .expect("inspect");
        assert_eq!(
            seen,
            json!([true, false]),
            "the picture came with its question"
        );
    }
    let fits = phone
        .execute(
            "return document.querySelector('#question-image img').getBoundingClientRect().width <= window.innerWidth;",
            vec![],
        )
        .await
        .expect("measure");
    assert_eq!(fits, json!(true), "the picture fits the phone's width");

    control.ok(json!({"type": "reveal_answer"})).await;
    control.ok(json!({"type": "show_next_question"})).await;
    for page in [&screen, &phone] {
        wait_for_attribute(page, "#question-image", "data-image", "failed").await;
        wait_for_text(
            page,
            "#question-image .image-failed",
            "Không tải được hình ảnh",
        )
        .await;
        let broken_icons = page
            .execute(
                "return [...document.querySelectorAll('img')].filter((i) => i.complete && i.naturalWidth === 0).length;",
                vec![],
            )
            .await
            .expect("inspect");
        assert_eq!(broken_icons, json!(0), "no broken-image icon");
    }
}

/// A judging panel's mean and half points reach the projector written the Vietnamese way.
#[tokio::test]
async fn fractional_points_read_the_vietnamese_way_on_the_projector() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(
        ContestBuilder::new("Hội thi")
            .teams(2, |i| (TEAMS[i].into(), format!("Đội {}", TEAMS[i])))
            .scored("Chào hỏi")
            .build(),
    )
    .await;
    let base = format!("http://{}", server.addr());
    let profile = tempfile::tempdir().expect("profile");
    let screen = driver.browser(profile.path(), "1280,720").await;
    screen.goto(&format!("{base}/screen")).await.expect("open");
    let mut control = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "adjust_score", "team": "bravo", "delta": 8.67, "reason": "Ban giám khảo"}))
        .await;
    control
        .ok(json!({"type": "adjust_score", "team": "alpha", "delta": 8.5, "reason": "Ban giám khảo"}))
        .await;
    wait_for_text(&screen, r#"li[data-team="bravo"] .row-score"#, "8,67").await;
    wait_for_text(&screen, r#"li[data-team="alpha"] .row-score"#, "8,5").await;
}

/// Clicks one of the projector's controls, which show only once the mouse moves.
async fn click_projector_control(screen: &Client, selector: &str) {
    for x in [300.0, 320.0] {
        screen
            .perform_actions(fantoccini::actions::MouseActions::new("mouse".into()).then(
                fantoccini::actions::PointerAction::MoveTo {
                    duration: None,
                    x,
                    y: 300.0,
                },
            ))
            .await
            .expect("move the mouse");
    }
    wait_until(
        screen,
        &format!("getComputedStyle(document.querySelector('{selector}')).visibility === 'visible'"),
        "the projector's controls show on a mouse move",
    )
    .await;
    click(screen, selector).await;
}

/// Clicks `selector` once it is on the page.
async fn click(client: &Client, selector: &str) {
    client
        .wait()
        .at_most(BROWSER_WAIT)
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector} never appeared: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{selector} could not be clicked: {e}"));
}

/// Whether `selector` is on the page and laid out (not hidden, nor inside something hidden).
async fn displayed(client: &Client, selector: &str) -> bool {
    client
        .execute(
            "const el = document.querySelector(arguments[0]); return el !== null && el.offsetParent !== null;",
            vec![json!(selector)],
        )
        .await
        .expect("script")
        == json!(true)
}

/// Four teams and a Về đích round of packs of two, from four questions of 20 and four of 30.
fn olympia_contest() -> stagebuzz::game::Contest {
    let mut contest = ContestBuilder::new("Hội thi thử")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .build();
    let questions = [20, 30, 20, 30, 20, 30, 20, 30]
        .iter()
        .enumerate()
        .map(|(i, value)| Question {
            points: Some(*value),
            ..Question::new(format!("Câu hỏi {value} điểm số {}?", i + 1), "Đáp án")
        })
        .collect();
    contest.rounds.push(Round::OlympiaFinish(OlympiaRound {
        title: "Về đích".into(),
        rules: OlympiaRules {
            pack_size: 2,
            ..OlympiaRules::default()
        },
        questions,
    }));
    contest
}

/// "Về đích" on the control page, the phones and the projector. The MC calls alpha's turn, builds
/// its pack and declares its star on the control page; alpha is right on its first question (the
/// star: 60) and wrong on its second; the MC opens the steal and charlie's phone, which showed no
/// buzzer until then, takes it; alpha's phone never shows one. The projector shows the turn, the
/// pack, the star, charlie on the floor, and the points taken from alpha.
#[tokio::test]
async fn a_steal_on_the_olympia_finish_from_a_phone() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(olympia_contest()).await;
    let base = format!("http://{}", server.addr());
    let profiles = [
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
    ];
    // The MC's laptop, which then becomes alpha's phone (three browsers at most at once).
    let laptop = driver.browser(profiles[0].path(), "1280,900").await;
    let charlie = driver.browser(profiles[1].path(), "360,740").await;
    let screen = driver
        .browser_with(profiles[2].path(), "1280,720", &[AUTOPLAY], None)
        .await;
    screen
        .goto(&format!("{base}/screen"))
        .await
        .expect("open screen");
    let mut control = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;

    // The control page: pick alpha, start its turn, build its pack, declare its star (twice).
    laptop
        .goto(&format!("{base}/control#token={}", server.token()))
        .await
        .expect("open control page");
    wait_for_text(
        &laptop,
        "#ol-next",
        "Gọi đội thi tiếp theo: chọn đội bên dưới, rồi bấm Bắt đầu lượt thi.",
    )
    .await;
    click(&laptop, r#"[data-ol-team="alpha"]"#).await;
    wait_for_text(&laptop, "#ol-start", "Bắt đầu lượt thi của Đội alpha").await;
    click(&laptop, "#ol-start").await;
    wait_for_text(&laptop, "#ol-next", "Chọn gói câu hỏi cho Đội alpha.").await;
    click(&laptop, r#"[data-ol-slot="0"][data-ol-value="30"]"#).await;
    click(&laptop, r#"[data-ol-slot="1"][data-ol-value="20"]"#).await;
    wait_for_text(&laptop, "#ol-choose", "Chốt gói câu hỏi: 30 điểm · 20 điểm").await;
    click(&laptop, "#ol-choose").await;
    control
        .state_where(|s| s["olympia"]["turns"][0]["pack"] == json!([30, 20]))
        .await;
    wait_for_text(
        &laptop,
        "#ol-star",
        "★ Ngôi sao hy vọng cho câu 1 (30 điểm)",
    )
    .await;
    click(&laptop, "#ol-star").await;
    wait_for_text(
        &laptop,
        "#ol-star",
        "Bấm lần nữa: ngôi sao hy vọng của Đội alpha cho câu 1",
    )
    .await;
    click(&laptop, "#ol-star").await;
    control
        .state_where(|s| s["olympia"]["star_pending"] == true)
        .await;
    // The round's title card on the projector: alpha's turn, its pack, the star on question 1.
    wait_for_text(&screen, "#ol-intro .ol-team", "Đội alpha").await;
    wait_for_rows(&screen, "#ol-intro .ol-pack", &json!([["30", "★"], ["20"]])).await;

    // Alpha's phone (the laptop, now) and charlie's join; the first question, on the clock.
    laptop
        .goto(&format!("{base}/?team=alpha&code={}", server.code("alpha")))
        .await
        .expect("open alpha's phone");
    let alpha = laptop;
    join_team(&charlie, &base, "charlie", &server.code("charlie")).await;
    wait_for_attribute(&alpha, "#buzz-state", "data-state", "ol_turn").await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_answers"})).await;
    wait_for_text(&alpha, "#buzz-state", "Câu hỏi của đội bạn — 30 điểm ★").await;
    wait_for_text(&alpha, "#buzz-sub", "Mời đội trả lời!").await;
    assert!(
        !displayed(&alpha, "#buzz").await,
        "alpha's own question: no buzzer"
    );
    wait_for_attribute(&charlie, "#buzz-state", "data-state", "ol_wait").await;
    assert!(
        !displayed(&charlie, "#buzz").await,
        "no buzzer before the steal"
    );
    wait_for_text(&screen, "#ol-banner .ol-team", "Đội alpha").await;
    wait_for_attribute(&screen, "#ol-banner .ol-tile.current", "data-n", "1").await;
    assert!(
        displayed(&screen, "#ol-banner .ol-star").await,
        "the star of hope on the projector"
    );
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    wait_for_text(&screen, "#result-line", "Đội alpha trả lời đúng: +60 điểm").await;

    // The second question: alpha is wrong; the phones wait for the steal, without a buzzer.
    control.ok(json!({"type": "show_next_question"})).await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    wait_for_attribute(&charlie, "#buzz-state", "data-state", "ol_steal_soon").await;
    assert!(
        !displayed(&charlie, "#buzz").await,
        "no buzzer until the steal opens"
    );
    wait_for_attribute(&alpha, "#buzz-state", "data-state", "ol_wrong").await;

    // The steal: charlie's buzzer appears and charlie taps it; alpha's phone shows none.
    control.ok(json!({"type": "open_buzzers"})).await;
    wait_for_attribute(&charlie, "#buzz-state", "data-state", "open").await;
    assert!(
        displayed(&charlie, "#buzz").await,
        "the buzzer while the steal is open"
    );
    wait_for_attribute(&alpha, "#buzz-state", "data-state", "ol_steal").await;
    assert!(
        !displayed(&alpha, "#buzz").await,
        "alpha cannot steal its own question"
    );
    click(&charlie, "#buzz").await;
    wait_for_text(&screen, "#floor-team", "Đội charlie").await;
    wait_for_attribute(&charlie, "#buzz-state", "data-state", "first").await;
    let floor = control.state_where(|s| phase(s) == "floor").await;
    assert_eq!(floor["buzz"]["floor"], "charlie");

    // Charlie is right: 20 points, taken from alpha (60 − 20).
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    wait_for_rows(
        &screen,
        "#scoreboard",
        &json!([
            ["1", "Đội alpha", "40"],
            ["2", "Đội charlie", "20"],
            ["3", "Đội bravo", "0"],
            ["3", "Đội delta", "0"],
        ]),
    )
    .await;
    wait_for_text(
        &screen,
        "#result-line",
        "Đội charlie giành quyền và trả lời đúng: +20 điểm (Đội alpha −20 điểm)",
    )
    .await;
    wait_for_attribute(&alpha, "#buzz-state", "data-state", "ol_stolen").await;
    wait_for_attribute(&charlie, "#buzz-state", "data-state", "correct").await;

    for client in [alpha, charlie, screen] {
        client.close().await.expect("close browser");
    }
}

/// The tie-breaker: alpha and bravo are tied at 9 on the totals. The control page offers them
/// ticked; the MC breaks their tie; on the question bravo's phone has its buzzer and charlie's,
/// outside the tie, says it is not in this tie-breaker and shows none.
#[tokio::test]
async fn a_tie_breaker_on_the_tied_teams_phones_only() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let mut contest = ContestBuilder::new("Hội thi thử")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .scored("Năng khiếu")
        .build();
    contest.rounds.push(Round::TieBreaker(TieBreakerRound {
        title: "Câu hỏi phụ".into(),
        rules: BuzzInRules::default(),
        questions: vec![Question::new("Câu hỏi phụ số 1?", "Đáp án")],
    }));
    let server = TestServer::start(contest).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    for (team, points) in [("alpha", 9), ("bravo", 9), ("charlie", 7)] {
        control
            .ok(json!({"type": "adjust_score", "team": team, "delta": points, "reason": "Ban giám khảo"}))
            .await;
    }
    control.ok(json!({"type": "start_round", "round": 2})).await;

    let profiles = [
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
    ];
    // The MC's laptop, which then becomes charlie's phone.
    let laptop = driver.browser(profiles[0].path(), "1280,900").await;
    let bravo = driver.browser(profiles[1].path(), "360,740").await;
    laptop
        .goto(&format!("{base}/control#token={}", server.token()))
        .await
        .expect("open control page");
    // The tie of the totals is ticked already: one press breaks it.
    wait_for_text(&laptop, "#tb-break", "Phá thế hòa: Đội alpha, Đội bravo").await;
    click(&laptop, "#tb-break").await;
    control
        .state_where(|s| s["tie_break"][0]["teams"] == json!(["alpha", "bravo"]))
        .await;
    // (Headless Chromium has no pointing device: no key names until a key is pressed.)
    wait_for_text(
        &laptop,
        "#tb-next",
        "Bấm Câu tiếp theo: câu hỏi phụ cho Đội alpha, Đội bravo.",
    )
    .await;

    laptop
        .goto(&format!(
            "{base}/?team=charlie&code={}",
            server.code("charlie")
        ))
        .await
        .expect("open charlie's phone");
    let charlie = laptop;
    join_team(&bravo, &base, "bravo", &server.code("bravo")).await;
    wait_for_attribute(&charlie, "#buzz-state", "data-state", "tb_out").await;
    wait_for_attribute(&bravo, "#buzz-state", "data-state", "tb_in").await;

    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    wait_for_attribute(&bravo, "#buzz-state", "data-state", "open").await;
    assert!(
        displayed(&bravo, "#buzz").await,
        "a tied team has its buzzer"
    );
    wait_for_text(&charlie, "#buzz-state", "Không tham gia câu hỏi phụ").await;
    wait_for_text(&charlie, "#question-text", "Câu hỏi phụ số 1?").await;
    assert!(
        !displayed(&charlie, "#buzz").await,
        "a team outside the tie has none"
    );

    click(&bravo, "#buzz").await;
    wait_for_attribute(&bravo, "#buzz-state", "data-state", "first").await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    wait_for_text(
        &bravo,
        "#buzz-sub",
        "Đội bạn xếp thứ 1 trong nhóm bằng điểm",
    )
    .await;
    wait_for_attribute(&charlie, "#buzz-state", "data-state", "tb_out").await;

    for client in [charlie, bravo] {
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
    join_judge(&phone, &base, "gk-1", &server.judge_code("gk-1")).await;
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

/// Waits until some element matching `selector` reads `want` (trimmed): a toast among others.
async fn wait_for_any_text(client: &Client, selector: &str, want: &str) {
    let script = r#"
        const [selector, want, done] = arguments;
        const matches = () => [...document.querySelectorAll(selector)].some((el) => el.textContent.trim() === want);
        if (matches()) { done(true); return; }
        new MutationObserver(() => { if (matches()) done(true); })
            .observe(document.documentElement, {subtree: true, childList: true, characterData: true});
    "#;
    if client
        .execute_async(script, vec![json!(selector), json!(want)])
        .await
        .is_err()
    {
        let actual = client
            .execute(
                "return [...document.querySelectorAll(arguments[0])].map((el) => el.textContent.trim());",
                vec![json!(selector)],
            )
            .await
            .unwrap_or(Value::Null);
        panic!("no {selector} ever showed {want:?}; they show {actual}");
    }
}

/// Waits until `selector` is on the page and laid out (not hidden, nor inside something hidden).
async fn wait_displayed(client: &Client, selector: &str) {
    let script = r#"
        const [selector, done] = arguments;
        const shown = () => { const el = document.querySelector(selector); return el !== null && el.offsetParent !== null; };
        if (shown()) { done(true); return; }
        new MutationObserver(() => { if (shown()) done(true); })
            .observe(document.documentElement, {subtree: true, childList: true, attributes: true});
    "#;
    client
        .execute_async(script, vec![json!(selector)])
        .await
        .unwrap_or_else(|e| panic!("{selector} was never shown: {e}"));
}

/// The text of `selector` now.
async fn text_of(client: &Client, selector: &str) -> String {
    client
        .execute(
            "const el = document.querySelector(arguments[0]); return el ? el.textContent.trim() : '';",
            vec![json!(selector)],
        )
        .await
        .expect("script")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Everything the projector shows as text, whatever is hidden or not.
async fn page_text(client: &Client) -> String {
    client
        .execute("return document.body.textContent;", vec![])
        .await
        .expect("script")
        .as_str()
        .expect("text")
        .to_string()
}

/// Two teams and two judges; a judged round on the default rules (0–10 in half points, the
/// mean), then a buzz-in round.
fn judged_contest(
    rules: stagebuzz::game::judged::JudgedRules,
    situations: usize,
) -> stagebuzz::game::Contest {
    use stagebuzz::game::judged::Situation;
    let situations = (1..=situations)
        .map(|i| Situation {
            title: format!("Tình huống {i}"),
            text: format!("Nội dung tình huống số {i}: người dân phản ánh, đội xử lý thế nào?"),
        })
        .collect();
    ContestBuilder::new("Hội thi thử")
        .teams(3, |i| (TEAMS[i].into(), format!("Đội {}", TEAMS[i])))
        .judge("gk-1", "Giám khảo Một")
        .judge("gk-2", "Giám khảo Hai")
        .judged("Xử lý tình huống", rules, situations)
        .buzz_in("Giành quyền", BuzzInRules::default(), 1, |_| {
            Question::new("Câu hỏi?", "Đáp án")
        })
        .build()
}

/// A judge opens the link of their QR code on a phone and scores the team on stage with the
/// judge page's buttons; the other judge scores over a socket; the MC closes and reveals over
/// the socket. Until the reveal the projector shows the team on stage and that its scoring is
/// closed, and no mark nor result anywhere on the page; then each judge's mark with its name,
/// and the mean, written the Vietnamese way.
#[tokio::test]
async fn a_judge_scores_on_the_judge_page_and_the_projector_reveals_it() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(judged_contest(Default::default(), 0)).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "perform", "team": "alpha"}))
        .await;
    let Browsers {
        phone,
        screen,
        _profiles,
    } = driver.phone_and_screen(&format!("{base}/screen")).await;
    wait_for_text(&screen, "#jd-stage .jd-team", "Đội alpha").await;
    wait_for_text(&screen, "#jd-stage .jd-kicker", "Đang trình bày").await;

    // Judge 1 scans the QR code: 8, then half a point more, and sends.
    phone
        .goto(&format!(
            "{base}/judge?judge=gk-1&code={}",
            server.judge_code("gk-1")
        ))
        .await
        .expect("open the judge's link");
    wait_for_text(&phone, "#my-name", "Giám khảo Một").await;
    let card = r#"#teams [data-team="alpha"]"#;
    tap(
        &phone,
        &format!(r#"{card} [data-criterion="0"][data-set="800"]"#),
    )
    .await;
    tap(
        &phone,
        &format!(r#"{card} [data-criterion="0"][data-step="1"]"#),
    )
    .await;
    wait_for_text(&phone, &format!("{card} .mark-value"), "8,5").await;
    tap(&phone, r#"[data-send="alpha"]"#).await;
    wait_for_attribute(&phone, card, "data-status", "sent").await;
    let mut second = server.judge("gk-2").await;
    second
        .ok(json!({"type": "score", "team": "alpha", "marks": [9]}))
        .await;
    control
        .state_where(|s| {
            s["judged"]["teams"][0]["marks"][0]["marks"] == json!([8.5])
                && s["judged"]["teams"][0]["marks"][1]["marks"] == json!([9])
        })
        .await;

    // Closed: the hall learns that the panel has scored, and nothing of what it gave.
    control
        .ok(json!({"type": "close_scoring", "team": "alpha"}))
        .await;
    wait_displayed(&screen, "#jd-closed").await;
    assert_eq!(
        text_of(&screen, "#jd-closed").await,
        "Ban giám khảo đã chấm xong — chờ công bố kết quả"
    );
    let before = page_text(&screen).await;
    for secret in ["8,5", "8,75", "Giám khảo Một"] {
        assert!(
            !before.contains(secret),
            "the projector shows {secret:?} before the reveal: {before}"
        );
    }
    assert!(!displayed(&screen, "#jd-reveal").await);

    // Revealed: each judge's mark by name, then the mean.
    control
        .ok(json!({"type": "reveal_result", "team": "alpha"}))
        .await;
    wait_for_rows(
        &screen,
        "#jd-reveal .jd-marks",
        &json!([["Giám khảo Một", "8,5"], ["Giám khảo Hai", "9"]]),
    )
    .await;
    wait_for_text(&screen, "#jd-reveal .jd-result", "8,75 điểm").await;
    wait_for_text(&screen, "#jd-reveal .jd-team", "Đội alpha").await;
    assert!(displayed(&screen, "#jd-reveal").await);
    wait_for_last_sound(&screen, "result").await;
    // The judge's phone shows the result too.
    wait_for_text(
        &phone,
        &format!("{card} .card-result"),
        "Kết quả công bố: 8,75 điểm",
    )
    .await;

    phone.close().await.expect("close phone");
    screen.close().await.expect("close screen");
}

/// The control page's judged panel drives a round: call bravo on stage, let it draw (the
/// projector shows the situation), time it (shown on the projector), remind a judge whose phone
/// is off (said plainly), close once both judges have scored over their sockets (the MC sees
/// their marks), a penalty for the time over (offered by the rules; Undo takes it back), reveal;
/// then close charlie with a judge missing, which asks first. Bravo's phone shows no buzzer, its
/// situation while on stage and its result once revealed. The judges' codes are in the join
/// codes section.
#[tokio::test]
async fn the_control_pages_judged_panel_drives_a_round() {
    use stagebuzz::game::Points;
    use stagebuzz::game::judged::JudgedRules;
    let Some(driver) = Driver::start() else {
        return;
    };
    // A limit of 1 ms: any time on stage is over it, so the rules offer a penalty at once.
    let rules = JudgedRules {
        time_limit_ms: Some(1),
        penalty_per_minute: Points::whole(1),
        ..JudgedRules::default()
    };
    let server = TestServer::start(judged_contest(rules, 2)).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    let profiles = [
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
    ];
    let laptop = driver.browser(profiles[0].path(), "1280,900").await;
    let screen = driver.browser(profiles[1].path(), "1280,720").await;
    let phone = driver.browser(profiles[2].path(), "360,740").await;
    screen
        .goto(&format!("{base}/screen"))
        .await
        .expect("open screen");
    // Bravo's phone: no buzzer in a judged round.
    join_team(&phone, &base, "bravo", &server.code("bravo")).await;
    wait_for_attribute(&phone, "#buzz-state", "data-state", "round_intro").await;
    assert!(!displayed(&phone, "#buzz").await, "no buzzer");
    laptop
        .goto(&format!("{base}/control#token={}", server.token()))
        .await
        .expect("open control page");
    wait_for_text(
        &laptop,
        "#jd-next",
        "Gọi một đội lên sân khấu: bấm “Gọi lên sân khấu” ở đội đó.",
    )
    .await;
    // The judges' codes, names and QR codes beside the teams'.
    let judge = r#"#access-judges [data-access-judge="gk-2"]"#;
    wait_for_text(&laptop, &format!("{judge} .access-name"), "Giám khảo Hai").await;
    wait_for_text(
        &laptop,
        &format!("{judge} .join-code"),
        &server.judge_code("gk-2"),
    )
    .await;
    wait_for_attribute(
        &laptop,
        &format!("{judge} .qr"),
        "src",
        &format!(
            "/api/join-qr/gk-2?token={}&v={}",
            server.token(),
            server.judge_code("gk-2")
        ),
    )
    .await;

    // Bravo on stage; it draws its situation, which the projector shows.
    click(&laptop, r#"[data-jd-perform="bravo"]"#).await;
    control
        .state_where(|s| s["judged"]["on_stage"] == "bravo")
        .await;
    wait_for_text(&screen, "#jd-stage .jd-team", "Đội bravo").await;
    wait_for_text(
        &laptop,
        "#jd-next",
        "Mời Đội bravo bốc thăm tình huống: bấm Bốc thăm.",
    )
    .await;
    click(&laptop, r#"#jd-stage-box [data-jd-draw="bravo"]"#).await;
    let state = control
        .state_where(|s| s["judged"]["situations"]["drawn"][0]["team"] == "bravo")
        .await;
    let drawn = &state["judged"]["situations"]["drawn"][0];
    let title = drawn["title"].as_str().expect("title").to_string();
    let text = drawn["text"].as_str().expect("text").to_string();
    wait_for_text(&screen, "#jd-draw .jd-draw-title", &title).await;
    wait_for_text(&screen, "#jd-draw .jd-draw-team", "Đội bravo bốc thăm").await;
    wait_for_text(&screen, "#jd-situation .jd-situation-title", &title).await;
    wait_for_text(&screen, "#jd-situation .jd-situation-text", &text).await;
    // On bravo's phone: its team is on stage, with the situation to read.
    wait_for_text(&phone, "#buzz-state", "Đội bạn đang trình bày").await;
    wait_for_text(&phone, "#buzz-sub", &format!("Bốc thăm: {title}")).await;
    wait_for_text(&phone, "#jd-phone .jd-phone-situation", &text).await;
    assert!(!displayed(&phone, "#buzz").await, "no buzzer");
    // (Each click waits for the page to show the state before it: the panel is redrawn.)
    wait_for_text(
        &laptop,
        "#jd-next",
        "Đội bravo đã lên sân khấu: bấm Bắt đầu giờ khi đội bắt đầu trình bày.",
    )
    .await;

    // The timer: started, shown on the projector, stopped.
    click(&laptop, "#jd-timer-start").await;
    control
        .state_where(|s| s["judged"]["timer"]["running"] == true)
        .await;
    wait_displayed(&laptop, "#jd-timer-stop").await;
    click(&laptop, "#jd-timer-show").await;
    control
        .state_where(|s| s["judged"]["timer_shown"] == true)
        .await;
    wait_for_attribute(&screen, "#jd-timer", "class", "jd-timer over running").await;
    wait_for_text(&laptop, "#jd-timer-show", "Ẩn giờ trên màn chiếu").await;
    click(&laptop, "#jd-timer-stop").await;
    control
        .state_where(|s| s["judged"]["timer"]["running"] == false)
        .await;
    wait_for_attribute(&screen, "#jd-timer", "class", "jd-timer over").await;
    // Over the limit of 1 ms by however long the timer ran: the rules offer 1 point, and the
    // next step says so until a penalty is taken.
    wait_displayed(&laptop, "#jd-timer-start").await;
    let waiting = "Chờ ban giám khảo chấm Đội bravo — chưa chấm: Giám khảo Một, Giám khảo Hai.";
    let next = text_of(&laptop, "#jd-next").await;
    let over = next
        .strip_prefix(waiting)
        .filter(|over| {
            over.starts_with(" Đội quá giờ ")
                && over.ends_with(" giây: đề nghị trừ 1 điểm (Trừ điểm).")
        })
        .unwrap_or_else(|| panic!("{next}"))
        .to_string();

    // Judge 1 scores; judge 2 has no phone on: the reminder says so plainly.
    let mut first = server.judge("gk-1").await;
    first
        .ok(json!({"type": "score", "team": "bravo", "marks": [7.5]}))
        .await;
    wait_for_text(
        &laptop,
        "#jd-next",
        &format!("Đã đủ giám khảo để chốt điểm Đội bravo; còn chưa chấm: Giám khảo Hai (Nhắc, hoặc Chốt điểm).{over}"),
    )
    .await;
    // The panel's buttons are big enough for a finger on the MC's tablet.
    let smallest: Value = laptop
        .execute(
            "return Math.min(...[...document.querySelectorAll('#jd-round button')]
                 .map((b) => b.getBoundingClientRect().height));",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        smallest.as_f64() >= Some(44.0),
        "smallest button {smallest}"
    );
    click(&laptop, r#"[data-jd-remind="gk-2"][data-team="bravo"]"#).await;
    wait_for_any_text(
        &laptop,
        ".toast",
        "Giám khảo Hai không có điện thoại nào đang mở trang chấm điểm, nên không nhắc qua máy được — xin nhắc trực tiếp, hoặc đưa lại mã QR của giám khảo.",
    )
    .await;
    let mut second = server.judge("gk-2").await;
    second
        .ok(json!({"type": "score", "team": "bravo", "marks": [8]}))
        .await;
    // The MC sees both judges' marks.
    let bravo = r#"[data-jd-team="bravo"]"#;
    wait_for_rows(
        &laptop,
        &format!("{bravo} .jd-marks tbody"),
        &json!([["Giám khảo Một", "7,5", ""], ["Giám khảo Hai", "8", ""]]),
    )
    .await;
    let close_now = "Mọi giám khảo đã chấm Đội bravo: bấm Chốt điểm.";
    let with_over = format!("{close_now}{over}");
    wait_for_text(&laptop, "#jd-next", &with_over).await;

    // A penalty for the time over, as the rules suggest; Undo takes it back.
    click(&laptop, r#"#jd-stage-box [data-jd-penalty="bravo"]"#).await;
    let offered: Value = laptop
        .execute(
            "return [document.querySelector('#jd-penalty-points').value, document.querySelector('#jd-penalty-reason').value];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(offered[0], "1", "{offered}");
    assert!(
        offered[1]
            .as_str()
            .is_some_and(|r| r.starts_with("quá giờ ") && r.ends_with(" giây")),
        "{offered}"
    );
    click(&laptop, "#jd-penalty-submit").await;
    let state = control
        .state_where(|s| {
            s["judged"]["teams"][1]["penalties"]
                .as_array()
                .map(Vec::len)
                == Some(1)
        })
        .await;
    assert_eq!(state["judged"]["teams"][1]["penalties"][0]["points"], 1);
    assert_eq!(
        state["judged"]["teams"][1]["penalties"][0]["reason"],
        offered[1]
    );
    wait_for_text(&laptop, "#jd-next", close_now).await;
    click(&laptop, "#btn-undo").await;
    control
        .state_where(|s| s["judged"]["teams"][1]["penalties"] == json!([]))
        .await;
    wait_for_text(&laptop, "#jd-next", &with_over).await;

    // Closed (every judge scored: no question asked), then revealed.
    click(&laptop, r#"[data-jd-close="bravo"]"#).await;
    control
        .state_where(|s| s["judged"]["teams"][1]["result"] == json!(7.75))
        .await;
    wait_for_text(&laptop, &format!("{bravo} .jd-result"), "7,75").await;
    wait_displayed(&screen, "#jd-closed").await;
    assert!(!page_text(&screen).await.contains("7,75"));
    click(&laptop, r#"[data-jd-reveal="bravo"]"#).await;
    wait_for_text(&screen, "#jd-reveal .jd-result", "7,75 điểm").await;
    wait_for_rows(
        &screen,
        "#jd-reveal .jd-marks",
        &json!([["Giám khảo Một", "7,5"], ["Giám khảo Hai", "8"]]),
    )
    .await;
    wait_for_text(
        &laptop,
        "#jd-next",
        "Đã công bố điểm Đội bravo: gọi đội tiếp theo lên sân khấu.",
    )
    .await;
    // The phone shows the result as the projector does, compact.
    wait_for_text(&phone, "#buzz-state", "Đội bạn đạt 7,75 điểm").await;
    wait_for_text(&phone, "#jd-phone .jd-phone-result", "7,75 điểm").await;

    // Charlie, with judge 2 missing: closing asks first, naming the missing judge.
    click(&laptop, r#"[data-jd-perform="charlie"]"#).await;
    wait_for_text(&screen, "#jd-stage .jd-team", "Đội charlie").await;
    wait_for_text(&phone, "#buzz-state", "Đội charlie đang trình bày").await;
    first
        .ok(json!({"type": "score", "team": "charlie", "marks": [9]}))
        .await;
    wait_for_text(
        &laptop,
        r#"[data-jd-team="charlie"] .jd-count"#,
        "1/2 giám khảo đã chấm",
    )
    .await;
    click(&laptop, r#"[data-jd-close="charlie"]"#).await;
    wait_for_text(
        &laptop,
        "#confirm-title",
        "Chốt điểm Đội charlie khi chưa đủ giám khảo chấm?",
    )
    .await;
    let detail: Value = laptop
        .execute(
            "return document.querySelector('#confirm-detail').textContent;",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        detail
            .as_str()
            .is_some_and(|d| d.starts_with("Chưa chấm: Giám khảo Hai.")),
        "{detail}"
    );
    click(&laptop, "#confirm-ok").await;
    control
        .state_where(|s| s["judged"]["teams"][2]["result"] == json!(9))
        .await;

    for client in [laptop, screen, phone] {
        client.close().await.expect("close browser");
    }
}

/// The sounds the projector has played (`window.stagebuzzSounds`), a run of ticks as one `tick`.
const SOUNDS_SCRIPT: &str = "const played = window.stagebuzzSounds || [];
    return played.filter((s, i) => !(s === 'tick' && played[i - 1] === 'tick'));";

/// Waits until the projector has played `want` (a run of ticks counted as one), driven by the
/// page's `stagebuzz:sound` events.
async fn wait_for_sounds(screen: &Client, want: &[&str]) {
    let script = format!(
        "const [want, done] = arguments;
         const played = () => {{ {SOUNDS_SCRIPT} }};
         const matches = () => JSON.stringify(played()) === JSON.stringify(want);
         if (matches()) {{ done(true); return; }}
         window.addEventListener('stagebuzz:sound', () => {{ if (matches()) done(true); }});"
    );
    if screen
        .execute_async(&script, vec![json!(want)])
        .await
        .is_err()
    {
        let actual = sounds(screen).await;
        panic!("the projector never played {want:?}; it played {actual}");
    }
}

/// Waits until the last sound the projector played is `want`.
async fn wait_for_last_sound(screen: &Client, want: &str) {
    let script = "const [want, done] = arguments;
         const matches = () => (window.stagebuzzSounds || []).at(-1) === want;
         if (matches()) { done(true); return; }
         window.addEventListener('stagebuzz:sound', () => { if (matches()) done(true); });";
    if screen
        .execute_async(script, vec![json!(want)])
        .await
        .is_err()
    {
        let actual = sounds(screen).await;
        panic!("the projector never played {want:?}; it played {actual}");
    }
}

/// What the projector has played so far (a run of ticks as one `tick`).
async fn sounds(screen: &Client) -> Value {
    screen.execute(SOUNDS_SCRIPT, vec![]).await.expect("script")
}

/// The sounds on the projector: a round's title, a team on the floor, a wrong and a right
/// answer, the ticks of a countdown's last seconds and the finale's fanfare, each when it
/// happens and never again after a reload; the mute switch silences them and is remembered; a
/// browser that holds audio back until a click shows "Bật âm thanh" until clicked.
#[tokio::test]
async fn the_projector_plays_its_sounds_when_things_happen() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let question = |i: usize| Question::new(format!("Câu hỏi số {}?", i + 1), "Đáp án");
    // A long answer time (no ticks while a team answers); a short buzz window in round 2: its
    // last seconds tick without a long wait.
    let calm = BuzzInRules {
        answer_window_ms: 60_000,
        ..BuzzInRules::default()
    };
    let quick = BuzzInRules {
        buzz_window_ms: 2_500,
        ..calm.clone()
    };
    let show = ContestBuilder::new("Hội thi thử")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .buzz_in("Khởi động", calm, 2, question)
        .buzz_in("Tăng tốc", quick, 2, question)
        .build();
    let server = TestServer::start(show).await;
    let base = format!("http://{}", server.addr());
    let profiles = [
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
    ];
    let screen = driver
        .browser_with(profiles[0].path(), "1280,720", &[AUTOPLAY], None)
        .await;
    screen
        .goto(&format!("{base}/screen"))
        .await
        .expect("open screen");
    wait_for_attribute(&screen, "body", "data-view", "waiting").await;
    // Audio runs: no unlock button.
    wait_for_attribute(&screen, "#sound-unlock", "hidden", "").await;
    let mut control = server.control().await;
    let mut alpha = server.team("alpha").await;
    let mut bravo = server.team("bravo").await;

    // The round's title; bravo takes the floor and is wrong; alpha takes it and is right.
    control.ok(json!({"type": "start_round", "round": 1})).await;
    wait_for_sounds(&screen, &["round"]).await;
    to_floor(&mut control, &mut bravo).await;
    wait_for_sounds(&screen, &["round", "floor"]).await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    wait_for_sounds(&screen, &["round", "floor", "wrong"]).await;
    alpha.state_where(|s| phase(s) == "open").await;
    alpha.ok(json!({"type": "buzz"})).await;
    wait_for_sounds(&screen, &["round", "floor", "wrong", "floor"]).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    let so_far = ["round", "floor", "wrong", "floor", "correct"];
    wait_for_sounds(&screen, &so_far).await;

    // Round 2: its buzzers open for 2.5 s and nobody buzzes: its last seconds tick.
    control.ok(json!({"type": "start_round", "round": 2})).await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    let ticked = [&so_far[..], &["round", "tick"]].concat();
    wait_for_sounds(&screen, &ticked).await;
    control.state_where(|s| phase(s) == "closed").await;
    wait_for_text(
        &screen,
        "#result-line",
        "Hết giờ — không đội nào bấm chuông",
    )
    .await;
    let ticks: Value = screen
        .execute(
            "return window.stagebuzzSounds.filter((s) => s === 'tick').length;",
            vec![],
        )
        .await
        .expect("script");
    assert!(
        ticks.as_u64().unwrap_or(0) >= 2,
        "a tick each second: {ticks}"
    );

    // Muted: round 1's title comes back in silence; the switch is remembered after a reload,
    // and a reload replays nothing.
    click_projector_control(&screen, "#sound-toggle").await;
    wait_for_attribute(&screen, "#sound-toggle", "aria-pressed", "true").await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    wait_for_text(&screen, "#intro-title", "Khởi động").await;
    assert_eq!(
        sounds(&screen).await,
        json!(ticked),
        "muted: nothing played"
    );
    screen.refresh().await.expect("reload");
    wait_for_text(&screen, "#intro-title", "Khởi động").await;
    wait_for_attribute(&screen, "#sound-toggle", "aria-pressed", "true").await;
    assert_eq!(sounds(&screen).await, json!([]));

    // Sound back on: the finale's fanfare, once; a reload on the podium plays nothing.
    click_projector_control(&screen, "#sound-toggle").await;
    wait_for_attribute(&screen, "#sound-toggle", "aria-pressed", "false").await;
    control.ok(json!({"type": "finish_contest"})).await;
    wait_for_sounds(&screen, &["fanfare"]).await;
    screen.refresh().await.expect("reload");
    wait_for_attribute(&screen, "body", "data-view", "final").await;
    wait_for_attribute(&screen, "#sound-toggle", "aria-pressed", "false").await;
    assert_eq!(sounds(&screen).await, json!([]), "a reload replays nothing");
    screen.close().await.expect("close screen");

    // Without the switch: audio waits for a click, and the page offers one.
    let held = driver.browser(profiles[1].path(), "1280,720").await;
    held.goto(&format!("{base}/screen"))
        .await
        .expect("open screen");
    wait_displayed(&held, "#sound-unlock").await;
    wait_for_text(&held, "#sound-unlock", "Bật âm thanh").await;
    click(&held, "#sound-unlock").await;
    wait_for_attribute(&held, "#sound-unlock", "hidden", "").await;
    held.close().await.expect("close screen");
}

// ---- The team phone at phone sizes: every question readable, one stable buzzer, awake ----------

/// Phone viewports the team page must serve, smallest first.
const PHONE_SIZES: [(u32, u32); 2] = [(320, 568), (360, 740)];

/// A question as long as the longest a contest writer is likely to type (350 characters).
fn long_question() -> String {
    let text = "Theo Nghị định số 33/2023/NĐ-CP của Chính phủ quy định về cán bộ, công chức cấp xã \
        và người hoạt động không chuyên trách ở cấp xã, ở thôn, tổ dân phố, khi thực hiện công tác \
        dân vận chính quyền, cán bộ, công chức cấp xã phải bảo đảm những yêu cầu nào sau đây, và \
        trong trường hợp người dân phản ánh kiến nghị thì phải tiếp nhận, xử lý trong thời hạn bao lâu?";
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.chars().count() >= 350, "{}", text.chars().count());
    text
}

/// The demo contest's questions (`src/demo_contest.json`) and a 350-character one, in one buzz-in
/// round, with four teams, the phone's team named at length.
fn phone_contest() -> (stagebuzz::game::Contest, Vec<String>) {
    let demo: Value = serde_json::from_str(include_str!("../src/demo_contest.json")).expect("demo");
    let mut texts: Vec<String> = demo["rounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .flat_map(|round| round["questions"].as_array().cloned().unwrap_or_default())
        .map(|q| q["text"].as_str().expect("text").to_string())
        .collect();
    assert!(texts.len() >= 10, "the demo has {} questions", texts.len());
    texts.push(long_question());
    let questions = texts.clone();
    let contest = ContestBuilder::new("Hội thi thử")
        .teams(TEAMS.len(), |i| {
            let name = if i == 0 {
                "Đội xã Phước Hải, huyện Long Điền, tỉnh Bà Rịa – Vũng Tàu".to_string()
            } else {
                format!("Đội {}", TEAMS[i])
            };
            (TEAMS[i].into(), name)
        })
        .buzz_in(
            "Giành quyền trả lời",
            BuzzInRules::default(),
            texts.len(),
            |i| Question {
                text: questions[i].clone(),
                answer: format!("Đáp án {}", i + 1),
                ..Question::default()
            },
        )
        .build();
    (contest, texts)
}

/// Waits until `#buzz-state`'s `data-state` is one of `want`.
async fn wait_for_state(phone: &Client, want: &[&str]) {
    let script = r#"
        const [want, done] = arguments;
        const matches = () => {
            const el = document.querySelector('#buzz-state');
            return el !== null && want.includes(el.dataset.state);
        };
        if (matches()) { done(true); return; }
        new MutationObserver(() => { if (matches()) done(true); })
            .observe(document.documentElement, {subtree: true, childList: true, attributes: true});
    "#;
    if phone
        .execute_async(script, vec![json!(want)])
        .await
        .is_err()
    {
        let actual = text_of(phone, "#buzz-state").await;
        panic!("the phone never showed {want:?}; it shows {actual:?}");
    }
}

/// What the phone shows now, once the buzzer's press animation is over: the buzzer's box,
/// whether the question can be read whole, tap targets, the viewport.
async fn phone_layout(phone: &Client) -> Value {
    phone
        .execute_async(
            r#"
            const done = arguments[0];
            const finite = document.querySelector('#buzz').getAnimations()
                .filter((a) => a.effect.getTiming().iterations !== Infinity);
            Promise.all(finite.map((a) => a.finished.catch(() => null))).then(() => done(measure()));
            function measure() {
            const box = (el) => { const r = el.getBoundingClientRect();
                return {x: r.x, y: r.y, width: r.width, height: r.height, bottom: r.bottom}; };
            const text = document.querySelector('#question-text');
            const more = document.querySelector('#question-more');
            const stage = document.querySelector('#stage');
            const buzz = document.querySelector('#buzz');
            const line = parseFloat(getComputedStyle(text).lineHeight);
            const lines = text.clientHeight / line;
            const shown = (el) => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden';
            const targets = [...document.querySelectorAll('#buzzer button')].filter(shown)
                .map((el) => ({id: el.id || el.className, width: el.getBoundingClientRect().width,
                               height: el.getBoundingClientRect().height}));
            return {
                viewport: {width: innerWidth, height: innerHeight},
                buzz: shown(buzz) ? box(buzz) : null,
                label: buzz.textContent,
                text_chars: text.textContent.length,
                text_fits: text.scrollHeight <= text.clientHeight + 1,
                cue: shown(more),
                scrollable: ['auto', 'scroll'].includes(getComputedStyle(text).overflowY),
                whole_lines: Math.abs(lines - Math.round(lines)) < 0.05,
                question_px: parseFloat(getComputedStyle(text).fontSize),
                stage_fits: stage.scrollHeight <= stage.clientHeight + 1,
                page_fits: document.documentElement.scrollHeight <= innerHeight + 1,
                question_bottom: document.querySelector('.question-box').getBoundingClientRect().bottom,
                // "Câu 1/15" on one line, whole.
                number_whole: (() => { const no = document.querySelector('.qm-no');
                    if (!no) return null;
                    const meta = document.querySelector('#question-meta');
                    return meta.getBoundingClientRect().height <= no.getBoundingClientRect().height + 1
                        && no.scrollWidth <= no.clientWidth + 1; })(),
                targets,
            };
            }
            "#,
            vec![],
        )
        .await
        .expect("script")
}

/// Saves a screenshot of `client` as `target/screenshots/<dir>/<name>.png`.
async fn screenshot(client: &Client, dir: &str, name: &str) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots")
        .join(dir);
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(folder.join(format!("{name}.png")), png).expect("save screenshot");
}

/// The checks every phone state must pass; returns the buzzer's box.
fn check_phone(layout: &Value, what: &str) -> Option<Value> {
    let context = format!("{what}: {layout}");
    let readable = layout["text_fits"] == true
        || (layout["cue"] == true && layout["scrollable"] == true && layout["whole_lines"] == true);
    assert!(readable, "text hidden without a cue, {context}");
    assert_eq!(layout["stage_fits"], true, "the stage overflows, {context}");
    assert_eq!(layout["page_fits"], true, "the page scrolls, {context}");
    if layout["text_chars"].as_u64() > Some(0) {
        assert_eq!(
            layout["number_whole"], true,
            "the question's number wraps or is cut, {context}"
        );
        assert!(
            layout["question_px"].as_f64() >= Some(15.0),
            "question type too small, {context}"
        );
    }
    for target in layout["targets"].as_array().expect("targets") {
        assert!(
            target["width"].as_f64() >= Some(44.0) && target["height"].as_f64() >= Some(44.0),
            "tap target under 44 px: {target}, {context}"
        );
    }
    let buzz = layout["buzz"].clone();
    if buzz.is_null() {
        return None;
    }
    let viewport = &layout["viewport"];
    assert!(
        buzz["width"].as_f64().expect("width") >= viewport["width"].as_f64().expect("vw") / 2.0,
        "the buzzer is under half the width, {context}"
    );
    assert!(
        buzz["bottom"].as_f64() <= viewport["height"].as_f64(),
        "the buzzer leaves the screen, {context}"
    );
    assert!(
        layout["question_bottom"].as_f64() <= buzz["y"].as_f64(),
        "the question runs under the buzzer, {context}"
    );
    Some(buzz)
}

/// Asserts `buzz` has the same box as `first` (±1 px).
fn same_box(first: &Value, buzz: &Value, what: &str) {
    for key in ["x", "y", "width", "height"] {
        let (a, b) = (first[key].as_f64().unwrap(), buzz[key].as_f64().unwrap());
        assert!(
            (a - b).abs() <= 1.0,
            "the buzzer moved or changed size ({what}): {key} {a} → {b}; first {first}, now {buzz}"
        );
    }
}

#[tokio::test]
async fn every_question_fits_a_phone_and_the_buzzer_stays_put() {
    let Some(driver) = Driver::start() else {
        return;
    };
    for (width, height) in PHONE_SIZES {
        let (contest, texts) = phone_contest();
        let server = TestServer::start(contest).await;
        let base = format!("http://{}", server.addr());
        let profile = tempfile::tempdir().expect("profile dir");
        let phone = driver.phone(profile.path(), width, height).await;
        let size = format!("{width}x{height}");
        let mut control = server.control().await;
        let mut bravo = server.team("bravo").await;

        join_team(&phone, &base, "alpha", &server.code("alpha")).await;
        wait_for_state(&phone, &["not_started"]).await;
        let layout = phone_layout(&phone).await;
        assert_eq!(
            layout["viewport"],
            json!({"width": width, "height": height}),
            "the browser's viewport"
        );
        let first = check_phone(&layout, "joined").expect("a buzzer once joined");
        assert_eq!(layout["label"], "Chờ mở chuông", "{layout}");
        screenshot(&phone, "phone", &format!("{size}-joined")).await;
        let check = async |what: &str, label: Option<&str>| {
            let layout = phone_layout(&phone).await;
            screenshot(&phone, "phone", &format!("{size}-{what}")).await;
            let buzz = check_phone(&layout, &format!("{size} {what}")).expect("a buzzer");
            same_box(&first, &buzz, &format!("{size} {what}"));
            if let Some(label) = label {
                assert_eq!(layout["label"], label, "{size} {what}: {layout}");
            }
        };

        // Question 1: ready, open (the countdown runs), our team takes the floor, is right, and
        // the answer is revealed.
        control.ok(json!({"type": "show_next_question"})).await;
        wait_for_text(&phone, "#question-text", &texts[0]).await;
        wait_for_state(&phone, &["ready"]).await;
        check("q01-ready", Some("Chờ mở chuông")).await;
        control.ok(json!({"type": "open_buzzers"})).await;
        wait_for_state(&phone, &["open"]).await;
        check("q01-open", Some("BẤM!")).await;
        click(&phone, "#buzz").await;
        wait_for_state(&phone, &["first"]).await;
        check("q01-floor-mine", Some("Đội bạn trả lời")).await;
        control
            .ok(json!({"type": "judge", "verdict": "correct"}))
            .await;
        wait_for_state(&phone, &["correct"]).await;
        control.ok(json!({"type": "reveal_answer"})).await;
        wait_displayed(&phone, "#answer-box").await;
        check("q01-revealed", Some("Chính xác!")).await;

        // Question 2: another team takes the floor, is wrong; the buzzers are locked, then the
        // answer is revealed.
        control.ok(json!({"type": "show_next_question"})).await;
        wait_for_text(&phone, "#question-text", &texts[1]).await;
        control.ok(json!({"type": "open_buzzers"})).await;
        bravo.state_where(|s| phase(s) == "open").await;
        bravo.ok(json!({"type": "buzz"})).await;
        wait_for_state(&phone, &["other"]).await;
        check("q02-floor-other", Some("Đội khác trả lời")).await;
        control
            .ok(json!({"type": "judge", "verdict": "wrong"}))
            .await;
        control.ok(json!({"type": "lock_buzzers"})).await;
        wait_for_state(&phone, &["locked"]).await;
        check("q02-locked", Some("Chờ mở chuông")).await;
        control.ok(json!({"type": "reveal_answer"})).await;
        wait_for_state(&phone, &["closed"]).await;
        check("q02-closed", Some("Chờ câu tiếp")).await;

        // Every other question, the 350-character one last, shown and with the buzzers open.
        for (i, text) in texts.iter().enumerate().skip(2) {
            control.ok(json!({"type": "show_next_question"})).await;
            wait_for_text(&phone, "#question-text", text).await;
            wait_for_state(&phone, &["ready"]).await;
            check(&format!("q{:02}-ready", i + 1), None).await;
            control.ok(json!({"type": "open_buzzers"})).await;
            wait_for_state(&phone, &["open"]).await;
            check(&format!("q{:02}-open", i + 1), None).await;
            control.ok(json!({"type": "lock_buzzers"})).await;
            wait_for_state(&phone, &["locked"]).await;
            control.ok(json!({"type": "reveal_answer"})).await;
            wait_for_state(&phone, &["closed"]).await;
        }
        // The long question at the smallest size cannot fit whole: it scrolls, and says so.
        if (width, height) == PHONE_SIZES[0] {
            let layout = phone_layout(&phone).await;
            assert_eq!(layout["cue"], true, "the scroll cue: {layout}");
        }

        // The end: the team's place and points.
        control.ok(json!({"type": "finish_contest"})).await;
        wait_for_state(&phone, &["finished"]).await;
        let layout = phone_layout(&phone).await;
        check_phone(&layout, "finished");
        let said = format!(
            "{} {}",
            text_of(&phone, "#buzz-state").await,
            text_of(&phone, "#buzz-sub").await
        );
        assert!(said.contains("Hạng") && said.contains("10"), "{said}");
        screenshot(&phone, "phone", &format!("{size}-finished")).await;
        phone.close().await.expect("close phone");
    }
}

/// Waits until the page says `body[data-wake]` is `want`.
async fn wait_for_wake(phone: &Client, want: &str) {
    wait_for_attribute(phone, "body", "data-wake", want).await;
}

/// Lets the test hide and show the page as a phone's browser does when the team switches apps:
/// `visibilityState` follows `window.testHidden`, and the `visibilitychange` event is sent.
const FAKE_VISIBILITY: &str = r#"
    window.testHidden = false;
    Object.defineProperty(document, 'visibilityState', {
        configurable: true, get: () => (window.testHidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.testHidden });
"#;

#[tokio::test]
async fn a_joined_phone_keeps_its_screen_on_and_takes_it_back_after_a_switch() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let base = format!("http://{}", server.addr());

    // Where the browser has the Wake Lock API (here: a page on localhost is a secure context).
    let profile = tempfile::tempdir().expect("profile dir");
    let phone = driver.phone(profile.path(), 360, 740).await;
    phone.goto(&format!("{base}/")).await.expect("open");
    // Every lock the page takes is kept here, so that the test can lose it as a hidden page does.
    phone
        .execute(
            &format!(
                "{FAKE_VISIBILITY}
                 window.testLocks = [];
                 const request = navigator.wakeLock.request.bind(navigator.wakeLock);
                 navigator.wakeLock.request = async (type) => {{
                     const lock = await request(type); window.testLocks.push(lock); return lock; }};"
            ),
            vec![],
        )
        .await
        .expect("script");
    pick_team_and_type_code(&phone, "alpha", &server.code("alpha")).await;
    wait_for_state(&phone, &["not_started"]).await;
    wait_for_wake(&phone, "lock").await;
    assert!(
        !displayed(&phone, "#wake-note").await,
        "no note while the screen is kept on"
    );
    // The team switches to another app: the browser releases the lock; back, the page takes it
    // again.
    phone
        .execute(
            "window.testHidden = true; document.dispatchEvent(new Event('visibilitychange'));
             window.testLocks[0].release();",
            vec![],
        )
        .await
        .expect("script");
    phone
        .execute_async(
            "const done = arguments[0];
             const gone = () => document.body.dataset.wake === undefined;
             if (gone()) { done(true); return; }
             new MutationObserver(() => { if (gone()) done(true); })
                 .observe(document.body, {attributes: true});",
            vec![],
        )
        .await
        .expect("the page says the lock is gone");
    phone
        .execute(
            "window.testHidden = false; document.dispatchEvent(new Event('visibilitychange'));",
            vec![],
        )
        .await
        .expect("script");
    wait_for_wake(&phone, "lock").await;
    let locks = phone
        .execute("return window.testLocks.map((l) => l.released);", vec![])
        .await
        .expect("script");
    assert_eq!(locks, json!([true, false]), "a second lock, held");
    phone.close().await.expect("close");

    // On the LAN (plain http: no Wake Lock API): the video, with sound allowed by the join tap.
    let profile = tempfile::tempdir().expect("profile dir");
    let phone = driver.phone(profile.path(), 360, 740).await;
    phone.goto(&format!("{base}/")).await.expect("open");
    phone
        .execute(
            &format!("{FAKE_VISIBILITY} delete Navigator.prototype.wakeLock;"),
            vec![],
        )
        .await
        .expect("script");
    pick_team_and_type_code(&phone, "bravo", &server.code("bravo")).await;
    wait_for_state(&phone, &["not_started"]).await;
    wait_for_wake(&phone, "video").await;
    let video = phone
        .execute(
            "const v = document.querySelector('.wake-video'); const r = v.getBoundingClientRect();
             return {playing: !v.paused, muted: v.muted, loop: v.loop,
                     video: v.srcObject.getVideoTracks().length, audio: v.srcObject.getAudioTracks().length,
                     covers: r.width >= innerWidth && r.height >= innerHeight,
                     opacity: parseFloat(getComputedStyle(v).opacity)};",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        video,
        json!({"playing": true, "muted": false, "loop": false, "video": 1, "audio": 1,
               "covers": true, "opacity": 0.01}),
        "the video Chromium and WebKit keep the screen on for"
    );
    assert!(
        !displayed(&phone, "#wake-note").await,
        "no note while the screen is kept on"
    );
    // Hidden, the browser pauses the video; shown again, the page plays it again.
    phone
        .execute(
            "window.testHidden = true; document.dispatchEvent(new Event('visibilitychange'));
             document.querySelector('.wake-video').pause();",
            vec![],
        )
        .await
        .expect("script");
    wait_for_wake(&phone, "none").await;
    phone
        .execute(
            "window.testHidden = false; document.dispatchEvent(new Event('visibilitychange'));",
            vec![],
        )
        .await
        .expect("script");
    wait_for_wake(&phone, "video").await;

    // Neither works (no lock, no video): the team is told, discreetly.
    phone
        .execute(
            "const v = document.querySelector('.wake-video');
             v.play = () => Promise.reject(new DOMException('no', 'NotAllowedError'));
             window.testHidden = true; document.dispatchEvent(new Event('visibilitychange')); v.pause();
             window.testHidden = false; document.dispatchEvent(new Event('visibilitychange'));",
            vec![],
        )
        .await
        .expect("script");
    wait_for_wake(&phone, "none").await;
    wait_displayed(&phone, "#wake-note").await;
    assert_eq!(
        text_of(&phone, "#wake-note").await,
        "Màn hình có thể tự tắt — hãy chỉnh thời gian tắt màn hình"
    );
    screenshot(&phone, "phone", "360x740-wake-note").await;
    phone.close().await.expect("close");
}

// ---- The projector on stage: readable question, verdicts, the finale, what is projected ----

/// The projector's two sizes, as (name, width, height).
const PROJECTOR_SIZES: [(&str, u32, u32); 2] = [("1280×720", 1280, 720), ("1920×1080", 1920, 1080)];

/// A projector: a Chromium whose page (not its window) is `width`×`height`.
async fn projector(driver: &Driver, profile: &Path, width: u32, height: u32) -> Client {
    let client = driver.browser(profile, &format!("{width},{height}")).await;
    // The window's size includes the browser's own frame: grow it by the difference.
    let frame: Value = client
        .execute(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .expect("script");
    let extra = |i: usize| u32::try_from(frame[i].as_u64().unwrap_or(0)).unwrap_or(0);
    client
        .set_window_size(width + extra(0), height + extra(1))
        .await
        .expect("resize");
    client
}

/// Waits until the page's `condition` (a JavaScript expression) is true, re-checked on every
/// DOM change; `what` names it in the failure.
async fn wait_until(client: &Client, condition: &str, what: &str) {
    let script = format!(
        r#"
        const done = arguments[0];
        const matches = () => {{ try {{ return Boolean({condition}); }} catch (e) {{ return false; }} }};
        if (matches()) {{ done(true); return; }}
        new MutationObserver(() => {{ if (matches()) done(true); }})
            .observe(document.documentElement, {{subtree: true, childList: true, characterData: true, attributes: true}});
    "#
    );
    if client.execute_async(&script, vec![]).await.is_err() {
        let body = client
            .execute(
                "const view = document.querySelector(`.view-${document.body.dataset.view}`); return [document.body.dataset.view, JSON.stringify(window.steps), view ? view.outerHTML.slice(0, 3000) : ''];",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        panic!("never: {what} ({condition}); the page: {body}");
    }
}

/// The question's type and whether any text of the question's column is cut: the question's
/// font size, the floor for this window (40 px at 1920×1080, scaled), the answer's and result
/// line's sizes, and the boxes whose content is taller than they are.
async fn question_layout(screen: &Client) -> Value {
    screen
        .execute_async(
            // Measured once the entrances (rise, zoom) are over: their transforms are not layout.
            "const done = arguments[0];
             const finite = document.getAnimations().filter((a) => a.effect.getTiming().iterations !== Infinity);
             Promise.all(finite.map((a) => a.finished.catch(() => null))).then(() => {
             const px = (el) => el && el.offsetParent ? parseFloat(getComputedStyle(el).fontSize) : null;
             const main = document.querySelector('.q-main');
             const bottom = main.getBoundingClientRect().bottom + 1;
             const boxes = ['.q-main', '#question-text', '#answer-text', '#result-line', '#floor-team', '#scoreboard'];
             const cut = boxes.filter((sel) => {
               const el = document.querySelector(sel);
               return el && el.offsetParent && el.scrollHeight > el.clientHeight + 1;
             });
             for (const el of main.querySelectorAll('#question-text, #answer, #result-line, #floor-box, #kind-stage *')) {
               if (el.offsetParent && el.getBoundingClientRect().bottom > bottom) cut.push(el.id || el.className);
             }
             done({
               question_px: px(document.querySelector('#question-text')),
               floor_px: 40 * window.innerWidth / 1920,
               answer_px: px(document.querySelector('#answer-text')),
               result_px: px(document.querySelector('#result-line')),
               cut,
               size: [window.innerWidth, window.innerHeight],
             });
             });",
            vec![],
        )
        .await
        .expect("script")
}

/// Asserts the question is at least its floor, the secondary text no larger, and nothing cut.
fn assert_readable(layout: &Value, what: &str) {
    let question = layout["question_px"].as_f64().expect("question shown");
    let floor = layout["floor_px"].as_f64().expect("floor");
    assert!(
        question >= floor - 0.01,
        "{what}: the question is {question} px, under its floor {floor} px: {layout}"
    );
    for secondary in ["answer_px", "result_px"] {
        if let Some(px) = layout[secondary].as_f64() {
            assert!(
                px <= question + 0.01,
                "{what}: {secondary} ({px} px) outgrows the question: {layout}"
            );
        }
    }
    assert_eq!(layout["cut"], json!([]), "{what}: text cut off: {layout}");
}

/// The demo contest and, last, a 350-character question with a long answer.
fn demo_with_a_long_question() -> (stagebuzz::game::Contest, usize) {
    let mut demo: Value =
        serde_json::from_str(include_str!("../src/demo_contest.json")).expect("demo contest");
    let questions = demo["rounds"][0]["questions"]
        .as_array_mut()
        .expect("questions");
    let sentence =
        "Theo quy chế dân chủ ở cơ sở, cán bộ, công chức cấp xã phải làm gì khi tiếp dân? ";
    let text: String = sentence.chars().cycle().take(349).collect::<String>() + "?";
    assert_eq!(text.chars().count(), 350);
    let answer = "Lắng nghe, tôn trọng, giải thích rõ ràng theo đúng quy định của pháp luật; ghi nhận đầy đủ ý kiến, kiến nghị của người dân, chuyển đến đúng cơ quan có thẩm quyền và trả lời đúng hạn, công khai kết quả giải quyết.";
    questions.push(json!({"text": text, "answer": answer}));
    let count = questions.len();
    let contest = stagebuzz::game::Contest::from_json(&demo.to_string()).expect("valid contest");
    (contest, count)
}

/// At 1280×720 and 1920×1080, every demo question and a 350-character one stay at or above the
/// question's floor (40 px at 1080p, scaled), with a team on the floor and after a right answer
/// with the answer revealed; the answer and the congratulations yield first; nothing is cut.
#[tokio::test]
async fn the_projectors_question_never_drops_below_its_floor() {
    let Some(driver) = Driver::start() else {
        return;
    };
    for (window, width, height) in PROJECTOR_SIZES {
        let (contest, count) = demo_with_a_long_question();
        let server = TestServer::start(contest).await;
        let base = format!("http://{}", server.addr());
        let profile = tempfile::tempdir().expect("profile");
        let screen = projector(&driver, profile.path(), width, height).await;
        screen.goto(&format!("{base}/screen")).await.expect("open");
        let mut control = server.control().await;
        let mut team = server.team("phuoc-hai").await;
        for n in 1..=count {
            to_floor(&mut control, &mut team).await;
            wait_for_text(&screen, "#floor-team", "Đội xã Phước Hải").await;
            wait_until(
                &screen,
                &format!("document.querySelector('#q-number').textContent.includes('{n}/')"),
                "the question's number shows",
            )
            .await;
            let layout = question_layout(&screen).await;
            assert_eq!(layout["size"], json!([width, height]), "the window's size");
            assert_readable(&layout, &format!("{window}, question {n}, on the floor"));
            control
                .ok(json!({"type": "judge", "verdict": "correct"}))
                .await;
            control.ok(json!({"type": "reveal_answer"})).await;
            wait_displayed(&screen, "#answer-text").await;
            wait_displayed(&screen, "#result-line").await;
            let layout = question_layout(&screen).await;
            assert_readable(&layout, &format!("{window}, question {n}, revealed"));
            if n == 1 || n == count {
                // The verdict's moment is over before the picture is taken.
                wait_until(
                    &screen,
                    "document.querySelector('#verdict').hidden",
                    "the verdict goes",
                )
                .await;
                let which = if n == count { "long" } else { "first" };
                screenshot(
                    &screen,
                    "projector",
                    &format!("{width}x{height}-question-{which}-revealed"),
                )
                .await;
            }
        }
        screen.close().await.expect("close screen");
    }
}

/// The verdict ("ĐÚNG +10 điểm") leaves as soon as the MC moves on: the next question shows
/// without it, and so does the podium.
#[tokio::test]
async fn the_verdict_is_gone_when_the_stage_changes() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let base = format!("http://{}", server.addr());
    let profile = tempfile::tempdir().expect("profile");
    let screen = driver.browser(profile.path(), "1280,720").await;
    screen.goto(&format!("{base}/screen")).await.expect("open");
    let mut control = server.control().await;
    let mut bravo = server.team("bravo").await;

    for (n, next) in [(1, "show_next_question"), (2, "finish_contest")] {
        if n > 1 {
            control.ok(json!({"type": "show_next_question"})).await;
            control.ok(json!({"type": "open_buzzers"})).await;
            bravo.state_where(|s| phase(s) == "open").await;
            bravo.ok(json!({"type": "buzz"})).await;
            control.state_where(|s| phase(s) == "floor").await;
        } else {
            to_floor(&mut control, &mut bravo).await;
        }
        control
            .ok(json!({"type": "judge", "verdict": "correct"}))
            .await;
        wait_until(
            &screen,
            "!document.querySelector('#verdict').hidden",
            "the verdict shows",
        )
        .await;
        if n == 1 {
            screenshot(&screen, "projector", "1280x720-verdict").await;
        }
        // The moment the next stage shows, the verdict is gone: no waiting for its timer.
        control.ok(json!({"type": next})).await;
        let view = if n == 1 {
            "document.querySelector('#question-text').textContent === 'Câu hỏi số 2?'"
        } else {
            "document.body.dataset.view === 'final'"
        };
        let verdict_hidden: Value = screen
            .execute_async(
                &format!(
                    "const done = arguments[0];
                     const check = () => {{ if ({view}) {{ done(document.querySelector('#verdict').hidden); return true; }} return false; }};
                     if (!check()) {{ const o = new MutationObserver(() => {{ if (check()) o.disconnect(); }});
                       o.observe(document.documentElement, {{subtree: true, childList: true, characterData: true, attributes: true}}); }}"
                ),
                vec![],
            )
            .await
            .expect("the next stage shows");
        assert_eq!(
            verdict_hidden,
            json!(true),
            "the verdict is cleared by {next}"
        );
    }
    screen.close().await.expect("close screen");
}

/// Records, in the page, the order in which the podium's steps become visible (`window.steps`):
/// each step's place, its teams, whether confetti was falling and whether the round prizes
/// showed yet.
const RECORD_STEPS: &str = "window.steps = [];
    const record = () => {
      for (const card of document.querySelectorAll('#podium .podium-card.revealed')) {
        const place = Number(card.dataset.place);
        if (!window.steps.some((s) => s.place === place)) {
          window.steps.push({ place, teams: [...card.querySelectorAll('.podium-team')].map((el) => el.dataset.team),
            shown: document.querySelectorAll('#podium .podium-card.revealed').length,
            confetti: document.querySelectorAll('#confetti .confetto').length > 0,
            rest: getComputedStyle(document.querySelector('#round-prizes-box')).visibility });
        }
      }
    };
    new MutationObserver(record).observe(document.documentElement, {subtree: true, childList: true, attributes: true});";

/// Before anything is scored no rank shows; the corner's controls (language, connection, full
/// screen) show only while the mouse moves. The finish with a tie for 2nd: the 2nd step (both
/// tied teams on it: no 3rd prize after a tie for 2nd, the server's ranks are 1, 2, 2, 4) then
/// the winner, centred, with confetti, then the rest; a reload shows the whole podium at once.
#[tokio::test]
async fn the_finale_reveals_the_podium_step_by_step_with_a_tie() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    let mut screens = Vec::new();
    for (_, width, height) in PROJECTOR_SIZES {
        let profile = tempfile::tempdir().expect("profile");
        let screen = projector(&driver, profile.path(), width, height).await;
        screen.goto(&format!("{base}/screen")).await.expect("open");
        wait_for_text(&screen, "#question-text", "Câu hỏi số 1?").await;
        let size: Value = screen
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .expect("script");
        assert_eq!(size, json!([width, height]), "the page's size");
        wait_until(
            &screen,
            "document.querySelectorAll('#scoreboard .row').length === 4",
            "the scoreboard",
        )
        .await;

        // 0–0: no rank digits; the corner's controls hidden until the mouse moves.
        let rank_cells: Value = screen
            .execute(
                "return [...document.querySelectorAll('#scoreboard .row-rank')].map((el) => el.textContent);",
                vec![],
            )
            .await
            .expect("script");
        assert_eq!(
            rank_cells,
            json!(["", "", "", ""]),
            "no rank before anything is scored"
        );
        let corner = "['.lang-toggle', '#fullscreen-btn', '#conn'].map((sel) => getComputedStyle(document.querySelector(sel)).visibility)";
        let hidden: Value = screen
            .execute(&format!("return {corner};"), vec![])
            .await
            .expect("script");
        assert_eq!(
            hidden,
            json!(["hidden", "hidden", "hidden"]),
            "the corner is not projected"
        );
        screenshot(
            &screen,
            "projector",
            &format!("{width}x{height}-question-unscored"),
        )
        .await;
        screen
            .perform_actions(fantoccini::actions::MouseActions::new("mouse".into()).then(
                fantoccini::actions::PointerAction::MoveTo {
                    duration: None,
                    x: 200.0,
                    y: 200.0,
                },
            ))
            .await
            .expect("move the mouse");
        wait_until(
            &screen,
            &format!("{corner}.every((v) => v === 'visible')"),
            "the corner shows on a mouse move",
        )
        .await;
        screenshot(&screen, "projector", &format!("{width}x{height}-controls")).await;
        // …and goes again after a few seconds of stillness.
        wait_until(
            &screen,
            &format!("{corner}.every((v) => v === 'hidden')"),
            "the corner hides again",
        )
        .await;
        screens.push((screen, width, height, profile));
    }

    // Scores: alpha 30, bravo and charlie 20 (tied for 2nd), delta 10.
    for (team, points) in [("alpha", 30), ("bravo", 20), ("charlie", 20), ("delta", 10)] {
        control
            .ok(json!({"type": "adjust_score", "team": team, "delta": points, "reason": "Ban giám khảo"}))
            .await;
    }
    for (screen, width, height, _) in &screens {
        wait_for_text(screen, r#"li[data-team="delta"] .row-score"#, "10").await;
        wait_for_text(screen, r#"li[data-team="alpha"] .row-rank"#, "1").await;
        screenshot(
            screen,
            "projector",
            &format!("{width}x{height}-scoreboard-colours"),
        )
        .await;
        screen.execute(RECORD_STEPS, vec![]).await.expect("script");
    }

    control.ok(json!({"type": "finish_contest"})).await;
    for (screen, width, height, _) in &screens {
        wait_until(
            screen,
            "document.body.dataset.view === 'final'",
            "the final view",
        )
        .await;
        wait_until(screen, "window.steps.length >= 1", "the first step").await;
        screenshot(
            screen,
            "projector",
            &format!("{width}x{height}-podium-staged"),
        )
        .await;
        wait_until(
            screen,
            "document.querySelector('.view-final').dataset.finale === 'done'",
            "the finale ends",
        )
        .await;
        let steps: Value = screen
            .execute("return window.steps;", vec![])
            .await
            .expect("script");
        assert_eq!(
            steps,
            json!([
                {"place": 2, "teams": ["bravo", "charlie"], "shown": 1, "confetti": false, "rest": "hidden"},
                {"place": 1, "teams": ["alpha"], "shown": 2, "confetti": true, "rest": "hidden"},
            ]),
            "2nd (both tied teams on one step), then 1st with confetti, then the rest"
        );
        let podium: Value = screen
            .execute(
                "const centre = (el) => { const r = el.getBoundingClientRect(); return r.left + r.width / 2; };
                 return {
                   winner_offset: Math.abs(centre(document.querySelector('#podium .place-1')) - window.innerWidth / 2),
                   cards: [...document.querySelectorAll('#podium .podium-card')].map((c) => c.querySelector('.podium-prize').textContent),
                   rest: document.querySelector('#final-rest').textContent,
                   prizes: getComputedStyle(document.querySelector('#round-prizes-box')).visibility,
                 };",
                vec![],
            )
            .await
            .expect("script");
        assert!(
            podium["winner_offset"].as_f64() < Some(2.0),
            "the winner is centred: {podium}"
        );
        assert_eq!(
            podium["cards"],
            json!(["Giải Nhì", "Giải Nhất"]),
            "one step per place: {podium}"
        );
        assert!(
            podium["rest"]
                .as_str()
                .unwrap_or_default()
                .contains("Đội delta"),
            "{podium}"
        );
        assert_eq!(
            podium["prizes"], "visible",
            "the round prizes after the podium: {podium}"
        );
        screenshot(screen, "projector", &format!("{width}x{height}-podium")).await;
    }

    // A reload at the finish: the whole podium at once, no replay.
    for (screen, width, height, _) in &screens {
        screen.refresh().await.expect("reload");
        wait_until(
            screen,
            "document.querySelectorAll('#podium .podium-card').length === 2",
            "the podium",
        )
        .await;
        let at_once: Value = screen
            .execute(
                "return {
                   revealed: [...document.querySelectorAll('#podium .podium-card')].map((c) => c.classList.contains('revealed')),
                   finale: document.querySelector('.view-final').dataset.finale,
                   prizes: getComputedStyle(document.querySelector('#round-prizes-box')).visibility,
                 };",
                vec![],
            )
            .await
            .expect("script");
        assert_eq!(
            at_once,
            json!({"revealed": [true, true], "finale": "done", "prizes": "visible"}),
            "a reload at the finish shows the podium at once"
        );
        screenshot(
            screen,
            "projector",
            &format!("{width}x{height}-podium-after-reload"),
        )
        .await;
    }
    for (screen, ..) in screens {
        screen.close().await.expect("close screen");
    }
}

// ---- The show's own font (issue 11) ----

/// The family `web/assets/app.css` declares with `@font-face`, first in every page's stack.
const SHOW_FONT: &str = "Liberation Sans";
/// A line that uses ô, ơ, ư, đ, Đ and stacked tones: the font must be ready for it.
const FONT_SAMPLE: &str = "Ngôi sao hy vọng — Đường lên đỉnh Olympia";

/// Once the page's fonts are ready: whether the show's font is loaded for the sample (regular
/// and bold), the page's font stack, the show's font faces and their status, where fonts were
/// fetched from, and which Vietnamese letters (every vowel with every tone, both cases, and đ)
/// the browser had to draw with another font.
const FONT_SCRIPT: &str = r#"
    const [family, sample, done] = arguments;
    // Layout now, so that the faces the page uses start loading before `ready` is read.
    document.body.getBoundingClientRect();
    document.fonts.ready.then(() => {
        // What the page itself loaded, read before the canvas below asks for any face.
        const found = {
            regular: document.fonts.check(`16px "${family}"`, sample),
            bold: document.fonts.check(`bold 16px "${family}"`, sample),
            stack: getComputedStyle(document.body).fontFamily,
            faces: [...document.fonts]
                .filter((face) => face.family.replace(/"/g, '') === family)
                .map((face) => `${face.weight} ${face.status}`)
                .sort(),
            fetched: performance.getEntriesByType('resource')
                .filter((entry) => /\.(woff2?|ttf|otf)$/.test(new URL(entry.name).pathname))
                .map((entry) => `${new URL(entry.name).origin === location.origin ? 'here' : entry.name} ${new URL(entry.name).pathname} ${entry.initiatorType}`)
                .sort(),
        };
        const letters = ['đ', 'Đ'];
        for (const vowel of 'aăâeêioôơuưy') {
            for (const tone of ['', '\u0300', '\u0301', '\u0303', '\u0309', '\u0323']) {
                for (const letter of [vowel, vowel.toUpperCase()]) {
                    letters.push((letter + tone).normalize('NFC'));
                }
            }
        }
        // A letter the font has is as wide whatever follows it in the stack; one it lacks is
        // drawn by the fallback, and a serif and a monospace fallback differ.
        const context = document.createElement('canvas').getContext('2d');
        const width = (font, letter) => { context.font = font; return context.measureText(letter).width; };
        found.fallback = [];
        for (const weight of ['400', '700']) {
            for (const letter of letters) {
                const font = `${weight} 40px "${family}", `;
                if (letter.length !== 1 || width(font + 'serif', letter) !== width(font + 'monospace', letter)) {
                    found.fallback.push(`${weight} ${letter}`);
                }
            }
        }
        found.letters = letters.length;
        done(found);
    });
"#;

/// Checks that `client`'s page shows the show's font from this server (see `FONT_SCRIPT`), then
/// saves a picture of the sample and every toned letter in it as `font/<name>.png`.
async fn assert_show_font(client: &Client, name: &str) {
    let found = client
        .execute_async(FONT_SCRIPT, vec![json!(SHOW_FONT), json!(FONT_SAMPLE)])
        .await
        .expect("font script");
    let context = format!("{name}: {found}");
    assert_eq!(found["regular"], true, "{context}");
    assert_eq!(found["bold"], true, "{context}");
    let stack = found["stack"].as_str().unwrap_or_default();
    assert!(
        stack.starts_with(&format!("\"{SHOW_FONT}\"")),
        "the show's font comes first: {context}"
    );
    assert_eq!(
        found["faces"],
        json!(["400 loaded", "700 loaded"]),
        "{context}"
    );
    assert_eq!(
        found["fetched"],
        json!([
            "here /assets/fonts/LiberationSans-Bold.woff2 css",
            "here /assets/fonts/LiberationSans-Regular.woff2 css",
        ]),
        "fetched from this server by the style sheet, and nothing else: {context}"
    );
    assert_eq!(found["letters"], 146, "{context}");
    assert_eq!(found["fallback"], json!([]), "{context}");
    // A picture to look at: the sample and every letter, in both weights, over the page.
    client
        .execute(
            r#"
            const sheet = document.createElement('div');
            sheet.style.cssText = 'position:fixed;inset:0;z-index:99999;background:#0b1533;color:#fff;padding:16px;font-size:28px;line-height:1.5;overflow:hidden;overflow-wrap:anywhere';
            const letters = 'aăâeêioôơuưy'.split('').flatMap((v) => ['', '\u0300', '\u0301', '\u0303', '\u0309', '\u0323'].map((t) => (v + t).normalize('NFC'))).join('');
            for (const weight of [400, 700]) {
                for (const text of [arguments[0], letters + ' đ', letters.toUpperCase() + ' Đ']) {
                    const line = document.createElement('div');
                    line.style.fontWeight = weight;
                    line.textContent = text;
                    sheet.append(line);
                }
            }
            document.body.append(sheet);
            "#,
            vec![json!(FONT_SAMPLE)],
        )
        .await
        .expect("sample sheet");
    screenshot(client, "font", name).await;
}

#[tokio::test]
async fn the_show_font_is_served_here_and_draws_every_vietnamese_letter() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;

    let profiles = [
        tempfile::tempdir().expect("profile dir"),
        tempfile::tempdir().expect("profile dir"),
    ];
    let screen = projector(&driver, profiles[0].path(), 1280, 720).await;
    screen.goto(&format!("{base}/screen")).await.expect("open");
    wait_for_text(&screen, "#question-text", "Câu hỏi số 1?").await;
    assert_show_font(&screen, "projector-1280x720").await;

    let phone = driver.phone(profiles[1].path(), 360, 740).await;
    join_team(&phone, &base, "alpha", &server.code("alpha")).await;
    wait_for_state(&phone, &["ready"]).await;
    assert_show_font(&phone, "phone-360x740").await;

    screen.close().await.expect("close screen");
    phone.close().await.expect("close phone");
}

// ---- The MC's control page on a laptop and a tablet ----------------------------------------

/// The control page's two sizes, as (name, width, height, touch): a tablet held upright and a
/// laptop.
const CONTROL_SIZES: [(&str, u32, u32, bool); 2] = [
    ("768x1024", 768, 1024, true),
    ("1280x800", 1280, 800, false),
];

/// A control page whose viewport is `width`×`height`: a touch tablet, or a laptop with a mouse.
async fn control_page(
    driver: &Driver,
    profile: &Path,
    (width, height, touch): (u32, u32, bool),
    url: &str,
) -> Client {
    let client = if touch {
        driver.phone(profile, width, height).await
    } else {
        projector(driver, profile, width, height).await
    };
    client.goto(url).await.expect("open control page");
    let size: Value = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .expect("script");
    assert_eq!(size, json!([width, height]), "the control page's viewport");
    client
}

/// Where the elements reading `want` are and whether the MC can see one: inside the viewport
/// and not covered (the page's own hit test at its top, middle and bottom finds it).
async fn seen_text(client: &Client, want: &str) -> Value {
    client
        .execute(
            "const want = arguments[0];
             const all = [...document.querySelectorAll('body *')]
               .filter((el) => el.textContent.trim() === want && ![...el.children].some((c) => c.textContent.trim() === want));
             const report = all.map((el) => {
               const r = el.getBoundingClientRect();
               const x = r.left + Math.min(r.width / 2, 20);
               const hits = [r.top + 2, r.top + r.height / 2, r.bottom - 2].map((y) => {
                 const hit = document.elementFromPoint(x, y);
                 return hit !== null && (hit === el || el.contains(hit));
               });
               return {
                 id: el.id, top: Math.round(r.top), bottom: Math.round(r.bottom),
                 shown: el.offsetParent !== null && r.height > 0,
                 inside: r.top >= 0 && r.bottom <= window.innerHeight,
                 clear: hits.every(Boolean),
               };
             });
             return {seen: report.some((x) => x.shown && x.inside && x.clear), all: report, scroll: Math.round(window.scrollY)};",
            vec![json!(want)],
        )
        .await
        .expect("script")
}

/// Asserts the MC can see `want` now (see [`seen_text`]).
async fn assert_seen(client: &Client, want: &str, what: &str) {
    let report = seen_text(client, want).await;
    assert_eq!(
        report["seen"], true,
        "{what}: {want:?} is out of sight: {report}"
    );
}

/// Presses and releases `key` on the page's keyboard.
async fn press_key(client: &Client, key: char) {
    client
        .perform_actions(
            fantoccini::actions::KeyActions::new("keyboard".into())
                .then(fantoccini::actions::KeyAction::Down { value: key })
                .then(fantoccini::actions::KeyAction::Up { value: key }),
        )
        .await
        .expect("press a key");
}

/// Visible buttons smaller than 44 px either way (a finger's target), as "id/class w×h".
async fn small_buttons(client: &Client) -> Value {
    client
        .execute(
            "return [...document.querySelectorAll('button, summary, [role=button]')]
               .filter((el) => el.offsetParent !== null && !el.closest('dialog:not([open])'))
               .map((el) => [el, el.getBoundingClientRect()])
               .filter(([, r]) => r.width > 0 && (r.width < 44 - 0.01 || r.height < 44 - 0.01))
               .map(([el, r]) => `${el.id || el.className || el.tagName} ${el.textContent.trim().slice(0, 20)} ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);",
            vec![],
        )
        .await
        .expect("script")
}

/// Whether any keyboard hint (a key's letter, the shortcuts line) is on show.
async fn key_hints_shown(client: &Client) -> bool {
    client
        .execute(
            "return [...document.querySelectorAll('kbd, .shortcuts')].some((el) => el.offsetParent !== null)
               || /\\([A-Z]\\)/.test(document.querySelector('#hint').textContent);",
            vec![],
        )
        .await
        .expect("script")
        == json!(true)
}

/// At a tablet's 768×1024 and a laptop's 1280×800: the MC scrolls down to the join codes and the
/// next question comes on stage; its text, its answer and its phase are in view, not under the
/// sticky action bar. "Press again to confirm" shows where the MC looks. On the tablet every
/// button is a 44 px target and no keyboard hint shows.
#[tokio::test]
async fn the_mc_never_loses_the_question_on_a_tablet_or_a_laptop() {
    let Some(driver) = Driver::start() else {
        return;
    };
    for (name, width, height, touch) in CONTROL_SIZES {
        let server = TestServer::start(contest(BuzzInRules::default())).await;
        let base = format!("http://{}", server.addr());
        let mut control = server.control().await;
        // Two phones joined: their rows and their "Gỡ" buttons are on the page too.
        let _alpha = server.team("alpha").await;
        let _bravo = server.team("bravo").await;
        control.ok(json!({"type": "show_next_question"})).await;
        let profile = tempfile::tempdir().expect("profile");
        let page = control_page(
            &driver,
            profile.path(),
            (width, height, touch),
            &format!("{base}/control#token={}", server.token()),
        )
        .await;
        wait_for_text(&page, "#question-text", "Câu hỏi số 1?").await;
        wait_until(
            &page,
            "document.querySelectorAll('#access-teams .btn-revoke').length === 2",
            "both phones listed with their revoke buttons",
        )
        .await;
        // (Headless Chromium has no pointing device, so the laptop's hints wait for a key too.)
        if touch {
            assert_eq!(
                small_buttons(&page).await,
                json!([]),
                "{name}: buttons under 44 px"
            );
            assert!(
                !key_hints_shown(&page).await,
                "{name}: keyboard hints on a touch tablet"
            );
        }
        screenshot(&page, "control", &format!("{name}-top")).await;

        // The MC goes down to the join codes…
        let scrolled: Value = page
            .execute(
                "document.querySelector('#access').scrollIntoView({block: 'start'}); return window.scrollY;",
                vec![],
            )
            .await
            .expect("scroll");
        assert!(
            scrolled.as_f64().unwrap_or(0.0) > 300.0,
            "{name}: the join codes are far down the page ({scrolled} px)"
        );
        // …and the next question comes on stage.
        control.ok(json!({"type": "show_next_question"})).await;
        wait_for_text(&page, "#question-text", "Câu hỏi số 2?").await;
        assert_seen(&page, "Câu hỏi số 2?", name).await;
        assert_seen(&page, "Đáp án 2", name).await;
        assert_seen(&page, "Chờ mở chuông", name).await;
        screenshot(&page, "control", &format!("{name}-scrolled-next-question")).await;

        // Leaving a question nobody closed asks for a second press: the prompt is in view.
        click(&page, "#btn-next").await;
        wait_displayed(&page, "#next-confirm").await;
        assert_seen(
            &page,
            "Câu hỏi chưa kết thúc — bấm lần nữa để chuyển câu",
            name,
        )
        .await;
        screenshot(&page, "control", &format!("{name}-scrolled-confirm")).await;
        page.close().await.expect("close");
    }
}

/// A shortcut whose action is impossible now says why, in view, in the page's language; on a
/// tablet the key hints appear once a key has been pressed (a keyboard is there after all).
#[tokio::test]
async fn a_shortcut_that_cannot_act_says_why() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    let profile = tempfile::tempdir().expect("profile");
    let page = control_page(
        &driver,
        profile.path(),
        (768, 1024, true),
        &format!("{base}/control#token={}", server.token()),
    )
    .await;
    wait_for_text(&page, "#question-text", "Câu hỏi số 1?").await;
    assert!(!key_hints_shown(&page).await, "no hints before a key press");
    page.execute("window.scrollTo(0, document.body.scrollHeight);", vec![])
        .await
        .expect("scroll");
    // C (correct) with nobody on the floor.
    press_key(&page, 'c').await;
    let reason = "Chưa có đội nào giành quyền trả lời — chưa thể chấm.";
    wait_for_text(&page, "#why", reason).await;
    assert_seen(&page, reason, "the reason for C").await;
    assert!(key_hints_shown(&page).await, "hints once a key was pressed");
    screenshot(&page, "control", "768x1024-why-judge").await;
    // U with nothing to undo, in English.
    click(&page, "[data-lang-toggle]").await;
    press_key(&page, 'u').await;
    wait_for_text(&page, "#why", "Nothing left to undo.").await;
    // A key that can act clears the reason: O opens the buzzers.
    press_key(&page, 'o').await;
    control.state_where(|s| phase(s) == "open").await;
    wait_until(
        &page,
        "document.querySelector('#why').hidden",
        "the reason goes",
    )
    .await;
    page.close().await.expect("close");
}

/// Each phone's row says "tốt" (good), not its clock offset; the numbers show on request. A
/// buzz whose claim was moved by a fraction of a millisecond (the clock estimate's rounding) has
/// no ⚠; one claimed two seconds before it arrived has.
#[tokio::test]
async fn phone_rows_show_health_and_only_unusual_buzzes_are_marked() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let base = format!("http://{}", server.addr());
    let mut control = server.control().await;
    let mut alpha = server.team("alpha").await;
    let mut bravo = server.team("bravo").await;
    control.ok(json!({"type": "show_next_question"})).await;
    let profile = tempfile::tempdir().expect("profile");
    let page = control_page(
        &driver,
        profile.path(),
        (1280, 800, false),
        &format!("{base}/control#token={}", server.token()),
    )
    .await;
    // Measured (good, or weak when this machine is loaded: loopback delays vary with the load),
    // never the raw numbers.
    for team in ["alpha", "bravo"] {
        wait_until(
            &page,
            &format!(
                r#"['tốt', 'yếu'].includes(document.querySelector('[data-links-of="{team}"] .link-health')?.textContent.trim())"#
            ),
            "the phone's health is measured",
        )
        .await;
    }
    let row = || text_of(&page, r#"[data-links-of="alpha"]"#);
    let cell = || text_of(&page, r#"[data-team-row="alpha"] .dev"#);
    for text in [row().await, cell().await] {
        assert!(
            !text.contains("lệch") && !text.contains("khứ hồi") && !text.contains("ms"),
            "raw link numbers by default: {text:?}"
        );
    }
    let devices = cell().await;
    assert!(
        ["1 máy · tốt", "1 máy · yếu"].contains(&devices.as_str()),
        "one phone and its health in a word: {devices:?}"
    );
    // The numbers on request, and away again.
    click(&page, "#link-details").await;
    wait_until(
        &page,
        r#"document.querySelector('[data-links-of="alpha"]').textContent.includes('lệch')"#,
        "the numbers on request",
    )
    .await;
    screenshot(&page, "control", "1280x800-link-details").await;
    click(&page, "#link-details").await;
    wait_until(
        &page,
        r#"!document.querySelector('[data-links-of="alpha"]').textContent.includes('lệch')"#,
        "the numbers hidden again",
    )
    .await;

    // Bravo claims a press 2 s before it arrived: moved by far more than any clock error.
    control.ok(json!({"type": "open_buzzers"})).await;
    bravo.state_where(|s| phase(s) == "open").await;
    let early = bravo.page_now() - 2000.0;
    bravo.ok(json!({"type": "buzz", "pressed_at": early})).await;
    control.state_where(|s| phase(s) == "floor").await;
    // Wrong: the buzzers open again by themselves (the default rules), for a second race.
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    alpha.state_where(|s| phase(s) == "open").await;
    // Alpha presses as a phone does: the moment it sends.
    let now = alpha.page_now();
    alpha.ok(json!({"type": "buzz", "pressed_at": now})).await;
    let state = control
        .state_where(|s| phase(s) == "floor" && s["buzz"]["floor"] == "alpha")
        .await;
    let bravo_clamp = state["buzz"]["buzzes"][0]["clamp"].clone();
    assert!(
        bravo_clamp == json!("early") || bravo_clamp == json!("before_open"),
        "bravo's claim was moved: {state}"
    );
    wait_until(
        &page,
        "document.querySelectorAll('#buzz-order li').length === 2",
        "both buzzes listed",
    )
    .await;
    let marks: Value = page
        .execute(
            "return [...document.querySelectorAll('#buzz-order li')].map((li) => [li.firstChild.textContent, li.querySelector('.clamp-mark') !== null]);",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        marks,
        json!([["Đội bravo", true], ["Đội alpha", false]]),
        "⚠ only on the unusual buzz"
    );
    screenshot(&page, "control", "1280x800-buzz-order").await;
    // The rule itself, on evidence a loopback race cannot produce at will: a claim moved by less
    // than half the round trip plus 5 ms is the clock estimate's rounding; more is unusual.
    let verdicts: Value = page
        .execute_async(
            "const done = arguments[0];
             import('/assets/kinds/buzz_in.js').then(({ unusualBuzz }) => {
               const buzz = (clamp, claimedServer, press) =>
                 ({ clamp, claimed_ms: claimedServer + 1000, offset_ms: 1000, press_ms: press, round_trip_ms: 2 });
               done([
                 unusualBuzz(buzz(null, 500, 500)),
                 unusualBuzz(buzz('late', 503.5, 500)),
                 unusualBuzz(buzz('before_open', 496, 500)),
                 unusualBuzz(buzz('late', 530, 500)),
                 unusualBuzz(buzz('early', 300, 420)),
                 unusualBuzz({ clamp: 'late' }),
               ]);
             });",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(verdicts, json!([false, false, false, true, true, true]));
    page.close().await.expect("close");
}
