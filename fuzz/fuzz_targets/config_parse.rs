//! The AWS config parser never panics, whatever the file holds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ssoexec::config::file::{FileKind, parse};
use std::path::Path;

fuzz_target!(|text: &str| {
    let _ = parse(text, Path::new("config"), FileKind::Config);
    let _ = parse(text, Path::new("credentials"), FileKind::Credentials);
});
