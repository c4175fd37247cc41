//! The `ssoexec` binary: runs the library and exits with its code.
fn main() {
    std::process::exit(ssoexec::main_entry());
}
