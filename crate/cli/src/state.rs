//! `state init`: the first trust state of a channel, from the keys and threshold its policy
//! gives the browsers, for `verify --state` to advance release after release.

use crate::command::{out, Failure};
use crate::keys::read_public;
use pinwatch_core::crypto::key::SignerSet;
use pinwatch_core::list::accept::TrustState;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct StateArgs {
    #[command(subcommand)]
    command: StateCommand,
}

#[derive(clap::Subcommand)]
enum StateCommand {
    /// Write the first trust state: the channel's keys and threshold, sequence 0
    #[command(after_help = crate::help::STATE)]
    Init {
        /// A public key of the channel's signer set: a .pub file or the key text; repeat for each
        #[arg(long = "trust", required = true, value_name = "K.pub")]
        trust: Vec<PathBuf>,
        /// How many distinct keys must sign, as the channel's policy says
        #[arg(long, value_name = "N", required = true)]
        threshold: u32,
        /// The state file to create
        #[arg(long, value_name = "STATE.json")]
        out: PathBuf,
    },
}

pub fn state(args: &StateArgs) -> Result<ExitCode, Failure> {
    let StateCommand::Init {
        trust,
        threshold,
        out: path,
    } = &args.command;
    let keys = trust
        .iter()
        .map(|p| read_public(p))
        .collect::<Result<Vec<_>, _>>()?;
    let signers = SignerSet::new(keys, *threshold)
        .map_err(|e| Failure::Usage(format!("--trust/--threshold: {e}")))?;
    let state = TrustState {
        signers,
        sequence: 0,
    };
    let text = serde_json::to_string_pretty(&state.to_spec()).unwrap_or_default() + "\n";
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Failure::Usage(format!(
                    "{} already exists; state init never overwrites a trust state (`verify --state {0} --update-state` advances it)",
                    path.display()
                ))
            } else {
                Failure::io(path, e)
            }
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| Failure::io(path, e))?;
    out(&format!(
        "wrote {}: sequence 0, threshold {threshold} of {} key(s)\n",
        path.display(),
        trust.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}
