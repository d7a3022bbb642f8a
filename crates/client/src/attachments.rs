//! `POST /issue/{key}/attachments`: a multipart upload, built as bytes so a retry replays it.

use bytes::{BufMut, Bytes, BytesMut};
use reqwest::Method;
use serde_json::Value;

use crate::client::Req;
use crate::issues::{seg, Issues};
use crate::Error;

impl Issues {
    /// Attaches files (name, bytes) to an issue; returns Jira's attachment objects.
    pub async fn attach(&self, key: &str, files: Vec<(String, Vec<u8>)>) -> Result<Vec<Value>, Error> {
        let path = self
            .client
            .api(&format!("/issue/{}/attachments", seg(key)))
            .await?;
        let boundary = format!("jirakit-{:016x}", rand::random::<u64>());
        let mut req = Req::new(Method::POST, path);
        req.body = Some(multipart(&boundary, &files));
        req.content_type = Some(format!("multipart/form-data; boundary={boundary}"));
        // Jira refuses uploads without it (XSRF check).
        req.headers.push(("X-Atlassian-Token", "no-check".to_owned()));
        // An upload is refused whole or stored whole; Jira does not dedupe, so no retry after
        // an ambiguous failure (the default for POST).
        self.client.execute(req).await?.json()
    }
}

fn multipart(boundary: &str, files: &[(String, Vec<u8>)]) -> Bytes {
    let mut b = BytesMut::new();
    for (name, bytes) in files {
        let safe: String = name
            .chars()
            .map(|c| {
                if c == '"' || c == '\r' || c == '\n' {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        b.put_slice(format!("--{boundary}\r\n").as_bytes());
        b.put_slice(
            format!("Content-Disposition: form-data; name=\"file\"; filename=\"{safe}\"\r\n").as_bytes(),
        );
        b.put_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        b.put_slice(bytes);
        b.put_slice(b"\r\n");
    }
    b.put_slice(format!("--{boundary}--\r\n").as_bytes());
    b.freeze()
}

#[cfg(test)]
mod tests {
    #[test]
    fn multipart_bodies_frame_each_file_and_neutralise_quotes_in_names() {
        let body = super::multipart("B", &[("a\"b.txt".into(), b"hi".to_vec())]);
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text
            .starts_with("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a_b.txt\"\r\n"));
        assert!(text.ends_with("\r\nhi\r\n--B--\r\n"), "{text}");
    }
}
