//! Any KUBERNETES_EXEC_INFO gets an answer (with a note when unusable), never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    let _ = ssoexec::kube::exec_credential::read_exec_info(Some(raw));
});
