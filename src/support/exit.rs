//! The exit-code contract, decided in one place (documented in the README).

/// What the process exit status means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done.
    Success,
    /// 1: a failure the user can fix (access denied, unknown profile, bad config, network).
    Failure,
    /// 2: usage error or internal error.
    Usage,
    /// 3: a login is required but cannot happen here (no terminal, not allowed).
    LoginRequired,
    /// 130: interrupted (Ctrl-C).
    Interrupted,
    /// exec mode: the child's own code (128+n when a signal ended it).
    Child(i32),
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::LoginRequired => 3,
            ExitStatus::Interrupted => 130,
            ExitStatus::Child(c) => c,
        }
    }
}
