//! `pinwatch`: the command-line tool for teams that publish pin lists.
//!
//! Exit status: 0 ok; 1 rejected, mismatch, or not a valid list, envelope or certificate;
//! 2 usage or I/O error. `monitor`: 0 every host ok or expiring, 1 any drift, 2 usage, I/O or a
//! list it cannot read, 3 no drift but some host unreachable. `companion` (serving): 0 once
//! standard input closes. Every failure is a value on the way to `main`, never a panic.

mod aia;
mod binding;
mod certs;
mod chain;
mod command;
mod companion;
mod diff;
mod help;
mod keys;
mod lint;
mod lists;
mod monitor;
mod policy;
mod secret_key;
mod state;

use clap::{Args, Parser, Subcommand};
use command::Failure;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pinwatch",
    version,
    about = "Make, sign, verify and inspect Pinwatch pin lists",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a signing key: writes NAME.key (secret, mode 0600, never overwritten) and NAME.pub
    #[command(after_help = help::KEYGEN)]
    Keygen {
        /// Path prefix of the two files
        #[arg(long, value_name = "NAME")]
        out: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// Print the SPKI pin, subject and issuer of every certificate in PEM or DER files
    #[command(after_help = help::PIN)]
    Pin {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Also print the DER SubjectPublicKeyInfo (base64), the form a pin set's issuer_keys takes
        #[arg(long)]
        spki: bool,
        #[command(flatten)]
        output: Output,
    },
    /// Connect with TLS and print the chain the server sends, with its pins
    #[command(after_help = help::GRAB)]
    Grab(certs::GrabArgs),
    /// Check a payload (or an envelope's payload, signatures unchecked) against the publisher rules
    #[command(after_help = help::LINT)]
    Lint {
        #[arg(value_name = "PAYLOAD.json")]
        file: PathBuf,
        /// Judge expiry as of this time (RFC 3339) instead of the system clock
        #[arg(long, value_name = "RFC3339", value_parser = command::parse_time)]
        now: Option<i64>,
        #[command(flatten)]
        output: Output,
    },
    /// Sign a payload into an envelope, or add signatures to an envelope
    #[command(after_help = help::SIGN)]
    Sign(lists::SignArgs),
    /// Decide whether a signed list would be accepted, and print its summary or the reason
    #[command(after_help = help::VERIFY)]
    Verify(lists::VerifyArgs),
    /// Print the verdict the extension would give for a host and the chain it served
    #[command(after_help = help::CHECK)]
    Check(lists::CheckArgs),
    /// Connect to every host of a list and report whether the chain it serves today is ok, drifted, expiring or unreachable
    #[command(after_help = help::MONITOR)]
    Monitor(monitor::MonitorArgs),
    /// Native-messaging host for the extension: a second TLS connection to where the browser connected, and the chain it gets (also install, uninstall, status)
    #[command(after_help = help::COMPANION)]
    Companion(companion::CompanionArgs),
    /// Check a policy before deploying it: the settings, extra entries, channels and extension id
    #[command(after_help = help::POLICY_LINT)]
    Policy(policy::PolicyArgs),
    /// Trust state files for `verify --state`: `state init` writes the first one
    #[command(after_help = help::STATE)]
    State(state::StateArgs),
    /// Show added, removed and changed entries and pins between two payloads or envelopes (signatures unchecked)
    #[command(after_help = help::DIFF)]
    Diff {
        #[arg(value_name = "OLD")]
        old: PathBuf,
        #[arg(value_name = "NEW")]
        new: PathBuf,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Args, Clone, Copy)]
struct Output {
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Keygen { out, output } => keys::keygen(&out, output.json),
        Command::Pin {
            files,
            spki,
            output,
        } => certs::pin(&files, spki, output.json),
        Command::Grab(args) => certs::grab(&args),
        Command::Lint { file, now, output } => lists::lint(&file, now, output.json),
        Command::Sign(args) => lists::sign(&args),
        Command::Verify(args) => lists::verify(&args),
        Command::Check(args) => lists::check(&args),
        Command::Diff { old, new, output } => lists::diff(&old, &new, output.json),
        Command::Monitor(args) => monitor::monitor(&args),
        Command::Companion(args) => companion::companion(&args),
        Command::State(args) => state::state(&args),
        Command::Policy(args) => policy::policy(&args),
    }
}

fn main() -> ExitCode {
    // Belt and braces: a bug must still end with a usage-class status and one readable line.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("pinwatch: internal error, please report it: {info}");
        std::process::exit(2);
    }));
    // A browser starts the companion's manifest path with its own arguments (docs/companion.md).
    if let Some(result) = companion::browser_launch(&std::env::args_os().collect::<Vec<_>>()) {
        return result.unwrap_or_else(|failure| {
            eprintln!("pinwatch: {failure}");
            failure.exit_code()
        });
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("pinwatch: {failure}");
            failure.exit_code()
        }
    }
}
