//! `migrate lsp` as an editor uses it: the real binary, spoken to in JSON-RPC over its stdin
//! and stdout (initialize, open, change, code actions, hover, save, shutdown, exit).

#[path = "support/editor.rs"]
mod editor;

use std::path::Path;

use editor::{uri, Editor};
use serde_json::{json, Value};

const PROCEDURE: &str = "CREATE OR REPLACE PROCEDURE batch() LANGUAGE plpgsql AS $$\n\
                         BEGIN UPDATE t SET id = id; COMMIT; END $$;\n";

#[test]
fn an_editor_sees_findings_as_it_types_with_quick_fixes_and_explanations() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("migrations");
    std::fs::create_dir(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let config = file("migrate.toml", "# the folder's settings\n");
    let table = file("001_table.sql", "CREATE TABLE IF NOT EXISTS t (id int);\n");
    let procedure = file("002_procedure.sql", PROCEDURE);
    let call = file("003_call.sql", "CALL batch();\n");
    let mut editor = Editor::start(Path::new(env!("CARGO_BIN_EXE_migrate")), root.path());

    // The call needs `no-transaction`: the schema model knows, from the earlier file, that
    // the procedure commits.
    editor.open(&call, "CALL batch();\n");
    assert_eq!(editor.diagnostics(&call), ["1 needs-no-transaction"]);

    // Unsaved text counts: a file of the folder in the editor, its last statement unfinished
    // then finished without `IF EXISTS`, with a character of two UTF-16 units before it.
    let drop_line = "SELECT '😀'; DROP TABLE old;";
    editor.open(&table, "CREATE TABLE IF NOT EXISTS t (id int);\n");
    editor.change_line(&table, 1, "", "DROP TABLE");
    editor.change_line(&table, 1, "DROP TABLE", drop_line);
    editor.settle(&table, &["2 drop-table", "2 missing-if-exists"]);
    let actions = editor.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri(&table) },
            "range": { "start": { "line": 1, "character": 0 },
                       "end": { "line": 1, "character": 0 } },
            "context": { "diagnostics": [] }
        }),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Allow `drop-table` for this statement, with a reason",
            "add `IF EXISTS`",
            "Allow `missing-if-exists` for this statement, with a reason",
        ]
    );
    // The mechanical rewrite, as `migrate lint --fix` writes it, preferred, at its UTF-16
    // column.
    assert_eq!(actions[1]["isPreferred"], json!(true));
    assert_eq!(
        actions[1]["edit"]["changes"][uri(&table)],
        json!([{
            "range": { "start": { "line": 1, "character": 23 },
                       "end": { "line": 1, "character": 23 } },
            "newText": " IF EXISTS"
        }])
    );
    // The statement shares its line with another: the directive moves it to a line of its
    // own, at its UTF-16 column.
    assert_eq!(
        actions[0]["edit"]["changes"][uri(&table)],
        json!([{
            "range": { "start": { "line": 1, "character": 13 },
                       "end": { "line": 1, "character": 13 } },
            "newText": "\n-- migrate:allow(drop-table) TODO: why this is safe\n"
        }])
    );
    let hover = editor.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&table) },
                "position": { "line": 1, "character": 15 } }),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.starts_with("**`drop-table`** (error, destructive)"),
        "{shown}"
    );
    assert!(shown.contains("**`missing-if-exists`**"), "{shown}");

    // Fixing the SQL clears the findings.
    editor.change_line(
        &table,
        1,
        drop_line,
        "-- migrate:allow(drop-table) replaced by t\nDROP TABLE IF EXISTS old;",
    );
    assert_eq!(editor.diagnostics(&table), Vec::<String>::new());
    let hover = editor.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&table) },
                "position": { "line": 1, "character": 20 } }),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("**Fix:**"));

    // An earlier file's change is seen in the later ones: the procedure no longer commits.
    editor.open(&procedure, PROCEDURE);
    editor.replace_all(&procedure, &PROCEDURE.replace(" COMMIT;", ""));
    assert_eq!(editor.diagnostics(&call), Vec::<String>::new());
    // Closed unsaved, it is the file on disk again.
    editor.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri(&procedure) } }),
    );
    assert_eq!(editor.diagnostics(&call), ["1 needs-no-transaction"]);

    // `migrate.toml`'s problems are shown in it.
    editor.open(&config, "# the folder's settings\n");
    editor.change_line(&config, 1, "", "[history");
    editor.settle(&config, &["2 config"]);
    editor.change_line(&config, 1, "[history", "");
    assert_eq!(editor.diagnostics(&config), Vec::<String>::new());

    // A file created and saved is read with the folder.
    let later = file("004_later.sql", "CALL batch();\n");
    editor.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri(&table) } }),
    );
    assert_eq!(editor.diagnostics(&later), ["1 needs-no-transaction"]);

    assert_eq!(editor.request("shutdown", Value::Null), Value::Null);
    editor.notify("exit", Value::Null);
    let status = editor.server.wait().unwrap();
    assert!(status.success(), "{status}");
}
