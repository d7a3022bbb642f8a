//! Atlassian Connect apps: installed through `/_sandbox/connect/apps/{key}` with a shared
//! secret, they call the API with `Authorization: JWT <token>` (HS256, `iss` = the app key, a
//! `qsh` bound to the method, path and canonical query, `iat`/`exp` on the sandbox clock).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use hmac::{Hmac, Mac};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::meta::User;
use crate::AppState;

/// How far `iat` may be in the future (clock skew between app and site).
const LEEWAY_SECS: i64 = 60;

/// The query string hash of a request, per Atlassian's canonical-request rules: the upper-case
/// method, the path (no trailing slash, `&` escaped, `/` when empty) and the query with `jwt`
/// removed, parameters sorted by encoded name, repeated values sorted and joined with commas,
/// everything percent-encoded the RFC 3986 way (space as `%20`).
pub(crate) fn qsh(method: &str, path: &str, query: &[(String, String)]) -> String {
    let mut path = path.replace('&', "%26");
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path.is_empty() {
        path.push('/');
    }
    let mut pairs: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in query.iter().filter(|(k, _)| k != "jwt") {
        let k = encode(k);
        match pairs.iter_mut().find(|(n, _)| *n == k) {
            Some((_, vs)) => vs.push(encode(v)),
            None => pairs.push((k, vec![encode(v)])),
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let canonical_query = pairs
        .into_iter()
        .map(|(k, mut vs)| {
            vs.sort();
            format!("{k}={}", vs.join(","))
        })
        .collect::<Vec<_>>()
        .join("&");
    let request = format!("{}&{path}&{canonical_query}", method.to_ascii_uppercase());
    hex::encode(Sha256::digest(request.as_bytes()))
}

fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

fn refused(why: &str) -> ApiError {
    tracing::debug!(why, "Connect JWT refused");
    ApiError::Unauthenticated {
        reason: "AUTHENTICATED_FAILED",
    }
}

/// The user a Connect JWT acts as, after checking its signature, claims and `qsh`.
pub(crate) fn authenticate(
    state: &AppState,
    token: &str,
    method: &str,
    path: &str,
    query: &str,
) -> ApiResult<User> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(refused("not a compact JWT"));
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Value = b64
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| refused("bad header"))?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(refused("alg must be HS256"));
    }
    let claims: Value = b64
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| refused("bad claims"))?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| refused("no iss"))?;
    let db = state.db();
    let app: Option<(String, String)> = db
        .conn
        .query_row(
            "SELECT shared_secret, account_id FROM connect_apps WHERE app_key = ?1",
            params![iss],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((secret, account)) = app else {
        return Err(refused("unknown app"));
    };
    let sig = b64.decode(s).map_err(|_| refused("bad signature encoding"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| ApiError::Internal("HMAC key".into()))?;
    mac.update(format!("{h}.{p}").as_bytes());
    mac.verify_slice(&sig).map_err(|_| refused("bad signature"))?;
    let now = state.clock().now().as_second();
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| refused("no exp"))?;
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| refused("no iat"))?;
    if exp <= now {
        return Err(refused("expired"));
    }
    if iat > now + LEEWAY_SECS {
        return Err(refused("issued in the future"));
    }
    let want = qsh(method, path, &crate::extract::parse_query(query).0);
    match claims.get("qsh").and_then(Value::as_str) {
        Some(q) if crate::server::constant_eq(q, &want) => {}
        _ => return Err(refused("qsh does not match the request")),
    }
    db.meta
        .user(&account)
        .filter(|u| u.active)
        .cloned()
        .ok_or_else(|| refused("the app's user is gone"))
}

/// `PUT /_sandbox/connect/apps/{key}` `{"sharedSecret": "...", "user": "accountId or email"}`.
pub(crate) async fn put_app(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    axum::extract::Path(key): axum::extract::Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    crate::control::admin(caller)?;
    let secret = match body.get("sharedSecret") {
        Some(Value::String(s)) if s.len() >= 32 => s.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::field(
                "sharedSecret",
                "'sharedSecret' must be at least 32 characters (HS256 needs a 256-bit key).",
            ))
        }
        _ => return Err(ApiError::field("sharedSecret", "'sharedSecret' is required.")),
    };
    let account = crate::oauth::configured_user(&state, &body)?;
    state.db().conn.execute(
        "INSERT INTO connect_apps (app_key, shared_secret, account_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (app_key) DO UPDATE SET shared_secret = excluded.shared_secret, \
           account_id = excluded.account_id",
        params![key, secret, account],
    )?;
    Ok(Json(json!({ "key": key, "user": account })))
}

pub(crate) async fn list_apps(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
) -> ApiResult<Json<Value>> {
    crate::control::admin(caller)?;
    let db = state.db();
    let apps: Vec<Value> = db
        .conn
        .prepare("SELECT app_key, account_id FROM connect_apps ORDER BY app_key")?
        .query_map([], |r| {
            Ok(json!({ "key": r.get::<_, String>(0)?, "user": r.get::<_, String>(1)? }))
        })?
        .collect::<Result<_, _>>()?;
    Ok(Json(Value::Array(apps)))
}

pub(crate) async fn delete_app(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    axum::extract::Path(key): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    crate::control::admin(caller)?;
    let n = state
        .db()
        .conn
        .execute("DELETE FROM connect_apps WHERE app_key = ?1", params![key])?;
    if n == 0 {
        return Err(ApiError::not_found(format!(
            "No Connect app has the key '{key}'."
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn canonical(method: &str, path: &str, query: &[(&str, &str)]) -> String {
        // The hash of a hand-written canonical request must equal qsh's.
        hex::encode(Sha256::digest(
            format!("{method}&{path}&{}", query_text(query)).as_bytes(),
        ))
    }

    fn query_text(query: &[(&str, &str)]) -> String {
        query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    #[test]
    fn the_query_is_sorted_encoded_and_repeats_are_joined() {
        let got = qsh(
            "get",
            "/rest/api/3/search/jql/",
            &q(&[
                ("jql", "project = A"),
                ("fields", "summary"),
                ("fields", "key"),
                ("jwt", "x"),
            ]),
        );
        let want = canonical(
            "GET",
            "/rest/api/3/search/jql",
            &[("fields", "key,summary"), ("jql", "project%20%3D%20A")],
        );
        assert_eq!(got, want);
    }

    #[test]
    fn an_empty_path_is_a_slash_and_ampersands_in_it_are_escaped() {
        assert_eq!(qsh("GET", "", &[]), canonical("GET", "/", &[]));
        assert_eq!(qsh("POST", "/a&b", &[]), canonical("POST", "/a%26b", &[]));
        assert_ne!(qsh("GET", "/a", &[]), qsh("POST", "/a", &[]));
    }
}
