//! exec: build the child's environment (pure), then run it; and the credentials server that
//! `exec --renew` and `serve` use.
pub mod environment;
pub mod run;
pub mod server;
