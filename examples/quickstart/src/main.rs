//! The quick start: applies `migrations/` to `DATABASE_URL` at start, prints the report and the
//! status, and exits 0 (1 when a migration fails, 2 when `DATABASE_URL` is unset or unreachable).
//! Run it with `scripts/quickstart`, which starts a throwaway PostgreSQL when `DATABASE_URL` is
//! unset.

use std::process::ExitCode;

use quickstart::StartError;

fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "quickstart: DATABASE_URL is not set. Run scripts/quickstart (it starts a throwaway \
             PostgreSQL), or set DATABASE_URL=postgresql://user:password@host:5432/database"
        );
        return ExitCode::from(2);
    };
    match quickstart::start_with_url(&url, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickstart: {}", quickstart::describe(&error));
            match error {
                StartError::Connect(_) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
