//! The example contest of `examples/dan-van/` walked through on every page at once, at the sizes a
//! hall uses: two projectors (1920×1080 and 1280×720, neither told to allow sound without a
//! click), the MC's control page on a touch tablet (768×1024) and on a laptop (1280×800), two
//! team phones (320×568 and 360×740), an audience phone and a judge's phone (360×740). At every
//! step of the show each page is photographed (`target/screenshots/walk/`) and checked: no page
//! scrolls sideways, no text is cut by its box or pushed off the side, and on touch screens every
//! control is a 44 px target and no keyboard hint shows. At the end: nothing in any page's
//! console, nothing fetched from another host, and the projector whose operator clicked "Bật âm
//! thanh" played the show's sounds.

use super::*;

/// One page of the walk: its name (role and size), its browser and whether it is touched.
struct Page {
    name: &'static str,
    client: Client,
    touch: bool,
    _profile: tempfile::TempDir,
}

/// What is wrong with the page's layout now (see the module's comment), once its entrance
/// animations are over; `arguments[0]`: whether the page is a touch screen.
const LAYOUT_PROBLEMS: &str = r#"
    const [touch, done] = arguments;
    const finite = document.getAnimations()
        .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity);
    Promise.all(finite.map((a) => a.finished.catch(() => null))).then(() => {
      const problems = [];
      try {
      const root = document.documentElement;
      const width = root.clientWidth;
      const name = (el) => el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
      const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
          && !el.closest('[hidden]') && !el.closest('dialog:not([open])');
      if (root.scrollWidth > width + 1) problems.push(`the page scrolls sideways: ${root.scrollWidth} px in ${width}`);
      for (const el of document.body.querySelectorAll('*')) {
        if (!el.textContent.trim() || !shown(el)) continue;
        const style = getComputedStyle(el);
        const clips = /hidden|clip/.test(style.overflowX + style.overflowY);
        if (clips && style.textOverflow !== 'ellipsis'
            && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)) {
          problems.push(`text cut in ${name(el)}: ${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}`);
        }
        // A box of its own that scrolls down hides what is below, unless a cue says so (the
        // phone's question, "Kéo để đọc tiếp").
        const cue = document.querySelector('#question-more');
        const cued = el.id === 'question-text' && cue !== null && !cue.hidden;
        if (/auto|scroll/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 1 && !cued) {
          problems.push(`${name(el)} hides ${el.scrollHeight - el.clientHeight} px below its edge`);
        }
        // A box of its own that scrolls sideways hides what is at its far side.
        if (/auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
          problems.push(`${name(el)} scrolls sideways: ${el.scrollWidth} px in ${el.clientWidth}`);
        }
        const r = el.getBoundingClientRect();
        if (el.children.length === 0 && r.width > 0 && (r.right > width + 1 || r.left < -1)) {
          problems.push(`off the side: ${name(el)} “${el.textContent.trim().slice(0, 30)}” at ${Math.round(r.left)}–${Math.round(r.right)} of ${width}`);
        }
      }
      // Text wider than the box it is laid out in spills over whatever is beside it.
      const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        if (!node.textContent.trim() || !shown(node.parentElement)) continue;
        // Measured against the nearest box the eye sees (a border or a background), unless a
        // clipping box on the way cuts it (that is the check above).
        const visible = (el) => {
          const st = getComputedStyle(el);
          return parseFloat(st.borderLeftWidth) > 0 || parseFloat(st.borderRightWidth) > 0
            || (st.backgroundColor !== 'rgba(0, 0, 0, 0)' && st.backgroundColor !== 'transparent');
        };
        let box = node.parentElement;
        let clipped = false;
        while (box.parentElement && box !== document.body) {
          const st = getComputedStyle(box);
          // Clipped (checked above), or placed on purpose (a badge on a corner).
          if (/hidden|clip|auto|scroll/.test(st.overflowX) || /absolute|fixed/.test(st.position)) { clipped = true; break; }
          if (!st.display.startsWith('inline') && visible(box)) break;
          box = box.parentElement;
        }
        if (clipped) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const text = range.getBoundingClientRect();
        const outer = box.getBoundingClientRect();
        if (text.width > 0 && (text.right > outer.right + 2 || text.left < outer.left - 2)) {
          problems.push(`text spills out of ${name(box)}: “${node.textContent.trim().slice(0, 30)}” ${Math.round(text.width)} px in ${Math.round(outer.width)}`);
        }
      }
      if (touch) {
        for (const el of document.querySelectorAll('button, summary, [role=button], input:not([type=hidden]), select, a[href]')) {
          if (!shown(el)) continue;
          // A box ticked by its label: the label is the target.
          const target = /checkbox|radio/.test(el.type) && el.closest('label') ? el.closest('label') : el;
          const r = target.getBoundingClientRect();
          if (r.width < 44 - 0.01 || r.height < 44 - 0.01) {
            problems.push(`a small target: ${name(el)} “${el.textContent.trim().slice(0, 20)}” ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
          }
        }
        for (const el of document.querySelectorAll('kbd')) if (shown(el)) problems.push(`a key hint: ${name(el)}`);
        const keyName = document.body.innerText.match(/[^\n]*\([A-Z]\)[^\n]*/);
        if (keyName) problems.push(`a key's name: ${keyName[0]}`);
      }
      } catch (e) {
        problems.push(`the check itself failed: ${e}`);
      }
      done(problems);
    });
"#;

/// The console's messages of `client`'s page as "LEVEL message" (chromedriver's browser log,
/// enabled by `goog:loggingPrefs`; each call returns what came since the last).
async fn console_messages(client: &Client) -> Vec<String> {
    let entries = client
        .issue_cmd(BrowserLog)
        .await
        .expect("the browser's console log");
    entries
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| format!("{} {}", entry["level"], entry["message"]))
        .collect()
}

/// chromedriver's `POST /session/{id}/se/log` for the browser's console.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type": "browser"}"#.into()))
    }
}

/// The walk so far: the pages and every problem any of them showed, by step.
struct Walk {
    pages: Vec<Page>,
    problems: Vec<(String, String)>,
    warnings: Vec<String>,
}

impl Walk {
    /// Waits until every page shows step `step` (each page's role, by the start of its name,
    /// has a condition in `shows`, a JavaScript expression; a role not named waits for
    /// nothing), then photographs and checks each page.
    async fn step(&mut self, step: &str, shows: &[(&str, &str)]) {
        for page in &self.pages {
            for (role, condition) in shows {
                if page.name.starts_with(role) {
                    wait_until(&page.client, condition, &format!("{}: {step}", page.name)).await;
                }
            }
        }
        for page in &self.pages {
            // Checked (once the entrances are over), then photographed as checked.
            let found = page
                .client
                .execute_async(LAYOUT_PROBLEMS, vec![json!(page.touch)])
                .await
                .expect("layout script");
            screenshot(&page.client, "walk", &format!("{step}-{}", page.name)).await;
            for problem in found.as_array().into_iter().flatten() {
                self.problems.push((
                    step.to_owned(),
                    format!("{}: {}", page.name, problem.as_str().unwrap_or("?")),
                ));
            }
            for message in console_messages(&page.client).await {
                if message.starts_with("\"WARNING\"") {
                    self.warnings
                        .push(format!("{step} on {}: {message}", page.name));
                } else {
                    self.problems
                        .push((step.to_owned(), format!("{}: {message}", page.name)));
                }
            }
        }
    }

    /// On the control page `name`, once the MC changed `team`'s score by hand: its row is lit,
    /// and neither a note nor anything else covers it (it is where the MC is looking).
    async fn adjusted_row_in_view(&mut self, name: &str, team: &str) {
        let page = self.page(name);
        let row = format!(r#"#teams-body [data-team-row="{team}"]"#);
        wait_until(
            page,
            &format!("document.querySelector('{row}').classList.contains('adjusted')"),
            "the adjusted row lights up",
        )
        .await;
        let covered: Value = page
            .execute(
                "const r = document.querySelector(arguments[0]).getBoundingClientRect();
                 const covers = [];
                 for (const x of [r.left + 10, r.left + r.width / 2, r.right - 10]) {
                   const hit = document.elementFromPoint(x, r.top + r.height / 2);
                   if (!hit || !hit.closest(arguments[0])) covers.push(hit ? (hit.id || hit.className || hit.tagName) : 'outside the window');
                 }
                 // Notes let touches through (pointer-events: none), so the hit test misses them.
                 for (const note of document.querySelectorAll('.toast')) {
                   const n = note.getBoundingClientRect();
                   if (n.left < r.right && r.left < n.right && n.top < r.bottom && r.top < n.bottom) covers.push(`a note: ${note.textContent}`);
                 }
                 return covers;",
                vec![json!(row)],
            )
            .await
            .expect("script");
        screenshot(page, "walk", &format!("adjusted-{name}")).await;
        if covered != json!([]) {
            self.problems.push((
                "adjusted".into(),
                format!("{name}: the adjusted row of {team} is covered by {covered}"),
            ));
        }
    }

    fn page(&self, name: &str) -> &Client {
        &self
            .pages
            .iter()
            .find(|page| page.name == name)
            .expect("a page of the walk")
            .client
    }
}

/// Text on the page (not hidden), as a condition for [`Walk::step`].
fn says(text: &str) -> String {
    format!("document.body.innerText.includes({})", json!(text))
}

/// Opens the walk's pages: projectors, control pages, two joined team phones, an audience
/// phone and a judge's phone.
async fn open_pages(driver: &Driver, server: &TestServer) -> Vec<Page> {
    let base = format!("http://{}", server.addr());
    let control_url = format!("{base}/control#token={}", server.token());
    let mut pages = Vec::new();
    let mut page = |name, client, touch, profile| {
        pages.push(Page {
            name,
            client,
            touch,
            _profile: profile,
        })
    };
    for (name, width, height) in [
        ("projector-1920x1080", 1920, 1080),
        ("projector-1280x720", 1280, 720),
    ] {
        let profile = tempfile::tempdir().expect("profile");
        let client = projector(driver, profile.path(), width, height).await;
        client.goto(&format!("{base}/screen")).await.expect("open");
        page(name, client, false, profile);
    }
    for (name, width, height, touch) in [
        ("control-768x1024", 768, 1024, true),
        ("control-1280x800", 1280, 800, false),
    ] {
        let profile = tempfile::tempdir().expect("profile");
        let client =
            control_page(driver, profile.path(), (width, height, touch), &control_url).await;
        page(name, client, touch, profile);
    }
    for (name, width, height, team) in [
        ("team-320x568", 320, 568, "phuoc-hai"),
        ("team-360x740", 360, 740, "nhon-hai"),
    ] {
        let profile = tempfile::tempdir().expect("profile");
        let client = driver.phone(profile.path(), width, height).await;
        join_team(&client, &base, team, &server.code(team)).await;
        wait_displayed(&client, "#buzzer").await;
        page(name, client, true, profile);
    }
    let profile = tempfile::tempdir().expect("profile");
    let audience = driver.phone(profile.path(), 360, 740).await;
    audience
        .goto(&format!("{base}/screen"))
        .await
        .expect("open");
    page("audience-360x740", audience, true, profile);

    let profile = tempfile::tempdir().expect("profile");
    let judge = driver.phone(profile.path(), 360, 740).await;
    join_judge(
        &judge,
        &base,
        "truong-ban",
        &server.judge_code("truong-ban"),
    )
    .await;
    wait_for_text(&judge, "#my-name", "Trưởng ban giám khảo").await;
    page("judge-360x740", judge, true, profile);
    pages
}

const JUDGES: [&str; 5] = [
    "truong-ban",
    "gk-noi-vu",
    "gk-tu-phap",
    "gk-dan-van",
    "gk-tuyen-giao",
];

/// The whole example show, every page, every size (see the module's comment).
#[tokio::test]
async fn the_example_show_on_every_page_at_every_size() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dan-van/hoi-thi.json");
    let server = TestServer::start_file(&file, None).await;
    let mut control = server.control().await;
    let mut judges = Vec::new();
    for judge in JUDGES {
        judges.push(server.judge(judge).await);
    }
    let mut steal = server.team("an-hai").await;
    let mut walk = Walk {
        pages: open_pages(&driver, &server).await,
        problems: Vec::new(),
        warnings: Vec::new(),
    };

    // The operator of the big projector clicks "Bật âm thanh" once; the other stays silent.
    let hd = walk.page("projector-1920x1080");
    wait_displayed(hd, "#sound-unlock").await;
    click_projector_control(hd, "#sound-unlock").await;
    wait_until(
        hd,
        "document.querySelector('#sound-unlock').hidden",
        "the unlock button goes once clicked",
    )
    .await;
    let lobby = says("Đội xã Phước Hải");
    // 0–0 everywhere: no team is "1" yet, on the MC's table either.
    let unranked = "document.querySelectorAll('#teams-body .rank').length === 6 \
        && [...document.querySelectorAll('#teams-body .rank')].every((cell) => cell.textContent === '')";
    walk.step(
        "00-lobby",
        &[
            ("projector", &lobby),
            ("audience", &lobby),
            ("control", &lobby),
            ("control", unranked),
        ],
    )
    .await;

    // The join codes, lower down the MC's page, pictured too.
    for name in ["control-768x1024", "control-1280x800"] {
        let page = walk.page(name);
        page.execute(
            "document.querySelector('#access').scrollIntoView({block: 'start'});",
            vec![],
        )
        .await
        .expect("script");
        screenshot(page, "walk", &format!("00-lobby-join-codes-{name}")).await;
        page.execute("window.scrollTo(0, 0);", vec![])
            .await
            .expect("script");
    }

    // 1. Chào hỏi, judged: Phước Hải performs, the five judges score, the MC reveals.
    control.ok(json!({"type": "start_round", "round": 1})).await;
    let title = says("Chào hỏi");
    walk.step(
        "01-greeting-title",
        &[
            ("projector", "document.body.dataset.view === 'intro'"),
            ("audience", "document.body.dataset.view === 'intro'"),
            ("control", &title),
            ("team", &title),
        ],
    )
    .await;
    control
        .ok(json!({"type": "perform", "team": "phuoc-hai"}))
        .await;
    let on_stage = says("Phước Hải");
    walk.step(
        "02-greeting-performing",
        &[(
            "judge",
            "document.querySelector('#stage-team').textContent.includes('Phước Hải')",
        )],
    )
    .await;
    for judge in &mut judges {
        judge
            .ok(json!({"type": "score", "team": "phuoc-hai", "marks": [4.5, 2.5, 2.0]}))
            .await;
    }
    control
        .ok(json!({"type": "close_scoring", "team": "phuoc-hai"}))
        .await;
    walk.step("03-greeting-closed", &[("control", &says("9 điểm"))])
        .await;
    control
        .ok(json!({"type": "reveal_result", "team": "phuoc-hai"}))
        .await;
    let nine = says("9");
    walk.step(
        "04-greeting-revealed",
        &[
            ("projector", &nine),
            ("audience", &nine),
            ("team", &on_stage),
        ],
    )
    .await;

    // 2. Kiến thức, multiple choice from the workbook.
    control.ok(json!({"type": "start_round", "round": 2})).await;
    // The MC taps "Câu tiếp theo" on the tablet: its "done" note covers none of what the MC reads.
    let tablet = walk.page("control-768x1024");
    wait_until(
        tablet,
        "!document.querySelector('#btn-next').disabled",
        "the next button",
    )
    .await;
    tap(tablet, "#btn-next").await;
    let question = control.state_where(|s| s["stage"] == "question").await;
    let text = question["question"]["text"]
        .as_str()
        .expect("question text")
        .to_owned();
    let shows_question = says(&text);
    walk.step(
        "05-knowledge-question",
        &[
            ("projector", &shows_question),
            ("audience", &shows_question),
            ("control", &shows_question),
            ("team", &shows_question),
        ],
    )
    .await;
    control.ok(json!({"type": "open_answers"})).await;
    let options = "document.querySelectorAll('#options [data-option]:not([disabled])').length >= 2";
    walk.step("06-knowledge-open", &[("team", options)]).await;
    tap(walk.page("team-320x568"), r#"#options [data-option="B"]"#).await;
    control
        .state_where(|s| s["choice"]["answered"] == json!(["phuoc-hai"]))
        .await;
    walk.step("07-knowledge-chosen", &[]).await;
    // The laptop's MC reveals with a click.
    let laptop = walk.page("control-1280x800");
    wait_until(
        laptop,
        "!document.querySelector('#btn-reveal').disabled",
        "the reveal button",
    )
    .await;
    click(laptop, "#btn-reveal").await;
    walk.step(
        "08-knowledge-revealed",
        &[
            ("projector", &says("Đáp án")),
            ("team-320", &says("Đáp án")),
        ],
    )
    .await;

    // 3. Xử lý tình huống: An Hải draws its situation.
    control.ok(json!({"type": "start_round", "round": 3})).await;
    control
        .ok(json!({"type": "perform", "team": "an-hai"}))
        .await;
    control.ok(json!({"type": "draw", "team": "an-hai"})).await;
    let drawn = says("An Hải");
    walk.step(
        "09-situation-drawn",
        &[("projector", &drawn), ("judge", &drawn), ("team", &drawn)],
    )
    .await;
    for judge in &mut judges {
        judge
            .ok(json!({"type": "score", "team": "an-hai", "marks": [15]}))
            .await;
    }
    control
        .ok(json!({"type": "close_scoring", "team": "an-hai"}))
        .await;
    control
        .ok(json!({"type": "reveal_result", "team": "an-hai"}))
        .await;
    // Five equal marks: still two of them set aside (the trimmed mean), not one.
    let trimmed = "document.querySelectorAll('#jd-reveal .jd-mark.dropped').length === 2";
    walk.step(
        "10-situation-revealed",
        &[("projector", trimmed), ("audience", trimmed)],
    )
    .await;

    // 5. Về đích: Phước Hải's turn, a pack of 20s with the star, a wrong answer stolen by
    // Nhơn Hải's phone (the 360 px one) against An Hải's.
    control.ok(json!({"type": "start_round", "round": 5})).await;
    control
        .ok(json!({"type": "start_turn", "team": "phuoc-hai"}))
        .await;
    // The team on turn in its scoreboard colour.
    let turn_colour = "(() => { const c = document.querySelector('#ol-intro').style.getPropertyValue('--team'); \
        return c !== '' && c === document.querySelector('#scoreboard [data-team=\"phuoc-hai\"]').style.getPropertyValue('--team'); })()";
    walk.step(
        "11-finish-turn",
        &[("control", &on_stage), ("projector", turn_colour)],
    )
    .await;
    control
        .ok(json!({"type": "choose_pack", "values": [20, 20, 20]}))
        .await;
    control.ok(json!({"type": "star"})).await;
    control.ok(json!({"type": "show_next_question"})).await;
    let question = control.state_where(|s| s["stage"] == "question").await;
    let text = question["question"]["text"]
        .as_str()
        .expect("question text")
        .to_owned();
    let shows_question = says(&text);
    walk.step(
        "12-finish-question",
        &[
            ("projector", &shows_question),
            ("audience", &shows_question),
            ("team", &shows_question),
        ],
    )
    .await;
    control.ok(json!({"type": "open_answers"})).await;
    walk.step("13-finish-answering", &[]).await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    control.ok(json!({"type": "open_buzzers"})).await;
    let open = "document.querySelector('#buzz-state').dataset.state === 'open'";
    // The steal's window is short: the phone presses as soon as it opens, pictures after.
    let phone = walk.page("team-360x740");
    wait_until(phone, open, "the steal opens on Nhơn Hải's phone").await;
    screenshot(phone, "walk", "14-finish-steal-open-team-360x740").await;
    tap(phone, "#buzz").await;
    control
        .state_where(|s| s["buzz"]["floor"] == "nhon-hai")
        .await;
    let stealer = says("Nhơn Hải");
    walk.step(
        "15-finish-steal-floor",
        &[("projector", &stealer), ("audience", &stealer)],
    )
    .await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    walk.step("16-finish-steal-right", &[]).await;

    // 6. Câu hỏi phụ: Phước Hải and An Hải made equal by the MC, the tie broken on the buzzer.
    let state = control.state_where(|_| true).await;
    let score = |team: &str| {
        state["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|t| t["id"] == team)
            .map(|t| t["score"].as_f64().expect("score"))
            .expect("team")
    };
    // The MC makes them equal on the tablet, with the +/− dialog: the row lights up, uncovered.
    let gap = score("phuoc-hai") - score("an-hai");
    let sign = if gap < 0.0 { "-1" } else { "1" };
    let tablet = walk.page("control-768x1024");
    tap(
        tablet,
        &format!(r#"#teams-body [data-adjust="{sign}"][data-team="an-hai"]"#),
    )
    .await;
    for (field, text) in [
        ("#adjust-points", gap.abs().to_string()),
        ("#adjust-reason", "Ban giám khảo".to_owned()),
    ] {
        tablet
            .find(Locator::Css(field))
            .await
            .expect("a field of the dialog")
            .send_keys(&text)
            .await
            .expect("type");
    }
    tap(tablet, "#adjust-submit").await;
    walk.adjusted_row_in_view("control-768x1024", "an-hai")
        .await;
    control
        .state_where(|s| {
            let of = |team: &str| {
                s["teams"]
                    .as_array()
                    .and_then(|teams| teams.iter().find(|t| t["id"] == team))
                    .map(|t| t["score"].clone())
            };
            of("phuoc-hai") == of("an-hai")
        })
        .await;
    control.ok(json!({"type": "start_round", "round": 6})).await;
    control
        .ok(json!({"type": "break_tie", "teams": ["phuoc-hai", "an-hai"]}))
        .await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    steal.state_where(|s| phase(s) == "open").await;
    steal.ok(json!({"type": "buzz"})).await;
    control
        .state_where(|s| s["buzz"]["floor"] == "an-hai")
        .await;
    // The tied teams in their scoreboard colours.
    let chip_colours = "['phuoc-hai', 'an-hai'].every((team) => { \
        const c = document.querySelector(`#tb-box [data-team=\"${team}\"]`).style.getPropertyValue('--team'); \
        return c !== '' && c === document.querySelector(`#scoreboard [data-team=\"${team}\"]`).style.getPropertyValue('--team'); })";
    walk.step(
        "17-tie-floor",
        &[("team-320", &says("An Hải")), ("projector", chip_colours)],
    )
    .await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    walk.step("18-tie-broken", &[]).await;

    // The finish: the staged podium, and each phone's place.
    control.ok(json!({"type": "finish_contest"})).await;
    let done = "document.querySelector('.view-final').dataset.finale === 'done'";
    walk.step(
        "19-podium",
        &[
            ("projector", done),
            ("audience", done),
            (
                "team",
                "document.querySelector('#buzz-state').dataset.state === 'finished'",
            ),
        ],
    )
    .await;

    let played = sounds(walk.page("projector-1920x1080")).await;
    for sound in [
        "round", "result", "floor", "tick", "correct", "wrong", "fanfare",
    ] {
        assert!(
            played.to_string().contains(&format!("\"{sound}\"")),
            "the unlocked projector played {sound}: {played}"
        );
    }
    for page in &walk.pages {
        let elsewhere: Value = page
            .client
            .execute(
                "return performance.getEntriesByType('resource').map((e) => e.name).filter((url) => new URL(url).origin !== location.origin);",
                vec![],
            )
            .await
            .expect("script");
        assert_eq!(
            elsewhere,
            json!([]),
            "{} fetched from another host",
            page.name
        );
    }
    for warning in &walk.warnings {
        eprintln!("console warning: {warning}");
    }
    // Each problem once, with the steps it was seen at.
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (step, problem) in &walk.problems {
        seen.entry(problem.clone()).or_default().push(step.clone());
    }
    let report: Vec<String> = seen
        .iter()
        .map(|(problem, steps)| format!("{problem}  (at {})", steps.join(", ")))
        .collect();
    assert!(
        report.is_empty(),
        "{} problems:\n{}",
        report.len(),
        report.join("\n")
    );
    for page in walk.pages {
        page.client.close().await.expect("close");
    }
}
