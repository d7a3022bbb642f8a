//! Which OAuth scopes each operation needs, read from the official OpenAPI documents (the table
//! `scopes.tsv` beside this file). A token passes when it holds every scope of one alternative:
//! the classic set (`read:jira-work`) or the granular one (`read:issue:jira ...`).

use std::sync::OnceLock;

struct Rule {
    method: &'static str,
    segments: Vec<&'static str>,
    /// Empty: no scope needed. Otherwise a token needs every scope of one alternative.
    alternatives: Vec<Vec<&'static str>>,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        include_str!("scopes.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut parts = l.split('\t');
                let method = parts.next()?;
                let path = parts.next()?;
                let scopes = parts.next()?;
                let alternatives = if scopes == "-" {
                    Vec::new()
                } else {
                    scopes
                        .split('|')
                        .map(|alt| alt.split(' ').filter(|s| !s.is_empty()).collect())
                        .collect()
                };
                Some(Rule {
                    method,
                    segments: path.trim_start_matches('/').split('/').collect(),
                    alternatives,
                })
            })
            .collect()
    })
}

/// `/rest/api/2/...` and `/rest/api/latest/...` are the v3 operations for scope purposes.
fn normalise(path: &str) -> String {
    for old in ["/rest/api/2/", "/rest/api/latest/"] {
        if let Some(rest) = path.strip_prefix(old) {
            return format!("/rest/api/3/{rest}");
        }
    }
    path.to_string()
}

/// The scope alternatives of an operation. An operation the documents do not list (the
/// sandbox serves a few) needs `read:jira-work` to read and `write:jira-work` to change.
pub(crate) fn required(method: &str, path: &str) -> Vec<Vec<&'static str>> {
    let path = normalise(path);
    let segs: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    let method = method.to_ascii_uppercase();
    let method = if method == "HEAD" {
        "GET".to_string()
    } else {
        method
    };
    let mut best: Option<(usize, &Rule)> = None;
    for rule in rules() {
        if rule.method != method || rule.segments.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let fits = rule.segments.iter().zip(&segs).all(|(r, s)| {
            if r.starts_with('{') {
                true
            } else {
                literal += 1;
                r == s
            }
        });
        if fits && best.is_none_or(|(n, _)| literal > n) {
            best = Some((literal, rule));
        }
    }
    match best {
        Some((_, rule)) => rule.alternatives.clone(),
        None if method == "GET" => vec![vec!["read:jira-work"]],
        None => vec![vec!["write:jira-work"]],
    }
}

/// Whether `granted` holds every scope of one alternative for this call.
pub(crate) fn satisfied(method: &str, path: &str, granted: &[String]) -> bool {
    let alts = required(method, path);
    alts.is_empty()
        || alts
            .iter()
            .any(|alt| alt.iter().all(|s| granted.iter().any(|g| g == s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn reads_writes_users_and_projects_need_their_classic_scopes() {
        let read = g(&["read:jira-work"]);
        assert!(satisfied("GET", "/rest/api/3/issue/ABC-1", &read));
        assert!(satisfied("GET", "/rest/api/2/issue/ABC-1", &read));
        assert!(!satisfied("PUT", "/rest/api/3/issue/ABC-1", &read));
        assert!(satisfied(
            "PUT",
            "/rest/api/3/issue/ABC-1",
            &g(&["write:jira-work"])
        ));
        assert!(!satisfied("GET", "/rest/api/3/myself", &read));
        assert!(satisfied("GET", "/rest/api/3/myself", &g(&["read:jira-user"])));
        assert!(satisfied(
            "PUT",
            "/rest/api/3/project/ABC",
            &g(&["manage:jira-project"])
        ));
        assert!(!satisfied("PUT", "/rest/api/3/project/ABC", &read));
        // The document says creating a project is a configuration change, not a project one.
        assert!(!satisfied(
            "POST",
            "/rest/api/3/project",
            &g(&["manage:jira-project"])
        ));
        assert!(satisfied(
            "POST",
            "/rest/api/3/project",
            &g(&["manage:jira-configuration"])
        ));
    }

    #[test]
    fn a_granular_alternative_passes_only_when_complete() {
        let all = g(&[
            "read:issue-meta:jira",
            "read:issue-security-level:jira",
            "read:issue.vote:jira",
            "read:issue.changelog:jira",
            "read:avatar:jira",
            "read:issue:jira",
            "read:status:jira",
            "read:user:jira",
            "read:field-configuration:jira",
        ]);
        assert!(satisfied("GET", "/rest/api/3/issue/A-1", &all));
        assert!(!satisfied("GET", "/rest/api/3/issue/A-1", &all[1..]));
    }

    #[test]
    fn literal_segments_beat_parameters_and_server_info_needs_nothing() {
        // `/issue/bulk` (POST) is its own operation, not `/issue/{issueIdOrKey}`.
        assert_eq!(
            required("POST", "/rest/api/3/issue/bulk")[0],
            vec!["write:jira-work"]
        );
        assert!(satisfied("GET", "/rest/api/3/serverInfo", &[]));
        // Agile endpoints take only their granular scopes, as the document says.
        assert!(!satisfied(
            "GET",
            "/rest/agile/1.0/board",
            &g(&["read:jira-work"])
        ));
    }
}
