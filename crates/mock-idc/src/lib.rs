//! A mock AWS IAM Identity Center for the `ssoexec` test suite, demo and benchmarks (the
//! test-support crate `ssoexec-mock-idc`, as cargo has `cargo-test-support`).
//!
//! One wiremock server on 127.0.0.1 answers every service the CLI talks to, so a test points
//! `AWS_ENDPOINT_URL_SSO_OIDC`, `_SSO`, `_STS` and `_EKS` all at [`MockIdc::uri`]:
//!
//! - SSO OIDC (`/client/register`, `/device_authorization`, `/token`) plus the two pages a
//!   browser would visit (`/device`, `/authorize`),
//! - the SSO portal (`/federation/credentials`, `/assignment/*`, `/logout`), with any number of
//!   generated accounts and roles ([`MockIdc::with_accounts`]),
//! - STS in the `query` protocol (`/` with `Action=...`); `AssumeRole` verifies the SigV4
//!   signature against the secret the mock issued and honours external ids, MFA, session
//!   policies, policy ARNs, tags and durations,
//! - EKS `ListClusters` and `DescribeCluster`, per account (from the signing access key) and
//!   region (from the credential scope),
//! - the console federation endpoint (`/federation?Action=getSigninToken|login`),
//! - the GitHub Actions OIDC token endpoint (`/github/token`),
//! - a control plane for external processes: `GET /__mock/stats` (counts per operation and
//!   `maxInFlight`), `POST /__mock/reset`, `GET /__mock/github` (the request URL and bearer for
//!   the GitHub endpoint), `GET /__mock/federation` (the last sign-in session received) and
//!   `GET /__mock/assume-role` (every `AssumeRole` call, parsed).
//!
//! Faults: [`MockIdc::fail_next`] (any status), [`MockIdc::set_throttle`] (every Nth request or a
//! seeded probability, answered with each service's throttling error), latency and hangs, and a
//! hostile paginator ([`MockIdc::set_repeat_next_token`]).
//!
//! Credentials: every access key the mock issues is a handle into its table of issued
//! credentials, which records the account, role, secret, session token, expiry and whether the
//! credentials came from role chaining. STS, EKS and the federation endpoint look the signing
//! key up there, so `GetRoleCredentials` → `AssumeRole` → `AssumeRole` → EKS chains work. Keys
//! keep their historical shapes: `ASIAMOCK` + 12-digit serial (portal), `ASIAMOCKROLE` +
//! 8-digit serial (`AssumeRole`), `ASIAMOCKWEBID` + 7-digit serial (web identity).
//!
//! Wire formats follow `docs/sso-oidc.md`, `docs/portal.md`, `docs/sts.md`, `docs/eks.md` and
//! `docs/console.md`; status codes and error names follow botocore's service models, which
//! `tests/it/mock_selftest.rs` checks the mock against. A single catch-all
//! wiremock `Mock` hands every request to `Responder`, which records it, applies the injected
//! faults and delays, and dispatches on method and path. The server runs on wiremock's own
//! thread, so a test may block on a subprocess while the mock keeps serving.

// Handlers return `Result<ResponseTemplate, ResponseTemplate>` so validation can use `?`; the
// error is a whole HTTP response built at most once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::prelude::{BASE64_STANDARD, BASE64_URL_SAFE_NO_PAD, Engine as _};
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const PORTAL_TYPE_PREFIX: &str = "com.amazonaws.switchboard.portal#";
const DEFAULT_ACCOUNT: &str = "111111111111";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const AUTH_CODE_LIFETIME: i64 = 600;
const HANG: Duration = Duration::from_hours(1);

/// The operation a request was classified as; used for counting, faults and delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    RegisterClient,
    StartDeviceAuthorization,
    CreateTokenDevice,
    CreateTokenRefresh,
    CreateTokenAuthCode,
    Authorize,
    DeviceVerify,
    GetRoleCredentials,
    ListAccounts,
    ListAccountRoles,
    Logout,
    AssumeRoleWithWebIdentity,
    AssumeRole,
    GetCallerIdentity,
    DescribeCluster,
    GithubToken,
    ListClusters,
    GetSigninToken,
    ConsoleLogin,
    Other,
}

impl Op {
    /// Every operation, in declaration order.
    pub const ALL: [Op; 20] = [
        Op::RegisterClient,
        Op::StartDeviceAuthorization,
        Op::CreateTokenDevice,
        Op::CreateTokenRefresh,
        Op::CreateTokenAuthCode,
        Op::Authorize,
        Op::DeviceVerify,
        Op::GetRoleCredentials,
        Op::ListAccounts,
        Op::ListAccountRoles,
        Op::Logout,
        Op::AssumeRoleWithWebIdentity,
        Op::AssumeRole,
        Op::GetCallerIdentity,
        Op::DescribeCluster,
        Op::GithubToken,
        Op::ListClusters,
        Op::GetSigninToken,
        Op::ConsoleLogin,
        Op::Other,
    ];

    /// The operations [`MockIdc::set_throttle`] applies to when given no list: the portal, STS
    /// and EKS (the OIDC token endpoint has its own `slow_down` knob).
    pub const THROTTLEABLE: [Op; 9] = [
        Op::GetRoleCredentials,
        Op::ListAccounts,
        Op::ListAccountRoles,
        Op::AssumeRole,
        Op::AssumeRoleWithWebIdentity,
        Op::GetCallerIdentity,
        Op::ListClusters,
        Op::DescribeCluster,
        Op::GetSigninToken,
    ];
}

/// One request the mock received (control-plane requests are not recorded).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string without `?`, empty when there is none.
    pub query: String,
    /// Header names are lower-case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub op: Op,
}

impl Recorded {
    fn from_request(req: &Request, op: Op) -> Recorded {
        let headers = req
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        Recorded {
            method: req.method.as_str().to_owned(),
            path: req.url.path().to_owned(),
            query: req.url.query().unwrap_or_default().to_owned(),
            headers,
            body: String::from_utf8_lossy(&req.body).into_owned(),
            op,
        }
    }

    /// The first value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A percent-decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// The one-time code an MFA-protected role ([`MockIdc::require_mfa`]) accepts as `TokenCode`.
pub const MFA_CODE: &str = "123456";

/// How [`MockIdc::set_throttle`] picks the requests it throttles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// The Nth, 2Nth, 3Nth, … request of each throttled operation (counted per operation).
    EveryNth(u64),
    /// Each request with probability `percent`/100, decided by a PRNG seeded with `seed`: the
    /// same seed and the same request order give the same decisions.
    Random { percent: u8, seed: u64 },
}

/// An `AssumeRole` call the mock accepted (signature verified, every check passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleCall {
    /// The ARN of the credentials that signed the call.
    pub caller_arn: String,
    pub role_arn: String,
    pub session_name: String,
    pub duration_seconds: i64,
    pub external_id: Option<String>,
    pub serial_number: Option<String>,
    pub token_code: Option<String>,
    pub policy: Option<String>,
    /// `PolicyArns.member.N.arn`, in N order.
    pub policy_arns: Vec<String>,
    /// `Tags.member.N.Key`/`.Value`, in N order.
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    /// The access key id of the credentials issued.
    pub access_key_id: String,
}

/// What the console federation endpoint last received for `Action=getSigninToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninRequest {
    /// The `Session` parameter as sent (JSON text).
    pub session: String,
    pub session_duration: Option<String>,
}

/// A running mock Identity Center; dropping it stops the server.
pub struct MockIdc {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl MockIdc {
    /// Starts on 127.0.0.1 with an OS-chosen port.
    pub async fn start() -> MockIdc {
        Self::launch(MockServer::builder()).await
    }

    /// Starts on an already bound listener (the `mock_idc` example uses this for `--port`).
    pub async fn start_on(listener: std::net::TcpListener) -> MockIdc {
        Self::launch(MockServer::builder().listener(listener)).await
    }

    async fn launch(builder: wiremock::MockServerBuilder) -> MockIdc {
        // We keep our own request log, so wiremock's (unbounded) one is switched off.
        let server = builder.disable_request_recording().start().await;
        let state = Arc::new(Mutex::new(State::new(server.uri())));
        let responder = Responder {
            state: Arc::clone(&state),
        };
        server
            .register(Mock::given(any()).respond_with(responder))
            .await;
        MockIdc { server, state }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut lock(&self.state))
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn count(&self, op: Op) -> usize {
        self.with(|st| st.recorded.iter().filter(|r| r.op == op).count())
    }

    pub fn total_requests(&self) -> usize {
        self.with(|st| st.recorded.len())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|st| st.recorded.clone())
    }

    /// Forgets every recorded request, so all counts start again from zero.
    pub fn reset_counts(&self) {
        self.with(State::reset_counts);
    }

    /// The mock's clock in epoch seconds (system time unless [`MockIdc::set_now`] was called).
    pub fn now(&self) -> i64 {
        self.with(|st| st.now())
    }

    /// Freezes the mock's clock; every expiry the mock issues or checks uses it.
    pub fn set_now(&self, epoch_secs: i64) {
        self.with(|st| st.knobs.now = Some(epoch_secs));
    }

    /// Moves the mock's clock forward (freezing it if it was following system time).
    pub fn advance_clock(&self, secs: i64) {
        self.with(|st| st.knobs.now = Some(st.now() + secs));
    }

    pub fn set_access_token_ttl(&self, secs: i64) {
        self.with(|st| st.knobs.access_token_ttl = secs);
    }

    pub fn set_role_credentials_ttl(&self, secs: i64) {
        self.with(|st| st.knobs.role_credentials_ttl = secs);
    }

    pub fn set_device_expires_in(&self, secs: i64) {
        self.with(|st| st.knobs.device_expires_in = secs);
    }

    pub fn set_poll_interval(&self, secs: i64) {
        self.with(|st| st.knobs.poll_interval = secs);
    }

    /// Device codes are approved as soon as they are created.
    pub fn set_auto_approve(&self, on: bool) {
        self.with(|st| st.knobs.auto_approve = on);
    }

    pub fn set_issue_refresh_tokens(&self, on: bool) {
        self.with(|st| st.knobs.issue_refresh_tokens = on);
    }

    /// The next `times` requests classified as `op` fail with `status` and an AWS-shaped body.
    pub fn fail_next(&self, op: Op, status: u16, times: usize) {
        self.with(|st| st.knobs.faults.insert(op, (status, times)));
    }

    /// Delays responses to `op` (or to every operation for `None`); 0 removes the delay.
    pub fn set_latency(&self, op: Option<Op>, ms: u64) {
        self.with(|st| match op {
            Some(op) => {
                st.knobs.latency.insert(op, ms);
            }
            None => st.knobs.latency_all = ms,
        });
    }

    /// Responses to `op` are held back for an hour (the request is still recorded).
    pub fn set_hang(&self, op: Op, on: bool) {
        self.with(|st| {
            if on {
                st.knobs.hang.insert(op);
            } else {
                st.knobs.hang.remove(&op);
            }
        });
    }

    /// The next device approval or `/authorize` visit is a user denial.
    pub fn deny_next_approval(&self) {
        self.with(|st| st.knobs.deny_next_approval = true);
    }

    /// The next `times` device-code polls answer `slow_down`.
    pub fn slow_down_next(&self, times: usize) {
        self.with(|st| st.knobs.slow_down_next = times);
    }

    /// Every device code issued so far answers `expired_token` from now on.
    pub fn expire_device_codes(&self) {
        self.with(|st| st.device_codes.values_mut().for_each(|d| d.expired = true));
    }

    /// Approves every pending device code, as if the user had entered each one; returns how many.
    pub fn approve_pending_devices(&self) -> usize {
        self.with(|st| {
            let pending = st
                .device_codes
                .values_mut()
                .filter(|d| d.status == DeviceStatus::Pending);
            pending.map(|d| d.status = DeviceStatus::Approved).count()
        })
    }

    /// While on, every `refresh_token` grant answers `invalid_grant`.
    pub fn refresh_fails(&self, on: bool) {
        self.with(|st| st.knobs.refresh_fails = on);
    }

    /// Makes a foreign access token (e.g. from an AWS CLI cache fixture) valid until the epoch.
    pub fn accept_access_token(&self, token: &str, expires_epoch: i64) {
        self.with(|st| st.access_tokens.insert(token.to_owned(), expires_epoch));
    }

    /// Makes a foreign refresh token valid for any client.
    pub fn accept_refresh_token(&self, token: &str) {
        self.with(|st| st.refresh_tokens.insert(token.to_owned(), None));
    }

    /// Registers a foreign client (e.g. from a CLI registration cache fixture) for every grant.
    pub fn accept_client(&self, client_id: &str, client_secret: &str) {
        let grants = [DEVICE_GRANT, "refresh_token", "authorization_code"];
        let client = Client {
            secret: client_secret.to_owned(),
            grant_types: grants.iter().map(|g| (*g).to_owned()).collect(),
            scopes: Vec::new(),
            redirect_uris: Vec::new(),
        };
        self.with(|st| st.clients.insert(client_id.to_owned(), client));
    }

    /// Invalidates every access and refresh token issued or accepted so far.
    pub fn revoke_all_tokens(&self) {
        self.with(|st| {
            st.access_tokens.clear();
            st.refresh_tokens.clear();
        });
    }

    /// Adds an account, or replaces the one with the same id.
    pub fn add_account(&self, account_id: &str, name: &str, email: &str, roles: &[&str]) {
        let account = Account::new(account_id, name, email, roles);
        self.with(|st| {
            st.accounts.retain(|a| a.id != account_id);
            st.accounts.push(account);
        });
    }

    /// Page size of ListAccounts/ListAccountRoles when `max_result` is absent or larger.
    pub fn set_page_size(&self, n: usize) {
        self.with(|st| st.knobs.page_size = n.max(1));
    }

    /// The value for `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub fn github_request_token(&self) -> String {
        self.with(|st| st.github_request_token.clone())
    }

    /// The value for `ACTIONS_ID_TOKEN_REQUEST_URL` (it already has a query string).
    pub fn github_token_url(&self) -> String {
        format!("{}/github/token?x=1", self.uri())
    }

    /// From now on, STS secrets have `/` and `+` for the next `n` issues, then only letters and
    /// digits (`None`: always `/` and `+`, the default).
    pub fn sts_plain_secrets_after(&self, n: Option<usize>) {
        self.with(|st| st.knobs.sts_plain_secrets_after = n);
    }

    /// While `Some`, `AssumeRoleWithWebIdentity` fails with that STS error code.
    pub fn sts_fail_web_identity(&self, code: Option<&str>) {
        self.with(|st| st.knobs.sts_web_identity_error = code.map(str::to_owned));
    }

    // ---- Scale

    /// Replaces every account with `accounts` generated ones: ids `100000000001`,
    /// `100000000002`, … (`100000000000 + i`, 12 digits), names `account-0001`, …, emails
    /// `account-0001@example.com`, each with the first `roles` names of [`generated_role_name`].
    pub fn with_accounts(&self, accounts: usize, roles: usize) -> &Self {
        let generated: Vec<Account> = (1..=accounts)
            .map(|i| {
                let roles: Vec<String> = (1..=roles).map(generated_role_name).collect();
                Account {
                    id: generated_account_id(i),
                    name: format!("account-{i:04}"),
                    email: format!("account-{i:04}@example.com"),
                    roles,
                }
            })
            .collect();
        self.with(|st| st.accounts = generated);
        self
    }

    /// The ids of every account, in `ListAccounts` order.
    pub fn account_ids(&self) -> Vec<String> {
        self.with(|st| st.accounts.iter().map(|a| a.id.clone()).collect())
    }

    /// Throttles `ops` (every operation in [`Op::THROTTLEABLE`] when empty) as `throttle`
    /// says, with each service's error: the portal 429 `TooManyRequestsException` (as its model
    /// declares), STS 400 `Throttling` ("Rate exceeded"), EKS 429 `ThrottlingException`, the
    /// federation endpoint 429. `None` stops throttling. Throttled requests are recorded.
    pub fn set_throttle(&self, ops: &[Op], throttle: Option<Throttle>) -> &Self {
        let ops = if ops.is_empty() {
            Op::THROTTLEABLE.to_vec()
        } else {
            ops.to_vec()
        };
        self.with(|st| {
            st.throttle_seen.clear();
            st.rng = match throttle {
                Some(Throttle::Random { seed, .. }) => seed,
                _ => 0,
            };
            st.knobs.throttle = throttle.map(|t| (ops, t));
        });
        self
    }

    /// How many requests were answered with a throttling error.
    pub fn throttled(&self) -> usize {
        self.with(|st| st.throttled)
    }

    /// Hostile pagination: while on, every `ListAccounts`, `ListAccountRoles` and `ListClusters`
    /// page is the first one and carries the same `nextToken`, forever.
    /// Hostile device authorization: these fields replace the ones the mock would send in
    /// every `StartDeviceAuthorization` reply (e.g. a `verificationUriComplete` of `--help`).
    pub fn set_device_reply_fields(&self, fields: Value) -> &Self {
        self.with(|st| st.knobs.device_reply_fields = Some(fields));
        self
    }

    pub fn set_repeat_next_token(&self, on: bool) -> &Self {
        self.with(|st| st.knobs.repeat_next_token = on);
        self
    }

    /// The most requests for `op` that were in flight at once. A request is in flight from its
    /// arrival until its response is due (after any latency or hang), so set a latency
    /// ([`MockIdc::set_latency`]) to measure a client's concurrency.
    pub fn max_in_flight(&self, op: Op) -> usize {
        self.with(|st| st.max_in_flight.get(&op).copied().unwrap_or(0))
    }

    // ---- EKS

    /// Declares the EKS clusters of `account` in `region` (replacing earlier ones there). Once
    /// any clusters are declared, `DescribeCluster` knows only declared clusters (404
    /// `ResourceNotFoundException` otherwise); before that it describes any name but `missing`
    /// and `ListClusters` returns none.
    pub fn with_clusters(&self, account: &str, region: &str, names: &[&str]) -> &Self {
        let names = names.iter().map(|n| (*n).to_owned()).collect();
        self.with(|st| {
            st.clusters
                .get_or_insert_with(HashMap::new)
                .insert((account.to_owned(), region.to_owned()), names);
        });
        self
    }

    /// Gives every current account `per_account` clusters in each of `regions`, named
    /// `<account name>-<region>-<k>` (e.g. `account-0001-eu-west-1-1`).
    pub fn with_clusters_per_account(&self, per_account: usize, regions: &[&str]) -> &Self {
        self.with(|st| {
            let accounts: Vec<(String, String)> = st
                .accounts
                .iter()
                .map(|a| (a.id.clone(), a.name.clone()))
                .collect();
            let clusters = st.clusters.get_or_insert_with(HashMap::new);
            for (id, name) in accounts {
                for region in regions {
                    let names = (1..=per_account)
                        .map(|k| format!("{name}-{region}-{k}"))
                        .collect();
                    clusters.insert((id.clone(), (*region).to_owned()), names);
                }
            }
        });
        self
    }

    /// Credentials of `role` in `account` get 403 `AccessDeniedException` from EKS.
    pub fn deny_eks(&self, account: &str, role: &str) -> &Self {
        self.with(|st| st.rule(account, role).eks_denied = true);
        self
    }

    /// EKS is "not enabled" in `region`: like an opt-in region the account has not enabled,
    /// every EKS call signed for it gets 403 `UnrecognizedClientException` ("The security token
    /// included in the request is invalid").
    pub fn disable_eks_region(&self, region: &str) -> &Self {
        self.with(|st| st.eks_disabled_regions.insert(region.to_owned()));
        self
    }

    // ---- STS

    /// `AssumeRole` into `role` in `account` needs `ExternalId` = `external_id` (403
    /// `AccessDenied` otherwise).
    pub fn require_external_id(&self, account: &str, role: &str, external_id: &str) -> &Self {
        self.with(|st| st.rule(account, role).external_id = Some(external_id.to_owned()));
        self
    }

    /// `AssumeRole` into `role` in `account` needs `SerialNumber` and `TokenCode` =
    /// [`MFA_CODE`] (403 `AccessDenied` otherwise).
    pub fn require_mfa(&self, account: &str, role: &str) -> &Self {
        self.with(|st| st.rule(account, role).mfa = true);
        self
    }

    /// Accepts long-term IAM user keys (no session token), as a shared credentials file holds
    /// them: STS verifies signatures made with `secret`, and the caller is
    /// `arn:aws:iam::ACCOUNT:user/USER`.
    pub fn add_static_credentials(
        &self,
        account: &str,
        user: &str,
        access_key_id: &str,
        secret: &str,
    ) -> &Self {
        self.with(|st| {
            st.identities.insert(
                access_key_id.to_owned(),
                Identity {
                    account: account.to_owned(),
                    arn: format!("arn:aws:iam::{account}:user/{user}"),
                    user_id: format!("AIDAMOCK{user}"),
                    role: String::new(),
                    secret: secret.to_owned(),
                    session_token: String::new(),
                    expires: i64::MAX,
                    chained: false,
                },
            )
        });
        self
    }

    /// Every `AssumeRole` call accepted so far, oldest first.
    pub fn assume_role_calls(&self) -> Vec<AssumeRoleCall> {
        self.with(|st| st.assume_role_calls.clone())
    }

    // ---- Console federation

    /// The last `getSigninToken` request the federation endpoint accepted.
    pub fn last_signin_request(&self) -> Option<SigninRequest> {
        self.with(|st| st.last_signin.clone())
    }
}

/// The account id of generated account `i` (1-based): `100000000000 + i`, 12 digits.
pub fn generated_account_id(i: usize) -> String {
    format!("{:012}", 100_000_000_000_usize + i)
}

/// The name of generated role `k` (1-based): realistic permission-set names for the first ten,
/// then `Role11`, `Role12`, ….
pub fn generated_role_name(k: usize) -> String {
    const NAMES: [&str; 10] = [
        "AdministratorAccess",
        "ReadOnlyAccess",
        "PowerUserAccess",
        "ViewOnlyAccess",
        "Billing",
        "SecurityAudit",
        "DatabaseAdministrator",
        "NetworkAdministrator",
        "SupportUser",
        "DataScientist",
    ];
    match k.checked_sub(1).and_then(|i| NAMES.get(i)) {
        Some(name) => (*name).to_owned(),
        None => format!("Role{k}"),
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock cannot leave the maps half-updated in a way that matters
    // to a mock, so keep serving rather than cascade the panic into every later request.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Knobs {
    now: Option<i64>,
    access_token_ttl: i64,
    role_credentials_ttl: i64,
    device_expires_in: i64,
    poll_interval: i64,
    auto_approve: bool,
    issue_refresh_tokens: bool,
    page_size: usize,
    deny_next_approval: bool,
    slow_down_next: usize,
    refresh_fails: bool,
    sts_web_identity_error: Option<String>,
    /// While `Some(n)`: the next `n` STS secrets have `/` and `+` (as usual), later ones are
    /// letters and digits only (for `special-characters-workaround`).
    sts_plain_secrets_after: Option<usize>,
    faults: HashMap<Op, (u16, usize)>,
    latency_all: u64,
    latency: HashMap<Op, u64>,
    hang: HashSet<Op>,
    throttle: Option<(Vec<Op>, Throttle)>,
    repeat_next_token: bool,
    device_reply_fields: Option<Value>,
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

struct Client {
    secret: String,
    grant_types: Vec<String>,
    /// Empty means "any"; otherwise `/authorize` scopes must be among these.
    scopes: Vec<String>,
    /// Empty means "any loopback URI"; otherwise matched ignoring the port (RFC 8252 §7.3).
    redirect_uris: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    Consumed,
}

struct DeviceCode {
    client_id: String,
    user_code: String,
    created: i64,
    expires_in: i64,
    status: DeviceStatus,
    expired: bool,
}

struct AuthCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    issued: i64,
    used: bool,
}

struct Account {
    id: String,
    name: String,
    email: String,
    roles: Vec<String>,
}

impl Account {
    fn new(id: &str, name: &str, email: &str, roles: &[&str]) -> Account {
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
struct RoleRule {
    external_id: Option<String>,
    mfa: bool,
    eks_denied: bool,
}

/// Credentials the mock issued, keyed by access key id: who STS `GetCallerIdentity` reports,
/// what STS, EKS and the federation endpoint check a signature or session against.
#[derive(Clone)]
struct Identity {
    account: String,
    arn: String,
    user_id: String,
    /// The role name (empty for the fallback identity of a key the mock never issued).
    role: String,
    secret: String,
    session_token: String,
    expires: i64,
    /// Issued by `AssumeRole`: console sessions may not set `SessionDuration`, and a further
    /// `AssumeRole` is limited to one hour.
    chained: bool,
}

/// The claims STS needs from a GitHub token the mock issued.
#[derive(Clone)]
struct WebIdentity {
    subject: String,
    audience: String,
}

struct State {
    base_uri: String,
    knobs: Knobs,
    serials: HashMap<&'static str, u64>,
    clients: HashMap<String, Client>,
    device_codes: HashMap<String, DeviceCode>,
    auth_codes: HashMap<String, AuthCode>,
    /// access token → expiry (epoch seconds)
    access_tokens: HashMap<String, i64>,
    /// refresh token → the client it was issued to (`None`: accepted from a fixture, any client)
    refresh_tokens: HashMap<String, Option<String>>,
    accounts: Vec<Account>,
    identities: HashMap<String, Identity>,
    github_request_token: String,
    github_tokens: HashMap<String, WebIdentity>,
    recorded: Vec<Recorded>,
    throttle_seen: HashMap<Op, u64>,
    throttled: usize,
    rng: u64,
    /// (account, role) → rule
    role_rules: HashMap<(String, String), RoleRule>,
    /// (account, region) → cluster names; `None` until a test declares clusters.
    clusters: Option<HashMap<(String, String), Vec<String>>>,
    eks_disabled_regions: HashSet<String>,
    assume_role_calls: Vec<AssumeRoleCall>,
    last_signin: Option<SigninRequest>,
    /// sign-in token → the access key of the session it was issued for
    signin_tokens: HashMap<String, String>,
    /// op → when each response still in flight is due
    in_flight: HashMap<Op, Vec<Instant>>,
    max_in_flight: HashMap<Op, usize>,
}

impl State {
    fn new(base_uri: String) -> State {
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

    fn now(&self) -> i64 {
        self.knobs.now.unwrap_or_else(system_now)
    }

    /// 1, 2, 3, … separately for each kind of identifier.
    fn serial(&mut self, kind: &'static str) -> u64 {
        let n = self.serials.entry(kind).or_insert(0);
        *n += 1;
        *n
    }

    fn take_denial(&mut self) -> bool {
        std::mem::take(&mut self.knobs.deny_next_approval)
    }

    fn take_fault(&mut self, op: Op) -> Option<u16> {
        let (status, times) = self.knobs.faults.get_mut(&op)?;
        if *times == 0 {
            return None;
        }
        *times -= 1;
        Some(*status)
    }

    fn delay_for(&self, op: Op) -> Option<Duration> {
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

    fn bearer_is_valid(&self, req: &Request) -> bool {
        let token = header(req, "x-amz-sso_bearer_token");
        token
            .and_then(|t| self.access_tokens.get(t))
            .is_some_and(|&exp| self.now() < exp)
    }

    fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    fn reset_counts(&mut self) {
        self.recorded.clear();
        self.max_in_flight.clear();
        self.throttled = 0;
    }

    fn rule(&mut self, account: &str, role: &str) -> &mut RoleRule {
        self.role_rules
            .entry((account.to_owned(), role.to_owned()))
            .or_default()
    }

    fn rule_of(&self, account: &str, role: &str) -> Option<&RoleRule> {
        self.role_rules.get(&(account.to_owned(), role.to_owned()))
    }

    /// Whether this request of `op` is to be throttled (and counts it).
    fn take_throttle(&mut self, op: Op) -> bool {
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
    fn track_in_flight(&mut self, op: Op, delay: Option<Duration>) {
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

fn random(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// The wiremock responder behind the catch-all mock.
struct Responder {
    state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = lock(&self.state);
        if let Some(reply) = control_plane(&mut st, req) {
            return reply;
        }
        let op = classify(req);
        st.recorded.push(Recorded::from_request(req, op));
        let reply = match st.take_fault(op) {
            Some(status) => fault_reply(op, status),
            None if st.take_throttle(op) => throttle_reply(op),
            None => handle(&mut st, op, req).unwrap_or_else(|error| error),
        };
        // The `Date` header tells clients the server's (mock) time, as real AWS endpoints do.
        let reply = reply.insert_header("date", http_date(st.now()));
        let delay = st.delay_for(op);
        st.track_in_flight(op, delay);
        match delay {
            Some(delay) => reply.set_delay(delay),
            None => reply,
        }
    }
}

/// An IMF-fixdate (`Thu, 26 Nov 2026 10:00:00 GMT`) for an epoch second.
fn http_date(epoch: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(epoch.max(0) as u64);
    httpdate::fmt_http_date(t)
}

/// Both arms are complete responses; `Err` lets handlers use `?` on validation failures.
type Reply = Result<ResponseTemplate, ResponseTemplate>;

fn classify(req: &Request) -> Op {
    match (req.method.as_str(), req.url.path()) {
        ("POST", "/client/register") => Op::RegisterClient,
        ("POST", "/device_authorization") => Op::StartDeviceAuthorization,
        ("POST", "/token") => classify_grant(req),
        ("GET", "/authorize") => Op::Authorize,
        ("GET", "/device") => Op::DeviceVerify,
        ("GET", "/federation/credentials") => Op::GetRoleCredentials,
        ("GET", "/assignment/accounts") => Op::ListAccounts,
        ("GET", "/assignment/roles") => Op::ListAccountRoles,
        ("POST", "/logout") => Op::Logout,
        ("GET", "/github/token") => Op::GithubToken,
        ("GET" | "POST", "/") => classify_sts(req),
        ("GET", "/clusters") => Op::ListClusters,
        ("GET", path) if cluster_name(path).is_some() => Op::DescribeCluster,
        ("GET", "/federation") => match query_param(req, "Action").as_deref() {
            Some("getSigninToken") => Op::GetSigninToken,
            Some("login") => Op::ConsoleLogin,
            _ => Op::Other,
        },
        _ => Op::Other,
    }
}

fn classify_grant(req: &Request) -> Op {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
    match body.get("grantType").and_then(Value::as_str) {
        Some(DEVICE_GRANT) => Op::CreateTokenDevice,
        Some("refresh_token") => Op::CreateTokenRefresh,
        Some("authorization_code") => Op::CreateTokenAuthCode,
        _ => Op::Other,
    }
}

fn classify_sts(req: &Request) -> Op {
    match sts_params(req).get("Action").map(String::as_str) {
        Some("AssumeRoleWithWebIdentity") => Op::AssumeRoleWithWebIdentity,
        Some("AssumeRole") => Op::AssumeRole,
        Some("GetCallerIdentity") => Op::GetCallerIdentity,
        _ => Op::Other,
    }
}

fn cluster_name(path: &str) -> Option<&str> {
    path.strip_prefix("/clusters/")
        .filter(|n| !n.is_empty() && !n.contains('/'))
}

fn handle(st: &mut State, op: Op, req: &Request) -> Reply {
    match op {
        Op::RegisterClient => register_client(st, req),
        Op::StartDeviceAuthorization => start_device_authorization(st, req),
        Op::CreateTokenDevice | Op::CreateTokenRefresh | Op::CreateTokenAuthCode => {
            create_token(st, op, req)
        }
        Op::Authorize => Ok(authorize(st, req)),
        Op::DeviceVerify => Ok(device_verify(st, req)),
        Op::GetRoleCredentials => get_role_credentials(st, req),
        Op::ListAccounts => list_accounts(st, req),
        Op::ListAccountRoles => list_account_roles(st, req),
        Op::Logout => logout(st, req),
        Op::AssumeRoleWithWebIdentity => assume_role_with_web_identity(st, req),
        Op::AssumeRole => assume_role(st, req),
        Op::GetCallerIdentity => get_caller_identity(st, req),
        Op::DescribeCluster => describe_cluster(st, req),
        Op::GithubToken => github_token(st, req),
        Op::ListClusters => list_clusters(st, req),
        Op::GetSigninToken => get_signin_token(st, req),
        Op::ConsoleLogin => console_login(st, req),
        Op::Other => Err(unknown_route(req)),
    }
}

fn unknown_route(req: &Request) -> ResponseTemplate {
    let path = req.url.path();
    if path == "/token" {
        return match parse_json::<Value>(req) {
            Ok(_) => oidc_error("UnsupportedGrantTypeException", "Unsupported grant type"),
            Err(invalid) => invalid,
        };
    }
    if path == "/" {
        return sts_error(400, "InvalidAction", "Could not find operation");
    }
    if path == "/federation" {
        return text_reply(400, "Action must be getSigninToken or login");
    }
    let message = format!("mock: no route for {} {path}", req.method);
    json_reply(404, &json!({ "message": message }))
}

// ---------------------------------------------------------------------------------------------
// Response helpers

fn json_reply(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

fn html_page(status: u16, title: &str, text: &str) -> ResponseTemplate {
    let body = format!(
        "<!DOCTYPE html><html><head><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p></body></html>",
        xml_escape(title),
        xml_escape(text)
    );
    ResponseTemplate::new(status).set_body_raw(body, "text/html; charset=utf-8")
}

/// SSO OIDC errors (`docs/sso-oidc.md`): smithy name (sent in `x-amzn-ErrorType`), status, OAuth `error`.
const OIDC_ERRORS: [(&str, u16, &str); 10] = [
    (
        "AuthorizationPendingException",
        400,
        "authorization_pending",
    ),
    ("SlowDownException", 400, "slow_down"),
    ("ExpiredTokenException", 400, "expired_token"),
    ("AccessDeniedException", 400, "access_denied"),
    ("InvalidGrantException", 400, "invalid_grant"),
    ("InvalidClientException", 401, "invalid_client"),
    (
        "UnsupportedGrantTypeException",
        400,
        "unsupported_grant_type",
    ),
    ("InvalidRequestException", 400, "invalid_request"),
    (
        "InvalidClientMetadataException",
        400,
        "invalid_client_metadata",
    ),
    ("UnauthorizedClientException", 400, "unauthorized_client"),
];

/// An OIDC error by smithy name; names outside [`OIDC_ERRORS`] are programming errors.
fn oidc_error(smithy: &str, description: &str) -> ResponseTemplate {
    let (status, error) = OIDC_ERRORS
        .iter()
        .find(|(name, ..)| *name == smithy)
        .map_or((500, "server_error"), |&(_, status, error)| (status, error));
    oidc_error_parts(status, smithy, error, description)
}

fn oidc_error_parts(status: u16, smithy: &str, error: &str, description: &str) -> ResponseTemplate {
    json_reply(
        status,
        &json!({ "error": error, "error_description": description }),
    )
    .insert_header("x-amzn-errortype", smithy)
}

/// A rest-json error as the SSO portal sends it (`__type` carries the namespace).
fn portal_error(status: u16, smithy: &str, message: &str) -> ResponseTemplate {
    let body = json!({ "message": message, "__type": format!("{PORTAL_TYPE_PREFIX}{smithy}") });
    json_reply(status, &body).insert_header("x-amzn-errortype", smithy)
}

/// A rest-json error as EKS sends it (type only in the header).
fn eks_error(status: u16, smithy: &str, message: &str) -> ResponseTemplate {
    json_reply(status, &json!({ "message": message })).insert_header("x-amzn-errortype", smithy)
}

fn sts_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>{}</RequestId></ErrorResponse>",
        xml_escape(code),
        xml_escape(message),
        request_id()
    );
    ResponseTemplate::new(status).set_body_raw(body, "text/xml")
}

fn text_reply(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(text.to_owned(), "text/plain; charset=utf-8")
}

/// Each service's answer to a throttled request (see [`MockIdc::set_throttle`]).
fn throttle_reply(op: Op) -> ResponseTemplate {
    let message = "Rate exceeded";
    match op {
        Op::AssumeRoleWithWebIdentity | Op::AssumeRole | Op::GetCallerIdentity => {
            sts_error(400, "Throttling", message)
        }
        Op::ListClusters | Op::DescribeCluster => eks_error(429, "ThrottlingException", message),
        Op::GetSigninToken | Op::ConsoleLogin => text_reply(429, message),
        Op::RegisterClient | Op::StartDeviceAuthorization => {
            oidc_error("SlowDownException", message)
        }
        _ => portal_error(429, "TooManyRequestsException", message),
    }
}

fn sts_reply(action: &str, result: &str) -> ResponseTemplate {
    let body = format!(
        "<{action}Response xmlns=\"{STS_NS}\"><{action}Result>{result}</{action}Result>\
         <ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        request_id()
    );
    ResponseTemplate::new(200).set_body_raw(body, "text/xml")
}

fn fault_reply(op: Op, status: u16) -> ResponseTemplate {
    let name = match status {
        429 => "TooManyRequestsException",
        503 => "ServiceUnavailable",
        s if s >= 500 => "InternalServerException",
        _ => "InvalidRequestException",
    };
    let message = format!("mock: injected {status} fault");
    match op {
        Op::RegisterClient
        | Op::StartDeviceAuthorization
        | Op::CreateTokenDevice
        | Op::CreateTokenRefresh
        | Op::CreateTokenAuthCode => {
            let error = if status >= 500 {
                "server_error"
            } else {
                "too_many_requests"
            };
            oidc_error_parts(status, name, error, &message)
        }
        Op::GetRoleCredentials | Op::ListAccounts | Op::ListAccountRoles | Op::Logout => {
            portal_error(status, name, &message)
        }
        Op::AssumeRoleWithWebIdentity | Op::AssumeRole | Op::GetCallerIdentity => {
            let code = match status {
                429 => "Throttling",
                503 => "ServiceUnavailable",
                s if s >= 500 => "InternalFailure",
                _ => "InvalidRequest",
            };
            sts_error(status, code, &message)
        }
        Op::DescribeCluster | Op::ListClusters => eks_error(status, name, &message),
        Op::GetSigninToken | Op::ConsoleLogin => text_reply(status, &message),
        Op::Authorize | Op::DeviceVerify => html_page(status, "Error", &message),
        Op::GithubToken | Op::Other => json_reply(status, &json!({ "message": message })),
    }
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn request_id() -> String {
    format!("mock-request-{}", random(12))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// RFC 3986 percent-encoding of everything except the unreserved characters.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn iso8601(epoch_secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(epoch_secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

fn pkce_challenge(verifier: &str) -> String {
    BASE64_URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// Control plane

fn control_plane(st: &mut State, req: &Request) -> Option<ResponseTemplate> {
    let route = req.url.path().strip_prefix("/__mock/")?;
    let reply = match (req.method.as_str(), route) {
        ("GET", "stats") => json_reply(200, &stats(st)),
        ("POST", "reset") => {
            st.reset_counts();
            ResponseTemplate::new(200)
        }
        ("GET", "federation") => {
            let last = st.last_signin.as_ref();
            json_reply(
                200,
                &json!({
                    "session": last.map(|l| l.session.clone()),
                    "sessionDuration": last.and_then(|l| l.session_duration.clone()),
                }),
            )
        }
        ("GET", "assume-role") => {
            let calls: Vec<Value> = st
                .assume_role_calls
                .iter()
                .map(assume_role_call_json)
                .collect();
            json_reply(200, &json!({ "calls": calls }))
        }
        ("GET", "github") => {
            let url = format!("{}/github/token?x=1", st.base_uri);
            json_reply(
                200,
                &json!({ "url": url, "token": st.github_request_token }),
            )
        }
        _ => json_reply(404, &json!({ "message": "unknown control-plane route" })),
    };
    Some(reply)
}

fn stats(st: &State) -> Value {
    let mut stats = serde_json::Map::new();
    for op in Op::ALL {
        let count = st.recorded.iter().filter(|r| r.op == op).count();
        stats.insert(format!("{op:?}"), json!(count));
    }
    stats.insert("total".to_owned(), json!(st.recorded.len()));
    stats.insert("throttled".to_owned(), json!(st.throttled));
    let in_flight: serde_json::Map<String, Value> = st
        .max_in_flight
        .iter()
        .map(|(op, n)| (format!("{op:?}"), json!(n)))
        .collect();
    stats.insert("maxInFlight".to_owned(), Value::Object(in_flight));
    Value::Object(stats)
}

// ---------------------------------------------------------------------------------------------
// SSO OIDC

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientRequest {
    client_name: Option<String>,
    client_type: Option<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceAuthorizationRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    start_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    device_code: Option<String>,
    refresh_token: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
}

fn parse_json<T: for<'de> Deserialize<'de>>(req: &Request) -> Result<T, ResponseTemplate> {
    serde_json::from_slice(&req.body).map_err(|e| {
        oidc_error(
            "InvalidRequestException",
            &format!("Invalid request body: {e}"),
        )
    })
}

fn required<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, ResponseTemplate> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(oidc_error(
            "InvalidRequestException",
            &format!("{name} is required"),
        )),
    }
}

/// Checks `clientId`/`clientSecret` and returns the client id.
fn authenticate<'a>(
    st: &State,
    id: Option<&'a str>,
    secret: Option<&str>,
) -> Result<&'a str, ResponseTemplate> {
    let id = required(id, "clientId")?;
    let secret = required(secret, "clientSecret")?;
    match st.clients.get(id) {
        Some(client) if client.secret == secret => Ok(id),
        _ => Err(oidc_error(
            "InvalidClientException",
            "Invalid client provided",
        )),
    }
}

fn register_client(st: &mut State, req: &Request) -> Reply {
    let body: RegisterClientRequest = parse_json(req)?;
    required(body.client_name.as_deref(), "clientName")?;
    if body.client_type.as_deref() != Some("public") {
        return Err(oidc_error(
            "InvalidClientMetadataException",
            "clientType must be public",
        ));
    }
    let n = st.serial("client");
    let now = st.now();
    let (id, secret) = (
        format!("mock-client-{n}"),
        format!("mock-client-secret-{n}-{}", random(16)),
    );
    let grant_types = if body.grant_types.is_empty() {
        vec![DEVICE_GRANT.to_owned(), "refresh_token".to_owned()]
    } else {
        body.grant_types
    };
    let client = Client {
        secret: secret.clone(),
        grant_types,
        scopes: body.scopes,
        redirect_uris: body.redirect_uris,
    };
    st.clients.insert(id.clone(), client);
    Ok(json_reply(
        200,
        &json!({
            "clientId": id,
            "clientSecret": secret,
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + 90 * 86_400,
            "authorizationEndpoint": format!("{}/authorize", st.base_uri),
            "tokenEndpoint": format!("{}/token", st.base_uri),
        }),
    ))
}

fn start_device_authorization(st: &mut State, req: &Request) -> Reply {
    let body: DeviceAuthorizationRequest = parse_json(req)?;
    let client_id =
        authenticate(st, body.client_id.as_deref(), body.client_secret.as_deref())?.to_owned();
    required(body.start_url.as_deref(), "startUrl")?;
    let n = st.serial("device");
    let (device_code, user_code) = (format!("mock-device-code-{n}"), format!("ABCD-{n:04}"));
    let status = if !st.knobs.auto_approve {
        DeviceStatus::Pending
    } else if st.take_denial() {
        DeviceStatus::Denied
    } else {
        DeviceStatus::Approved
    };
    let expires_in = st.knobs.device_expires_in;
    let record = DeviceCode {
        client_id,
        user_code: user_code.clone(),
        created: st.now(),
        expires_in,
        status,
        expired: false,
    };
    st.device_codes.insert(device_code.clone(), record);
    let verification_uri = format!("{}/device", st.base_uri);
    let mut reply = json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": verification_uri,
        "verificationUriComplete": format!("{verification_uri}?user_code={user_code}"),
        "expiresIn": expires_in,
        "interval": st.knobs.poll_interval,
    });
    if let Some(Value::Object(fields)) = &st.knobs.device_reply_fields {
        for (k, v) in fields {
            reply[k] = v.clone();
        }
    }
    Ok(json_reply(200, &reply))
}

fn create_token(st: &mut State, op: Op, req: &Request) -> Reply {
    let body: CreateTokenRequest = parse_json(req)?;
    let client_id =
        authenticate(st, body.client_id.as_deref(), body.client_secret.as_deref())?.to_owned();
    match op {
        Op::CreateTokenDevice => device_code_grant(
            st,
            &client_id,
            required(body.device_code.as_deref(), "deviceCode")?,
        ),
        Op::CreateTokenRefresh => refresh_grant(
            st,
            &client_id,
            required(body.refresh_token.as_deref(), "refreshToken")?,
        ),
        _ => authorization_code_grant(st, &client_id, &body),
    }
}

fn invalid_grant(description: &str) -> ResponseTemplate {
    oidc_error("InvalidGrantException", description)
}

fn device_code_grant(st: &mut State, client_id: &str, device_code: &str) -> Reply {
    let now = st.now();
    let code = match st.device_codes.get_mut(device_code) {
        Some(code) if code.client_id == client_id && code.status != DeviceStatus::Consumed => code,
        _ => return Err(invalid_grant("Invalid device code provided")),
    };
    if st.knobs.slow_down_next > 0 {
        st.knobs.slow_down_next -= 1;
        return Err(oidc_error(
            "SlowDownException",
            "Client is polling too quickly",
        ));
    }
    if code.expired || now > code.created + code.expires_in {
        return Err(oidc_error(
            "ExpiredTokenException",
            "Device code has expired",
        ));
    }
    match code.status {
        DeviceStatus::Pending => Err(oidc_error(
            "AuthorizationPendingException",
            "Authorization is still pending",
        )),
        DeviceStatus::Denied => Err(oidc_error(
            "AccessDeniedException",
            "The user denied the authorization",
        )),
        DeviceStatus::Approved | DeviceStatus::Consumed => {
            code.status = DeviceStatus::Consumed;
            Ok(issue_tokens(st, Some(client_id)))
        }
    }
}

fn refresh_grant(st: &mut State, client_id: &str, refresh_token: &str) -> Reply {
    let owner_matches = match st.refresh_tokens.get(refresh_token) {
        Some(owner) => owner.as_deref().is_none_or(|o| o == client_id),
        None => false,
    };
    if st.knobs.refresh_fails || !owner_matches {
        return Err(invalid_grant("Invalid refresh token provided"));
    }
    Ok(issue_tokens(st, Some(client_id)))
}

fn authorization_code_grant(st: &mut State, client_id: &str, body: &CreateTokenRequest) -> Reply {
    let code = required(body.code.as_deref(), "code")?;
    let redirect_uri = required(body.redirect_uri.as_deref(), "redirectUri")?;
    let verifier = required(body.code_verifier.as_deref(), "codeVerifier")?;
    let now = st.now();
    let grant = match st.auth_codes.get_mut(code) {
        Some(g) if !g.used && g.client_id == client_id && now <= g.issued + AUTH_CODE_LIFETIME => g,
        _ => return Err(invalid_grant("Invalid authorization code provided")),
    };
    if grant.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirectUri does not match the authorization request",
        ));
    }
    if pkce_challenge(verifier) != grant.challenge {
        return Err(invalid_grant(
            "Code verifier does not match the code challenge",
        ));
    }
    grant.used = true;
    Ok(issue_tokens(st, Some(client_id)))
}

fn issue_tokens(st: &mut State, client_id: Option<&str>) -> ResponseTemplate {
    let n = st.serial("token");
    let ttl = st.knobs.access_token_ttl;
    let access_token = format!("mock-access-{n}-{}", random(24));
    st.access_tokens
        .insert(access_token.clone(), st.now() + ttl);
    let mut body = json!({ "accessToken": access_token, "tokenType": "Bearer", "expiresIn": ttl });
    if st.knobs.issue_refresh_tokens {
        let refresh_token = format!("mock-refresh-{n}-{}", random(24));
        st.refresh_tokens
            .insert(refresh_token.clone(), client_id.map(str::to_owned));
        body["refreshToken"] = json!(refresh_token);
    }
    json_reply(200, &body)
}

// ---------------------------------------------------------------------------------------------
// Browser pages

fn device_verify(st: &mut State, req: &Request) -> ResponseTemplate {
    let Some(user_code) = query_param(req, "user_code") else {
        return html_page(400, "Invalid request", "user_code is missing");
    };
    let pending = st
        .device_codes
        .values_mut()
        .find(|d| d.user_code == user_code && d.status == DeviceStatus::Pending && !d.expired);
    let Some(code) = pending else {
        return html_page(400, "Invalid request", "Unknown or expired user code");
    };
    if std::mem::take(&mut st.knobs.deny_next_approval) {
        code.status = DeviceStatus::Denied;
        return html_page(200, "Request denied", "You denied the request.");
    }
    code.status = DeviceStatus::Approved;
    html_page(200, "Request approved", "You can close this window.")
}

/// The validated parameters of an `/authorize` request.
struct AuthorizeRequest {
    client_id: String,
    redirect_uri: String,
    state: String,
    challenge: String,
}

fn authorize(st: &mut State, req: &Request) -> ResponseTemplate {
    let params = match parse_authorize(st, req) {
        Ok(params) => params,
        Err(message) => return html_page(400, "Invalid request", &message),
    };
    let mut outcome = if st.take_denial() {
        vec![
            ("error", "access_denied".to_owned()),
            (
                "error_description",
                "The user denied the request".to_owned(),
            ),
        ]
    } else {
        let code = format!("mock-auth-code-{}", st.serial("authcode"));
        let grant = AuthCode {
            client_id: params.client_id,
            redirect_uri: params.redirect_uri.clone(),
            challenge: params.challenge,
            issued: st.now(),
            used: false,
        };
        st.auth_codes.insert(code.clone(), grant);
        vec![("code", code)]
    };
    outcome.push(("state", params.state));
    let query: Vec<String> = outcome
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let location = format!("{}?{}", params.redirect_uri, query.join("&"));
    ResponseTemplate::new(302).insert_header("location", location.as_str())
}

fn parse_authorize(st: &State, req: &Request) -> Result<AuthorizeRequest, String> {
    let param = |name: &str| query_param(req, name).ok_or_else(|| format!("{name} is missing"));
    if param("response_type")? != "code" {
        return Err("response_type must be code".to_owned());
    }
    if param("code_challenge_method")? != "S256" {
        return Err("code_challenge_method must be S256".to_owned());
    }
    let client_id = param("client_id")?;
    let client = st.clients.get(&client_id).ok_or("unknown client_id")?;
    if !client.grant_types.iter().any(|g| g == "authorization_code") {
        return Err("client is not registered for the authorization_code grant".to_owned());
    }
    let redirect_uri = param("redirect_uri")?;
    check_redirect_uri(client, &redirect_uri)?;
    let scopes = param("scopes")?;
    if !client.scopes.is_empty()
        && !scopes
            .split(' ')
            .all(|s| client.scopes.iter().any(|c| c == s))
    {
        return Err(format!("scopes {scopes:?} were not registered"));
    }
    let challenge = param("code_challenge")?;
    let state = param("state")?;
    Ok(AuthorizeRequest {
        client_id,
        redirect_uri,
        state,
        challenge,
    })
}

fn check_redirect_uri(client: &Client, redirect_uri: &str) -> Result<(), String> {
    let mut parsed = url::Url::parse(redirect_uri).map_err(|e| format!("bad redirect_uri: {e}"))?;
    let loopback =
        redirect_uri.starts_with("http://127.0.0.1:") && parsed.path() == "/oauth/callback";
    // Reject anything that would not survive as a header value once echoed into `Location`.
    if !loopback || parsed.query().is_some() || !redirect_uri.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err("redirect_uri must be http://127.0.0.1:PORT/oauth/callback".to_owned());
    }
    // Loopback redirect URIs are registered without a port (`docs/sso-oidc.md`).
    parsed
        .set_port(None)
        .map_err(|()| "bad redirect_uri".to_owned())?;
    if client.redirect_uris.is_empty() || client.redirect_uris.iter().any(|r| r == parsed.as_str())
    {
        Ok(())
    } else {
        Err(format!(
            "redirect_uri {} was not registered",
            parsed.as_str()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// SSO portal

fn unauthorized() -> ResponseTemplate {
    portal_error(
        401,
        "UnauthorizedException",
        "Session token not found or invalid",
    )
}

fn portal_param(req: &Request, name: &str) -> Result<String, ResponseTemplate> {
    query_param(req, name).ok_or_else(|| {
        portal_error(
            400,
            "InvalidRequestException",
            &format!("{name} is required"),
        )
    })
}

fn get_role_credentials(st: &mut State, req: &Request) -> Reply {
    if !st.bearer_is_valid(req) {
        return Err(unauthorized());
    }
    let role = portal_param(req, "role_name")?;
    let account = portal_param(req, "account_id")?;
    let entitled = st
        .account(&account)
        .is_some_and(|a| a.roles.contains(&role));
    if !entitled {
        // The sso model declares no 403 for GetRoleCredentials: a role the user is not assigned
        // is a ResourceNotFoundException (404), as for ListAccountRoles on an unknown account.
        return Err(portal_error(404, "ResourceNotFoundException", "No access"));
    }
    let n = st.serial("role-credentials");
    let access_key_id = format!("ASIAMOCK{n:012}");
    let expires = st.now() + st.knobs.role_credentials_ttl;
    let identity = Identity {
        account: account.clone(),
        arn: format!(
            "arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_0123456789abcdef/mock-user"
        ),
        user_id: format!("AROAMOCK{n:012}:mock-user"),
        role,
        secret: format!("mock/secret+{n}{}", random(30)),
        session_token: format!("mock-session-token-{n}-{}", random(40)),
        expires,
        chained: false,
    };
    let reply = json!({ "roleCredentials": {
        "accessKeyId": access_key_id,
        "secretAccessKey": identity.secret,
        "sessionToken": identity.session_token,
        "expiration": expires * 1000,
    }});
    st.identities.insert(access_key_id, identity);
    Ok(json_reply(200, &reply))
}

/// Page tokens deliberately contain `+`, `/` and `=` so a client that forgets to
/// percent-encode `next_token` gets a 400 instead of silently working.
fn page_token(offset: usize) -> String {
    format!("page+{offset}/=")
}

/// How one service pages a list: its parameter names, its largest page, and its error.
struct Paging {
    max_param: &'static str,
    token_param: &'static str,
    /// The page size without a max parameter, which is also the most a page holds.
    page_size: usize,
    invalid: fn(&str) -> ResponseTemplate,
}

impl Paging {
    /// The portal (`max_result`, `next_token`; the model allows 1–100): pages hold at most
    /// [`MockIdc::set_page_size`] items, as a real server may return fewer than asked for.
    fn portal(st: &State) -> Paging {
        Paging {
            max_param: "max_result",
            token_param: "next_token",
            page_size: st.knobs.page_size,
            invalid: |m| portal_error(400, "InvalidRequestException", m),
        }
    }

    /// EKS (`maxResults` 1–100, default 100; `nextToken`).
    fn eks() -> Paging {
        Paging {
            max_param: "maxResults",
            token_param: "nextToken",
            page_size: 100,
            invalid: |m| eks_error(400, "InvalidParameterException", m),
        }
    }
}

/// Returns the `[start, end)` window of a paginated list and the next token, if any.
fn page_window(
    st: &State,
    req: &Request,
    len: usize,
    paging: &Paging,
) -> Result<(usize, usize, Option<String>), ResponseTemplate> {
    let invalid = paging.invalid;
    let page_size = match query_param(req, paging.max_param) {
        None => paging.page_size,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n @ 1..=100) => n.min(paging.page_size),
            _ => {
                return Err(invalid(&format!(
                    "{} must be between 1 and 100",
                    paging.max_param
                )));
            }
        },
    };
    let start = match query_param(req, paging.token_param) {
        None => 0,
        Some(token) => {
            let offset = token
                .strip_prefix("page+")
                .and_then(|t| t.strip_suffix("/="))
                .and_then(|t| t.parse().ok());
            offset
                .filter(|&o| o <= len)
                .ok_or_else(|| invalid("Invalid next token"))?
        }
    };
    if st.knobs.repeat_next_token {
        // Hostile: the first page again, and a token that leads back to it.
        return Ok((0, page_size.min(len), Some(page_token(0))));
    }
    let end = (start + page_size).min(len);
    Ok((start, end, (end < len).then(|| page_token(end))))
}

fn with_next_token(mut body: Value, next: Option<String>) -> Value {
    if let Some(token) = next {
        body["nextToken"] = json!(token);
    }
    body
}

fn list_accounts(st: &mut State, req: &Request) -> Reply {
    if !st.bearer_is_valid(req) {
        return Err(unauthorized());
    }
    let (start, end, next) = page_window(st, req, st.accounts.len(), &Paging::portal(st))?;
    let accounts: Vec<Value> = st.accounts[start..end]
        .iter()
        .map(|a| json!({ "accountId": a.id, "accountName": a.name, "emailAddress": a.email }))
        .collect();
    Ok(json_reply(
        200,
        &with_next_token(json!({ "accountList": accounts }), next),
    ))
}

fn list_account_roles(st: &mut State, req: &Request) -> Reply {
    if !st.bearer_is_valid(req) {
        return Err(unauthorized());
    }
    let account_id = portal_param(req, "account_id")?;
    let Some(account) = st.account(&account_id) else {
        return Err(portal_error(
            404,
            "ResourceNotFoundException",
            "Account not found",
        ));
    };
    let (start, end, next) = page_window(st, req, account.roles.len(), &Paging::portal(st))?;
    let roles: Vec<Value> = account.roles[start..end]
        .iter()
        .map(|r| json!({ "roleName": r, "accountId": account.id }))
        .collect();
    Ok(json_reply(
        200,
        &with_next_token(json!({ "roleList": roles }), next),
    ))
}

fn logout(st: &mut State, req: &Request) -> Reply {
    let token = header(req, "x-amz-sso_bearer_token").unwrap_or_default();
    match st.access_tokens.remove(token) {
        Some(_) => Ok(ResponseTemplate::new(200)),
        None => Err(unauthorized()),
    }
}

// ---------------------------------------------------------------------------------------------
// STS and EKS

/// Query parameters merged with the form-encoded body (the `query` protocol allows both).
fn sts_params(req: &Request) -> HashMap<String, String> {
    let mut params: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
    if req.method.as_str() == "POST" {
        params.extend(url::form_urlencoded::parse(&req.body).into_owned());
    }
    params
}

fn sts_required<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, ResponseTemplate> {
    match params.get(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(sts_error(
            400,
            "ValidationError",
            &format!("{name} is required"),
        )),
    }
}

/// The target of `AssumeRole` and `AssumeRoleWithWebIdentity`: `(account, role name)` from `arn:aws:iam::ACCOUNT:role/[path/]NAME`.
fn parse_role_arn(arn: &str) -> Result<(String, String), ResponseTemplate> {
    let parsed = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"));
    match parsed {
        Some((account, path))
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let name = path.rsplit('/').next().unwrap_or(path);
            Ok((account.to_owned(), name.to_owned()))
        }
        _ => Err(sts_error(
            400,
            "ValidationError",
            &format!("{arn} is invalid"),
        )),
    }
}

fn session_name(params: &HashMap<String, String>) -> Result<String, ResponseTemplate> {
    let name = sts_required(params, "RoleSessionName")?;
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if (2..=64).contains(&name.len()) && name.chars().all(valid_char) {
        Ok(name.to_owned())
    } else {
        Err(sts_error(
            400,
            "ValidationError",
            "RoleSessionName is invalid",
        ))
    }
}

fn duration_seconds(params: &HashMap<String, String>) -> Result<i64, ResponseTemplate> {
    match params.get("DurationSeconds") {
        None => Ok(3600),
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|d| (900..=43_200).contains(d))
            .ok_or_else(|| {
                sts_error(
                    400,
                    "ValidationError",
                    "DurationSeconds must be between 900 and 43200",
                )
            }),
    }
}

/// Issues STS credentials for `role` in `account`, remembering who they belong to, and
/// renders the `<Credentials>` and `<AssumedRoleUser>` elements.
fn issue_sts_credentials(
    st: &mut State,
    prefix: &str,
    (account, role): (String, String),
    session: &str,
    duration: i64,
) -> (String, String) {
    let n = st.serial("sts-credentials");
    let access_key_id = format!(
        "{prefix}{n:0width$}",
        width = 20usize.saturating_sub(prefix.len())
    );
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
    let role_id = format!("AROAMOCKSTS{n:09}:{session}");
    let expires = st.now() + duration;
    let identity = Identity {
        account,
        arn: arn.clone(),
        user_id: role_id.clone(),
        role,
        secret: match st.knobs.sts_plain_secrets_after.as_mut() {
            Some(0) => format!("mockstssecret{n}{}", random(30)),
            Some(left) => {
                *left -= 1;
                format!("mock/sts+secret{n}{}", random(30))
            }
            None => format!("mock/sts+secret{n}{}", random(30)),
        },
        session_token: format!("mock-sts-session-token-{n}-{}", random(40)),
        expires,
        chained: prefix == "ASIAMOCKROLE",
    };
    let xml = format!(
        "<Credentials><AccessKeyId>{access_key_id}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
         <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
         <AssumedRoleUser><Arn>{}</Arn><AssumedRoleId>{}</AssumedRoleId></AssumedRoleUser>",
        xml_escape(&identity.secret),
        xml_escape(&identity.session_token),
        iso8601(expires),
        xml_escape(&arn),
        xml_escape(&role_id)
    );
    st.identities.insert(access_key_id.clone(), identity);
    (access_key_id, xml)
}

fn assume_role_with_web_identity(st: &mut State, req: &Request) -> Reply {
    if let Some(code) = st.knobs.sts_web_identity_error.clone() {
        let status = if code == "AccessDenied" || code == "IDPRejectedClaim" {
            403
        } else {
            400
        };
        return Err(sts_error(
            status,
            &code,
            "mock: injected web identity failure",
        ));
    }
    let params = sts_params(req);
    let target = parse_role_arn(sts_required(&params, "RoleArn")?)?;
    let session = session_name(&params)?;
    let duration = duration_seconds(&params)?;
    let token = sts_required(&params, "WebIdentityToken")?;
    let Some(identity) = st.github_tokens.get(token).cloned() else {
        return Err(sts_error(
            400,
            "InvalidIdentityToken",
            "The web identity token is not valid",
        ));
    };
    let provider = format!(
        "arn:aws:iam::{}:oidc-provider/token.actions.githubusercontent.com",
        target.0
    );
    let (_, credentials) = issue_sts_credentials(st, "ASIAMOCKWEBID", target, &session, duration);
    let result = format!(
        "{credentials}<SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\
         <Provider>{provider}</Provider><Audience>{}</Audience>",
        xml_escape(&identity.subject),
        xml_escape(&identity.audience)
    );
    Ok(sts_reply("AssumeRoleWithWebIdentity", &result))
}

/// The access key and region of a SigV4-signed request (header or presigned query).
struct SigV4Scope {
    access_key: String,
    region: String,
}

fn sigv4_scope(req: &Request, params: &HashMap<String, String>) -> Option<SigV4Scope> {
    let from_header = header(req, "authorization")
        .and_then(|auth| auth.strip_prefix("AWS4-HMAC-SHA256 Credential="))
        .map(|rest| rest.split(',').next().unwrap_or(rest).to_owned());
    let signed_query = params.contains_key("X-Amz-Signature");
    let credential = from_header.or_else(|| {
        params
            .get("X-Amz-Credential")
            .filter(|_| signed_query)
            .cloned()
    })?;
    let mut parts = credential.split('/');
    let access_key = parts.next()?.to_owned();
    let region = parts.nth(1).unwrap_or("us-east-1").to_owned();
    Some(SigV4Scope { access_key, region })
}

fn missing_auth_sts() -> ResponseTemplate {
    sts_error(
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )
}

/// The parts of a SigV4 `Authorization` header.
struct SigV4Header {
    access_key: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn parse_sigv4_header(auth: &str) -> Option<SigV4Header> {
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = scope.as_slice() else {
        return None;
    };
    Some(SigV4Header {
        access_key: (*access_key).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers: signed_headers?.split(';').map(str::to_owned).collect(),
        signature: signature?.to_owned(),
    })
}

type HmacSha256 = hmac::Hmac<Sha256>;

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit as _, Mac as _};
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The SigV4 canonical query string: every pair decoded, re-encoded (RFC 3986) and sorted.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (percent_encode(&k), percent_encode(&v)))
        .collect();
    pairs.sort();
    let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join("&")
}

/// Recomputes the SigV4 signature of a header-signed request with `secret`
/// (AWS "Create a signed AWS API request": canonical request, string to sign, derived key).
fn sigv4_signature(req: &Request, auth: &SigV4Header, secret: &str) -> Option<String> {
    let amz_date = header(req, "x-amz-date")?;
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let values: Vec<String> = req
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                let v = String::from_utf8_lossy(v.as_bytes());
                v.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .collect();
        if values.is_empty() {
            return None;
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload_hash = hex::encode(Sha256::digest(&req.body));
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{}\n{payload_hash}",
        req.method.as_str(),
        req.url.path(),
        canonical_query(req.url.query().unwrap_or_default()),
        auth.signed_headers.join(";"),
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [&auth.date, &auth.region, &auth.service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    Some(hex::encode(hmac_sha256(&key, string_to_sign.as_bytes())))
}

fn invalid_client_token() -> ResponseTemplate {
    sts_error(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
}

/// Checks the SigV4 signature of an STS request against the credentials the mock issued and
/// returns who signed it.
fn verify_sts_signature(st: &State, req: &Request) -> Result<Identity, ResponseTemplate> {
    let auth = header(req, "authorization")
        .filter(|a| a.starts_with("AWS4-HMAC-SHA256 "))
        .ok_or_else(missing_auth_sts)?;
    let auth = parse_sigv4_header(auth).ok_or_else(|| {
        sts_error(
            400,
            "IncompleteSignature",
            "Authorization header requires Credential, SignedHeaders and Signature",
        )
    })?;
    let identity = st
        .identities
        .get(&auth.access_key)
        .cloned()
        .ok_or_else(invalid_client_token)?;
    // Long-term keys ([`MockIdc::add_static_credentials`]) carry no session token; temporary
    // ones must present exactly the token they were issued with.
    let presented = header(req, "x-amz-security-token");
    let token_ok = if identity.session_token.is_empty() {
        presented.is_none()
    } else {
        presented == Some(identity.session_token.as_str())
    };
    if !token_ok {
        return Err(invalid_client_token());
    }
    if st.now() >= identity.expires {
        return Err(sts_error(
            400,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ));
    }
    let expected = sigv4_signature(req, &auth, &identity.secret);
    let matches = expected.is_some_and(|e| subtle_eq(e.as_bytes(), auth.signature.as_bytes()));
    if !matches || auth.service != "sts" {
        return Err(sts_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method.",
        ));
    }
    Ok(identity)
}

/// Compares without an early exit (a mock need not be constant-time, but it costs nothing).
fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `Prefix.member.N` (or `Prefix.member.N.suffix`) values in N order.
fn sts_members(params: &HashMap<String, String>, prefix: &str, suffix: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = params
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(prefix)?.strip_prefix(".member.")?;
            let n = match suffix {
                "" => rest,
                _ => rest.strip_suffix(suffix)?.strip_suffix('.')?,
            };
            Some((n.parse().ok()?, v.clone()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, v)| v).collect()
}

fn validation(message: &str) -> ResponseTemplate {
    sts_error(400, "ValidationError", message)
}

fn access_denied(caller: &Identity, role_arn: &str, why: &str) -> ResponseTemplate {
    sts_error(
        403,
        "AccessDenied",
        &format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}{why}",
            caller.arn
        ),
    )
}

fn assume_role(st: &mut State, req: &Request) -> Reply {
    let caller = verify_sts_signature(st, req)?;
    let params = sts_params(req);
    let role_arn = sts_required(&params, "RoleArn")?.to_owned();
    let target = parse_role_arn(&role_arn)?;
    let session = session_name(&params)?;
    let duration = duration_seconds(&params)?;
    if caller.chained && duration > 3600 {
        return Err(validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    let optional = |name: &str| params.get(name).cloned();
    let external_id = optional("ExternalId");
    let serial_number = optional("SerialNumber");
    let token_code = optional("TokenCode");
    if external_id
        .as_ref()
        .is_some_and(|e| !(2..=1224).contains(&e.len()))
    {
        return Err(validation("ExternalId must be 2 to 1224 characters"));
    }
    if let Some(code) = &token_code {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(validation("TokenCode must be 6 digits"));
        }
        if serial_number.is_none() {
            return Err(validation("TokenCode requires SerialNumber"));
        }
    }
    let policy = optional("Policy");
    if let Some(policy) = &policy {
        if serde_json::from_str::<Value>(policy).map_or(true, |v| !v.is_object()) {
            return Err(sts_error(
                400,
                "MalformedPolicyDocument",
                "The policy is not in the valid JSON format.",
            ));
        }
        if policy.len() > 2048 {
            return Err(sts_error(
                400,
                "PackedPolicyTooLarge",
                "Packed policy consumes more than 100 percent of the allotted size.",
            ));
        }
    }
    let policy_arns = sts_members(&params, "PolicyArns", "arn");
    if policy_arns.len() > 10 || policy_arns.iter().any(|a| !a.starts_with("arn:aws:iam::")) {
        return Err(validation("PolicyArns must be at most 10 IAM policy ARNs"));
    }
    let keys = sts_members(&params, "Tags", "Key");
    let values = sts_members(&params, "Tags", "Value");
    if keys.len() != values.len() || keys.len() > 50 {
        return Err(validation("Tags must be at most 50 Key/Value pairs"));
    }
    let tags: Vec<(String, String)> = keys.into_iter().zip(values).collect();
    let transitive_tag_keys = sts_members(&params, "TransitiveTagKeys", "");
    if let Some(rule) = st.rule_of(&target.0, &target.1) {
        if let Some(required) = &rule.external_id
            && external_id.as_ref() != Some(required)
        {
            return Err(access_denied(&caller, &role_arn, ""));
        }
        if rule.mfa {
            match (&serial_number, &token_code) {
                (Some(_), Some(code)) if code == MFA_CODE => {}
                (Some(_), Some(_)) => {
                    return Err(sts_error(
                        403,
                        "AccessDenied",
                        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                    ));
                }
                _ => return Err(access_denied(&caller, &role_arn, "")),
            }
        }
    }
    let packed = policy.as_ref().map_or(0, String::len)
        + policy_arns.iter().map(String::len).sum::<usize>()
        + tags.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let (access_key_id, credentials) =
        issue_sts_credentials(st, "ASIAMOCKROLE", target, &session, duration);
    // Role chaining is a role's credentials assuming another role; an IAM user's long-term keys
    // ([`MockIdc::add_static_credentials`]) assuming a role is not.
    if caller.role.is_empty()
        && let Some(issued) = st.identities.get_mut(&access_key_id)
    {
        issued.chained = false;
    }
    st.assume_role_calls.push(AssumeRoleCall {
        caller_arn: caller.arn,
        role_arn,
        session_name: session,
        duration_seconds: duration,
        external_id,
        serial_number,
        token_code,
        policy,
        policy_arns,
        tags,
        transitive_tag_keys,
        access_key_id,
    });
    let result = if packed > 0 {
        format!(
            "{credentials}<PackedPolicySize>{}</PackedPolicySize>",
            (packed * 100 / 2048).max(1)
        )
    } else {
        credentials
    };
    Ok(sts_reply("AssumeRole", &result))
}

fn assume_role_call_json(call: &AssumeRoleCall) -> Value {
    json!({
        "callerArn": call.caller_arn,
        "roleArn": call.role_arn,
        "roleSessionName": call.session_name,
        "durationSeconds": call.duration_seconds,
        "externalId": call.external_id,
        "serialNumber": call.serial_number,
        "tokenCode": call.token_code,
        "policy": call.policy,
        "policyArns": call.policy_arns,
        "tags": call.tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>(),
        "transitiveTagKeys": call.transitive_tag_keys,
        "accessKeyId": call.access_key_id,
    })
}

fn caller(st: &State, scope: &SigV4Scope) -> Identity {
    st.identities
        .get(&scope.access_key)
        .cloned()
        .unwrap_or_else(|| Identity {
            account: DEFAULT_ACCOUNT.to_owned(),
            arn: format!("arn:aws:iam::{DEFAULT_ACCOUNT}:user/mock-user"),
            user_id: "AIDAMOCKUSER00000001".to_owned(),
            role: String::new(),
            secret: String::new(),
            session_token: String::new(),
            expires: i64::MAX,
            chained: false,
        })
}

fn get_caller_identity(st: &mut State, req: &Request) -> Reply {
    let scope = sigv4_scope(req, &sts_params(req)).ok_or_else(missing_auth_sts)?;
    let who = caller(st, &scope);
    let result = format!(
        "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
        xml_escape(&who.arn),
        xml_escape(&who.user_id),
        who.account
    );
    Ok(sts_reply("GetCallerIdentity", &result))
}

const DUMMY_CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nTU9DSyBDQQ==\n-----END CERTIFICATE-----\n";

/// Who an EKS request is for: the account and role of the signing key, and the region of its
/// credential scope. Keys the mock never issued count as [`DEFAULT_ACCOUNT`] with no role.
fn eks_caller(st: &State, req: &Request) -> Result<(Identity, String), ResponseTemplate> {
    let Some(scope) = sigv4_scope(req, &HashMap::new()) else {
        return Err(eks_error(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    if st.eks_disabled_regions.contains(&scope.region) {
        return Err(eks_error(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid",
        ));
    }
    let who = caller(st, &scope);
    if st
        .rule_of(&who.account, &who.role)
        .is_some_and(|r| r.eks_denied)
    {
        let action = if cluster_name(req.url.path()).is_some() {
            "eks:DescribeCluster"
        } else {
            "eks:ListClusters"
        };
        return Err(eks_error(
            403,
            "AccessDeniedException",
            &format!(
                "User: {} is not authorized to perform: {action} on resource: arn:aws:eks:{}:{}:cluster/*",
                who.arn, scope.region, who.account
            ),
        ));
    }
    Ok((who, scope.region))
}

/// The clusters declared for an account and region (`None`: none were declared anywhere).
fn clusters_of<'a>(st: &'a State, account: &str, region: &str) -> Option<&'a [String]> {
    let clusters = st.clusters.as_ref()?;
    Some(
        clusters
            .get(&(account.to_owned(), region.to_owned()))
            .map_or(&[], Vec::as_slice),
    )
}

fn list_clusters(st: &mut State, req: &Request) -> Reply {
    let (who, region) = eks_caller(st, req)?;
    let names = clusters_of(st, &who.account, &region).unwrap_or_default();
    let (start, end, next) = page_window(st, req, names.len(), &Paging::eks())?;
    let mut body = json!({ "clusters": names[start..end] });
    if let Some(token) = next {
        body["nextToken"] = json!(token);
    }
    Ok(json_reply(200, &body))
}

fn describe_cluster(st: &mut State, req: &Request) -> Reply {
    let (who, region) = eks_caller(st, req)?;
    let name = cluster_name(req.url.path()).unwrap_or_default();
    let known = match clusters_of(st, &who.account, &region) {
        Some(names) => names.iter().any(|n| n == name),
        None => name != "missing",
    };
    if !known {
        return Err(eks_error(
            404,
            "ResourceNotFoundException",
            &format!("No cluster found for name: {name}."),
        ));
    }
    let account = who.account;
    Ok(json_reply(
        200,
        &json!({ "cluster": {
            "name": name,
            "arn": format!("arn:aws:eks:{region}:{account}:cluster/{name}"),
            "endpoint": format!("https://{name}.eks.example.test"),
            "certificateAuthority": { "data": BASE64_STANDARD.encode(DUMMY_CA_PEM) },
            "status": "ACTIVE",
        }}),
    ))
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions OIDC

fn github_token(st: &mut State, req: &Request) -> Reply {
    let expected = format!("Bearer {}", st.github_request_token);
    if header(req, "authorization") != Some(expected.as_str()) {
        return Err(json_reply(401, &json!({ "message": "Bad credentials" })));
    }
    let audience =
        query_param(req, "audience").unwrap_or_else(|| "https://github.com/octo".to_owned());
    let subject = "repo:octo/app:ref:refs/heads/main".to_owned();
    let now = st.now();
    let claims = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": subject,
        "aud": audience,
        "repository": "octo/app",
        "ref": "refs/heads/main",
        "jti": format!("mock-jti-{}", st.serial("github")),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    });
    let jwt_header = json!({ "alg": "RS256", "typ": "JWT", "kid": "mock" });
    let jwt = [jwt_header.to_string(), claims.to_string(), "sig".to_owned()]
        .map(|part| BASE64_URL_SAFE_NO_PAD.encode(part))
        .join(".");
    st.github_tokens
        .insert(jwt.clone(), WebIdentity { subject, audience });
    Ok(json_reply(200, &json!({ "value": jwt })))
}

// ---------------------------------------------------------------------------------------------
// Console federation (`docs/console.md`)

/// The `Session` JSON of `getSigninToken`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FederationSession {
    session_id: String,
    session_key: String,
    session_token: String,
}

fn get_signin_token(st: &mut State, req: &Request) -> Reply {
    let bad = |m: &str| text_reply(400, m);
    let raw = query_param(req, "Session").ok_or_else(|| bad("Session is required"))?;
    let session: FederationSession = serde_json::from_str(&raw)
        .map_err(|_| bad("Session must be JSON with sessionId, sessionKey and sessionToken"))?;
    let identity = st
        .identities
        .get(&session.session_id)
        .filter(|i| {
            i.secret == session.session_key
                && i.session_token == session.session_token
                && st.now() < i.expires
        })
        .cloned()
        .ok_or_else(|| bad("The session credentials are not valid"))?;
    let duration = query_param(req, "SessionDuration");
    if let Some(raw) = &duration {
        if identity.chained {
            // AWS refuses SessionDuration for credentials obtained by role chaining.
            return Err(bad(
                "SessionDuration cannot be used with credentials obtained by role chaining",
            ));
        }
        if raw
            .parse::<i64>()
            .map_or(true, |d| !(900..=43_200).contains(&d))
        {
            return Err(bad("SessionDuration must be between 900 and 43200"));
        }
    }
    let token = format!("mock-signin-{}-{}", st.serial("signin"), random(32));
    st.signin_tokens
        .insert(token.clone(), session.session_id.clone());
    st.last_signin = Some(SigninRequest {
        session: raw,
        session_duration: duration,
    });
    Ok(json_reply(200, &json!({ "SigninToken": token })))
}

/// `Action=login`: checks the sign-in token and echoes the parameters as JSON rather than
/// redirecting, so a test (or a browser stand-in) never leaves 127.0.0.1.
fn console_login(st: &mut State, req: &Request) -> Reply {
    let token = query_param(req, "SigninToken").unwrap_or_default();
    if !st.signin_tokens.contains_key(&token) {
        return Err(text_reply(400, "The sign-in token is not valid"));
    }
    let params: serde_json::Map<String, Value> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), json!(v)))
        .collect();
    Ok(json_reply(200, &Value::Object(params)))
}
