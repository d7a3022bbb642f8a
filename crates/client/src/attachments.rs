//! Attachments, streamed both ways: an upload reads the file (or any `AsyncRead`) chunk by chunk
//! into a multipart body, and a download is a `Stream` of byte chunks. Neither holds the whole
//! file in memory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

use crate::client::{Client, Req, Upload};
use crate::issues::seg;
use crate::Error;

/// An attachment as Jira describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(deserialize_with = "crate::worklogs::string_or_number")]
    pub id: String,
    pub filename: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `client.attachments()`.
pub struct Attachments {
    client: Client,
}

impl Client {
    pub fn attachments(&self) -> Attachments {
        Attachments { client: self.clone() }
    }
}

/// The opening of a one-file multipart body named `file`. Quotes, backslashes and line breaks
/// in the name would break the header; they are replaced.
fn part_head(boundary: &str, filename: &str) -> Bytes {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    Bytes::from(format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    ))
}

fn part_tail(boundary: &str) -> Bytes {
    Bytes::from(format!("\r\n--{boundary}--\r\n"))
}

/// A multipart body streaming `reader` between the head and the tail.
fn multipart_body<R: AsyncRead + Send + 'static>(boundary: &str, filename: &str, reader: R) -> reqwest::Body {
    let head = stream::once(futures_util::future::ready(Ok::<Bytes, std::io::Error>(
        part_head(boundary, filename),
    )));
    let tail = stream::once(futures_util::future::ready(Ok(part_tail(boundary))));
    reqwest::Body::wrap_stream(
        head.chain(ReaderStream::with_capacity(reader, 64 * 1024))
            .chain(tail),
    )
}

fn boundary() -> String {
    format!("jirakit-{:032x}", rand::random::<u128>())
}

impl Attachments {
    async fn upload(&self, key: &str, upload: Upload) -> Result<Vec<Attachment>, Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/attachments", seg(key)))
            .await?;
        let mut req = Req::new(Method::POST, path);
        // Jira refuses multipart posts without it (XSRF check).
        req.headers.push(("X-Atlassian-Token", "no-check".into()));
        req.upload = Some(upload);
        self.client.execute(req).await?.json()
    }

    /// Uploads the file at `path`, streamed from disk. The file is reopened for each attempt, so
    /// the upload is retried like any other request.
    pub async fn upload_file(&self, key: &str, path: impl AsRef<Path>) -> Result<Vec<Attachment>, Error> {
        let path: PathBuf = path.as_ref().to_owned();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Config(format!("{} names no file", path.display())))?;
        // Fail early and clearly on a missing file rather than mid-request.
        tokio::fs::metadata(&path)
            .await
            .map_err(|e| Error::Config(format!("attachment {}: {e}", path.display())))?;
        let b = boundary();
        let upload = Upload {
            content_type: format!("multipart/form-data; boundary={b}"),
            replayable: true,
            make: Arc::new(move || {
                let path = path.clone();
                // Opened lazily when the body is first polled, once per attempt.
                let file = stream::once(async move { tokio::fs::File::open(path).await })
                    .map_ok(|f| ReaderStream::with_capacity(f, 64 * 1024))
                    .try_flatten();
                let head = stream::once(futures_util::future::ready(Ok::<Bytes, std::io::Error>(
                    part_head(&b, &name),
                )));
                let tail = stream::once(futures_util::future::ready(Ok(part_tail(&b))));
                Some(reqwest::Body::wrap_stream(head.chain(file).chain(tail)))
            }),
        };
        self.upload(key, upload).await
    }

    /// Uploads what `reader` yields as `filename`. A reader can be read once: after a failed
    /// attempt the error is returned instead of a retry (a 429 still pauses the client).
    pub async fn upload_reader<R>(
        &self,
        key: &str,
        filename: &str,
        reader: R,
    ) -> Result<Vec<Attachment>, Error>
    where
        R: AsyncRead + Send + Sync + 'static,
    {
        let b = boundary();
        let body = multipart_body(&b, filename, reader);
        let slot = Mutex::new(Some(body));
        let upload = Upload {
            content_type: format!("multipart/form-data; boundary={b}"),
            replayable: false,
            make: Arc::new(move || slot.lock().unwrap_or_else(|e| e.into_inner()).take()),
        };
        self.upload(key, upload).await
    }

    /// `GET /attachment/{id}`.
    pub async fn get(&self, id: &str) -> Result<Attachment, Error> {
        let path = self.client.api(&format!("/attachment/{}", seg(id))).await?;
        self.client.execute(Req::new(Method::GET, path)).await?.json()
    }

    /// `DELETE /attachment/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        let path = self.client.api(&format!("/attachment/{}", seg(id))).await?;
        self.client
            .execute(Req::new(Method::DELETE, path))
            .await
            .map(drop)
    }

    /// The content as a stream of chunks, read from the network as the caller consumes it.
    pub async fn download(
        &self,
        id: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, Error>> + Send + 'static, Error> {
        let path = self
            .client
            .api(&format!("/attachment/content/{}", seg(id)))
            .await?;
        let method = "GET".to_string();
        let resp = self
            .client
            .execute_stream(Req::new(Method::GET, path.clone()))
            .await?;
        Ok(resp.bytes_stream().map_err(move |e| {
            let e = e.without_url();
            Error::Network {
                method: method.clone(),
                path: path.clone(),
                message: format!("the download broke off: {e}"),
                ambiguous: false,
                source: Some(e),
            }
        }))
    }

    /// Downloads into `writer` chunk by chunk; returns the number of bytes written.
    pub async fn download_to<W>(&self, id: &str, writer: &mut W) -> Result<u64, Error>
    where
        W: tokio::io::AsyncWrite + Unpin,
    {
        use tokio::io::AsyncWriteExt;
        let mut s = std::pin::pin!(self.download(id).await?);
        let mut n = 0u64;
        while let Some(chunk) = s.try_next().await? {
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| Error::Config(format!("writing the attachment: {e}")))?;
            n += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|e| Error::Config(format!("writing the attachment: {e}")))?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_file_name_cannot_break_the_part_header() {
        let h = part_head("B", "a\"b\r\nX-Evil: 1.txt");
        let s = std::str::from_utf8(&h).unwrap();
        assert!(s.contains("filename=\"a_b__X-Evil: 1.txt\""), "{s}");
        assert_eq!(s.matches("\r\n").count(), 4, "{s}");
    }
}
