//! The one integration-test binary: every module drives the real `ssoexec` binary against the mock.
// Tests are not domain code: they may read the real environment and clock, and print.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
mod cache;
mod chain;
mod configure;
mod containers;
mod discovery;
mod docker_hosts;
mod doctor;
mod exec;
// Kills writers mid-run, checks Unix modes, plants FIFOs and symlinks: Unix only.
#[cfg(unix)]
mod faults;
mod generate;
mod github;
// Its fake browsers and servers are sh scripts with curl: Unix only.
#[cfg(unix)]
mod hostile;
mod kube;
mod layering;
mod locks;
mod login;
mod logout;
mod output;
mod platform;
// Runs pwsh: ignored where PowerShell is not installed (its module says where it runs).
mod powershell;
// Runs scripts/package-manifests.sh (bash).
#[cfg(unix)]
mod packaging;
mod prompts;
mod readme;
mod references;
mod server;
mod shell;
mod support;
mod usage;
// Runs action/install.sh, the release scripts (bash) and actionlint: Unix only.
#[cfg(unix)]
mod workflows;
