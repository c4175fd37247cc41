//! The shared state behind the one server: knobs, registered clients, device and authorization
//! codes, tokens, accounts and the table of issued credentials.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::distr::{Alphanumeric, SampleString};
use serde_json::Value;
use wiremock::Request;

use crate::reply::header;
use crate::{AssumeRoleCall, Op, Recorded, SigninRequest, Throttle};

/// The account of the fallback identity for a key the mock never issued.
pub(crate) const DEFAULT_ACCOUNT: &str = "111111111111";
/// How long a hung response takes: longer than any test waits.
const HANG: Duration = Duration::from_hours(1);

pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock cannot leave the maps half-updated in a way that matters
    // to a mock, so keep serving rather than cascade the panic into every later request.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct Knobs {
    pub(crate) now: Option<i64>,
    pub(crate) access_token_ttl: i64,
    pub(crate) role_credentials_ttl: i64,
    pub(crate) device_expires_in: i64,
    pub(crate) poll_interval: i64,
    pub(crate) auto_approve: bool,
    pub(crate) issue_refresh_tokens: bool,
    pub(crate) page_size: usize,
    pub(crate) deny_next_approval: bool,
    pub(crate) slow_down_next: usize,
    pub(crate) refresh_fails: bool,
    pub(crate) sts_web_identity_error: Option<String>,
    /// While `Some(n)`: the next `n` STS secrets have `/` and `+` (as usual), later ones are
    /// letters and digits only (for `special-characters-workaround`).
    pub(crate) sts_plain_secrets_after: Option<usize>,
    pub(crate) faults: HashMap<Op, (u16, usize)>,
    pub(crate) latency_all: u64,
    pub(crate) latency: HashMap<Op, u64>,
    pub(crate) hang: HashSet<Op>,
    pub(crate) throttle: Option<(Vec<Op>, Throttle)>,
    pub(crate) repeat_next_token: bool,
    pub(crate) device_reply_fields: Option<Value>,
}

impl Default for Knobs {
    fn default() -> Knobs {
        Knobs {
            now: None,
            access_token_ttl: 3600,
            role_credentials_ttl: 3600,
            device_expires_in: 600,
            poll_interval: 1,
            auto_approve: false,
            issue_refresh_tokens: true,
            page_size: 2,
            deny_next_approval: false,
            slow_down_next: 0,
            refresh_fails: false,
            sts_web_identity_error: None,
            sts_plain_secrets_after: None,
            faults: HashMap::new(),
            latency_all: 0,
            latency: HashMap::new(),
            hang: HashSet::new(),
            throttle: None,
            repeat_next_token: false,
            device_reply_fields: None,
        }
    }
}

pub(crate) struct Client {
    pub(crate) secret: String,
    pub(crate) grant_types: Vec<String>,
    /// Empty means "any"; otherwise `/authorize` scopes must be among these.
    pub(crate) scopes: Vec<String>,
    /// Empty means "any loopback URI"; otherwise matched ignoring the port (RFC 8252 §7.3).
    pub(crate) redirect_uris: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    Consumed,
}

pub(crate) struct DeviceCode {
    pub(crate) client_id: String,
    pub(crate) user_code: String,
    pub(crate) created: i64,
    pub(crate) expires_in: i64,
    pub(crate) status: DeviceStatus,
    pub(crate) expired: bool,
}

pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) challenge: String,
    pub(crate) issued: i64,
    pub(crate) used: bool,
}

pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) roles: Vec<String>,
}

impl Account {
    pub(crate) fn new(id: &str, name: &str, email: &str, roles: &[&str]) -> Account {
        let roles = roles.iter().map(|r| (*r).to_owned()).collect();
        Account {
            id: id.to_owned(),
            name: name.to_owned(),
            email: email.to_owned(),
            roles,
        }
    }
}

/// What a role demands of `AssumeRole` and how EKS treats its credentials.
#[derive(Default)]
pub(crate) struct RoleRule {
    pub(crate) external_id: Option<String>,
    pub(crate) mfa: bool,
    pub(crate) eks_denied: bool,
}

/// Credentials the mock issued, keyed by access key id: who STS `GetCallerIdentity` reports,
/// what STS, EKS and the federation endpoint check a signature or session against.
#[derive(Clone)]
pub(crate) struct Identity {
    pub(crate) account: String,
    pub(crate) arn: String,
    pub(crate) user_id: String,
    /// The role name (empty for the fallback identity of a key the mock never issued).
    pub(crate) role: String,
    pub(crate) secret: String,
    pub(crate) session_token: String,
    pub(crate) expires: i64,
    /// Issued by `AssumeRole`: console sessions may not set `SessionDuration`, and a further
    /// `AssumeRole` is limited to one hour.
    pub(crate) chained: bool,
}

/// The claims STS needs from a GitHub token the mock issued.
#[derive(Clone)]
pub(crate) struct WebIdentity {
    pub(crate) subject: String,
    pub(crate) audience: String,
}

pub(crate) struct State {
    pub(crate) base_uri: String,
    pub(crate) knobs: Knobs,
    pub(crate) serials: HashMap<&'static str, u64>,
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) device_codes: HashMap<String, DeviceCode>,
    pub(crate) auth_codes: HashMap<String, AuthCode>,
    /// access token → expiry (epoch seconds)
    pub(crate) access_tokens: HashMap<String, i64>,
    /// refresh token → the client it was issued to (`None`: accepted from a fixture, any client)
    pub(crate) refresh_tokens: HashMap<String, Option<String>>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) identities: HashMap<String, Identity>,
    pub(crate) github_request_token: String,
    pub(crate) github_tokens: HashMap<String, WebIdentity>,
    pub(crate) recorded: Vec<Recorded>,
    pub(crate) throttle_seen: HashMap<Op, u64>,
    pub(crate) throttled: usize,
    pub(crate) rng: u64,
    /// (account, role) → rule
    pub(crate) role_rules: HashMap<(String, String), RoleRule>,
    /// (account, region) → cluster names; `None` until a test declares clusters.
    pub(crate) clusters: Option<HashMap<(String, String), Vec<String>>>,
    pub(crate) eks_disabled_regions: HashSet<String>,
    pub(crate) assume_role_calls: Vec<AssumeRoleCall>,
    pub(crate) last_signin: Option<SigninRequest>,
    /// sign-in token → the access key of the session it was issued for
    pub(crate) signin_tokens: HashMap<String, String>,
    /// op → when each response still in flight is due
    pub(crate) in_flight: HashMap<Op, Vec<Instant>>,
    pub(crate) max_in_flight: HashMap<Op, usize>,
}

impl State {
    pub(crate) fn new(base_uri: String) -> State {
        let accounts = vec![
            Account::new(
                "111111111111",
                "dev",
                "dev@example.com",
                &["ReadOnly", "Admin"],
            ),
            Account::new("222222222222", "prod", "prod@example.com", &["ReadOnly"]),
            Account::new(
                "333333333333",
                "sandbox",
                "sandbox@example.com",
                &["Admin", "Dev", "ReadOnly"],
            ),
        ];
        State {
            base_uri,
            knobs: Knobs::default(),
            serials: HashMap::new(),
            clients: HashMap::new(),
            device_codes: HashMap::new(),
            auth_codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            accounts,
            identities: HashMap::new(),
            github_request_token: format!("mock-gh-request-{}", random(24)),
            github_tokens: HashMap::new(),
            recorded: Vec::new(),
            throttle_seen: HashMap::new(),
            throttled: 0,
            rng: 0,
            role_rules: HashMap::new(),
            clusters: None,
            eks_disabled_regions: HashSet::new(),
            assume_role_calls: Vec::new(),
            last_signin: None,
            signin_tokens: HashMap::new(),
            in_flight: HashMap::new(),
            max_in_flight: HashMap::new(),
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.knobs.now.unwrap_or_else(system_now)
    }

    /// 1, 2, 3, … separately for each kind of identifier.
    pub(crate) fn serial(&mut self, kind: &'static str) -> u64 {
        let n = self.serials.entry(kind).or_insert(0);
        *n += 1;
        *n
    }

    pub(crate) fn take_denial(&mut self) -> bool {
        std::mem::take(&mut self.knobs.deny_next_approval)
    }

    pub(crate) fn take_fault(&mut self, op: Op) -> Option<u16> {
        let (status, times) = self.knobs.faults.get_mut(&op)?;
        if *times == 0 {
            return None;
        }
        *times -= 1;
        Some(*status)
    }

    pub(crate) fn delay_for(&self, op: Op) -> Option<Duration> {
        if self.knobs.hang.contains(&op) {
            return Some(HANG);
        }
        let ms = self
            .knobs
            .latency
            .get(&op)
            .copied()
            .unwrap_or(self.knobs.latency_all);
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    pub(crate) fn bearer_is_valid(&self, req: &Request) -> bool {
        let token = header(req, "x-amz-sso_bearer_token");
        token
            .and_then(|t| self.access_tokens.get(t))
            .is_some_and(|&exp| self.now() < exp)
    }

    pub(crate) fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub(crate) fn reset_counts(&mut self) {
        self.recorded.clear();
        self.max_in_flight.clear();
        self.throttled = 0;
    }

    pub(crate) fn rule(&mut self, account: &str, role: &str) -> &mut RoleRule {
        self.role_rules
            .entry((account.to_owned(), role.to_owned()))
            .or_default()
    }

    pub(crate) fn rule_of(&self, account: &str, role: &str) -> Option<&RoleRule> {
        self.role_rules.get(&(account.to_owned(), role.to_owned()))
    }

    /// Whether this request of `op` is to be throttled (and counts it).
    pub(crate) fn take_throttle(&mut self, op: Op) -> bool {
        let Some((ops, throttle)) = &self.knobs.throttle else {
            return false;
        };
        if !ops.contains(&op) {
            return false;
        }
        let throttle = *throttle;
        let seen = self.throttle_seen.entry(op).or_insert(0);
        *seen += 1;
        let hit = match throttle {
            Throttle::EveryNth(n) => n > 0 && (*seen).is_multiple_of(n),
            Throttle::Random { percent, .. } => {
                splitmix64(&mut self.rng) % 100 < u64::from(percent)
            }
        };
        self.throttled += usize::from(hit);
        hit
    }

    /// Notes a request of `op` whose response is due after `delay`, for [`MockIdc::max_in_flight`].
    pub(crate) fn track_in_flight(&mut self, op: Op, delay: Option<Duration>) {
        let now = Instant::now();
        let due = now + delay.unwrap_or_default();
        let pending = self.in_flight.entry(op).or_default();
        pending.retain(|&t| t > now);
        pending.push(due);
        let max = self.max_in_flight.entry(op).or_insert(0);
        *max = (*max).max(pending.len());
    }
}

/// SplitMix64: a tiny seeded PRNG, so throttling decisions are reproducible from the seed.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The default clock. The mock is a test fixture, not domain code, so it reads the real time
/// directly; tests that need a fixed time use [`MockIdc::set_now`].
#[allow(clippy::disallowed_methods)]
fn system_now() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
}

pub(crate) fn random(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}
