//! Retry policy: attempts, exponential backoff with full jitter, `Retry-After`.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// How failed attempts are retried.
///
/// Delays grow exponentially from `initial_backoff` up to `max_backoff`, and each
/// delay is drawn at random between zero and that bound ("full jitter"), so many
/// clients that failed together do not retry together. A server's `Retry-After` is
/// honoured up to `max_retry_after`. Nothing waits past the overall deadline of the
/// operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that makes one attempt only.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Bound of the first backoff delay.
    #[must_use]
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// Largest backoff delay.
    #[must_use]
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// Largest `Retry-After` honoured; a longer one ends the retries.
    #[must_use]
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Total attempts allowed.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Largest `Retry-After` honoured.
    pub fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }

    /// The delay before attempt `attempt + 1`, after `attempt` (1-based) failed:
    /// `Retry-After` if the server sent one, else full-jitter exponential backoff.
    /// `None` when the server asks for longer than the cap.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(attempt)),
        }
    }

    /// Full-jitter exponential backoff bound after `attempt` (1-based) failures.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let bound = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        bound.mul_f64(fastrand::f64())
    }
}

/// A point between `floor` (a fraction, `0.0..=1.0`) of `delay` and all of it, placed
/// by `unit` (drawn from `[0, 1)`, e.g. `fastrand::f64()`): waiters that started
/// together (processes polling one lock, a fleet resubscribing after an outage)
/// spread out instead of coming back at once.
pub fn spread(delay: Duration, floor: f64, unit: f64) -> Duration {
    delay.mul_f64(floor + (1.0 - floor) * unit)
}

/// Reads `Retry-After` (delta-seconds or an HTTP date) from the headers.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// Parses a `Retry-After` value: whole seconds, or an HTTP date (a date in the past
/// means zero). Anything else is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // Some servers send fractions; accept them.
    if let Ok(secs) = value.parse::<f64>() {
        if (0.0..1e9).contains(&secs) {
            return Some(Duration::from_secs_f64(secs));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_delay_lies_between_its_floor_and_all_of_it() {
        // Half to all (a resubscription after an outage).
        let delay = Duration::from_millis(200);
        assert_eq!(spread(delay, 0.5, 0.0), Duration::from_millis(100));
        assert_eq!(spread(delay, 0.5, 0.5), Duration::from_millis(150));
        let most = spread(delay, 0.5, 0.999);
        assert!(
            most < delay && most > Duration::from_millis(199),
            "{most:?}"
        );
        // Three quarters to all (polling a lock another process holds).
        let delay = Duration::from_millis(400);
        assert_eq!(spread(delay, 0.75, 0.0), Duration::from_millis(300));
        assert_eq!(spread(delay, 0.75, 0.5), Duration::from_millis(350));
        let most = spread(delay, 0.75, 0.999);
        assert!(
            most < delay && most > Duration::from_millis(399),
            "{most:?}"
        );
        // Drawn at random: within the bounds, and spread across them.
        let d = Duration::from_millis(100);
        let samples: Vec<Duration> = (0..2000)
            .map(|_| spread(d, 0.75, fastrand::f64()))
            .collect();
        for j in &samples {
            assert!(*j >= d.mul_f64(0.75) && *j <= d, "{j:?}");
        }
        let min = samples.iter().min().unwrap();
        let max = samples.iter().max().unwrap();
        assert!(*min < Duration::from_millis(78) && *max > Duration::from_millis(97));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
    }

    #[test]
    fn backoff_is_bounded_and_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        for attempt in 1..40 {
            let d = p.backoff(attempt);
            let bound = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(20))
                .min(Duration::from_secs(1));
            assert!(d <= bound, "attempt {attempt}: {d:?} > {bound:?}");
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(61))), None);
    }
}
