//! exec: build the child's environment (pure), then run it; and the credentials server that
//! `exec --renew` and `serve` use; the shell started when no command is given.
pub mod environment;
pub mod run;
pub mod server;
pub mod shell;
