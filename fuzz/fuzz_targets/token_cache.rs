//! Reading a token cache file never panics: it is found or reported corrupt.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = ssoexec::cache::token::parse(bytes);
});
