//! `tokctl completions SHELL`: the same bytes as the committed `completions/`.

use crate::cli::CompletionsArgs;

/// Prints the completion script for a shell.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let script = crate::docs::completion(args.shell);
    super::print_stdout(&String::from_utf8_lossy(&script))?;
    Ok(0)
}
