//! Create and edit metadata: which fields a screen has, which are required, what values they
//! allow. Cloud and current Data Center both serve the paged per-project, per-type endpoints.

use jirakit_model::{FieldSchema, IssueType};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Req;
use crate::issues::{seg, Issues};
use crate::page::{PageStyle, Pager};
use crate::Error;

/// One field of a create or edit screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMeta {
    /// The field id as createmeta gives it (editmeta: filled in from the map key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_id: Option<String>,
    /// The field's key (its id for system fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<FieldSchema>,
    #[serde(default)]
    pub operations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Issues {
    /// The issue types a project can create (`GET /issue/createmeta/{project}/issuetypes`).
    pub async fn create_meta_types(&self, project: &str) -> Result<Pager<IssueType>, Error> {
        let path = self
            .client()
            .api(&format!("/issue/createmeta/{}/issuetypes", seg(project)))
            .await?;
        Ok(Pager::new(
            self.client().clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            "issueTypes",
        ))
    }

    /// The fields of the create screen for one issue type (by id).
    pub async fn create_meta_fields(
        &self,
        project: &str,
        issue_type_id: &str,
    ) -> Result<Pager<FieldMeta>, Error> {
        let d = self.client().deployment().await?;
        let path = format!(
            "{}/issue/createmeta/{}/issuetypes/{}",
            d.api_root(),
            seg(project),
            seg(issue_type_id)
        );
        // Cloud names the list `fields`, Data Center `values`; the sandbox sends `fields`.
        let key = if d.uses_adf() { "fields" } else { "values" };
        Ok(Pager::new(
            self.client().clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            key,
        ))
    }

    /// The fields that can be edited on an issue now, by field id.
    pub async fn edit_meta(&self, key: &str) -> Result<Vec<(String, FieldMeta)>, Error> {
        let path = self
            .client()
            .api(&format!("/issue/{}/editmeta", seg(key)))
            .await?;
        let v: Value = self.client().execute(Req::new(Method::GET, path)).await?.json()?;
        let fields = v.get("fields").cloned().unwrap_or(Value::Object(Map::new()));
        let map: Map<String, Value> =
            crate::error::decode_value(&format!("GET /issue/{key}/editmeta"), "fields", fields)?;
        map.into_iter()
            .map(|(id, raw)| {
                let mut m: FieldMeta = crate::error::decode_value(
                    &format!("GET /issue/{key}/editmeta"),
                    &format!("fields.{id}"),
                    raw,
                )?;
                m.field_id.get_or_insert_with(|| id.clone());
                Ok((id, m))
            })
            .collect()
    }
}
