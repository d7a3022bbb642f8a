//! The one retry decision: given what happened and the attempt number, retry after how long, or
//! stop and why. Pure (the jitter is an argument), so every branch is unit-tested.
//!
//! The recipe is Atlassian's published one: at most 4 retries, a 2 s base doubling up to a 30 s
//! cap, a jitter factor in [0.7, 1.3]; `Retry-After` is a floor (even `Retry-After: 0` waits
//! [`RetryPolicy::min_delay`]) and the jitter only ever adds to it.

use std::time::Duration;

/// How a client retries.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (Atlassian: 4).
    pub max_retries: u32,
    /// The first backoff (Atlassian: 2 s).
    pub base_delay: Duration,
    /// No computed backoff exceeds this (Atlassian: 30 s).
    pub max_delay: Duration,
    /// The least wait after a `Retry-After`, so `Retry-After: 0` is not a hot loop.
    pub min_delay: Duration,
    /// A `Retry-After` longer than this (an hourly quota reset) is surfaced as an error instead
    /// of being slept through.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(30),
            min_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }
}

/// What an attempt ended with, as far as retrying cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An HTTP response with this status and, if sent, `Retry-After`.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The connection could not be made: the request never left, any method may retry.
    Connect,
    /// A timeout or a reset after the request was sent: the server may have acted on it.
    Ambiguous,
}

/// Why a request is not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Success or a definitive answer (4xx other than 429/408).
    NotRetryable,
    /// The failure is ambiguous and the request is not idempotent: retrying could act twice.
    NotIdempotent,
    /// The retries are used up.
    Exhausted,
    /// The server asked for a wait longer than the policy accepts (e.g. a quota reset).
    RetryAfterTooLong(Duration),
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAction {
    RetryAfter(Duration),
    Stop(StopReason),
}

/// Decides whether attempt number `attempt` (1 for the first) is retried.
///
/// `jitter` is a sample from [0, 1); it maps onto Atlassian's [0.7, 1.3] factor for computed
/// backoff and onto [1.0, 1.3] above a `Retry-After`, which is never shortened.
pub fn decide(
    policy: &RetryPolicy,
    outcome: &Outcome,
    attempt: u32,
    idempotent: bool,
    jitter: f64,
) -> RetryAction {
    let jitter = jitter.clamp(0.0, 1.0);
    let retry_after = match outcome {
        Outcome::Status { status, retry_after } => {
            let status = *status;
            // 429 means Jira refused before acting, so even a POST may go again. Any 5xx, a 503
            // with a Retry-After included, may come after the change was committed (the sandbox's
            // "commit then fail" 1,000-issue test made duplicates when 503 counted as a refusal).
            let refused = status == 429;
            let transient = matches!(status, 408 | 500 | 502 | 503 | 504);
            if !refused && !transient {
                return RetryAction::Stop(StopReason::NotRetryable);
            }
            if !refused && !idempotent {
                return RetryAction::Stop(StopReason::NotIdempotent);
            }
            *retry_after
        }
        Outcome::Connect => None,
        Outcome::Ambiguous if !idempotent => return RetryAction::Stop(StopReason::NotIdempotent),
        Outcome::Ambiguous => None,
    };
    if attempt > policy.max_retries {
        return RetryAction::Stop(StopReason::Exhausted);
    }
    match retry_after {
        Some(ra) if ra > policy.max_retry_after => RetryAction::Stop(StopReason::RetryAfterTooLong(ra)),
        Some(ra) => {
            let floor = ra.max(policy.min_delay);
            RetryAction::RetryAfter(floor.mul_f64(1.0 + 0.3 * jitter))
        }
        None => {
            let exp = attempt.saturating_sub(1).min(20);
            let backoff = policy
                .base_delay
                .saturating_mul(1u32 << exp)
                .min(policy.max_delay);
            RetryAction::RetryAfter(backoff.mul_f64(0.7 + 0.6 * jitter).min(policy.max_delay))
        }
    }
}

/// `Retry-After` as seconds (Jira sends integers; an HTTP date is not used by Jira).
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    v.parse::<u64>().map(Duration::from_secs).ok().or_else(|| {
        v.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(Duration::from_secs_f64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> RetryPolicy {
        RetryPolicy::default()
    }
    fn status(s: u16, ra: Option<u64>) -> Outcome {
        Outcome::Status {
            status: s,
            retry_after: ra.map(Duration::from_secs),
        }
    }

    #[test]
    fn a_post_is_not_retried_after_a_503_even_with_retry_after() {
        assert_eq!(
            decide(&p(), &status(503, Some(0)), 1, false, 0.0),
            RetryAction::Stop(StopReason::NotIdempotent)
        );
        assert!(matches!(
            decide(&p(), &status(429, Some(0)), 1, false, 0.0),
            RetryAction::RetryAfter(_)
        ));
    }

    #[test]
    fn retry_after_zero_still_waits_the_minimum() {
        assert_eq!(
            decide(&p(), &status(429, Some(0)), 1, true, 0.0),
            RetryAction::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn retry_after_is_a_floor_never_shortened_by_jitter() {
        for j in [0.0, 0.3, 0.99] {
            let RetryAction::RetryAfter(d) = decide(&p(), &status(429, Some(7)), 1, true, j) else {
                panic!("expected a retry");
            };
            assert!(d >= Duration::from_secs(7) && d <= Duration::from_secs_f64(7.0 * 1.3));
        }
    }

    #[test]
    fn backoff_doubles_from_two_seconds_and_caps_at_thirty() {
        let d = |a| decide(&p(), &status(502, None), a, true, 0.5);
        assert_eq!(d(1), RetryAction::RetryAfter(Duration::from_secs(2)));
        assert_eq!(d(2), RetryAction::RetryAfter(Duration::from_secs(4)));
        assert_eq!(d(4), RetryAction::RetryAfter(Duration::from_secs(16)));
        let big = RetryPolicy {
            max_retries: 10,
            ..p()
        };
        assert_eq!(
            decide(&big, &status(502, None), 9, true, 0.99),
            RetryAction::RetryAfter(Duration::from_secs(30))
        );
    }

    #[test]
    fn jitter_spreads_backoff_between_seventy_and_hundred_thirty_percent() {
        assert_eq!(
            decide(&p(), &status(503, None), 2, true, 0.0),
            RetryAction::RetryAfter(Duration::from_secs_f64(2.8))
        );
        let RetryAction::RetryAfter(hi) = decide(&p(), &status(503, None), 2, true, 1.0) else {
            panic!()
        };
        assert!((hi.as_secs_f64() - 5.2).abs() < 1e-9);
    }

    #[test]
    fn a_post_is_not_retried_after_a_timeout_or_a_500() {
        assert_eq!(
            decide(&p(), &Outcome::Ambiguous, 1, false, 0.5),
            RetryAction::Stop(StopReason::NotIdempotent)
        );
        assert_eq!(
            decide(&p(), &status(500, None), 1, false, 0.5),
            RetryAction::Stop(StopReason::NotIdempotent)
        );
    }

    #[test]
    fn a_post_is_retried_after_a_429_or_a_refused_connection() {
        assert!(matches!(
            decide(&p(), &status(429, Some(1)), 1, false, 0.5),
            RetryAction::RetryAfter(_)
        ));
        assert!(matches!(
            decide(&p(), &Outcome::Connect, 1, false, 0.5),
            RetryAction::RetryAfter(_)
        ));
    }

    #[test]
    fn a_get_is_retried_after_a_reset() {
        assert!(matches!(
            decide(&p(), &Outcome::Ambiguous, 1, true, 0.5),
            RetryAction::RetryAfter(_)
        ));
    }

    #[test]
    fn definitive_answers_are_not_retried() {
        for s in [200, 201, 204, 400, 401, 403, 404, 409, 410] {
            assert_eq!(
                decide(&p(), &status(s, None), 1, true, 0.5),
                RetryAction::Stop(StopReason::NotRetryable),
                "{s}"
            );
        }
    }

    #[test]
    fn the_fifth_failure_stops() {
        assert!(matches!(
            decide(&p(), &status(429, None), 4, true, 0.5),
            RetryAction::RetryAfter(_)
        ));
        assert_eq!(
            decide(&p(), &status(429, None), 5, true, 0.5),
            RetryAction::Stop(StopReason::Exhausted)
        );
    }

    #[test]
    fn an_hour_long_retry_after_is_surfaced_not_slept() {
        assert_eq!(
            decide(&p(), &status(429, Some(3600)), 1, true, 0.5),
            RetryAction::Stop(StopReason::RetryAfterTooLong(Duration::from_secs(3600)))
        );
    }

    #[test]
    fn retry_after_parses_integers_and_rejects_garbage() {
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
