//! `scripts/oracle DIR...`: PostgreSQL's verdict beside the checker's for each folder (see
//! `migrate_tests::oracle`). Each folder is judged in a new database of the server at
//! `DATABASE_URL`, dropped after.

use std::path::Path;
use std::process::ExitCode;

use migrate_tests::{oracle, TestDb};

fn main() -> ExitCode {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: scripts/oracle DIR... (with DATABASE_URL, or inside pg_virtualenv)");
        return ExitCode::from(2);
    }
    if std::env::var_os("DATABASE_URL").is_none() {
        eprintln!(
            "error: DATABASE_URL is not set: run scripts/oracle, which starts a throwaway server"
        );
        return ExitCode::from(2);
    }
    for dir in dirs {
        let db = TestDb::new();
        match oracle::judge(Path::new(&dir), &mut db.client()) {
            Ok(verdict) => println!("{dir}\n{verdict}\n"),
            Err(e) => {
                eprintln!("error: {dir}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
