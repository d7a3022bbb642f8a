//! Watchers and the keys of an issue's properties (the values are in `Issues::property`).

use jirakit_model::User;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Req;
use crate::issues::{seg, Issues};
use crate::Error;

/// `GET /issue/{key}/watchers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Watchers {
    #[serde(default)]
    pub is_watching: bool,
    #[serde(default)]
    pub watch_count: u64,
    #[serde(default)]
    pub watchers: Vec<User>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Issues {
    pub async fn watchers(&self, key: &str) -> Result<Watchers, Error> {
        let path = self
            .client()
            .api(&format!("/issue/{}/watchers", seg(key)))
            .await?;
        self.client().execute(Req::new(Method::GET, path)).await?.json()
    }

    /// Adds a watcher (`None`: the caller). On Data Center the id is the user name. Adding a
    /// watcher twice changes nothing, so the call is retried like a PUT.
    pub async fn add_watcher(&self, key: &str, account_id: Option<&str>) -> Result<(), Error> {
        let path = self
            .client()
            .api(&format!("/issue/{}/watchers", seg(key)))
            .await?;
        let mut req = Req::new(Method::POST, path);
        if let Some(id) = account_id {
            req = req.json(id)?;
        }
        req.idempotent = true;
        self.client().execute(req).await.map(drop)
    }

    /// Removes a watcher: `accountId` on Cloud, `username` on Data Center.
    pub async fn remove_watcher(&self, key: &str, account_id: &str) -> Result<(), Error> {
        let d = self.client().deployment().await?;
        let param = if d.uses_adf() { "accountId" } else { "username" };
        let path = format!("{}/issue/{}/watchers", d.api_root(), seg(key));
        self.client()
            .execute(Req::new(Method::DELETE, path).query(param, account_id))
            .await
            .map(drop)
    }

    /// The keys of the properties set on an issue.
    pub async fn property_keys(&self, key: &str) -> Result<Vec<String>, Error> {
        let path = self
            .client()
            .api(&format!("/issue/{}/properties", seg(key)))
            .await?;
        let v: Value = self.client().execute(Req::new(Method::GET, path)).await?.json()?;
        Ok(v.get("keys")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.get("key").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }
}
