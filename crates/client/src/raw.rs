//! The escape hatch for endpoints not typed yet: still authenticated, paced and retried.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::{Client, Req, Response};
use crate::page::{PageStyle, Pager};
use crate::Error;

/// A request built by [`Client::request`].
pub struct RawRequest {
    client: Client,
    req: Req,
    error: Option<Error>,
}

impl RawRequest {
    pub(crate) fn new(client: Client, req: Req) -> RawRequest {
        RawRequest {
            client,
            req,
            error: None,
        }
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.req = self.req.query(key, value);
        self
    }

    /// A JSON body (kept as bytes, so retries replay it exactly).
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match self.req.clone().json(body) {
            Ok(r) => self.req = r,
            Err(e) => self.error = Some(e),
        }
        self
    }

    /// Declares the request safe to repeat (e.g. a read-only POST such as a search), so it is
    /// retried after timeouts and 5xx like a GET.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.req.idempotent = yes;
        self
    }

    pub async fn send(self) -> Result<Response, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.client.execute(self.req).await
    }

    /// Sends and decodes the body.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        self.send().await?.json()
    }

    /// Pages through a GET endpoint, items under `items_key`.
    pub fn paginate<T: DeserializeOwned + Send + 'static>(
        self,
        style: PageStyle,
        items_key: &str,
    ) -> Pager<T> {
        let mut req = self.req;
        req.method = Method::GET;
        Pager::new(self.client, req, None, style, items_key)
    }
}
