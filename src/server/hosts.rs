//! The host names the server answers to. A page from a name the server does not know is refused:
//! otherwise a site on the internet could point its own name at the laptop's LAN address (DNS
//! rebinding) and script the pages and sockets from a visitor's browser as if it were this server,
//! since the browser would see both as one origin.

use std::collections::BTreeSet;
use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Names (lower case, without a port) that requests may carry in `Host`. Any IP literal passes:
/// rebinding needs a name, and the laptop's address may change with the venue's DHCP mid-show.
#[derive(Clone, Debug, Default)]
pub struct AllowedHosts {
    names: BTreeSet<String>,
}

impl AllowedHosts {
    /// `localhost`, this machine's host name (and its `.local` mDNS form), and the organizer's
    /// `extra` names (`--public-host`).
    pub fn new(machine: Option<&str>, extra: &[String]) -> AllowedHosts {
        let mut names = BTreeSet::new();
        names.insert("localhost".to_string());
        if let Some(machine) = machine.map(normalize).filter(|name| !name.is_empty()) {
            names.insert(format!("{machine}.local"));
            names.insert(machine);
        }
        names.extend(extra.iter().map(|name| normalize(name)));
        AllowedHosts { names }
    }

    /// The names for this machine: its host name as the system reports it, and `extra`.
    pub fn for_this_machine(extra: &[String]) -> AllowedHosts {
        let machine = gethostname::gethostname();
        AllowedHosts::new(machine.to_str(), extra)
    }

    /// Whether a request whose `Host` header is `host` (with or without a port) is for us.
    pub fn allows(&self, host: &str) -> bool {
        let name = strip_port(host.trim());
        if name.is_empty() {
            return false;
        }
        if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            return v6.parse::<std::net::Ipv6Addr>().is_ok();
        }
        name.parse::<IpAddr>().is_ok() || self.names.contains(&normalize(name))
    }

    /// The names, for the refusal and the logs.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

/// Lower case, without the trailing dot of a fully qualified name.
fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `name:port` → `name`; `[v6]:port` → `[v6]`; a bare IPv6 literal is left as it is.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// Refuses, before any route runs, a request whose `Host` the server does not answer to.
pub(super) async fn check_host(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if state.allowed_hosts.allows(host) {
        return next.run(request).await;
    }
    tracing::warn!(
        host,
        "request for a host name this server does not answer to"
    );
    let known = state.allowed_hosts.names().collect::<Vec<_>>().join(", ");
    let body = format!(
        "Máy chủ stagebuzz này không nhận tên \"{host}\". Hãy mở bằng địa chỉ IP in trong cửa sổ \
         máy chủ, hoặc khởi động lại với --public-host {host}.\n\
         This stagebuzz server does not answer to the name \"{host}\". Open it by the IP address \
         printed in the server's window, or restart it with --public-host {host}.\n\
         Known names / Tên đã biết: {known}\n"
    );
    (
        StatusCode::MISDIRECTED_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_and_known_names_pass_with_or_without_a_port() {
        let hosts = AllowedHosts::new(Some("MC-Laptop"), &["hoithi.lan".into()]);
        for host in [
            "192.168.1.5:8080",
            "192.168.1.5",
            "127.0.0.1:41234",
            "[::1]:8080",
            "[fe80::1]",
            "localhost:8080",
            "LOCALHOST",
            "mc-laptop:8080",
            "mc-laptop.local",
            "mc-laptop.local.:8080",
            "hoithi.lan",
            "HoiThi.LAN:80",
        ] {
            assert!(hosts.allows(host), "{host} should pass");
        }
    }

    #[test]
    fn foreign_and_malformed_names_are_refused() {
        let hosts = AllowedHosts::new(Some("mc-laptop"), &[]);
        for host in [
            "rebind.evil.example:8080",
            "rebind.evil.example",
            "mc-laptop.evil.example",
            "localhost.evil.example",
            "192.168.1.5.nip.io",
            "",
            ":8080",
            "[not-an-ip]:80",
            "hoithi.lan",
        ] {
            assert!(!hosts.allows(host), "{host:?} should be refused");
        }
    }

    #[test]
    fn a_missing_machine_name_leaves_localhost() {
        let hosts = AllowedHosts::new(None, &[]);
        assert_eq!(hosts.names().collect::<Vec<_>>(), vec!["localhost"]);
    }
}
