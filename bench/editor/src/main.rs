//! The editor's latency (scripts/bench editor): how long `migrate lsp` takes to check one
//! edited file of a 1,000-file folder again, as an editor sees it. The server is the release
//! binary given as the first argument; the folder is scripts/bench-build's (N files of a table,
//! an index and an added column each, N from the second argument, default 1000).
//!
//! Each figure is the time from sending an edit (`textDocument/didChange`) to the answer to a
//! hover request sent right after it: the server checks the pending changes before it answers
//! a request, so the answer comes once the edit is checked and its diagnostics are sent. RUNS
//! edits per case (default 21), undone in between, the median and the range. Prints the section
//! and writes it as its section of bench/RESULTS.md (or BENCH_OUT).

#[allow(dead_code)]
#[path = "../../../migrate-cli/tests/support/editor.rs"]
mod client;
#[path = "../../sections.rs"]
mod sections;

use std::path::{Path, PathBuf};
use std::time::Instant;

use client::Editor;
use serde_json::json;

/// The first line of this section in RESULTS.md.
const HEADING: &str = "# Editor:";

/// bench-build's migration `i`.
fn migration(i: usize) -> String {
    format!(
        "-- Migration {i}\n\
         CREATE TABLE IF NOT EXISTS t_{i} (id bigint PRIMARY KEY, name text NOT NULL);\n\
         CREATE INDEX IF NOT EXISTS t_{i}_name ON t_{i} (name);\n\
         ALTER TABLE t_{i} ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();\n"
    )
}

fn name(i: usize) -> String {
    format!("{i:05}_table_{i}.sql")
}

/// One case: which file is edited and how (the edit, then the undo).
struct Case {
    label: &'static str,
    file: usize,
    edit: fn(usize) -> String,
}

fn median_and_range(mut times: Vec<f64>) -> (f64, f64, f64) {
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

fn main() {
    let mut args = std::env::args().skip(1);
    let migrate = PathBuf::from(args.next().expect("usage: editor MIGRATE_BINARY [N]"));
    let n: usize = args
        .next()
        .map_or(1000, |n| n.parse().expect("N is a number"));
    let runs: usize = std::env::var("RUNS").map_or(21, |r| r.parse().expect("RUNS is a number"));
    let root = std::env::temp_dir().join(format!("migrate-bench-editor-{}", std::process::id()));
    let dir = root.join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 1..=n {
        std::fs::write(dir.join(name(i)), migration(i)).unwrap();
    }

    let mut editor = Editor::start(&migrate, &root);
    let started = Instant::now();
    let first = dir.join(name(n / 2));
    editor.open(&first, &migration(n / 2));
    hover(&mut editor, &first);
    let open = started.elapsed().as_secs_f64() * 1000.0;

    let cases = [
        Case {
            label: "a comment typed in the middle file (the schema model unchanged)",
            file: n / 2,
            edit: |i| format!("-- a note\n{}", migration(i)),
        },
        Case {
            label: "a statement typed in the middle file (the model changes for the later files)",
            file: n / 2,
            edit: |i| format!("{}ALTER TABLE t_{i} ADD COLUMN IF NOT EXISTS note text;\n", migration(i)),
        },
        Case {
            label: "an unfinished statement in the middle file (a syntax error: the file adds nothing to the model)",
            file: n / 2,
            edit: |i| format!("{}ALTER TABLE t_{i} ADD", migration(i)),
        },
        Case {
            label: "a statement typed in the first file (every later file checked again)",
            file: 1,
            edit: |i| format!("{}ALTER TABLE t_{i} ADD COLUMN IF NOT EXISTS note text;\n", migration(i)),
        },
        Case {
            label: "a statement typed in the last file",
            file: n,
            edit: |i| format!("{}ALTER TABLE t_{i} ADD COLUMN IF NOT EXISTS note text;\n", migration(i)),
        },
    ];
    let mut rows = Vec::new();
    for case in &cases {
        let path = dir.join(name(case.file));
        editor.open(&path, &migration(case.file));
        hover(&mut editor, &path);
        let mut times = Vec::new();
        for run in 0..runs {
            for text in [(case.edit)(case.file), migration(case.file)] {
                let started = Instant::now();
                editor.notify(
                    "textDocument/didChange",
                    json!({
                        "textDocument": { "uri": client::uri(&path), "version": run + 2 },
                        "contentChanges": [{ "text": text }]
                    }),
                );
                hover(&mut editor, &path);
                if text != migration(case.file) {
                    times.push(started.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
        rows.push((case.label, median_and_range(times)));
    }
    editor.request("shutdown", serde_json::Value::Null);
    editor.notify("exit", serde_json::Value::Null);
    let _ = editor.server.wait();
    std::fs::remove_dir_all(&root).unwrap();

    let mut out = format!(
        "{HEADING} `migrate lsp` on a {n}-file folder\n\n\
         Written by `scripts/bench editor` (bench/editor). The release `migrate` binary serving \
         bench/editor over stdin and stdout, on scripts/bench-build's folder ({n} files of a \
         table, an index and an added column each). A figure is the time from sending an edit \
         (`didChange`, the whole text) to the answer to a hover sent right after it: the server \
         checks what is pending before it answers, so this is the edit checked and its \
         diagnostics sent. Median of {runs} edits (each undone before the next), with (min–max).\n\n\
         | edit | re-check |\n|---|---|\n"
    );
    for (label, (median, min, max)) in &rows {
        out.push_str(&format!(
            "| {label} | {median:.1} ms ({min:.1}–{max:.1}) |\n"
        ));
    }
    out.push_str(&format!(
        "\nOpening the first file (the folder read, parsed and checked whole): {open:.0} ms.\n"
    ));
    print!("{out}");
    let path = std::env::var("BENCH_OUT").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../RESULTS.md")
            .display()
            .to_string()
    });
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let joined = sections::replace_section(&existing, HEADING, &out);
    std::fs::write(&path, joined).unwrap();
    eprintln!("written to {path}");
}

/// A hover over the first line of `path`, and its answer.
fn hover(editor: &mut Editor, path: &Path) {
    editor.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": client::uri(path) },
                "position": { "line": 0, "character": 0 } }),
    );
}
