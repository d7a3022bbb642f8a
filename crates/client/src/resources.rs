//! Projects and users.

use jirakit_model::{Project, User};
use reqwest::Method;

use crate::client::{Client, Req};
use crate::issues::seg;
use crate::page::{PageStyle, Pager};
use crate::Error;

/// `client.projects()`.
pub struct Projects {
    client: Client,
}

/// `client.users()`.
pub struct Users {
    client: Client,
}

impl Client {
    pub fn projects(&self) -> Projects {
        Projects { client: self.clone() }
    }

    pub fn users(&self) -> Users {
        Users { client: self.clone() }
    }
}

impl Projects {
    pub async fn get(&self, key_or_id: &str) -> Result<Project, Error> {
        let path = self.client.api(&format!("/project/{}", seg(key_or_id))).await?;
        self.client.execute(Req::new(Method::GET, path)).await?.json()
    }

    /// `GET /project/search`, paged.
    pub async fn search(&self) -> Result<Pager<Project>, Error> {
        let path = self.client.api("/project/search").await?;
        Ok(Pager::new(
            self.client.clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            "values",
        ))
    }
}

impl Users {
    /// The authenticated user.
    pub async fn myself(&self) -> Result<User, Error> {
        let path = self.client.api("/myself").await?;
        self.client.execute(Req::new(Method::GET, path)).await?.json()
    }

    /// `GET /user/search?query=` on Cloud, `?username=` on Data Center.
    pub async fn search(&self, query: &str) -> Result<Vec<User>, Error> {
        let d = self.client.deployment().await?;
        let param = if d.uses_adf() { "query" } else { "username" };
        let path = format!("{}/user/search", d.api_root());
        self.client
            .execute(Req::new(Method::GET, path).query(param, query))
            .await?
            .json()
    }
}
