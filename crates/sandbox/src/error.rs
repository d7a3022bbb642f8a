//! Every failure leaves the sandbox in Jira's shape: `{"errorMessages": [...], "errors": {...}}`
//! with Jira's status code, except the 401, which Jira Cloud answers in plain text.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const NOT_AUTHENTICATED: &str = "Client must be authenticated to access this resource.";
pub const ISSUE_NOT_FOUND: &str = "Issue does not exist or you do not have permission to see it.";

#[derive(Debug)]
pub enum ApiError {
    /// A Jira error collection with a status.
    Jira {
        status: StatusCode,
        messages: Vec<String>,
        errors: BTreeMap<String, String>,
    },
    /// 401: plain text, with the headers Jira Cloud sends.
    Unauthenticated { reason: &'static str },
    /// An internal failure: logged once, never echoed.
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Jira {
            status,
            messages: vec![message.into()],
            errors: BTreeMap::new(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn issue_not_found() -> Self {
        Self::not_found(ISSUE_NOT_FOUND)
    }
    /// A 400 carrying one message per bad field.
    pub fn fields(errors: BTreeMap<String, String>) -> Self {
        ApiError::Jira {
            status: StatusCode::BAD_REQUEST,
            messages: vec![],
            errors,
        }
    }
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::fields(BTreeMap::from([(field.to_string(), message.into())]))
    }
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Jira { status, .. } => *status,
            ApiError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if f.code == rusqlite::ErrorCode::ConstraintViolation {
                return ApiError::Jira {
                    status: StatusCode::CONFLICT,
                    messages: vec!["The request conflicts with the current state of the resource.".into()],
                    errors: BTreeMap::new(),
                };
            }
        }
        ApiError::Internal(format!("database: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {e}"))
    }
}

pub fn jira_body(messages: &[String], errors: &BTreeMap<String, String>) -> serde_json::Value {
    json!({ "errorMessages": messages, "errors": errors })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Jira {
                status,
                messages,
                errors,
            } => (status, axum::Json(jira_body(&messages, &errors))).into_response(),
            ApiError::Unauthenticated { reason } => {
                let mut r = (StatusCode::UNAUTHORIZED, NOT_AUTHENTICATED).into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain;charset=UTF-8"),
                );
                h.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"protected-area\""),
                );
                h.insert("x-seraph-loginreason", HeaderValue::from_static(reason));
                r
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                let body = jira_body(&["Internal server error".to_string()], &BTreeMap::new());
                (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
            }
        }
    }
}
