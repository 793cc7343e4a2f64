//! `pinwatch companion`: a native-messaging host for the extension in Chromium-family browsers
//! (and Firefox), which give an extension no certificate chain. Asked by the extension, it opens
//! its own TLS connection to the address and port the browser used, with the browser's server
//! name (through the browser's HTTP proxy when there is one), and returns the chain the server
//! sent and which roots verify it. It judges nothing: the pins are the extension's business.
//! Protocol, limits and installation: docs/companion.md.

mod added;
mod check;
mod detect;
mod hello;
mod install;
mod protocol;
mod roots;
mod serve;

use crate::command::{note, Failure};
use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// The native-messaging host name: lowercase letters, digits, dots and underscores, as
/// Chrome requires; the manifest file is `dev.pinwatch.companion.json`.
pub const HOST_NAME: &str = "dev.pinwatch.companion";
const ABOUT: &str = "pinwatch companion: the native-messaging host the Pinwatch extension starts to take a second look at a site's certificate chain. It speaks only to a browser, on standard input and output, and has nothing to say to a terminal.

  pinwatch companion install     write the host manifest for every supported browser found here
  pinwatch companion status      show where manifests are and whether they work
  pinwatch companion --help      every subcommand";

/// Seconds one check may take for connect, `CONNECT` and handshake, unless `--timeout` says.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;

#[derive(clap::Args)]
pub struct CompanionArgs {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Serve native messaging on standard input and output (the default; what a browser starts)
    #[command(after_help = crate::help::COMPANION_SERVE)]
    Serve(ServeArgs),
    /// Write the host manifest where a browser looks for it
    #[command(after_help = crate::help::COMPANION_INSTALL)]
    Install(install::InstallArgs),
    /// Remove the host manifest that install wrote
    #[command(after_help = crate::help::COMPANION_UNINSTALL)]
    Uninstall(install::UninstallArgs),
    /// Show, per browser and location, whether a host manifest is there and the program it
    /// starts; exit 1 when one is there but broken or its program missing
    #[command(after_help = crate::help::COMPANION_STATUS)]
    Status(install::StatusArgs),
    /// Print the host manifest for a program installed at --path (what the Linux packages ship)
    Manifest(install::ManifestArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Seconds one check may take for connect and handshake
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    timeout: u64,
    /// What the browser passes (Chrome: the caller's origin; Firefox: the manifest path and the
    /// extension id): the caller is recorded, the rest ignored
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    browser_args: Vec<String>,
}

pub fn companion(args: &CompanionArgs) -> Result<ExitCode, Failure> {
    match &args.command {
        // Someone typed `pinwatch companion`: waiting on a terminal for binary frames would
        // look like a hang.
        None if std::io::stdin().is_terminal() => {
            note(ABOUT);
            Ok(ExitCode::from(2))
        }
        None => serve::serve(serve::Options {
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            caller: None,
        }),
        Some(Sub::Serve(serve)) => serve::serve(serve::Options {
            timeout: Duration::from_secs(serve.timeout),
            caller: caller(&serve.browser_args),
        }),
        Some(Sub::Install(args)) => install::install(args),
        Some(Sub::Uninstall(args)) => install::uninstall(args),
        Some(Sub::Status(args)) => install::status(args),
        Some(Sub::Manifest(args)) => install::manifest(args),
    }
}

/// The caller among the arguments a browser passes: Chrome's `chrome-extension://<id>/`
/// (Windows adds `--parent-window=…`), or Firefox's extension id after the manifest path.
fn caller(args: &[String]) -> Option<String> {
    let found = args
        .iter()
        .find(|a| a.starts_with("chrome-extension://"))
        .or_else(|| match args {
            [manifest, id, ..] if manifest.ends_with(".json") => Some(id),
            _ => None,
        })?;
    Some(
        found
            .chars()
            .filter(|c| !c.is_control())
            .take(256)
            .collect(),
    )
}

/// A browser starts the manifest's `path` with no subcommand: `pinwatch chrome-extension://<id>/`
/// (Chrome, Chromium, Edge) or `pinwatch /…/dev.pinwatch.companion.json <extension id>`
/// (Firefox). Such a start serves at once with the default settings; `None` for any other
/// command line.
pub fn browser_launch(args: &[OsString]) -> Option<Result<ExitCode, Failure>> {
    let first = args.get(1)?.to_str()?;
    let chrome = first.starts_with("chrome-extension://");
    let firefox = Path::new(first)
        .file_name()
        .is_some_and(|n| n == format!("{HOST_NAME}.json").as_str());
    if !chrome && !firefox {
        return None;
    }
    let rest: Vec<String> = args[1..]
        .iter()
        .filter_map(|a| a.to_str().map(String::from))
        .collect();
    Some(serve::serve(serve::Options {
        timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        caller: caller(&rest),
    }))
}

#[cfg(test)]
mod tests {
    use super::caller;

    #[test]
    fn finds_the_caller_in_what_browsers_pass() {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert_eq!(
            caller(&s(&["chrome-extension://abc/", "--parent-window=0"])).as_deref(),
            Some("chrome-extension://abc/")
        );
        assert_eq!(
            caller(&s(&[
                "/x/dev.pinwatch.companion.json",
                "pinwatch@pinwatch.dev"
            ]))
            .as_deref(),
            Some("pinwatch@pinwatch.dev")
        );
        assert_eq!(caller(&s(&[])), None);
    }
}
