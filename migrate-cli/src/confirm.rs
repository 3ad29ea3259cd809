//! Asking before changing a database: only on a terminal, never waiting for input without one.

use std::io::{BufRead, IsTerminal, Write};

use crate::failure::Failure;

/// Fails (exit 2) when a confirmation would be needed but nobody can give it: no `-y` and
/// standard input is not a terminal. Called before connecting, so nothing happens.
pub fn ensure_possible(yes: bool, action: &str) -> Result<(), Failure> {
    if yes || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "refusing to {action} without confirmation: standard input is not a terminal, so \
         nobody can answer the prompt\n  = help: run it in a terminal, or pass -y (--yes) to \
         confirm in advance (e.g. in CI)"
    )))
}

/// Asks `question [y/N]` on stderr and reads the answer; `true` only for `y` or `yes`.
/// Returns `true` at once when `yes` is set.
pub fn ask(yes: bool, question: &str) -> Result<bool, Failure> {
    if yes {
        return Ok(true);
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
    Ok(is_yes(&answer))
}

/// Whether an answer means yes.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_yes_is_yes() {
        for yes in ["y", "Y\n", " yes "] {
            assert!(super::is_yes(yes), "{yes}");
        }
        for no in ["", "\n", "n", "no", "yep", "sure"] {
            assert!(!super::is_yes(no), "{no}");
        }
    }
}
