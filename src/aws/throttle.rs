//! Throttled calls are tried again: `Client::send` already retries a 429 twice with a short
//! backoff; a run that fans out (generate, kubeconfig --all) needs more patience than that, so
//! these helpers retry throttling errors of idempotent calls with capped, fully jittered
//! exponential backoff (`docs/portal.md#operations`: the list calls are read-only).
use super::client::HttpError;
use std::time::Duration;

/// Extra rounds on top of `Client::send`'s own attempts.
pub const THROTTLE_ROUNDS: u32 = 6;
/// First backoff ceiling; it doubles each round up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(200);
/// The longest single wait.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The service said "slow down": the portal's `TooManyRequestsException`, STS `Throttling`,
/// EKS `ThrottlingException`, or any 429.
pub fn is_throttled(e: &HttpError) -> bool {
    e.api()
        .is_some_and(|a| a.status == 429 || a.code.is_throttling())
}

/// The wait before round `round` (1-based): uniform in [0, min(MAX, BASE·2^(round-1))].
pub fn backoff(round: u32) -> Duration {
    let ceiling = BASE_BACKOFF
        .saturating_mul(1u32 << round.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    Duration::from_millis(rand::random_range(0..=ceiling.as_millis() as u64))
}

/// Runs `call` until it succeeds, fails with something other than throttling, or
/// [`THROTTLE_ROUNDS`] extra rounds are spent.
pub async fn retry<T, F, Fut>(mut call: F) -> Result<T, HttpError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, HttpError>>,
{
    let mut round = 0;
    loop {
        match call().await {
            Err(e) if is_throttled(&e) && round < THROTTLE_ROUNDS => {
                round += 1;
                tokio::time::sleep(backoff(round)).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped() {
        for round in 1..40 {
            assert!(backoff(round) <= MAX_BACKOFF);
        }
        assert!(backoff(1) <= BASE_BACKOFF);
    }
}
