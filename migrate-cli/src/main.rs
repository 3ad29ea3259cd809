//! `migrate`: the command line of compile-time checked PostgreSQL migrations. It checks a folder
//! with the build's checker (`migrate-lint`) and applies it with the application's runner
//! (`migrate-runtime`). `migrate --help` lists the commands and the exit codes.

#![warn(missing_docs)]

mod args;
mod changed;
mod commands;
mod confirm;
mod connect;
mod drift;
mod failure;
mod fix;
mod fleet;
mod import;
mod load;
mod lsp;
mod new;
#[cfg(test)]
mod reference;
mod render;
mod session;
mod squash;
mod status;
mod trace;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match commands::run(args::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("error: {failure}");
            }
            failure.code.into()
        }
    }
}
