//! The pages are served from the binary, as UTF-8, and load nothing from outside the server.

mod common;

use common::{TestServer, contest, http_get};
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

/// `/assets/...` paths referenced by `src=` or `href=` in a page, or by `import … from` in a script.
fn asset_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for quote in ['"', '\''] {
        let needle = format!("{quote}/assets/");
        for (at, _) in text.match_indices(&needle) {
            let rest = &text[at + 1..];
            if let Some(end) = rest.find(quote) {
                paths.push(rest[..end].to_string());
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

#[tokio::test]
async fn pages_and_assets_are_utf8_and_local_only() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut to_visit: Vec<String> = vec!["/".into(), "/control".into(), "/screen".into()];
    let mut visited = Vec::new();
    while let Some(path) = to_visit.pop() {
        if visited.contains(&path) {
            continue;
        }
        let (head, body) = http_get(server.addr(), &path).await;
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
        let external = external_references(&body);
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
        to_visit.extend(asset_paths(&body));
        visited.push(path);
    }
    assert!(
        visited.iter().filter(|p| p.starts_with("/assets/")).count() >= 4,
        "pages load their scripts and styles from /assets: {visited:?}"
    );
}

#[tokio::test]
async fn unknown_paths_are_not_found() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let (head, _) = http_get(server.addr(), "/assets/../Cargo.toml").await;
    assert!(!head.starts_with("http/1.1 200"), "{head}");
    let (head, _) = http_get(server.addr(), "/assets/nope.js").await;
    assert!(head.starts_with("http/1.1 404"), "{head}");
}
