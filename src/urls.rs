//! The addresses people type or scan: every LAN address of this machine, and a terminal QR code.

use std::net::{IpAddr, Ipv4Addr};

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// The host names to print for a server bound to `bind`: each LAN IPv4 address when bound to all
/// interfaces (loopback last, it only works on this laptop), or just the bound address.
pub fn hosts_for(bind: IpAddr) -> Vec<IpAddr> {
    if !bind.is_unspecified() {
        return vec![bind];
    }
    let mut hosts: Vec<IpAddr> = local_ip_address::list_afinet_netifas()
        .map(|interfaces| {
            interfaces
                .into_iter()
                .map(|(_, ip)| ip)
                .filter(|ip| ip.is_ipv4() && !ip.is_loopback())
                .collect()
        })
        .unwrap_or_default();
    hosts.sort();
    hosts.dedup();
    hosts.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
    hosts
}

/// The base URL of the server at `host:port`.
pub fn base_url(host: IpAddr, port: u16) -> String {
    match host {
        IpAddr::V4(ip) => format!("http://{ip}:{port}"),
        IpAddr::V6(ip) => format!("http://[{ip}]:{port}"),
    }
}

/// A QR code for `text` drawn with Unicode half blocks, for a terminal.
pub fn terminal_qr(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}
