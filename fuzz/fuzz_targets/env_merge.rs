//! Merging our block into any existing env file keeps every statement we do not own.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssoexec::output::envfile::{merge, statements};

fuzz_target!(|existing: &str| {
    let block = "AWS_ACCESS_KEY_ID='x'\n";
    let merged = merge(existing, &["AWS_ACCESS_KEY_ID"], block);
    let kept: Vec<&str> = statements(existing)
        .into_iter()
        .filter(|s| s.key != Some("AWS_ACCESS_KEY_ID"))
        .map(|s| s.text)
        .collect();
    for text in kept {
        assert!(merged.contains(text), "a statement we do not own was lost");
    }
    assert!(merged.contains(block));
});
