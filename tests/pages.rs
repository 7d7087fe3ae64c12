//! The pages are served from the binary, as UTF-8, load nothing from outside the server, and every
//! text they show exists in Vietnamese and English. The show's font is served from the binary
//! too, as a font, with its licence.

mod common;

use common::{TestServer, contest, http_get, http_get_bytes};
use stagebuzz::game::BuzzInRules;

/// XML namespace names look like URLs but are never fetched.
const NAMESPACES: [&str; 2] = ["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"];

/// Every URL-ish reference in a page or script must stay on the server itself.
fn external_references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut text = text.to_string();
    for namespace in NAMESPACES {
        text = text.replace(namespace, "");
    }
    let text = text.as_str();
    for marker in [
        "http://",
        "https://",
        "ws://",
        "wss://",
        "//cdn",
        "src=\"//",
        "href=\"//",
        "url(//",
    ] {
        for (at, _) in text.match_indices(marker) {
            let snippet: String = text[at..].chars().take(60).collect();
            found.push(snippet);
        }
    }
    found
}

/// `/assets/...` paths referenced by `src=` or `href=` in a page, or by `import … from` in a
/// script at `from` (`'./common.js'` in `/assets/join.js` is `/assets/common.js`, `'../common.js'`
/// in `/assets/kinds/index.js` too).
fn asset_paths(from: &str, text: &str) -> Vec<String> {
    let directory = &from[..from.rfind('/').map_or(0, |slash| slash + 1)];
    let mut paths = Vec::new();
    for quote in ['"', '\''] {
        for prefix in ["/assets/", "./", "../"] {
            let needle = format!("{quote}{prefix}");
            for (at, _) in text.match_indices(&needle) {
                let rest = &text[at + 1..];
                let Some(end) = rest.find(quote) else {
                    continue;
                };
                let found = &rest[..end];
                paths.push(if prefix == "/assets/" {
                    found.to_string()
                } else {
                    resolve(directory, found)
                });
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// `relative` (`./x.js`, `../x.js`) from the directory `directory` (ending in `/`).
fn resolve(directory: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = directory.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The font files the style sheets may load, by ending, with the type each must be served as.
const FONT_TYPES: [(&str, &str); 2] = [(".woff2", "font/woff2"), (".ttf", "font/ttf")];

/// Served beside the fonts for whoever receives them (the OFL asks that the licence travel with
/// the font), though no page loads them.
const FONT_DOCUMENTS: [&str; 2] = ["/assets/fonts/LICENSE-OFL.txt", "/assets/fonts/README.md"];

/// The type `path` must be served as, if it is a font.
fn font_type(path: &str) -> Option<&'static str> {
    FONT_TYPES
        .iter()
        .find(|(ending, _)| path.ends_with(ending))
        .map(|(_, content_type)| *content_type)
}

/// Whether the (lower-case) response head has `name: value` exactly.
fn has_header(head: &str, name: &str, value: &str) -> bool {
    head.lines()
        .any(|line| line.trim_end() == format!("{name}: {value}"))
}

/// What the pages load from the server.
struct Crawl {
    /// Every page and every text file it loads from `/assets`, as (path, response head, body).
    text: Vec<(String, String, String)>,
    /// The fonts those load, as (path, response head, body).
    fonts: Vec<(String, String, Vec<u8>)>,
}

/// Every page and everything it loads from `/assets`.
async fn crawl(server: &TestServer) -> Crawl {
    let mut to_visit: Vec<String> = vec![
        "/".into(),
        "/control".into(),
        "/screen".into(),
        "/judge".into(),
    ];
    let mut served = Crawl {
        text: Vec::new(),
        fonts: Vec::new(),
    };
    while let Some(path) = to_visit.pop() {
        let seen = served.text.iter().any(|(seen, ..)| *seen == path)
            || served.fonts.iter().any(|(seen, ..)| *seen == path);
        if seen {
            continue;
        }
        // A font is binary and refers to nothing: it is fetched as bytes and not read on.
        if font_type(&path).is_some() {
            let (head, body) =
                http_get_bytes(server.addr(), &path, &server.addr().to_string()).await;
            served.fonts.push((path, head, body));
            continue;
        }
        let (head, body) = http_get(server.addr(), &path).await;
        to_visit.extend(asset_paths(&path, &body));
        served.text.push((path, head, body));
    }
    served
}

#[tokio::test]
async fn pages_and_assets_are_utf8_and_local_only() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let Crawl {
        text: served,
        fonts,
    } = crawl(&server).await;
    for (path, head, body) in &served {
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(
            head.contains("charset=utf-8"),
            "{path} must declare UTF-8: {head}"
        );
        assert!(
            head.contains("content-security-policy: default-src 'self'"),
            "{path}: {head}"
        );
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{path}: {head}"
        );
        let external = external_references(body);
        assert!(
            external.is_empty(),
            "{path} refers outside the server: {external:?}"
        );
        if path.ends_with(".html") || !path.contains('.') {
            assert!(
                body.contains("<meta charset=\"utf-8\">"),
                "{path} lacks <meta charset>"
            );
        }
    }
    // Scripts are served as scripts: a module with another type is refused by the browser.
    for (path, head, _) in served.iter().filter(|(p, _, _)| p.ends_with(".js")) {
        assert!(
            head.contains("content-type: text/javascript")
                || head.contains("content-type: application/javascript"),
            "{path}: {head}"
        );
    }
    // Fonts are served as fonts (a font refused by its type is never drawn), under the same
    // headers, and only ones a style sheet asks for.
    for (path, head, _) in &fonts {
        let content_type = font_type(path).expect("a font");
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(
            has_header(head, "content-type", content_type),
            "{path} must be served as {content_type}: {head}"
        );
        assert!(
            head.contains("content-security-policy: default-src 'self'"),
            "{path}: {head}"
        );
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{path}: {head}"
        );
        let css = served
            .iter()
            .filter(|(p, _, _)| p.ends_with(".css"))
            .find(|(_, _, body)| body.contains(&format!("url(\"{path}\")")));
        assert!(css.is_some(), "{path} is loaded by no style sheet's url()");
    }
    // Every file under web/assets is reached from a page (the round kinds' modules too), so
    // every one of them is checked here and by the translation test; the fonts' licence and
    // notes are the only files no page loads.
    let reached: Vec<&str> = served
        .iter()
        .map(|(p, _, _)| p.as_str())
        .chain(fonts.iter().map(|(p, _, _)| p.as_str()))
        .chain(FONT_DOCUMENTS)
        .collect();
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut unreached = Vec::new();
    let mut folders = vec![assets.join("assets")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("web/assets") {
            let file = entry.expect("entry").path();
            if file.is_dir() {
                folders.push(file);
                continue;
            }
            let path = format!(
                "/{}",
                file.strip_prefix(&assets)
                    .expect("under web/")
                    .to_string_lossy()
            );
            if !reached.contains(&path.as_str()) {
                unreached.push(path);
            }
        }
    }
    assert!(
        unreached.is_empty(),
        "no page loads {unreached:?}; reached {reached:?}"
    );
}

/// The `@font-face` rules of a style sheet, each as its declarations (`src`, `font-weight`, …).
fn font_faces(css: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    css.split("@font-face")
        .skip(1)
        .map(|rule| {
            let body = rule.split_once('{').map_or("", |(_, body)| body);
            let body = body.split_once('}').map_or("", |(body, _)| body);
            body.split(';')
                .filter_map(|declaration| declaration.split_once(':'))
                .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_show_font_is_served_as_a_font_with_its_licence() {
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let css = std::fs::read_to_string(repository.join("web/assets/app.css")).expect("app.css");
    let faces = font_faces(&css);
    let weights: Vec<&str> = faces
        .iter()
        .map(|face| face["font-weight"].as_str())
        .collect();
    assert_eq!(weights, ["400", "700"], "regular and bold: {faces:?}");
    // Every page's text starts in the show's font, and shows at once while it loads.
    assert!(
        css.contains("--font: \"Liberation Sans\","),
        "the show's font first in the pages' stack"
    );
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let host = server.addr().to_string();
    for face in &faces {
        assert_eq!(face["font-family"], "\"Liberation Sans\"", "{face:?}");
        assert_eq!(face["font-display"], "swap", "{face:?}");
        let path = face["src"]
            .strip_prefix("url(\"")
            .and_then(|rest| rest.split_once("\")"))
            .map(|(path, format)| {
                assert_eq!(format.trim(), "format(\"woff2\")", "{face:?}");
                path
            })
            .unwrap_or_else(|| panic!("one url(\"…\") and its format: {face:?}"));
        let (head, body) = http_get_bytes(server.addr(), path, &host).await;
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(
            has_header(&head, "content-type", "font/woff2"),
            "{path}: {head}"
        );
        assert!(body.starts_with(b"wOF2"), "{path} is a WOFF2 file");
        let file = repository.join("web").join(path.trim_start_matches('/'));
        assert!(
            body == std::fs::read(&file).expect("the font file"),
            "{path} is served whole"
        );
    }
    // The licence and where the font comes from go with it, in the binary and on the server.
    for (path, content_type, marker) in [
        (
            "/assets/fonts/LICENSE-OFL.txt",
            "text/plain; charset=utf-8",
            "SIL Open Font License",
        ),
        (
            "/assets/fonts/README.md",
            "text/markdown; charset=utf-8",
            "Liberation Sans 2.1.5",
        ),
    ] {
        let (head, body) = http_get(server.addr(), path).await;
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(
            has_header(&head, "content-type", content_type),
            "{path}: {head}"
        );
        assert!(body.contains(marker), "{path} names {marker:?}");
    }
}

/// The keys of one language's table (`web/assets/i18n/vi.js`, `en.js`): lines like
/// `  'conn.connected': '…',`.
fn dictionary_keys(block: &str) -> std::collections::BTreeSet<String> {
    block
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix('\''))
        .filter_map(|rest| rest.split_once("':").map(|(key, _)| key.to_string()))
        .collect()
}

/// Text keys a page or script asks for by name: `t('key'…`, `data-i18n="key"`,
/// `data-i18n-title="key"`, `data-i18n-aria-label="key"`. Keys built at run time are not seen.
fn used_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for (marker, close) in [
        ("t('", '\''),
        ("data-i18n=\"", '"'),
        ("data-i18n-title=\"", '"'),
        ("data-i18n-aria-label=\"", '"'),
    ] {
        for (at, _) in text.match_indices(marker) {
            // `t(` the function, not the end of `get(` or `select(`.
            let joined = text[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || "_.$".contains(c));
            if joined {
                continue;
            }
            let rest = &text[at + marker.len()..];
            if let Some(end) = rest.find(close) {
                keys.push(rest[..end].to_string());
            }
        }
    }
    keys
}

#[tokio::test]
async fn every_text_a_page_shows_exists_in_vietnamese_and_english() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let served = crawl(&server).await.text;
    let table = |language: &str| {
        let path = format!("/assets/i18n/{language}.js");
        let (_, _, body) = served
            .iter()
            .find(|(served, _, _)| *served == path)
            .unwrap_or_else(|| panic!("{path} is loaded by the pages"));
        dictionary_keys(body)
    };
    let (vi, en) = (table("vi"), table("en"));
    assert!(vi.len() > 100, "found {} Vietnamese texts", vi.len());
    let only_vi: Vec<_> = vi.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&vi).collect();
    assert!(
        only_vi.is_empty() && only_en.is_empty(),
        "only in Vietnamese: {only_vi:?}; only in English: {only_en:?}"
    );
    for (path, _, body) in &served {
        let missing: Vec<_> = used_keys(body)
            .into_iter()
            .filter(|key| !vi.contains(key))
            .collect();
        assert!(
            missing.is_empty(),
            "{path} shows texts with no translation: {missing:?}"
        );
    }
}

/// Requests that would reach files outside `web/` if the server followed `..`, decoded escapes,
/// backslashes or absolute paths, and text each of those files is recognised by.
const TRAVERSALS: [&str; 17] = [
    "/assets/../../Cargo.toml",
    "/assets/../../src/lib.rs",
    "/assets/%2e%2e/%2e%2e/Cargo.toml",
    "/assets/%2E%2E/%2E%2E/src/lib.rs",
    "/assets/..%2f..%2fCargo.toml",
    "/assets/..%2F..%2Fsrc%2Flib.rs",
    "/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
    "/assets/../../../../../../../../../../etc/passwd",
    "/assets/%252e%252e/%252e%252e/Cargo.toml",
    "/assets/....//....//Cargo.toml",
    "/assets/..\\..\\Cargo.toml",
    "/assets/..%5c..%5cCargo.toml",
    "/assets/..%5C..%5Csrc%5Clib.rs",
    "/assets//etc/passwd",
    "/assets/%2fetc%2fpasswd",
    "/../Cargo.toml",
    "/%2e%2e/%2e%2e/Cargo.toml",
];

/// Files a traversal could reach, with a text that is in the file and in no page or asset.
const SECRETS: [(&str, &str); 3] = [
    ("Cargo.toml", "[package]"),
    ("src/lib.rs", "#![forbid"),
    ("/etc/passwd", "root:x:0:0"),
];

#[tokio::test]
async fn paths_outside_the_pages_are_never_served() {
    // The markers really are in the files, so a leak of any of them would show.
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, marker) in SECRETS {
        match std::fs::read_to_string(repository.join(file)) {
            Ok(text) => assert!(
                text.contains(marker),
                "{file} no longer contains {marker:?}"
            ),
            // A system without /etc/passwd has nothing there to leak.
            Err(_) if file.starts_with('/') => {}
            Err(error) => panic!("{file}: {error}"),
        }
    }
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut served = Vec::new();
    for path in TRAVERSALS {
        // Sent verbatim in the request line: no client normalises `..` or decodes escapes first.
        let (head, body) = http_get(server.addr(), path).await;
        let status = head.lines().next().unwrap_or_default().to_string();
        if status.starts_with("http/1.1 200") {
            served.push(format!("{path}: {status}"));
        }
        for (file, marker) in SECRETS {
            if body.contains(marker) {
                served.push(format!("{path}: {status}, the content of {file}"));
            }
        }
    }
    assert!(served.is_empty(), "served outside the pages: {served:#?}");
}

#[tokio::test]
async fn unknown_paths_are_not_found() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let (head, _) = http_get(server.addr(), "/assets/nope.js").await;
    assert!(head.starts_with("http/1.1 404"), "{head}");
}

/// The raw answer (status line and headers, lower-cased names; body) to a GET of `path` with
/// `extra` request headers.
async fn get_with(addr: std::net::SocketAddr, path: &str, extra: &str) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&response[..end]).to_lowercase();
    (head, response[end + 4..].to_vec())
}

/// A page opened again (every phone of a hall, a reload) revalidates its scripts, styles and
/// fonts and is answered `304 Not Modified` without the bytes; a changed binary's assets have
/// another tag.
#[tokio::test]
async fn assets_are_revalidated_by_their_tag_not_downloaded_again() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let font = "/assets/fonts/LiberationSans-Regular.woff2";
    let (head, body) = get_with(server.addr(), font, "").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(body.len() > 100_000, "the font itself");
    let etag = head
        .lines()
        .find_map(|line| line.strip_prefix("etag: "))
        .expect("an etag")
        .to_string();
    let (head, body) = get_with(server.addr(), font, &format!("If-None-Match: {etag}\r\n")).await;
    assert!(head.starts_with("http/1.1 304"), "{head}");
    assert!(body.is_empty(), "no bytes again");
    let (other, _) = get_with(server.addr(), "/assets/app.css", "").await;
    assert!(!other.contains(&etag), "each file has its own tag");
    let (head, _) = get_with(
        server.addr(),
        font,
        "If-None-Match: \"0123456789abcdef0123456789abcdef\"\r\n",
    )
    .await;
    assert!(
        head.starts_with("http/1.1 200"),
        "another tag gets the bytes: {head}"
    );
}
