//! `carepki`: the certificate authority, registration service and e-service for social
//! welfare and healthcare, as one binary with subcommands.
#![forbid(unsafe_code)]

#[macro_use]
mod commands;
mod cardlisten_cmd;
mod cards_cmd;
mod cli;
mod cli_cards;
mod document_cmd;
mod eservice_cmd;
mod incident_cmd;
mod registers_cmd;
mod station_cmd;
mod status_cmds;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's allocator: issuance allocates many small, short-lived
/// buffers on several threads, where glibc's malloc spent about an eighth of the CPU
/// time in `carepki bench issue`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAREPKI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,carepki=info"));
    // CAREPKI_LOG_FORMAT=json: one JSON object per line, for log collectors.
    if std::env::var("CAREPKI_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
