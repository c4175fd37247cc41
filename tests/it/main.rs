//! The one integration-test binary: every module drives the real `ssoexec` binary against the mock.
//!
//! It runs on Linux, macOS and Windows. A test that needs a program a platform lacks (sh on
//! Windows; util-linux, strace, Docker and what scripts/install-test-tools.sh installs, off Linux)
//! is marked `#[cfg_attr(…, ignore = "needs …")]`: cargo lists it as ignored, with the reason.
//! Modules whose code calls Unix-only APIs are compiled on Unix only, the reason beside each.
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
// Kills writers mid-run (signals), checks Unix modes, plants FIFOs and symlinks: Unix APIs.
#[cfg(unix)]
mod faults;
mod generate;
mod github;
// Its fake browsers and servers are sh scripts made executable by mode; FIFOs: Unix APIs.
#[cfg(unix)]
mod hostile;
mod kube;
mod layering;
mod locks;
mod login;
mod logout;
mod output;
mod packaging;
mod platform;
// Runs pwsh: ignored where PowerShell is not installed (its module says where it runs).
mod powershell;
mod prompts;
mod readme;
mod references;
mod server;
mod shell;
mod support;
mod usage;
// Runs action/install.sh and the release scripts, made executable by mode: Unix APIs.
#[cfg(unix)]
mod workflows;
