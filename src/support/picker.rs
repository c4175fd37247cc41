//! Interactive choices where a person is (see `support::terminal` for the rule): one
//! filter-as-you-type picker for every question with a list of answers (a profile, an account, a
//! role), and a line of text with a default. Callers decide whether a person is there; `pick`
//! and `choose` answer `None` when nobody is.
use super::terminal::Terminal;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{FuzzySelect, Input};

/// Most rows the picker shows at once (the rest scroll).
const ROWS: usize = 15;

/// The one picker: the person types part of an item to filter the list, moves with the arrow
/// keys and picks with Enter, on stderr or, when stderr is captured, on the controlling terminal.
/// Enter with nothing matching picks nothing and waits for more typing. `Ok(None)` when nobody can
/// answer here, or when the person presses Esc or q. Items are shown without control characters.
/// Blocks: from async code, use [`choose`].
pub fn pick(
    terminal: &Terminal,
    prompt: &str,
    items: &[String],
    default: usize,
) -> std::io::Result<Option<usize>> {
    let Some(term) = terminal.console_term() else {
        return Ok(None);
    };
    if items.is_empty() {
        return Ok(None);
    }
    let shown: Vec<String> = items.iter().map(|i| super::text::clean(i)).collect();
    FuzzySelect::with_theme(&ColorfulTheme::default())
        .with_prompt(super::text::clean(prompt))
        .items(&shown)
        .default(default.min(shown.len() - 1))
        .max_length(ROWS)
        .interact_on_opt(&term)
        .map_err(to_io)
}

/// [`pick`] on a blocking thread, so a run waiting for the answer still ends on Ctrl-C. `None`
/// also when the terminal cannot be read.
pub async fn choose(terminal: &Terminal, prompt: &str, items: &[String]) -> Option<usize> {
    let (terminal, prompt, items) = (terminal.clone(), prompt.to_string(), items.to_vec());
    tokio::task::spawn_blocking(move || pick(&terminal, &prompt, &items, 0))
        .await
        .ok()?
        .ok()?
}

/// A line of text, `default` when the person just presses Enter; `check` refuses bad answers
/// with its message and asks again.
pub fn ask(
    prompt: &str,
    default: Option<&str>,
    check: impl Fn(&str) -> Result<(), String>,
) -> std::io::Result<String> {
    let theme = ColorfulTheme::default();
    let mut input = Input::<String>::with_theme(&theme).with_prompt(prompt);
    if let Some(d) = default {
        input = input.default(d.to_string());
    }
    input
        .validate_with(|v: &String| check(v.trim()))
        .interact_text_on(&dialoguer::console::Term::stderr())
        .map(|v| v.trim().to_string())
        .map_err(to_io)
}

fn to_io(e: dialoguer::Error) -> std::io::Error {
    match e {
        dialoguer::Error::IO(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nobody_picks_in_the_background() {
        let t = Terminal::nobody();
        assert_eq!(pick(&t, "Pick", &["a".into()], 0).unwrap(), None);
        assert_eq!(choose(&t, "Pick", &["a".into()]).await, None);
    }
}
