//! `;`, `BEGIN` and `COMMIT` inside dollar-quoted bodies, strings and comments neither split
//! statements nor count as the file's transaction control.

static MIGRATIONS: migrate_runtime::Migrations =
    migrate_runtime::embed_migrations!("migrations/pass_dollar_quoted");

fn main() {
    let up = MIGRATIONS.get(1).unwrap().up();
    let first_lines: Vec<&str> = up
        .statements()
        .iter()
        .map(|s| up.statement_sql(s).lines().next().unwrap())
        .collect();
    assert_eq!(
        first_lines,
        [
            "CREATE TABLE IF NOT EXISTS notes (",
            "CREATE OR REPLACE FUNCTION notes_touch() RETURNS trigger",
            "CREATE OR REPLACE PROCEDURE purge_notes(batch int)",
            "DO $$",
            "COMMENT ON TABLE notes IS 'BEGIN; -- not a comment; COMMIT;'",
            "UPDATE notes SET body = E'it\\'s; fine' WHERE body = ''",
        ]
    );
    assert_eq!(up.transaction(), migrate_runtime::Transaction::Single);
    let (_, body) = up.body();
    assert!(body.starts_with("CREATE TABLE") && body.ends_with("WHERE body = ''"));
}
