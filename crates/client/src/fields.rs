//! The field catalog: names ("Story Points") to ids (`customfield_10016`), fetched once per
//! client from `GET /field`, refreshable. Ids differ per site; nothing here is hard-coded.

use std::sync::Arc;

use jirakit_model::{Field, FieldId};
use reqwest::Method;
use tokio::sync::RwLock;

use crate::client::{Client, Req};
use crate::Error;

#[derive(Default)]
pub(crate) struct FieldCache(RwLock<Option<Arc<FieldCatalog>>>);

/// Every field of a site.
#[derive(Debug, Clone)]
pub struct FieldCatalog {
    fields: Vec<Field>,
}

impl FieldCatalog {
    pub fn new(fields: Vec<Field>) -> FieldCatalog {
        FieldCatalog { fields }
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The id of a field given by id, name or JQL clause name (case-insensitive). A name two
    /// fields share is an error that lists both ids, never a guess.
    pub fn resolve(&self, name: &str) -> Result<FieldId, Error> {
        if let Some(f) = self.fields.iter().find(|f| f.id.as_str() == name) {
            return Ok(f.id.clone());
        }
        let by_name: Vec<&Field> = self
            .fields
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case(name))
            .collect();
        let hits = if by_name.is_empty() {
            self.fields
                .iter()
                .filter(|f| f.clause_names.iter().any(|c| c.eq_ignore_ascii_case(name)))
                .collect()
        } else {
            by_name
        };
        match hits.as_slice() {
            [one] => Ok(one.id.clone()),
            [] => Err(Error::Field {
                name: name.to_owned(),
                problem: "no field has this id, name or clause name".into(),
            }),
            many => Err(Error::Field {
                name: name.to_owned(),
                problem: format!(
                    "several fields have this name: {}; use an id",
                    many.iter().map(|f| f.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id.as_str() == id)
    }
}

/// `client.fields()`.
pub struct Fields {
    client: Client,
}

impl Fields {
    /// Every field, straight from Jira.
    pub async fn list(&self) -> Result<Vec<Field>, Error> {
        let path = self.client.api("/field").await?;
        self.client.execute(Req::new(Method::GET, path)).await?.json()
    }

    /// The cached catalog, fetched on first use.
    pub async fn catalog(&self) -> Result<Arc<FieldCatalog>, Error> {
        if let Some(c) = self.client.inner.fields.0.read().await.as_ref() {
            return Ok(c.clone());
        }
        let mut slot = self.client.inner.fields.0.write().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = Arc::new(FieldCatalog::new(self.list().await?));
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Fetches the catalog again (after an admin added a field).
    pub async fn refresh(&self) -> Result<Arc<FieldCatalog>, Error> {
        let c = Arc::new(FieldCatalog::new(self.list().await?));
        *self.client.inner.fields.0.write().await = Some(c.clone());
        Ok(c)
    }

    /// The id for a name, id or clause name.
    pub async fn resolve(&self, name: &str) -> Result<FieldId, Error> {
        self.catalog().await?.resolve(name)
    }
}

impl Client {
    pub fn fields(&self) -> Fields {
        Fields { client: self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> FieldCatalog {
        let fields: Vec<Field> = serde_json::from_value(json!([
            {"id": "summary", "name": "Summary", "custom": false, "clauseNames": ["summary"]},
            {"id": "customfield_10016", "name": "Story Points", "custom": true, "clauseNames": ["cf[10016]", "Story Points"]},
            {"id": "customfield_10020", "name": "Team", "custom": true, "clauseNames": ["cf[10020]"]},
            {"id": "customfield_10021", "name": "Team", "custom": true, "clauseNames": ["cf[10021]"]}
        ]))
        .unwrap();
        FieldCatalog::new(fields)
    }

    #[test]
    fn names_ids_and_clause_names_resolve() {
        let c = catalog();
        assert_eq!(c.resolve("Story Points").unwrap().as_str(), "customfield_10016");
        assert_eq!(c.resolve("story points").unwrap().as_str(), "customfield_10016");
        assert_eq!(
            c.resolve("customfield_10016").unwrap().as_str(),
            "customfield_10016"
        );
        assert_eq!(c.resolve("cf[10016]").unwrap().as_str(), "customfield_10016");
        assert_eq!(c.resolve("summary").unwrap().as_str(), "summary");
    }

    #[test]
    fn an_ambiguous_name_lists_the_candidates() {
        let e = catalog().resolve("Team").unwrap_err().to_string();
        assert!(e.contains("customfield_10020, customfield_10021"), "{e}");
        assert!(catalog().resolve("Nope").is_err());
    }
}
