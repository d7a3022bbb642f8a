//! Attachments: multipart upload, metadata, streamed download, delete.
//!
//! The bytes live in files named by attachment id in a directory beside the database (a
//! temporary directory, removed with the sandbox, when the database is in memory). Uploads are
//! written chunk by chunk and downloads are streamed from the file: no attachment is ever held
//! whole in memory.

use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use super::{caller, ctx, in_tx, visible_issue, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{has_no_check_token, xsrf_failed};
use crate::meta::User;
use crate::render::Ctx;
use crate::store::{self, ChangeItem};
use crate::{AppState, Config, Db};

type MaybeCaller = Option<Extension<Caller>>;

/// The default upload limit per file, as `GET /attachment/meta` reports it.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Where attachment bytes live: beside the database, so that a temporary database's directory
/// takes them along when it goes (or is swept up after a killed sandbox).
pub struct Files {
    dir: PathBuf,
    pub max_bytes: u64,
}

impl Files {
    pub fn open(config: &Config, beside: &crate::db::Location) -> Result<Files, String> {
        let dir = match beside.path().parent() {
            Some(d) => d.join("attachments"),
            None => PathBuf::from("attachments"),
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Files {
            dir,
            max_bytes: config.attachment_max_bytes,
        })
    }

    fn path(&self, id: i64) -> PathBuf {
        self.dir.join(id.to_string())
    }

    pub fn dir(&self) -> &FsPath {
        &self.dir
    }

    /// The ids of the attachments of these issues, read before they are deleted, so that their
    /// files can go once the deletion is committed ([`Files::remove`]).
    pub fn of_issues(conn: &rusqlite::Connection, issue_ids: &[i64]) -> rusqlite::Result<Vec<i64>> {
        let mut st = conn.prepare_cached("SELECT id FROM attachments WHERE issue_id = ?1")?;
        let mut out = Vec::new();
        for i in issue_ids {
            for id in st.query_map([i], |r| r.get(0))? {
                out.push(id?);
            }
        }
        Ok(out)
    }

    /// Removes the files of attachments whose rows are gone.
    pub fn remove(&self, ids: &[i64]) {
        for id in ids {
            if let Err(e) = std::fs::remove_file(self.path(*id)) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(attachment = id, error = %e, "cannot remove an attachment file");
                }
            }
        }
    }

    /// Removes every file that no attachment row names (after a reset, or a failed upload).
    /// Call it holding the database, so that no upload is between its row and its file.
    pub fn sweep(&self, conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let mut st = conn.prepare_cached("SELECT 1 FROM attachments WHERE id = ?1")?;
        let mut removed = 0;
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(id) = name.to_str().and_then(|n| n.parse::<i64>().ok()) else {
                continue;
            };
            if !st.exists([id])? && std::fs::remove_file(e.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: i64,
    pub issue_id: i64,
    pub filename: String,
    pub author: String,
    pub created: i64,
    pub size: i64,
    pub mime_type: String,
}

const COLS: &str = "id, issue_id, filename, author, created, size, mime_type";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<AttachmentRow> {
    Ok(AttachmentRow {
        id: r.get(0)?,
        issue_id: r.get(1)?,
        filename: r.get(2)?,
        author: r.get(3)?,
        created: r.get(4)?,
        size: r.get(5)?,
        mime_type: r.get(6)?,
    })
}

pub fn of_issue(conn: &Connection, issue_id: i64) -> rusqlite::Result<Vec<AttachmentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLS} FROM attachments WHERE issue_id = ?1 ORDER BY id"
    ))?
    .query_map([issue_id], from_row)?
    .collect()
}

fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<AttachmentRow>> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM attachments WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// An attachment as `fields.attachment` and the upload response show it.
pub fn attachment_json(cx: &Ctx, a: &AttachmentRow) -> Value {
    json!({
        "self": format!("{}/attachment/{}", cx.api(), a.id),
        "id": a.id.to_string(),
        "filename": a.filename,
        "author": cx.user_ref(&a.author),
        "created": cx.ts(a.created),
        "size": a.size,
        "mimeType": a.mime_type,
        "content": format!("{}/attachment/content/{}", cx.api(), a.id),
    })
}

/// `fields.attachment`; `known` the issue's attachments when its page's were read together.
pub fn attachment_field(
    cx: &Ctx,
    conn: &Connection,
    issue_id: i64,
    known: Option<&[AttachmentRow]>,
) -> rusqlite::Result<Value> {
    let rows = match known {
        Some(rows) => rows.into(),
        None => std::borrow::Cow::Owned(of_issue(conn, issue_id)?),
    };
    Ok(Value::Array(
        rows.iter().map(|a| attachment_json(cx, a)).collect(),
    ))
}

/// The attachments of a page's issues, by issue, in id order.
pub fn rows_of_issues(
    conn: &Connection,
    ids: &super::related::PageIds,
) -> rusqlite::Result<HashMap<i64, Vec<AttachmentRow>>> {
    let mut out: HashMap<i64, Vec<AttachmentRow>> = HashMap::new();
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM attachments WHERE {} ORDER BY id",
        ids.clause("issue_id")
    ))?;
    for a in st.query_map(rusqlite::params_from_iter(ids.params()), from_row)? {
        let a = a?;
        if ids.has(a.issue_id) {
            out.entry(a.issue_id).or_default().push(a);
        }
    }
    Ok(out)
}

fn guess_mime(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The file is too large to attach: the limit is {limit} bytes."),
    )
}

/// A file written so far; removed unless it was kept.
struct Upload {
    temp: PathBuf,
    filename: String,
    mime: String,
    size: u64,
}

async fn remove_all(uploads: &[Upload]) {
    for u in uploads {
        let _ = tokio::fs::remove_file(&u.temp).await;
    }
}

/// Streams one multipart field into a temporary file beside the attachments.
async fn receive(
    field: &mut axum::extract::multipart::Field<'_>,
    temp: &FsPath,
    limit: u64,
) -> ApiResult<u64> {
    let mut file = tokio::fs::File::create(temp)
        .await
        .map_err(|e| ApiError::Internal(format!("attachment file: {e}")))?;
    let mut size: u64 = 0;
    loop {
        let chunk = field
            .chunk()
            .await
            .map_err(|e| ApiError::bad_request(format!("The multipart body could not be read: {e}")))?;
        let Some(chunk) = chunk else { break };
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large(limit));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::Internal(format!("attachment file: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::Internal(format!("attachment file: {e}")))?;
    Ok(size)
}

pub async fn upload(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    req: Request,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    if !has_no_check_token(req.headers()) {
        return Err(xsrf_failed());
    }
    let issue = {
        let db = state.db();
        visible_issue(&db, &me, &key)?
    };
    let mut multipart = Multipart::from_request(req, &state).await.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Attachments are uploaded as multipart/form-data with the bytes in fields named 'file'.",
        )
    })?;
    let files = &state.0.files;
    let mut uploads: Vec<Upload> = Vec::new();
    loop {
        let next = match multipart.next_field().await {
            Ok(f) => f,
            Err(e) => {
                remove_all(&uploads).await;
                return Err(ApiError::bad_request(format!(
                    "The multipart body could not be read: {e}"
                )));
            }
        };
        let Some(mut field) = next else { break };
        if field.name() != Some("file") {
            continue;
        }
        let filename = field
            .file_name()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or("attachment")
            .to_string();
        let mime = field
            .content_type()
            .filter(|m| !m.is_empty() && *m != "application/octet-stream")
            .map(str::to_string)
            .unwrap_or_else(|| guess_mime(&filename).to_string());
        let temp = files
            .dir()
            .join(format!(".upload-{:016x}", rand::random::<u64>()));
        let received = receive(&mut field, &temp, files.max_bytes).await;
        uploads.push(Upload {
            temp,
            filename,
            mime,
            size: 0,
        });
        match received {
            Ok(size) => {
                if let Some(u) = uploads.last_mut() {
                    u.size = size;
                }
            }
            Err(e) => {
                remove_all(&uploads).await;
                return Err(e);
            }
        }
    }
    if uploads.is_empty() {
        return Err(ApiError::bad_request(
            "No file was attached: send the bytes in a multipart field named 'file'.",
        ));
    }
    let now = state.clock().now_ms();
    let stored = {
        let mut db = state.db();
        in_tx(&mut db, |tx, _| {
            // The issue may have gone while the bytes came in.
            store::issue_by_id(tx, issue.id)?.ok_or_else(ApiError::issue_not_found)?;
            let mut rows = Vec::with_capacity(uploads.len());
            let mut items = Vec::with_capacity(uploads.len());
            for u in &uploads {
                tx.execute(
                "INSERT INTO attachments (issue_id, filename, author, created, size, mime_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![issue.id, u.filename, me.account_id, now, u.size as i64, u.mime],
            )?;
                let id = tx.last_insert_rowid();
                std::fs::rename(&u.temp, files.path(id))
                    .map_err(|e| ApiError::Internal(format!("attachment file: {e}")))?;
                items.push(ChangeItem {
                    field: "Attachment".into(),
                    fieldtype: "jira".into(),
                    field_id: Some("attachment".into()),
                    from: None,
                    from_string: None,
                    to: Some(id.to_string()),
                    to_string: Some(u.filename.clone()),
                });
                rows.push(AttachmentRow {
                    id,
                    issue_id: issue.id,
                    filename: u.filename.clone(),
                    author: me.account_id.clone(),
                    created: now,
                    size: u.size as i64,
                    mime_type: u.mime.clone(),
                });
            }
            store::add_history(tx, issue.id, Some(&me.account_id), now, &items)?;
            store::touch_issue(tx, issue.id, now)?;
            Ok(rows)
        })
    };
    let stored = match stored {
        Ok(rows) => rows,
        Err(e) => {
            remove_all(&uploads).await;
            return Err(e);
        }
    };
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(Value::Array(
        stored.iter().map(|a| attachment_json(&cx, a)).collect(),
    )))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("The attachment with id '{id}' does not exist."))
}

/// An attachment on an issue the user can see.
fn visible(db: &Db, user: &User, id: &str) -> ApiResult<AttachmentRow> {
    let n: i64 = id.parse().map_err(|_| not_found(id))?;
    let a = by_id(&db.conn, n)?.ok_or_else(|| not_found(id))?;
    visible_issue(db, user, &a.issue_id.to_string()).map_err(|_| not_found(id))?;
    Ok(a)
}

pub async fn meta(State(state): State<AppState>, c: MaybeCaller) -> ApiResult<Json<Value>> {
    caller(c)?;
    Ok(Json(
        json!({"enabled": true, "uploadLimit": state.0.files.max_bytes}),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let a = visible(&db, &me, &id)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let mut o = attachment_json(&cx, &a);
    o["id"] = json!(a.id);
    o["properties"] = json!({});
    Ok(Json(o))
}

pub async fn content(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let me = caller(c)?;
    let a = {
        let db = state.db();
        visible(&db, &me, &id)?
    };
    let file = tokio::fs::File::open(state.0.files.path(a.id))
        .await
        .map_err(|_| not_found(&id))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&a.mime_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(a.size as u64));
    let safe: String = a
        .filename
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() || !c.is_ascii() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

pub async fn delete(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let a = {
        let mut db = state.db();
        let a = visible(&db, &me, &id)?;
        if a.author != me.account_id && !me.site_admin {
            return Err(ApiError::forbidden(format!(
                "You do not have permission to delete the attachment with id '{id}'."
            )));
        }
        in_tx(&mut db, |tx, _| {
            tx.execute("DELETE FROM attachments WHERE id = ?1", [a.id])?;
            let item = ChangeItem {
                field: "Attachment".into(),
                fieldtype: "jira".into(),
                field_id: Some("attachment".into()),
                from: Some(a.id.to_string()),
                from_string: Some(a.filename.clone()),
                to: None,
                to_string: None,
            };
            store::add_history(tx, a.issue_id, Some(&me.account_id), now, &[item])?;
            store::touch_issue(tx, a.issue_id, now)?;
            Ok(())
        })?;
        a
    };
    let _ = tokio::fs::remove_file(state.0.files.path(a.id)).await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Location, TempDb};

    #[test]
    fn an_in_memory_sandboxs_files_go_with_its_database() {
        let location = Location::Temp(TempDb::new().unwrap());
        let files = Files::open(&Config::default(), &location).unwrap();
        std::fs::write(files.path(1), b"bytes").unwrap();
        let db_dir = location.path().parent().unwrap().to_path_buf();
        assert!(files.dir().starts_with(&db_dir), "{}", files.dir().display());
        drop(files);
        drop(location);
        assert!(!db_dir.exists(), "{} is left behind", db_dir.display());
    }

    #[test]
    fn a_sandbox_on_disk_keeps_its_files_beside_its_database() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::File(dir.path().join("sandbox.db"));
        let files = Files::open(&Config::default(), &location).unwrap();
        assert_eq!(files.dir(), dir.path().join("attachments"));
        assert!(files.dir().is_dir());
    }
}
