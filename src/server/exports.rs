//! Downloads for the MC: results (CSV, JSON), the audit log, and QR codes of the join links.
//! Each needs the control token as `?token=`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::access::Seat;
use crate::results::Results;

/// The `?token=` of an export request.
#[derive(serde::Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the control token is missing or wrong / thiếu hoặc sai mã điều khiển",
    )
        .into_response()
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response()
}

/// A download with a file name made of the contest's export kind. Never stored by the browser or
/// a proxy: it came through the control token, and a shared laptop's cache would keep it.
fn download(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn results_json(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    match results_for(&state, &query).await {
        Ok(results) => {
            let body = serde_json::to_vec_pretty(&results).unwrap_or_default();
            download("application/json; charset=utf-8", "results.json", body)
        }
        Err(refusal) => refusal,
    }
}

pub(super) async fn results_csv(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    match results_for(&state, &query).await {
        Ok(results) => download("text/csv; charset=utf-8", "results.csv", results.to_csv()),
        Err(refusal) => refusal,
    }
}

/// The results, for the MC only.
async fn results_for(state: &AppState, query: &TokenQuery) -> Result<Results, Response> {
    if !state.is_control(&query.token) {
        return Err(forbidden());
    }
    state.owner.results().await.ok_or_else(unavailable)
}

pub(super) async fn audit_jsonl(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    if !state.is_control(&query.token) {
        return forbidden();
    }
    match state.owner.audit().await {
        Some(Ok(lines)) => {
            let mut body = lines.join("\n").into_bytes();
            body.push(b'\n');
            download("application/jsonl; charset=utf-8", "audit.jsonl", body)
        }
        Some(Err(error)) => {
            tracing::error!(%error, "cannot read the journal for the audit log");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the journal").into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            "this server keeps no journal (no data directory)",
        )
            .into_response(),
    }
}

/// A QR code (SVG) of the link that joins `team` (or a judge) with its current code, for the
/// control page.
pub(super) async fn join_qr(
    State(state): State<AppState>,
    Path(team): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    if !state.is_control(&query.token) {
        return forbidden();
    }
    // Team and judge ids are unique across both: the id says which join page it is.
    let path = match state.access.lock() {
        Ok(access) => match access.code(&team) {
            Some(code) => Some(format!("/?team={team}&code={code}")),
            None => access
                .code_of(Seat::Judge, &team)
                .map(|code| format!("/judge?judge={team}&code={code}")),
        },
        Err(_) => None,
    };
    let Some(path) = path else {
        return (StatusCode::NOT_FOUND, "no such team or judge").into_response();
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let url = format!("http://{host}{path}");
    let Ok(qr) = qrcode::QrCode::new(url.as_bytes()) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot draw the code").into_response();
    };
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response()
}
