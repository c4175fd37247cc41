//! The `--renew` helper's lifeline: how the helper knows that the child it serves is gone. On Unix
//! `exec --renew` exec's into the child, so the helper's parent *is* the child: the helper ends
//! when its parent does, whatever the child does with its descriptors. Elsewhere the parent waits
//! for the child and holds the helper's stdin pipe until then.
/// How often the helper checks that its parent is still there.
#[cfg(unix)]
const PARENT_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// What the helper watches.
#[derive(Debug)]
pub enum Lifeline {
    /// The parent with this process id: a changed parent id means it exited (an orphan is
    /// re-parented to init or a subreaper). Unix only: elsewhere the parent holds our stdin.
    #[cfg(unix)]
    Parent(u32),
    /// End of file on our stdin.
    Stdin,
}

impl Lifeline {
    /// The process that started us, its id read now: call this first thing, before the helper
    /// prints its port (the parent then exec's into a child that may exit at once) and before
    /// any slow work, so an exit at any later moment is seen.
    pub fn parent() -> Lifeline {
        #[cfg(unix)]
        {
            Lifeline::Parent(std::os::unix::process::parent_id())
        }
        #[cfg(not(unix))]
        {
            Lifeline::Stdin
        }
    }

    /// Completes when what it watches is gone.
    pub async fn cut(self) {
        match self {
            #[cfg(unix)]
            Lifeline::Parent(parent) => {
                while std::os::unix::process::parent_id() == parent {
                    tokio::time::sleep(PARENT_POLL).await;
                }
            }
            Lifeline::Stdin => stdin_closed().await,
        }
    }
}

/// Completes when our stdin reaches end of file (the lifeline's other end closed).
async fn stdin_closed() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        let _ = tx.send(());
    });
    let _ = rx.await;
}

#[cfg(all(test, unix))]
mod tests {
    use super::Lifeline;

    #[tokio::test]
    async fn a_parent_already_gone_is_seen_at_once() {
        // A parent id that is not ours: as if the parent exited before the first check.
        let other = std::os::unix::process::parent_id().wrapping_add(1);
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            Lifeline::Parent(other).cut(),
        )
        .await
        .expect("the lifeline is cut");
    }
}
