//! The handles and small tools every layer uses: environment registry, clock, printer, terminal
//! (where a person is reached), secrets, shell quoting, the stdout document, atomic files, sidecar
//! locks, the exit-code contract. Imports nothing above it.
pub mod atomic;
pub mod clock;
pub mod env;
pub mod exit;
pub mod fs;
pub mod lock;
pub mod picker;
pub mod printer;
pub mod progress;
pub mod secret;
pub mod server;
pub mod shell;
pub mod stdout;
pub mod template;
pub mod terminal;
pub mod text;
