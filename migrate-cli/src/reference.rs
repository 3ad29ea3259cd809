//! `docs/cli.md`, the command-line reference: every command's `--help`, rendered from the clap
//! definitions of `args.rs`, and the test that keeps the file equal to them.

use clap::CommandFactory;

use crate::args::Cli;

/// Where the reference lives, from this crate's folder.
const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cli.md");

/// The command that rewrites the file.
const UPDATE: &str = "UPDATE_DOCS=1 cargo test -p migrate-cli --bin migrate cli_reference";

/// The reference as Markdown: an index, then each command's long help (`migrate --help`, then
/// `migrate <command> --help`, depth first) under a heading of its full name.
fn render() -> String {
    // A fixed width, whatever the terminal running the test, so that the file does not depend
    // on it; then the command tree built, so that each subcommand's usage line names its parents.
    let mut cli = Cli::command().term_width(100);
    cli.build();
    let mut sections = Vec::new();
    collect(&mut cli, "migrate", &mut sections);

    let mut out = format!(
        "# Command-line reference\n\n\
         <!-- Generated from migrate-cli/src/args.rs: do not edit; run `{UPDATE}` -->\n\n\
         Each command's `--help`, as the installed `migrate` prints it. The commands at work,\n\
         the output formats, CI, the connection and the exit codes are described in\n\
         [the `migrate` command](cli-guide.md).\n\n"
    );
    for (name, _) in &sections {
        out.push_str(&format!("- [`{name}`](#{})\n", name.replace(' ', "-")));
    }
    for (name, help) in &sections {
        out.push_str(&format!(
            "\n## `{name}`\n\n```text\n{}\n```\n",
            help.trim_end()
        ));
    }
    out
}

/// Appends `command`'s long help, named `name`, then its subcommands' (but `help`, which clap
/// adds and which only prints the others).
fn collect(command: &mut clap::Command, name: &str, sections: &mut Vec<(String, String)>) {
    let help = command.render_long_help().to_string();
    let help = help
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    sections.push((name.to_owned(), help));
    for sub in command.get_subcommands_mut() {
        if sub.get_name() != "help" {
            let sub_name = format!("{name} {}", sub.get_name());
            collect(sub, &sub_name, sections);
        }
    }
}

/// Keeps `docs/cli.md` equal to the commands' help. `UPDATE_DOCS=1` rewrites it.
#[test]
fn cli_reference_is_up_to_date() {
    let expected = render();
    let current = std::fs::read_to_string(PATH).unwrap_or_default();
    if current != expected {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(PATH, &expected).expect("write docs/cli.md");
        } else {
            panic!("docs/cli.md is out of date; run `{UPDATE}`");
        }
    }
}

/// The reference holds every command and every long option, each under its command's heading.
#[test]
fn cli_reference_names_every_command_and_option() {
    let reference = render();
    let cli = Cli::command();
    for sub in cli.get_subcommands() {
        let heading = format!("\n## `migrate {}`\n", sub.get_name());
        let from = reference
            .find(&heading)
            .unwrap_or_else(|| panic!("no section {heading:?}"));
        let section = &reference[from + heading.len()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        for arg in sub.get_arguments().filter(|arg| !arg.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(
                    section.contains(&format!("--{long}")),
                    "--{long} of migrate {}",
                    sub.get_name()
                );
            }
        }
    }
}
