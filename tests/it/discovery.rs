//! `ssoexec kubeconfig --all`: every EKS cluster of the generated profiles, written as managed
//! entries (whole-file output), read by kubectl, updated in place, pruned, never touching the
//! user's entries; roles without EKS and regions without EKS are warnings.
use crate::support::mock::Op;
use crate::support::sandbox::{NOW, Sandbox, stderr, stdout};
use std::process::{Command, Stdio};

/// The user's own kubeconfig: a cluster, user and context ssoexec must never change.
const USERS_KUBECONFIG: &str = "\
apiVersion: v1
clusters:
- cluster:
    server: https://other.example:6443
  name: other
contexts:
- context:
    cluster: other
    user: other-admin
  name: other
current-context: other
kind: Config
preferences: {}
users:
- name: other-admin
  user:
    token: static-token
";

const EXPECTED: &str = "\
apiVersion: v1
clusters:
- cluster:
    server: https://other.example:6443
  name: other
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClRVOURTeUJEUVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://alpha.eks.example.test
    extensions:
    - extension:
        managed: true
        profile: dev.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: dev/eu-west-1/alpha
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClRVOURTeUJEUVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://beta.eks.example.test
    extensions:
    - extension:
        managed: true
        profile: dev.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: dev/eu-west-1/beta
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClRVOURTeUJEUVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://prod-eks.eks.example.test
    extensions:
    - extension:
        managed: true
        profile: prod.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: prod/eu-west-1/prod-eks
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClRVOURTeUJEUVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://prod-us.eks.example.test
    extensions:
    - extension:
        managed: true
        profile: prod.ReadOnly
        region: us-east-1
      name: ssoexec
  name: prod/us-east-1/prod-us
contexts:
- context:
    cluster: other
    user: other-admin
  name: other
- context:
    cluster: dev/eu-west-1/alpha
    user: dev/eu-west-1/alpha
    extensions:
    - extension:
        managed: true
        profile: dev.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: dev/eu-west-1/alpha
- context:
    cluster: dev/eu-west-1/beta
    user: dev/eu-west-1/beta
    extensions:
    - extension:
        managed: true
        profile: dev.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: dev/eu-west-1/beta
- context:
    cluster: prod/eu-west-1/prod-eks
    user: prod/eu-west-1/prod-eks
    extensions:
    - extension:
        managed: true
        profile: prod.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: prod/eu-west-1/prod-eks
- context:
    cluster: prod/us-east-1/prod-us
    user: prod/us-east-1/prod-us
    extensions:
    - extension:
        managed: true
        profile: prod.ReadOnly
        region: us-east-1
      name: ssoexec
  name: prod/us-east-1/prod-us
current-context: other
kind: Config
preferences: {}
users:
- name: other-admin
  user:
    token: static-token
- user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - eks-token
      - --cluster-name
      - alpha
      - --region
      - eu-west-1
      - --profile
      - dev.ReadOnly
      command: ssoexec
      installHint: ssoexec signs in to AWS IAM Identity Center and prints EKS tokens. Install it and put it on PATH, or run `ssoexec kubeconfig` again to update the command path.
      interactiveMode: IfAvailable
    extensions:
    - extension:
        managed: true
        profile: dev.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: dev/eu-west-1/alpha
- user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - eks-token
      - --cluster-name
      - beta
      - --region
      - eu-west-1
      - --profile
      - dev.ReadOnly
      command: ssoexec
      installHint: ssoexec signs in to AWS IAM Identity Center and prints EKS tokens. Install it and put it on PATH, or run `ssoexec kubeconfig` again to update the command path.
      interactiveMode: IfAvailable
    extensions:
    - extension:
        managed: true
        profile: dev.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: dev/eu-west-1/beta
- user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - eks-token
      - --cluster-name
      - prod-eks
      - --region
      - eu-west-1
      - --profile
      - prod.ReadOnly
      command: ssoexec
      installHint: ssoexec signs in to AWS IAM Identity Center and prints EKS tokens. Install it and put it on PATH, or run `ssoexec kubeconfig` again to update the command path.
      interactiveMode: IfAvailable
    extensions:
    - extension:
        managed: true
        profile: prod.ReadOnly
        region: eu-west-1
      name: ssoexec
  name: prod/eu-west-1/prod-eks
- user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - eks-token
      - --cluster-name
      - prod-us
      - --region
      - us-east-1
      - --profile
      - prod.ReadOnly
      command: ssoexec
      installHint: ssoexec signs in to AWS IAM Identity Center and prints EKS tokens. Install it and put it on PATH, or run `ssoexec kubeconfig` again to update the command path.
      interactiveMode: IfAvailable
    extensions:
    - extension:
        managed: true
        profile: prod.ReadOnly
        region: us-east-1
      name: ssoexec
  name: prod/us-east-1/prod-us
";

fn setup_clusters(sb: &Sandbox) {
    sb.mock
        .with_clusters("111111111111", "eu-west-1", &["alpha", "beta"])
        .with_clusters("222222222222", "eu-west-1", &["prod-eks"])
        .with_clusters("222222222222", "us-east-1", &["prod-us"])
        .with_clusters("333333333333", "eu-west-1", &["hidden"])
        .deny_eks("333333333333", "Admin")
        .deny_eks("333333333333", "Dev")
        .deny_eks("333333333333", "ReadOnly")
        .disable_eks_region("ap-south-1");
}

fn discover(sb: &Sandbox, extra: &[&str]) -> std::process::Output {
    let kubeconfig = sb.home().join("kubeconfig");
    let mut args = vec![
        "kubeconfig",
        "--all",
        "--command",
        "ssoexec",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
    ];
    args.extend(extra);
    sb.run(&args)
}

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(String::from).collect();
    v.sort();
    v
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn every_cluster_becomes_a_managed_context_kubectl_reads() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let g = sb.run(&["generate", "--sso-session", "corp", "--region", "eu-west-1"]);
    assert!(g.status.success(), "{}", stderr(&g));
    setup_clusters(&sb);
    let path = sb.home().join("kubeconfig");
    std::fs::write(&path, USERS_KUBECONFIG).unwrap();

    let out = discover(&sb, &["--regions", "eu-west-1,us-east-1,ap-south-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, EXPECTED);
    let mut want = vec![
        "2 clusters reachable through more than one role got one context each, with the least privileged role (add {role_name} or {profile} to --context-name for one per role, or choose one with --role-name)".to_string(),
        format!("4 clusters in 2 accounts, 2 regions: 4 new, 0 updated, 0 unchanged, 0 removed ({})", path.display()),
    ];
    for role in ["Admin", "Dev", "ReadOnly"] {
        for region in ["ap-south-1", "eu-west-1", "us-east-1"] {
            let why = if region == "ap-south-1" {
                "The security token included in the request is invalid".to_string()
            } else {
                format!(
                    "User: arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_{role}_0123456789abcdef/mock-user is not authorized to perform: eks:ListClusters on resource: arn:aws:eks:{region}:333333333333:cluster/*"
                )
            };
            want.push(format!("warning: account 333333333333 role {role} in {region}: not allowed to list EKS clusters in {region}: {why}; skipped"));
        }
    }
    for (account, role) in [
        ("111111111111", "Admin"),
        ("111111111111", "ReadOnly"),
        ("222222222222", "ReadOnly"),
    ] {
        want.push(format!("warning: account {account} role {role} in ap-south-1: not allowed to list EKS clusters in ap-south-1: The security token included in the request is invalid; skipped"));
    }
    want.sort();
    assert_eq!(sorted_lines(&stderr(&out)), want);
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 6, "one per role");

    let kubectl = Command::new("kubectl")
        .args(["config", "get-contexts", "-o", "name", "--kubeconfig"])
        .arg(&path)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sb.home())
        .stdin(Stdio::null())
        .output()
        .expect("kubectl (scripts/install-test-tools.sh)");
    assert!(kubectl.status.success(), "{}", stderr(&kubectl));
    assert_eq!(
        stdout(&kubectl),
        "dev/eu-west-1/alpha\ndev/eu-west-1/beta\nother\nprod/eu-west-1/prod-eks\nprod/us-east-1/prod-us\n"
    );

    // Again: the same bytes; then a cluster goes away: kept, then pruned; "other" stays.
    let again = discover(&sb, &["--regions", "eu-west-1,us-east-1"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    sb.mock
        .with_clusters("111111111111", "eu-west-1", &["alpha"]);
    let kept = discover(&sb, &["--regions", "eu-west-1,us-east-1"]);
    assert!(kept.status.success());
    assert!(
        stderr(&kept).contains(
            "1 context was not found again and kept (--prune removes them): dev/eu-west-1/beta\n"
        ),
        "{}",
        stderr(&kept)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let dry = discover(
        &sb,
        &["--regions", "eu-west-1,us-east-1", "--prune", "--dry-run"],
    );
    // Account 333333333333 may not list clusters: its searches failed, so --prune exits 1.
    assert_eq!(dry.status.code(), Some(1), "{}", stderr(&dry));
    assert!(
        stdout(&dry).starts_with(&format!("--- {p}\n+++ {p}\n@@ ", p = path.display())),
        "{}",
        stdout(&dry)
    );
    assert!(stdout(&dry).contains("\n-  name: dev/eu-west-1/beta\n"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let pruned = discover(&sb, &["--regions", "eu-west-1,us-east-1", "--prune"]);
    assert_eq!(pruned.status.code(), Some(1), "{}", stderr(&pruned));
    assert!(
        stderr(&pruned).contains(&format!(
            "3 clusters in 2 accounts, 2 regions: 0 new, 0 updated, 3 unchanged, 1 removed ({})\n",
            path.display()
        )),
        "{}",
        stderr(&pruned)
    );
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(!after.contains("beta"));
    assert!(after.contains("- cluster:\n    server: https://other.example:6443\n  name: other\n"));
    assert!(after.contains("- name: other-admin\n  user:\n    token: static-token\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_default_regions_and_the_users_own_names() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    assert!(
        sb.run(&["generate", "--sso-session", "corp", "--region", "eu-west-1"])
            .status
            .success()
    );
    setup_clusters(&sb);
    let path = sb.home().join("kubeconfig");
    // The user already has a context with one of the names: it stays theirs.
    std::fs::write(&path, USERS_KUBECONFIG.replace("  name: other\ncurrent-context", "  name: other\n- context:\n    cluster: other\n    user: other-admin\n  name: dev/eu-west-1/beta\ncurrent-context")).unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    // Only account 111111111111's ReadOnly role, in each profile's region (eu-west-1).
    let out = discover(
        &sb,
        &[
            "--account-id",
            "111111111111",
            "--role-name",
            "ReadOnly",
            "--context-name",
            "{profile}:{cluster}",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "2 clusters in 1 account, 1 region: 2 new, 0 updated, 0 unchanged, 0 removed ({})\n",
            path.display()
        )
    );
    let out = discover(&sb, &["--profile-glob", "dev.*"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "2 clusters reachable through more than one role got one context each, with the least privileged role (add {{role_name}} or {{profile}} to --context-name for one per role, or choose one with --role-name)\nwarning: dev/eu-west-1/beta: a cluster, user or context you wrote has this name; left alone\n2 contexts were not found again and kept (--prune removes them): dev.ReadOnly:alpha, dev.ReadOnly:beta\n1 cluster in 1 account, 1 region: 1 new, 0 updated, 0 unchanged, 0 removed ({})\n",
            path.display()
        )
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("  name: dev.ReadOnly:alpha\n")
            && text.contains("  name: dev.ReadOnly:beta\n")
    );
    assert!(text.contains("  name: dev/eu-west-1/alpha\n"));
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let theirs: serde_yaml::Value = serde_yaml::from_str(&before).unwrap();
    assert_eq!(
        doc["contexts"][1], theirs["contexts"][1],
        "the user's context is unchanged"
    );
    assert_eq!(doc["current-context"], "other");

    let bad = discover(&sb, &["--context-name", "{nope}"]);
    assert_eq!(bad.status.code(), Some(2));
    let none = discover(&sb, &["--profile-glob", "zzz*"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).starts_with("error: no profile to search"));
    let _ = NOW;
}

#[tokio::test(flavor = "multi_thread")]
async fn bounded_concurrency_and_throttling_retries() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.with_accounts(12, 2);
    sb.mock.set_page_size(100);
    assert!(
        sb.run(&["generate", "--sso-session", "corp", "--region", "eu-west-1"])
            .status
            .success()
    );
    sb.mock.with_clusters_per_account(2, &["eu-west-1"]);
    sb.mock.set_latency(Some(Op::ListClusters), 40);
    sb.mock.set_latency(Some(Op::DescribeCluster), 40);
    sb.mock.set_throttle(
        &[Op::ListClusters, Op::DescribeCluster],
        Some(crate::support::mock::Throttle::EveryNth(5)),
    );
    let out = discover(
        &sb,
        &[
            "--concurrency",
            "4",
            "--context-name",
            "{profile}/{cluster}",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).ends_with(&format!(
            "48 clusters in 12 accounts, 1 region: 48 new, 0 updated, 0 unchanged, 0 removed ({})\n",
            sb.home().join("kubeconfig").display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(sb.mock.throttled() > 5, "throttled {}", sb.mock.throttled());
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 24);
    let in_flight =
        sb.mock.max_in_flight(Op::ListClusters) + sb.mock.max_in_flight(Op::DescribeCluster);
    assert!(
        sb.mock.max_in_flight(Op::DescribeCluster) <= 4
            && sb.mock.max_in_flight(Op::ListClusters) <= 4,
        "{in_flight}"
    );
    assert!(
        sb.mock.max_in_flight(Op::DescribeCluster) >= 2,
        "no concurrency"
    );
}

/// The context names in the kubeconfig, sorted.
fn contexts(sb: &Sandbox) -> Vec<String> {
    let text = std::fs::read_to_string(sb.home().join("kubeconfig")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut names: Vec<String> = doc["contexts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_removes_only_what_a_successful_search_covered() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let g = sb.run(&["generate", "--sso-session", "corp", "--region", "eu-west-1"]);
    assert!(g.status.success(), "{}", stderr(&g));
    sb.mock
        .with_clusters("111111111111", "eu-west-1", &["alpha", "beta"])
        .with_clusters("222222222222", "eu-west-1", &["prod-eks"])
        .with_clusters("222222222222", "us-east-1", &["prod-us"]);
    let both = ["--regions", "eu-west-1,us-east-1", "--account-id"];
    let first = discover(&sb, &[&both[..], &["222222222222"]].concat());
    assert!(first.status.success(), "{}", stderr(&first));
    let all = ["prod/eu-west-1/prod-eks", "prod/us-east-1/prod-us"];
    assert_eq!(contexts(&sb), all);
    let path = sb.home().join("kubeconfig");
    let written = std::fs::read_to_string(&path).unwrap();

    // Every GetRoleCredentials answers 500: nothing was searched, nothing is pruned.
    std::fs::remove_dir_all(sb.cli_cache()).unwrap();
    sb.mock.fail_next(Op::GetRoleCredentials, 500, 1000);
    let out = discover(&sb, &[&both[..], &["222222222222", "--prune"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    let err = stderr(&out);
    assert!(
        err.contains("warning: not pruned where the search failed, their contexts are kept: prod.ReadOnly in eu-west-1, prod.ReadOnly in us-east-1\nhint: run it again when EKS answers, or leave those out with --regions, --role-name or --profile-glob\n"),
        "{err}"
    );
    sb.mock.fail_next(Op::GetRoleCredentials, 500, 0);

    // us-east-1 answers 403 "security token invalid" and both clusters are gone: only the
    // eu-west-1 one, whose search succeeded, is pruned.
    sb.mock
        .with_clusters("222222222222", "eu-west-1", &[])
        .with_clusters("222222222222", "us-east-1", &[])
        .disable_eks_region("us-east-1");
    let out = discover(&sb, &[&both[..], &["222222222222", "--prune"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(contexts(&sb), ["prod/us-east-1/prod-us"]);
    assert!(
        stderr(&out).contains("their contexts are kept: prod.ReadOnly in us-east-1\n"),
        "{}",
        stderr(&out)
    );

    // A region not searched this time is not pruned either, and nothing failed: exit 0.
    let out = discover(
        &sb,
        &[
            "--regions",
            "eu-west-1",
            "--account-id",
            "222222222222",
            "--prune",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(contexts(&sb), ["prod/us-east-1/prod-us"]);
}

/// An EKS endpoint that answers every ListClusters with `clusters` and every DescribeCluster of
/// `name` with the API endpoint `endpoints[name]`; returns its URL. Serves until the test ends.
pub(crate) fn eks_stub(clusters: &[(&str, &str)]) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let clusters: Vec<(String, String)> = clusters
        .iter()
        .map(|(n, e)| (n.to_string(), e.to_string()))
        .collect();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = line.split(' ').nth(1).unwrap_or("/").to_string();
            let name = path
                .strip_prefix("/clusters/")
                .map(|n| n.split('?').next().unwrap_or(n));
            let body = match name {
                None => serde_json::json!({
                    "clusters": clusters.iter().map(|(n, _)| n).collect::<Vec<_>>()
                }),
                Some(n) => {
                    let endpoint = clusters
                        .iter()
                        .find(|(c, _)| c == n)
                        .map(|(_, e)| e.clone())
                        .unwrap_or_default();
                    serde_json::json!({ "cluster": {
                        "name": n,
                        "arn": format!("arn:aws:eks:eu-west-1:222222222222:cluster/{n}"),
                        "endpoint": endpoint,
                        "certificateAuthority": { "data": "Q0E=" },
                        "status": "ACTIVE",
                    }})
                }
            }
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_endpoint_that_is_not_https_is_skipped() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let g = sb.run(&["generate", "--sso-session", "corp", "--region", "eu-west-1"]);
    assert!(g.status.success(), "{}", stderr(&g));
    let stub = eks_stub(&[
        ("plain", "http://plain.eks.example.test"),
        ("shouty", "HTTP://shouty.eks.example.test"),
        ("secure", "https://secure.eks.example.test"),
    ]);
    let kubeconfig = sb.home().join("kubeconfig");
    let out = sb
        .cmd()
        .env("AWS_ENDPOINT_URL_EKS", &stub)
        .args([
            "kubeconfig",
            "--all",
            "--command",
            "ssoexec",
            "--account-id",
        ])
        .args(["222222222222", "--kubeconfig", kubeconfig.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: prod/eu-west-1/plain: cluster plain has the endpoint http://plain.eks.example.test, not https://: kubectl would send the token in clear text; skipped\n\
             warning: prod/eu-west-1/shouty: cluster shouty has the endpoint HTTP://shouty.eks.example.test, not https://: kubectl would send the token in clear text; skipped\n\
             1 cluster in 1 account, 1 region: 1 new, 0 updated, 0 unchanged, 0 removed ({})\n",
            kubeconfig.display()
        )
    );
    assert_eq!(contexts(&sb), ["prod/eu-west-1/secure"]);
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(!text.contains("http://"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_add_up_and_the_least_privileged_role_is_bound() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // 4 accounts × AdministratorAccess, ReadOnlyAccess, PowerUserAccess; 3 clusters each.
    sb.mock.with_accounts(4, 3);
    sb.mock.set_page_size(100);
    let g = sb.run(&["generate", "--sso-session", "corp", "--region", "eu-west-1"]);
    assert!(g.status.success(), "{}", stderr(&g));
    sb.mock.with_clusters_per_account(3, &["eu-west-1"]);
    let path = sb.home().join("kubeconfig");
    let out = discover(&sb, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "12 clusters reachable through more than one role got one context each, with the least privileged role (add {{role_name}} or {{profile}} to --context-name for one per role, or choose one with --role-name)\n\
             12 clusters in 4 accounts, 1 region: 12 new, 0 updated, 0 unchanged, 0 removed ({})\n",
            path.display()
        )
    );
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let profiles: std::collections::BTreeSet<&str> = doc["contexts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| {
            c["context"]["extensions"][0]["extension"]["profile"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        profiles.into_iter().collect::<Vec<_>>(),
        [
            "account-0001.ReadOnlyAccess",
            "account-0002.ReadOnlyAccess",
            "account-0003.ReadOnlyAccess",
            "account-0004.ReadOnlyAccess"
        ]
    );

    // Bound to another role: every entry is updated, none new, none removed.
    let out = discover(&sb, &["--role-name", "AdministratorAccess"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "12 clusters in 4 accounts, 1 region: 0 new, 12 updated, 0 unchanged, 0 removed ({})\n",
            path.display()
        )
    );
    let again = discover(&sb, &["--role-name", "AdministratorAccess"]);
    assert!(stderr(&again).contains(": 0 new, 0 updated, 12 unchanged, 0 removed ("));
}
