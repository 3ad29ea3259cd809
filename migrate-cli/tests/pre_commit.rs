//! The repository's `.pre-commit-hooks.yaml`: every hook has the keys pre-commit requires, and
//! the command it runs, with its arguments, is one the real binary accepts. The file is read
//! line by line (its shape is kept flat on purpose) rather than with a YAML parser.

mod common;

use common::migrate;

/// `(key, value)` of each hook, in order: a hook starts at `- id: ...`.
fn hooks() -> Vec<Vec<(String, String)>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../.pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).expect(".pre-commit-hooks.yaml at the root");
    let mut hooks: Vec<Vec<(String, String)>> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (entry, new) = match line.strip_prefix("- ") {
            Some(rest) => (rest, true),
            None => (
                line.strip_prefix("  ")
                    .expect("a hook's key is indented by two"),
                false,
            ),
        };
        let (key, value) = entry.split_once(": ").expect("`key: value`");
        if new {
            hooks.push(Vec::new());
        }
        hooks
            .last_mut()
            .expect("a hook starts with `- id:`")
            .push((key.to_owned(), value.to_owned()));
    }
    hooks
}

#[test]
fn every_hook_runs_a_command_the_binary_accepts() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h[0].1.as_str()).collect();
    assert_eq!(ids, ["migrate-lint", "migrate-lint-fix"]);
    for hook in &hooks {
        let get = |key: &str| {
            hook.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{hook:?} has no `{key}`"))
        };
        assert_eq!(hook[0].0, "id");
        assert_eq!(get("language"), "system");
        assert_eq!(get("pass_filenames"), "false");
        assert!(!get("name").is_empty() && !get("files").is_empty());
        let entry: Vec<&str> = get("entry").split(' ').collect();
        assert_eq!(entry[0], "migrate", "{hook:?}");
        let args = get("args");
        let args: Vec<&str> = args
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .expect("args as a flow list")
            .split(", ")
            .collect();
        // clap reads every argument before `--help`: an unknown one fails with exit 2.
        let mut command: Vec<&str> = entry[1..].to_vec();
        command.extend(&args);
        command.push("--help");
        migrate(&command).expect(0);
    }
}
