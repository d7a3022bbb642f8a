//! A client-wide limiter shared by every clone of a `Client`: it paces requests per host and
//! writes per issue (Jira: 20 per 2 s and 100 per 30 s), and after a 429 it holds back every
//! request to that host until the `Retry-After` has passed, so a bulk job stays under the limits
//! instead of bouncing off them.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Limits, all sliding windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Requests per host: (count, window). Jira's burst limit is 100 rps per endpoint and method.
    pub per_host: Vec<(usize, Duration)>,
    /// Writes per issue: Jira's 20 per 2 s and 100 per 30 s.
    pub per_issue_write: Vec<(usize, Duration)>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_host: vec![(100, Duration::from_secs(1))],
            per_issue_write: vec![(20, Duration::from_secs(2)), (100, Duration::from_secs(30))],
        }
    }
}

impl Limits {
    /// No pacing at all.
    pub fn unlimited() -> Limits {
        Limits {
            per_host: Vec::new(),
            per_issue_write: Vec::new(),
        }
    }
}

/// How long until one more event fits in a window of `limit` events per `window`, given the
/// times of earlier events (oldest first). Drops events that left the window.
pub fn window_wait(events: &mut VecDeque<Instant>, now: Instant, limit: usize, window: Duration) -> Duration {
    while events.front().is_some_and(|t| now.duration_since(*t) >= window) {
        events.pop_front();
    }
    if events.len() < limit || limit == 0 {
        return Duration::ZERO;
    }
    // The event that must leave before one more fits.
    let oldest = events[events.len() - limit];
    (oldest + window).saturating_duration_since(now)
}

#[derive(Default)]
struct Windows {
    events: Vec<VecDeque<Instant>>,
}

impl Windows {
    fn wait(&mut self, now: Instant, limits: &[(usize, Duration)]) -> Duration {
        self.events.resize_with(limits.len(), VecDeque::new);
        limits
            .iter()
            .zip(self.events.iter_mut())
            .map(|((n, w), ev)| window_wait(ev, now, *n, *w))
            .max()
            .unwrap_or(Duration::ZERO)
    }
    fn record(&mut self, now: Instant) {
        for ev in &mut self.events {
            ev.push_back(now);
        }
    }
    fn is_idle(&self, now: Instant, limits: &[(usize, Duration)]) -> bool {
        self.events
            .iter()
            .zip(limits)
            .all(|(ev, (_, w))| ev.back().is_none_or(|t| now.duration_since(*t) >= *w))
    }
}

#[derive(Default)]
struct State {
    hosts: HashMap<String, Windows>,
    issues: HashMap<String, Windows>,
    paused_until: HashMap<String, Instant>,
}

pub(crate) struct Limiter {
    limits: Limits,
    state: Mutex<State>,
}

impl Limiter {
    pub(crate) fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    /// Waits until a request to `host` (a write to `issue`, if any) fits every limit, then counts it.
    pub(crate) async fn acquire(&self, host: &str, issue: Option<&str>) {
        loop {
            let wait = {
                let mut st = self.state.lock().await;
                let now = Instant::now();
                let mut wait = st
                    .paused_until
                    .get(host)
                    .map(|t| t.saturating_duration_since(now))
                    .unwrap_or_default();
                wait = wait.max(
                    st.hosts
                        .entry(host.to_owned())
                        .or_default()
                        .wait(now, &self.limits.per_host),
                );
                if let Some(issue) = issue {
                    let w = st
                        .issues
                        .entry(issue.to_owned())
                        .or_default()
                        .wait(now, &self.limits.per_issue_write);
                    wait = wait.max(w);
                }
                if wait.is_zero() {
                    st.hosts.get_mut(host).expect("inserted above").record(now);
                    if let Some(issue) = issue {
                        st.issues.get_mut(issue).expect("inserted above").record(now);
                    }
                    // Keep memory flat over long jobs: forget issues whose windows are empty.
                    if st.issues.len() > 1024 {
                        let limits = &self.limits.per_issue_write;
                        st.issues.retain(|_, w| !w.is_idle(now, limits));
                    }
                    return;
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// How long requests to `host` are still held back after a 429.
    pub(crate) async fn paused_for(&self, host: &str) -> Duration {
        let st = self.state.lock().await;
        st.paused_until
            .get(host)
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
    }

    /// Holds back every request to `host` for `d` (after a 429 with `Retry-After`).
    pub(crate) async fn pause(&self, host: &str, d: Duration) {
        let mut st = self.state.lock().await;
        let until = Instant::now() + d;
        let e = st.paused_until.entry(host.to_owned()).or_insert(until);
        if *e < until {
            *e = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_with_room_does_not_wait() {
        let now = Instant::now();
        let mut ev = VecDeque::from(vec![now; 19]);
        assert_eq!(
            window_wait(&mut ev, now, 20, Duration::from_secs(2)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_full_window_waits_for_its_oldest_event_to_leave() {
        let t0 = Instant::now();
        let mut ev: VecDeque<Instant> = (0..20).map(|i| t0 + Duration::from_millis(i * 10)).collect();
        let now = t0 + Duration::from_millis(500);
        assert_eq!(
            window_wait(&mut ev, now, 20, Duration::from_secs(2)),
            Duration::from_millis(1500)
        );
        let later = t0 + Duration::from_secs(2);
        assert_eq!(
            window_wait(&mut ev, later, 20, Duration::from_secs(2)),
            Duration::ZERO
        );
        assert_eq!(ev.len(), 19, "the expired event is dropped");
    }

    #[tokio::test(start_paused = true)]
    async fn the_twenty_first_write_to_one_issue_waits_but_another_issue_does_not() {
        let l = Limiter::new(Limits::default());
        let t0 = Instant::now();
        for _ in 0..20 {
            l.acquire("h", Some("A-1")).await;
        }
        assert_eq!(Instant::now(), t0);
        l.acquire("h", Some("B-1")).await;
        assert_eq!(Instant::now(), t0);
        l.acquire("h", Some("A-1")).await;
        assert!(Instant::now() >= t0 + Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request_to_the_host() {
        let l = Limiter::new(Limits::unlimited());
        let t0 = Instant::now();
        l.pause("h", Duration::from_secs(3)).await;
        l.acquire("other", None).await;
        assert_eq!(Instant::now(), t0);
        l.acquire("h", None).await;
        assert!(Instant::now() >= t0 + Duration::from_secs(3));
    }
}
