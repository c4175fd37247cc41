//! What long runs (`generate`, `kubeconfig --all`) show a person: a progress bar on stderr when it
//! is a terminal, and counted nouns for their summaries. Reads nothing; draws only on a terminal.
use super::printer::Printer;

/// A progress bar of `len` steps on stderr when it is a terminal; hidden otherwise.
pub fn progress(printer: &Printer, len: u64, what: &str) -> indicatif::ProgressBar {
    if !printer.is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

/// `1 cluster`, `2 clusters`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts() {
        assert_eq!(count(0, "cluster", "clusters"), "0 clusters");
        assert_eq!(count(1, "cluster", "clusters"), "1 cluster");
        assert_eq!(count(2, "context was", "contexts were"), "2 contexts were");
    }
}
