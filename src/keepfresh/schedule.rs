//! When to renew, and how to wait after a failed renewal: pure arithmetic,
//! so that the rules are tested without clocks or servers.

use crate::error::{Failure, Kind};
use crate::token::AccessToken;
use std::collections::HashSet;
use std::time::Duration;

/// The first pause after a failed renewal.
const FIRST_PAUSE: Duration = Duration::from_secs(5);
/// Pauses double up to this.
const MAX_PAUSE: Duration = Duration::from_secs(300);
/// A dead login is only waited out (another terminal may log in): the
/// check is a cache read, so it may come more often than a server retry.
const MAX_LOGIN_PAUSE: Duration = Duration::from_secs(15);

/// How much validity a renewal must leave: `--min-valid`, or half the
/// lifetime of a token that lives shorter than that. Every process of the
/// profile asks the same of the same token, so the first one renews and the
/// others take its token (one refresh per round).
pub fn needed_validity(t: &AccessToken, min_valid: Duration) -> Option<Duration> {
    let lifetime = t.expires_at?.saturating_sub(t.obtained_at);
    let min = i64::try_from(min_valid.as_secs()).unwrap_or(i64::MAX);
    let secs = if lifetime > min { min } else { lifetime / 2 };
    Some(Duration::from_secs(secs.max(1) as u64))
}

/// How long from `now` (time since the Unix epoch, to the nanosecond: a
/// rounded clock would oversleep a 3 s token by a third of its life) until
/// `t` must be renewed; `None` for a token of unknown lifetime, which is
/// never renewed.
pub fn renew_in(t: &AccessToken, min_valid: Duration, now: Duration) -> Option<Duration> {
    let need = i64::try_from(needed_validity(t, min_valid)?.as_secs()).unwrap_or(i64::MAX);
    let due = Duration::from_secs(t.expires_at?.saturating_sub(need).max(0) as u64);
    Some(due.saturating_sub(now))
}

/// What the supervisor says and how long it waits after failed renewals.
#[derive(Debug, Default)]
pub struct Failures {
    streak: u32,
    warned: HashSet<String>,
    login_dead: bool,
}

/// The kind of a failure, for "one warning per kind".
fn kind_of(e: &Failure) -> String {
    match (e.kind, e.retry_after) {
        (Kind::Remote, Some(_)) => "rate-limited".into(),
        (k, _) => format!("{k:?}"),
    }
}

impl Failures {
    /// Records a failure: the warning to print (the first of its kind
    /// only) and how long to wait before the next attempt.
    pub fn record(&mut self, e: &Failure) -> (Option<String>, Duration) {
        let growing = FIRST_PAUSE.saturating_mul(1 << self.streak.min(10));
        self.streak += 1;
        self.login_dead = e.kind == Kind::LoginRequired;
        let cap = if e.kind == Kind::LoginRequired {
            MAX_LOGIN_PAUSE
        } else {
            MAX_PAUSE
        };
        let pause = growing.min(cap).max(e.retry_after.unwrap_or_default());
        let warning = self.warned.insert(kind_of(e)).then(|| {
            let mut line =
                format!("cannot renew the token ({e}); keeping the last one and retrying");
            if let Some(h) = &e.hint {
                line.push_str(&format!("\nhint: {h}"));
            }
            line
        });
        (warning, pause)
    }

    /// Whether the last attempt failed because the login is dead.
    pub fn login_dead(&self) -> bool {
        self.login_dead
    }

    /// A renewal worked: the next failure warns and pauses afresh.
    pub fn clear(&mut self) -> bool {
        let was = self.streak > 0;
        *self = Failures::default();
        was
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn token(obtained_at: i64, expires_at: Option<i64>) -> AccessToken {
        AccessToken {
            token: Secret::new("t".into()),
            token_type: "Bearer".into(),
            obtained_at,
            expires_at,
        }
    }

    #[test]
    fn renews_min_valid_before_expiry() {
        let t = token(1000, Some(1000 + 3600));
        let at = |s: u64| Duration::from_secs(s);
        assert_eq!(renew_in(&t, at(60), at(1000)), Some(at(3540)));
        assert_eq!(
            renew_in(&t, at(60), Duration::from_millis(1_000_900)),
            Some(Duration::from_millis(3_539_100)),
            "to the millisecond"
        );
        // Late: at once.
        assert_eq!(renew_in(&t, at(60), at(9999)), Some(Duration::ZERO));
    }

    #[test]
    fn short_tokens_renew_at_half_life() {
        let t = token(1000, Some(1004));
        assert_eq!(
            needed_validity(&t, Duration::from_secs(60)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            renew_in(&t, Duration::from_secs(60), Duration::from_secs(1000)),
            Some(Duration::from_secs(2))
        );
        // Never asks for nothing.
        let t = token(1000, Some(1001));
        assert_eq!(
            needed_validity(&t, Duration::from_secs(60)),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn tokens_of_unknown_lifetime_are_never_renewed() {
        assert_eq!(
            renew_in(
                &token(1000, None),
                Duration::from_secs(60),
                Duration::from_secs(1000)
            ),
            None
        );
    }

    #[test]
    fn pauses_grow_and_warnings_come_once_per_kind() {
        let mut f = Failures::default();
        let down = Failure::new(Kind::Remote, "server down");
        let (w, p) = f.record(&down);
        assert!(w.unwrap().contains("server down"));
        assert_eq!(p, Duration::from_secs(5));
        let (w, p) = f.record(&down);
        assert!(w.is_none(), "the same kind warns once");
        assert_eq!(p, Duration::from_secs(10));
        for _ in 0..20 {
            f.record(&down);
        }
        assert_eq!(f.record(&down).1, MAX_PAUSE);
        let mut limited = Failure::new(Kind::Remote, "429");
        limited.retry_after = Some(Duration::from_secs(900));
        let (w, p) = f.record(&limited);
        assert!(w.is_some(), "a new kind warns");
        assert_eq!(p, Duration::from_secs(900), "never sooner than Retry-After");
        assert!(f.clear());
        assert!(
            f.record(&down).0.is_some(),
            "after a success, warned afresh"
        );
    }

    #[test]
    fn dead_logins_are_checked_often_and_carry_the_hint() {
        let mut f = Failures::default();
        let dead = Failure::new(Kind::LoginRequired, "refresh token expired")
            .hint("run `tokctl login -p w`");
        let (w, _) = f.record(&dead);
        assert!(w.unwrap().contains("hint: run `tokctl login -p w`"));
        for _ in 0..10 {
            f.record(&dead);
        }
        assert_eq!(f.record(&dead).1, MAX_LOGIN_PAUSE);
    }
}
