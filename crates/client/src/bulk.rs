//! Bulk operations: create in chunks of 50 with the per-item errors merged (indexes refer to the
//! caller's list, not to a chunk), bulk fetch in chunks of 100, and the bulk changelog.

use jirakit_model::{ChangeHistory, CreatedIssue, ErrorCollection, Issue};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::{Client, Req};
use crate::issues::{fields_or_navigable, CreateIssue, Issues};
use crate::page::{PageStyle, Pager};
use crate::Error;

/// Jira's limit per `POST /issue/bulk`.
pub const CREATE_CHUNK: usize = 50;
/// Jira's limit per `POST /issue/bulkfetch`.
pub const FETCH_CHUNK: usize = 100;

/// One item of a bulk create that Jira refused.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkItemError {
    /// The index in the caller's list.
    pub index: usize,
    pub status: Option<u16>,
    pub errors: ErrorCollection,
}

/// What a bulk create did: `created[i]` is `Some` for every item that was created, `None` for
/// the ones in `errors` (and for items of a chunk the request failed as a whole).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkCreated {
    pub created: Vec<Option<CreatedIssue>>,
    pub errors: Vec<BulkItemError>,
}

impl BulkCreated {
    /// Every item was created.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty() && self.created.iter().all(Option::is_some)
    }
}

#[derive(Deserialize)]
struct ChunkAnswer {
    #[serde(default)]
    issues: Vec<CreatedIssue>,
    #[serde(default)]
    errors: Vec<ChunkError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChunkError {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    element_errors: ErrorCollection,
    failed_element_number: usize,
}

/// Places one chunk's answer into the overall result. Jira lists the created issues in request
/// order, skipping the failed elements, whose positions `failedElementNumber` gives.
fn merge_chunk(out: &mut BulkCreated, offset: usize, len: usize, answer: ChunkAnswer) {
    let failed: Vec<usize> = answer.errors.iter().map(|e| e.failed_element_number).collect();
    let mut created = answer.issues.into_iter();
    for i in 0..len {
        out.created[offset + i] = if failed.contains(&i) { None } else { created.next() };
    }
    for e in answer.errors {
        out.errors.push(BulkItemError {
            index: offset + e.failed_element_number,
            status: e.status,
            errors: e.element_errors,
        });
    }
}

/// One `POST /issue/bulkfetch` of at most 100 ids or keys at `path` (from `Client::api`): the
/// issues in the order Jira returns them, decoded straight from the body.
pub(crate) async fn fetch_chunk<K: Serialize>(
    client: &Client,
    path: &str,
    ids_or_keys: &[K],
    fields: &[String],
    expand: &[String],
) -> Result<Vec<Issue>, Error> {
    let mut body = json!({ "issueIdsOrKeys": ids_or_keys, "fields": fields });
    if !expand.is_empty() {
        body["expand"] = json!(expand);
    }
    let mut req = Req::new(Method::POST, path).json(&body)?;
    // A read: safe to repeat.
    req.idempotent = true;
    let resp = client.execute(req).await?;
    Ok(crate::page::parse_page::<Issue>(&resp.endpoint, PageStyle::Token, "issues", &resp.body)?.items)
}

/// The body of changelog/bulkfetch: one issue's histories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueChangelog {
    pub issue_id: String,
    #[serde(default)]
    pub change_histories: Vec<ChangeHistory>,
}

impl Issues {
    /// Creates many issues: chunks of 50, sent one after the other. A bulk create is not
    /// retried after an ambiguous failure (it could create twice); a chunk that fails as a whole
    /// marks its items as not created with the chunk's error, and later chunks still go.
    pub async fn create_bulk(&self, items: Vec<CreateIssue>) -> Result<BulkCreated, Error> {
        let mut out = BulkCreated {
            created: vec![None; items.len()],
            errors: Vec::new(),
        };
        let path = self.client().api("/issue/bulk").await?;
        let mut offset = 0;
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let chunk: Vec<CreateIssue> = items.by_ref().take(CREATE_CHUNK).collect();
            let len = chunk.len();
            let mut updates = Vec::with_capacity(len);
            for c in &chunk {
                updates.push(c.body().await?);
            }
            let mut req = Req::new(Method::POST, path.clone()).json(&json!({ "issueUpdates": updates }))?;
            // Jira answers 400 with the per-item errors when every item failed.
            req.body_on = &[400];
            match self.client().execute(req).await {
                Ok(resp) => {
                    let v: Value = resp.json()?;
                    if resp.status == 400 && v.get("issues").is_none() {
                        // A refusal of the request itself, not per item.
                        let errors: ErrorCollection = resp.json()?;
                        for i in 0..len {
                            out.errors.push(BulkItemError {
                                index: offset + i,
                                status: Some(400),
                                errors: errors.clone(),
                            });
                        }
                    } else {
                        let answer: ChunkAnswer = resp.json()?;
                        merge_chunk(&mut out, offset, len, answer);
                    }
                }
                Err(Error::Api(a)) => {
                    for i in 0..len {
                        out.errors.push(BulkItemError {
                            index: offset + i,
                            status: Some(a.status),
                            errors: a.body.clone(),
                        });
                    }
                }
                Err(e) => return Err(e),
            }
            offset += len;
        }
        Ok(out)
    }

    /// Fetches issues by key or id, 100 per request, in the order Jira returns them per chunk.
    /// Keys that do not exist or are hidden are left out, as Jira does.
    pub async fn fetch_bulk(&self, keys: &[String], fields: &[String]) -> Result<Vec<Issue>, Error> {
        let path = self.client().api("/issue/bulkfetch").await?;
        let fields = fields_or_navigable(self.client(), fields).await?;
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(FETCH_CHUNK) {
            out.extend(fetch_chunk(self.client(), &path, chunk, &fields, &[]).await?);
        }
        Ok(out)
    }

    /// `POST /changelog/bulkfetch`: the changelogs of up to 1000 issues, token-paged. Items are
    /// one issue's histories each; an issue may span pages.
    pub async fn changelog_bulk(
        &self,
        keys: &[String],
        field_ids: &[String],
    ) -> Result<Pager<IssueChangelog>, Error> {
        if keys.is_empty() || keys.len() > 1000 {
            return Err(Error::Config(
                "changelog bulkfetch takes between 1 and 1000 issues".into(),
            ));
        }
        let path = self.client().api("/changelog/bulkfetch").await?;
        let mut body = serde_json::Map::new();
        body.insert("issueIdsOrKeys".into(), json!(keys));
        if !field_ids.is_empty() {
            body.insert("fieldIds".into(), json!(field_ids));
        }
        let mut req = Req::new(Method::POST, path);
        req.idempotent = true;
        Ok(Pager::new(
            self.client().clone(),
            req,
            Some(body),
            PageStyle::Token,
            "issueChangeLogs",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_errors_land_on_the_callers_indexes() {
        let mut out = BulkCreated {
            created: vec![None; 53],
            errors: Vec::new(),
        };
        let answer: ChunkAnswer = serde_json::from_value(json!({
            "issues": [{"id": "1", "key": "A-1"}, {"id": "3", "key": "A-3"}],
            "errors": [{"status": 400, "failedElementNumber": 1,
                        "elementErrors": {"errorMessages": [], "errors": {"summary": "required"}}}]
        }))
        .unwrap();
        merge_chunk(&mut out, 50, 3, answer);
        assert_eq!(out.created[50].as_ref().unwrap().key.as_str(), "A-1");
        assert!(out.created[51].is_none());
        assert_eq!(out.created[52].as_ref().unwrap().key.as_str(), "A-3");
        assert_eq!(out.errors[0].index, 51);
        assert_eq!(out.errors[0].errors.errors["summary"], "required");
        assert!(!out.is_complete());
    }
}
