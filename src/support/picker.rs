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
/// Where that picker cannot draw (a Windows console reached through `CONOUT$`), the items are
/// numbered and the person types a number ([`pick_by_number`]). Blocks: from async code, use
/// [`choose`].
pub fn pick(
    terminal: &Terminal,
    prompt: &str,
    items: &[String],
    default: usize,
) -> std::io::Result<Option<usize>> {
    if items.is_empty() || !terminal.interactive() {
        return Ok(None);
    }
    let Some(term) = terminal.console_term() else {
        return Ok(pick_by_number(terminal, prompt, items, default));
    };
    let shown: Vec<String> = items.iter().map(|i| super::text::clean(i)).collect();
    FuzzySelect::with_theme(&ColorfulTheme::default())
        .with_prompt(super::text::clean(prompt))
        .items(&shown)
        .default(default.min(shown.len() - 1))
        .max_length(ROWS)
        .interact_on_opt(&term)
        .map_err(to_io)
}

/// The list with numbers, then `Number (Enter for N, q to give up): ` until the answer is one of
/// them. The `console` crate draws its picker only on stdout or stderr, and a Windows console
/// reached through `CONOUT$`/`CONIN$` (stderr redirected, stdin the console) is neither; there
/// the console reads whole lines, which this needs. `None` when the person gives up (q, end of
/// input).
fn pick_by_number(
    terminal: &Terminal,
    prompt: &str,
    items: &[String],
    default: usize,
) -> Option<usize> {
    let default = default.min(items.len() - 1);
    terminal.write(&numbered(prompt, items));
    let question = format!("Number (Enter for {}, q to give up): ", default + 1);
    loop {
        let answer = terminal.ask_blocking(&question)?;
        match choice(&answer, items.len(), default) {
            Choice::Picked(i) => return Some(i),
            Choice::GaveUp => return None,
            Choice::Invalid => terminal.write(&format!(
                "{} is not a number from 1 to {}.\n",
                super::text::clean(&answer),
                items.len()
            )),
        }
    }
}

/// The prompt (without the filter hint, which does not apply) and one `  N) item` line each.
fn numbered(prompt: &str, items: &[String]) -> String {
    let prompt = super::text::clean(prompt);
    let mut text = format!("{}:\n", prompt.trim_end_matches(" (type to filter)"));
    for (i, item) in items.iter().enumerate() {
        text.push_str(&format!("{:>4}) {}\n", i + 1, super::text::clean(item)));
    }
    text
}

#[derive(Debug, PartialEq, Eq)]
enum Choice {
    Picked(usize),
    GaveUp,
    Invalid,
}

/// An answer to [`pick_by_number`]: empty for the default, `q` to give up, else a number 1..=n.
fn choice(answer: &str, n: usize, default: usize) -> Choice {
    match answer.trim() {
        "" => Choice::Picked(default),
        "q" | "Q" => Choice::GaveUp,
        a => match a.parse::<usize>() {
            Ok(k) if (1..=n).contains(&k) => Choice::Picked(k - 1),
            _ => Choice::Invalid,
        },
    }
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

    #[test]
    fn numbered_choices() {
        let items: Vec<String> = ["demo  111111111111 ReadOnly", "other\x1b[31m"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            numbered("No profile given; choose one (type to filter)", &items),
            "No profile given; choose one:\n   1) demo  111111111111 ReadOnly\n   2) other[31m\n"
        );
        assert_eq!(choice("", 2, 0), Choice::Picked(0));
        assert_eq!(choice(" 2 ", 2, 0), Choice::Picked(1));
        assert_eq!(choice("q", 2, 0), Choice::GaveUp);
        for bad in ["0", "3", "-1", "two", "1.0"] {
            assert_eq!(choice(bad, 2, 0), Choice::Invalid, "{bad}");
        }
    }
}
