//! The container endpoint's gate: a token per slot (a container, or a compose service), compared
//! in constant time, and the source address checked against the running containers that carry
//! the slot's label. Credentials are served from memory while enough of their life is left, so
//! SDKs that ask on every call (botocore does, in the last 15 minutes) never reach the portal,
//! and are dropped the moment the session's token leaves the cache (`ssoexec logout`).
use super::docker::Docker;
use crate::app::App;
use crate::cache::role::REUSE_MARGIN;
use crate::cache::token;
use crate::config::Identity;
use crate::credentials::{self, Credentials, LoginPermission};
use crate::exec::server::{Gate, Refusal, authorized};
use crate::support::clock::needs_refresh;
use crate::support::secret::Secret;
use hyper::header::HeaderValue;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// How long a lookup that did not find the asking container waits before it asks Docker again.
const LOOKUP_RETRY: Duration = Duration::milliseconds(250);

/// The one answer to every refused request: a prober learns nothing about which check failed.
const NOT_YOURS: &str = "missing or wrong Authorization token for this container";

/// One token and who may present it.
pub struct Slot {
    /// The value of the slot label on its containers.
    pub label: String,
    pub token: Secret,
    /// Index into [`ContainerGate::identities`].
    identity: usize,
    /// Addresses already seen to belong to the slot's containers.
    addresses: Mutex<Vec<IpAddr>>,
}

/// An identity and the credentials last fetched for it (with when).
struct Held {
    identity: Arc<Identity>,
    last: tokio::sync::Mutex<Option<(Credentials, OffsetDateTime)>>,
}

pub struct ContainerGate {
    docker: Docker,
    slots: Vec<Slot>,
    identities: Vec<Held>,
}

/// Credentials fetched at `fetched` that expire at `expires` are served again until less than
/// the smaller of [`REUSE_MARGIN`] and half their life is left: long sessions renew as every
/// other ssoexec consumer does, short ones (a 15-minute role chain) before they run out rather
/// than on every request.
pub fn reusable(fetched: OffsetDateTime, expires: OffsetDateTime, now: OffsetDateTime) -> bool {
    let half_life = (expires - fetched) / 2;
    let margin = REUSE_MARGIN.min(half_life).max(Duration::ZERO);
    expires > now && !needs_refresh(expires, now, margin)
}

impl ContainerGate {
    pub fn new(docker: Docker) -> ContainerGate {
        ContainerGate {
            docker,
            slots: vec![],
            identities: vec![],
        }
    }

    /// Adds a slot for `identity` (credentials already fetched for it may come along) and
    /// returns its token.
    pub fn add_slot(
        &mut self,
        label: String,
        identity: &Arc<Identity>,
        fetched: Option<(Credentials, OffsetDateTime)>,
    ) -> &Secret {
        let index = match self.identities.iter().position(|h| &h.identity == identity) {
            Some(i) => i,
            None => {
                self.identities.push(Held {
                    identity: identity.clone(),
                    last: tokio::sync::Mutex::new(fetched),
                });
                self.identities.len() - 1
            }
        };
        self.slots.push(Slot {
            label,
            token: crate::exec::server::random_token(),
            identity: index,
            addresses: Mutex::new(vec![]),
        });
        &self.slots[self.slots.len() - 1].token
    }

    /// The slot whose token was presented: every slot is compared, in constant time each.
    fn slot_for(&self, presented: &[u8]) -> Option<&Slot> {
        let mut found = None;
        for slot in &self.slots {
            if authorized(Some(presented), &slot.token) {
                found = Some(slot);
            }
        }
        found
    }

    /// Is `ip` the address of a running container of `slot`? Asks Docker when it is not one
    /// already seen (the first request of each container).
    async fn admits(&self, slot: &Slot, ip: IpAddr) -> bool {
        let known = |s: &Slot| {
            s.addresses
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&ip)
        };
        if known(slot) {
            return true;
        }
        // A container that has just started may not be listed yet: ask again once, shortly after.
        for wait in [Duration::ZERO, LOOKUP_RETRY] {
            tokio::time::sleep(wait.unsigned_abs()).await;
            let (docker, label) = (self.docker.clone(), slot.label.clone());
            let found = tokio::task::spawn_blocking(move || docker.slot_addresses(&label)).await;
            let Ok(Ok(found)) = found else {
                continue;
            };
            let mut seen = slot.addresses.lock().unwrap_or_else(|p| p.into_inner());
            *seen = found;
            if seen.contains(&ip) {
                return true;
            }
        }
        false
    }
}

/// Is the SSO session behind `identity` still signed in? `ssoexec logout` removes the token
/// file; identities with no SSO session (static keys) have nothing to sign out of.
fn signed_in(app: &App, identity: &Identity) -> bool {
    match identity.sso_root() {
        Some(target) => token::path(&app.settings.paths.sso_cache, &target.session).exists(),
        None => true,
    }
}

impl Gate for ContainerGate {
    async fn credentials(
        &self,
        app: &Arc<App>,
        peer: Option<SocketAddr>,
        presented: Option<HeaderValue>,
    ) -> Result<Credentials, Refusal> {
        let slot = presented
            .as_ref()
            .and_then(|p| self.slot_for(p.as_bytes()))
            .ok_or(Refusal::Denied(NOT_YOURS))?;
        let from_slot = match peer {
            Some(peer) => self.admits(slot, peer.ip()).await,
            None => false,
        };
        if !from_slot {
            return Err(Refusal::Denied("this token belongs to another container"));
        }
        let held = &self.identities[slot.identity];
        let mut last = held.last.lock().await;
        if !signed_in(app, &held.identity) {
            *last = None;
        }
        let now = app.now();
        if let Some((c, fetched)) = last.as_ref()
            && c.expiration.is_none_or(|e| reusable(*fetched, e, now))
        {
            return Ok(c.clone());
        }
        let fresh = credentials::resolve(app, &held.identity, LoginPermission::Never)
            .await
            .map_err(Refusal::Unavailable)?;
        *last = Some((fresh.clone(), now));
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn long_sessions_renew_fifteen_minutes_before_expiry() {
        let t0 = datetime!(2026-01-01 10:00 UTC);
        let exp = t0 + Duration::hours(1);
        assert!(reusable(t0, exp, t0 + Duration::minutes(44)));
        assert!(!reusable(t0, exp, t0 + Duration::minutes(46)));
    }

    #[test]
    fn short_sessions_renew_at_half_life_not_per_request() {
        let t0 = datetime!(2026-01-01 10:00 UTC);
        let exp = t0 + Duration::minutes(15);
        assert!(reusable(t0, exp, t0 + Duration::minutes(7)));
        assert!(!reusable(t0, exp, t0 + Duration::minutes(8)));
        let exp = t0 + Duration::seconds(10);
        assert!(reusable(t0, exp, t0 + Duration::seconds(4)));
        assert!(!reusable(t0, exp, t0 + Duration::seconds(6)));
    }

    #[test]
    fn expired_or_backwards_is_never_reused() {
        let t0 = datetime!(2026-01-01 10:00 UTC);
        assert!(!reusable(t0, t0, t0));
        assert!(!reusable(t0, t0 - Duration::minutes(1), t0));
        assert!(!reusable(
            t0,
            t0 + Duration::hours(1),
            t0 + Duration::hours(2)
        ));
    }
}
