//! What a waiting login shows on a terminal: a one-line countdown, erased when done (or by the
//! next message, e.g. the report after Ctrl-C). It is written where the person is reached
//! (`Printer::to_person`).
use crate::app::App;
use crate::support::clock::describe_instant;
use std::time::Duration;

/// A one-line countdown on stderr while a login waits, only on a terminal.
pub(crate) fn progress(app: &App, waiting_for: &str, left: Duration) {
    if app.printer.to_person().is_terminal() {
        let s = i64::try_from(left.as_millis().div_ceil(1000)).unwrap_or(i64::MAX);
        let now = app.now();
        let until = now.saturating_add(time::Duration::seconds(s));
        app.printer.to_person().progress(&format!(
            "Waiting for {waiting_for}… giving up {} ",
            describe_instant(until, now)
        ));
    }
}

/// Erases the countdown line.
pub(crate) fn clear_progress(app: &App) {
    app.printer.end_progress();
}
