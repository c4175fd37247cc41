//! Interactive choices on the terminal (stderr): a filter-as-you-type picker and a line of text
//! with a default. Callers decide whether a person is there; these functions assume one is.
use dialoguer::theme::ColorfulTheme;
use dialoguer::{FuzzySelect, Input};

/// Lets the person pick one of `items` by typing part of it; `None` when they press Esc or q.
/// Items are shown with their control characters removed.
pub fn pick(prompt: &str, items: &[String], default: usize) -> std::io::Result<Option<usize>> {
    let shown: Vec<String> = items.iter().map(|i| super::text::clean(i)).collect();
    FuzzySelect::with_theme(&ColorfulTheme::default())
        .with_prompt(prompt)
        .items(&shown)
        .default(default.min(shown.len().saturating_sub(1)))
        .max_length(15)
        .interact_on_opt(&dialoguer::console::Term::stderr())
        .map_err(to_io)
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
