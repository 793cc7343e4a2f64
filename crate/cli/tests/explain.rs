//! The CLI explains itself: every command's `--help` ends with an example and its exit status,
//! the list is the first argument everywhere (`check --list` stays as the old spelling), and the
//! messages for common mistakes say what to do.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use std::io::Write as _;
use std::process::{Command, Stdio};

#[test]
fn every_help_has_an_example_and_the_exit_status() {
    let dir = Dir::new("help");
    for command in [
        &["keygen"][..],
        &["pin"],
        &["grab"],
        &["lint"],
        &["sign"],
        &["verify"],
        &["check"],
        &["monitor"],
        &["companion"],
        &["companion", "serve"],
        &["companion", "install"],
        &["companion", "uninstall"],
        &["companion", "status"],
        &["policy"],
        &["policy", "lint"],
        &["diff"],
        &["state"],
        &["state", "init"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = dir.expect(0, &args);
        assert!(
            help.stdout.contains("Example") && help.stdout.contains("\n  pinwatch "),
            "{command:?}: no example: {}",
            help.stdout
        );
        assert!(
            help.stdout.contains("Exit status: 0 "),
            "{command:?}: no exit status: {}",
            help.stdout
        );
    }
    // Defaults are shown one way: clap's "[default: …]".
    let verify = dir.expect(0, &["verify", "--help"]).stdout;
    assert!(verify.contains("[default: 1]"), "{verify}");
    assert!(!verify.contains("(default"), "{verify}");
}

#[test]
fn check_takes_the_list_first_and_keeps_the_old_flag() {
    let dir = Dir::new("check-spelling");
    dir.keygen("a");
    let chain = make_chain(&dir, "");
    let pin = openssl_pin(&dir, &chain.intermediate);
    dir.write("payload.json", payload(1, &[&pin, PIN_A], ""));
    dir.expect(
        0,
        &[
            "sign",
            "payload.json",
            "--key",
            "a.key",
            "--out",
            "list.json",
        ],
    );
    let served = chain.served.to_str().unwrap();
    let common = [
        "--trust",
        "a.pub",
        "--now",
        NOW,
        "--host",
        "mail.example.test",
        "--json",
    ];
    let mut new = vec!["check", "list.json", served];
    new.extend(common);
    assert_eq!(dir.expect(0, &new).json()["status"], "pinned");
    let mut old = vec!["check", "--list", "list.json", served];
    old.extend(common);
    assert_eq!(dir.expect(0, &old).json()["status"], "pinned");
    // Only the chain, or both spellings at once: a usage error that shows the form.
    let mut neither = vec!["check", served];
    neither.extend(common);
    let run = dir.expect(2, &neither);
    assert!(
        run.stderr.contains("pinwatch check LIST.json CHAIN.pem"),
        "{run:?}"
    );
    let mut both = vec!["check", "--list", "list.json", "list.json", served];
    both.extend(common);
    dir.expect(2, &both);
}

#[test]
fn common_mistakes_say_what_to_do() {
    let dir = Dir::new("mistakes");
    dir.keygen("a");
    dir.write("payload.json", payload(1, &[PIN_A, PIN_B], ""));

    // An empty key on standard input.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinwatch"))
        .args(["sign", "payload.json", "--key", "-", "--out", "list.json"])
        .current_dir(&dir.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("standard input is empty"), "{stderr}");

    // An unsigned payload given to verify.
    let run = dir.expect(
        1,
        &["verify", "payload.json", "--trust", "a.pub", "--now", NOW],
    );
    assert!(run.stdout.contains("sign it first"), "{run:?}");
    assert!(!run.stdout.contains("unknown field"), "{run:?}");

    // --out in a folder that does not exist names that folder, not a temporary file.
    let run = dir.expect(
        2,
        &[
            "sign",
            "payload.json",
            "--key",
            "a.key",
            "--out",
            "missing/list.json",
        ],
    );
    assert!(
        run.stderr
            .contains("missing/list.json: the folder missing does not exist"),
        "{run:?}"
    );
    assert!(!run.stderr.contains(".tmp"), "{run:?}");

    // pin on a text file.
    dir.write("notes.txt", "these are not certificates\n");
    let run = dir.expect(1, &["pin", "notes.txt"]);
    assert!(
        run.stderr.contains("not a certificate: no PEM block"),
        "{run:?}"
    );
    assert!(!run.stderr.to_lowercase().contains("tag"), "{run:?}");
}
