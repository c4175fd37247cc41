//! No server response makes a parser panic: OIDC, portal, STS XML and EKS JSON bodies are
//! parsed, and every number in them bounded, or reported undecodable.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    ssoexec::fuzz_server_response(bytes);
});
