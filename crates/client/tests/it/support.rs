use jirakit::{Auth, Client};
use jirakit_sandbox::{Config, Mode, Seed};
use jirakit_testkit::{fixed_now, TestSandbox};

pub async fn sandbox(seed: Seed) -> TestSandbox {
    TestSandbox::start(seed).await
}

pub async fn dc_sandbox(seed: Seed) -> TestSandbox {
    TestSandbox::with_config(Config {
        seed,
        mode: Mode::DataCenter,
        frozen_at: Some(fixed_now()),
        ..Config::default()
    })
    .await
}

/// A client authenticated as the sandbox admin with email + API token.
pub fn client(sb: &TestSandbox) -> Client {
    let c = sb.sandbox.config();
    Client::builder(sb.sandbox.url())
        .auth(Auth::basic(&c.email, &c.api_token))
        .build()
        .expect("the client builds")
}

/// A client authenticated with the admin's Data Center PAT.
pub fn pat_client(sb: &TestSandbox) -> Client {
    let c = sb.sandbox.config();
    Client::builder(sb.sandbox.url())
        .auth(Auth::bearer(&c.pat))
        .build()
        .expect("the client builds")
}

/// An admin client whose retries wait milliseconds, not seconds.
pub fn fast_client(sb: &TestSandbox) -> Client {
    let c = sb.sandbox.config();
    Client::builder(sb.sandbox.url())
        .auth(Auth::basic(&c.email, &c.api_token))
        .retry_policy(crate::faults::fast_retries())
        .build()
        .expect("the client builds")
}
