//! `jk api METHOD PATH [--field k=v] [--paginate]`: any endpoint, with auth, pacing and retries.

use std::process::ExitCode;

use clap::Args;
use jirakit::{Method, PageStyle};
use serde_json::{Map, Value};

use crate::exit::usage;
use crate::Ctx;

#[derive(Args)]
pub struct ApiArgs {
    /// GET, POST, PUT, DELETE…
    method: String,
    /// A path under the site: /rest/api/3/myself, /rest/agile/1.0/board.
    path: String,
    /// A body field (`k=v`; the value is JSON when it parses as JSON, else a string). For GET and
    /// DELETE these are query parameters.
    #[arg(long = "field", short = 'f', value_name = "KEY=VALUE")]
    fields: Vec<String>,
    /// A raw query parameter `k=v` (repeatable).
    #[arg(long = "query", short = 'q', value_name = "KEY=VALUE")]
    query: Vec<String>,
    /// The JSON body, from this file (`-` for stdin).
    #[arg(long, conflicts_with = "fields")]
    input: Option<String>,
    /// Follow every page (GET only) and print one array of the items.
    #[arg(long)]
    paginate: bool,
    /// With --paginate: the key holding the items (default: values, issues or comments).
    #[arg(long, requires = "paginate")]
    items: Option<String>,
}

fn pair(s: &str) -> anyhow::Result<(&str, &str)> {
    s.split_once('=')
        .ok_or_else(|| usage(format!("{s:?}: expected KEY=VALUE")))
}

pub async fn run(ctx: &Ctx, a: ApiArgs) -> anyhow::Result<ExitCode> {
    let method: Method = a
        .method
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| usage(format!("{:?} is not an HTTP method", a.method)))?;
    if !a.path.starts_with('/') {
        return Err(usage("the path starts with / (e.g. /rest/api/3/myself)"));
    }
    let client = ctx.site()?.client()?;
    let (path, inline_query) = match a.path.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (a.path.clone(), String::new()),
    };
    let mut query: Vec<(String, String)> = Vec::new();
    for kv in inline_query
        .split('&')
        .filter(|s| !s.is_empty())
        .chain(a.query.iter().map(String::as_str))
    {
        let (k, v) = pair(kv)?;
        query.push((k.to_owned(), v.to_owned()));
    }
    let bodyless = matches!(method, Method::GET | Method::DELETE | Method::HEAD);
    let mut body = Map::new();
    for f in &a.fields {
        let (k, v) = pair(f)?;
        if bodyless {
            query.push((k.to_owned(), v.to_owned()));
        } else {
            let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_owned()));
            body.insert(k.to_owned(), value);
        }
    }
    if a.paginate {
        if method != Method::GET {
            return Err(usage("--paginate works with GET"));
        }
        let items_key = match a.items {
            Some(k) => k,
            None => guess_items_key(&client, &path, &query).await?,
        };
        let mut pager = client.paginate::<Value>(path.clone(), PageStyle::Offset, &items_key);
        // The pager owns startAt/maxResults; other parameters ride along in the path.
        if !query.is_empty() {
            let qs: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                .collect();
            pager =
                client.paginate::<Value>(format!("{path}?{}", qs.join("&")), PageStyle::Offset, &items_key);
        }
        let mut all = Vec::new();
        while let Some(page) = pager.next_page().await? {
            all.extend(page.items);
        }
        ctx.out.raw(Value::Array(all))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut req = client.request(method, path);
    for (k, v) in &query {
        req = req.query(k, v);
    }
    if let Some(input) = &a.input {
        let text = if input == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
            s
        } else {
            std::fs::read_to_string(input)?
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| usage(format!("--input: not JSON: {e}")))?;
        req = req.json(&v);
    } else if !body.is_empty() {
        req = req.json(&Value::Object(body));
    }
    let resp = req.send().await?;
    if resp.body.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    match serde_json::from_slice::<Value>(&resp.body) {
        Ok(v) => ctx.out.raw(v)?,
        Err(_) => {
            use std::io::Write;
            std::io::stdout().write_all(&resp.body)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Asks for one item to see which array the endpoint pages.
async fn guess_items_key(
    client: &jirakit::Client,
    path: &str,
    query: &[(String, String)],
) -> anyhow::Result<String> {
    let mut req = client.request(Method::GET, path).query("maxResults", 1);
    for (k, v) in query {
        req = req.query(k, v);
    }
    let v: Value = req.send_json().await?;
    for k in ["values", "issues", "comments", "worklogs", "histories"] {
        if v.get(k).is_some_and(Value::is_array) {
            return Ok(k.to_owned());
        }
    }
    Err(usage(
        "--paginate: this endpoint has no values/issues/comments array; name it with --items",
    ))
}
