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
//! `tests/selftest.rs` checks the mock against. A single catch-all wiremock `Mock` hands every
//! request to `Responder` (`server.rs`), which records it, applies the injected faults and
//! delays, and dispatches on method and path. The server runs on wiremock's own thread, so a
//! test may block on a subprocess while the mock keeps serving.
//!
//! Layout: this file is the public API ([`MockIdc`] and the types tests use); `state.rs` holds
//! the shared state, `server.rs` the dispatch, `reply.rs` the response helpers, and one module
//! per service: `oidc.rs`, `portal.rs`, `sts.rs` (with `sigv4.rs`), `eks.rs`, `federation.rs`,
//! `github.rs` and `control.rs` (the `/__mock/` control plane).

// Handlers return `Result<ResponseTemplate, ResponseTemplate>` so validation can use `?`; the
// error is a whole HTTP response built at most once per request, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use wiremock::{Mock, MockServer, Request, matchers::any};

mod control;
mod eks;
mod federation;
mod github;
mod oidc;
mod portal;
mod reply;
mod server;
mod sigv4;
mod state;
mod sts;

use crate::oidc::DEVICE_GRANT;
use crate::server::Responder;
use crate::state::{Account, Client, DeviceStatus, Identity, State, lock};

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
