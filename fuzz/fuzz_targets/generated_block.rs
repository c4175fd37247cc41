//! Whatever account names, ids and role names a server sends, the block `generate` writes holds
//! no control character but its line ends, parses under botocore's rules (`config::ini`) to the
//! profiles planned (each with the keys it was given), and is found again by the editor.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssoexec::config::edit;
use ssoexec::config::file::{FileKind, parse};
use ssoexec::config::generated::{Assignment, DEFAULT_NAME, Spec, plan, unusable};
use std::path::Path;

fuzz_target!(|text: &str| {
    // `name\x1fid\x1frole` records separated by `\x1e`; the first record may be the user's file.
    let mut records = text.split('\x1e');
    let before = records.next().unwrap_or_default();
    if before.chars().any(|c| c.is_control() && c != '\n' && c != '\r')
        || parse(before, Path::new("c"), FileKind::Config).is_err()
        || edit::scan(before).is_err()
    {
        return;
    }
    let list: Vec<Assignment> = records
        .map(|r| {
            let mut f = r.split('\x1f');
            Assignment {
                account_name: f.next().unwrap_or_default().to_string(),
                account_id: f.next().unwrap_or_default().to_string(),
                role_name: f.next().unwrap_or_default().to_string(),
            }
        })
        .collect();
    let spec = Spec {
        session: "corp".into(),
        template: DEFAULT_NAME.into(),
        region: Some("eu-west-1".into()),
        extra: vec![],
        credential_process: true,
        prune: false,
        skip_existing: true,
        allow_empty: false,
    };
    let Ok(p) = plan(before, "c", &spec, &list) else {
        return;
    };
    assert!(
        !p.text.chars().any(|c| c.is_control() && c != '\n' && c != '\r'),
        "{:?}",
        p.text
    );
    let parsed = parse(&p.text, Path::new("c"), FileKind::Config).expect("the written file parses");
    for a in list.iter().filter(|a| unusable(a).is_none()) {
        assert!(
            parsed.profiles.values().any(|s| {
                s.get("sso_account_id") == Some(&a.account_id)
                    && s.get("sso_role_name") == Some(&a.role_name)
            }) || !p.skipped.is_empty(),
            "{a:?} is missing"
        );
    }
    let layout = edit::scan(&p.text).expect("the written file scans");
    assert!(layout.block("corp").is_some() || p.added.is_empty());
});
