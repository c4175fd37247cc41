//! The one integration-test binary: every module drives the real `ssoexec` binary against the mock.
// Tests are not domain code: they may read the real environment and clock, and print.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
mod cache;
mod chain;
mod configure;
mod containers;
mod discovery;
mod doctor;
mod exec;
mod faults;
mod generate;
mod github;
mod hostile;
mod kube;
mod layering;
mod locks;
mod login;
mod logout;
mod output;
mod prompts;
mod readme;
mod references;
mod server;
mod shell;
mod support;
mod usage;
mod workflows;
