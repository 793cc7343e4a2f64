//! `pinwatch monitor` against loopback TLS servers whose chains are made at test time, and
//! `pinwatch sign --key -`: the real binary, its exit status, its JSON and its text.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use serde_json::Value;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Days the "soon" intermediate is valid for: inside the default 30-day warning.
const SOON_DAYS: u32 = 10;

/// The test PKI: a legit chain, a rogue one (another CA), and a chain under the legit root whose
/// intermediate (the pinned CA) expires in 10 days.
struct Pki {
    legit: Chain,
    rogue: Chain,
    soon_served: PathBuf,
    soon_int: PathBuf,
    soon_leaf_key: Vec<u8>,
}

fn make_pki(dir: &Dir) -> Pki {
    let legit = make_chain(dir, "");
    let rogue = make_chain(dir, "rogue-");
    dir.issue(
        "soon-int",
        "/CN=Soon Intermediate",
        Some("root"),
        CA_EXT,
        SOON_DAYS,
    );
    dir.issue(
        "soon-leaf",
        "/CN=soon.example.test",
        Some("soon-int"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:soon.example.test\n",
        90,
    );
    Pki {
        legit,
        rogue,
        soon_served: dir.concat("soon-served.pem", &["soon-leaf.pem", "soon-int.pem"]),
        soon_int: dir.join("soon-int.pem"),
        soon_leaf_key: dir.pkcs8("soon-leaf.key"),
    }
}

fn rfc3339(unix: i64) -> String {
    pinwatch_core::time::format_rfc3339(unix)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A payload valid today (issued yesterday, expiring in 60 days: past --warn-days) with two pin sets: `legit`
/// (the legit intermediate) and `soon` (the intermediate that expires in 10 days); one entry per
/// `(host, pinset)`.
fn monitor_payload(dir: &Dir, pki: &Pki, entries: &[(&str, &str)]) -> String {
    let dates = (rfc3339(now() - 86_400), rfc3339(now() + 60 * 86_400));
    dated_payload(dir, pki, entries, dates)
}

fn dated_payload(
    dir: &Dir,
    pki: &Pki,
    entries: &[(&str, &str)],
    (issued, expires): (String, String),
) -> String {
    let legit = openssl_pin(dir, &pki.legit.intermediate);
    let soon = openssl_pin(dir, &pki.soon_int);
    let entries: Vec<String> = entries
        .iter()
        .map(|(host, set)| format!(r#"{{"host": "{host}", "pinset": "{set}", "mode": "enforce"}}"#))
        .collect();
    format!(
        r#"{{
  "version": 1,
  "sequence": 7,
  "issued_at": "{issued}",
  "expires_at": "{expires}",
  "publisher": "Test Publisher",
  "pinsets": {{
    "legit": {{"good": ["{legit}", "{PIN_A}"]}},
    "soon": {{"good": ["{soon}", "{PIN_B}"]}}
  }},
  "entries": [{}]
}}
"#,
        entries.join(", ")
    )
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server that accepts TCP connections and never says a word; counts the connections.
fn serve_silence() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

fn connect_to(host: &str, port: u16) -> String {
    format!("{host}:127.0.0.1:{port}")
}

/// `monitor list.json ARGS`, expecting `code`; returns the run and how long it took.
fn monitor(dir: &Dir, code: i32, args: &[&str]) -> (Run, Duration) {
    let mut all = vec!["monitor", "list.json"];
    all.extend(args);
    let start = Instant::now();
    let run = dir.expect(code, &all);
    (run, start.elapsed())
}

/// The host's object in `monitor --json` output.
fn host<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {report}"))
}

fn summary(report: &Value) -> [u64; 4] {
    let s = &report["summary"];
    ["ok", "drift", "expiring", "unreachable"].map(|k| s[k].as_u64().unwrap())
}

#[test]
fn ok_and_expiring_hosts_exit_0_with_their_pins_and_dates() {
    let dir = Dir::new("monitor-ok");
    let pki = make_pki(&dir);
    let legit_port = serve_tls(&pki.legit.served, &pki.legit.leaf_key);
    let soon_port = serve_tls(&pki.soon_served, &pki.soon_leaf_key);
    dir.write(
        "list.json",
        monitor_payload(
            &dir,
            &pki,
            &[
                ("mail.example.test", "legit"),
                ("soon.example.test", "soon"),
            ],
        ),
    );
    let (mail_to, soon_to) = (
        connect_to("mail.example.test", legit_port),
        // curl's form, naming the port monitor connects to.
        format!("soon.example.test:443:127.0.0.1:{soon_port}"),
    );
    let root = pki.legit.root.to_str().unwrap();
    let base = ["--connect-to", &mail_to, "--connect-to", &soon_to];
    let mut args = base.to_vec();
    args.extend(["--ca", root, "--json"]);
    let report = monitor(&dir, 0, &args).0.json();
    assert_eq!(summary(&report), [1, 0, 1, 0], "{report}");

    let mail = host(&report, "mail.example.test");
    let int_pin = openssl_pin(&dir, &pki.legit.intermediate);
    assert_eq!(mail["status"], "ok");
    assert_eq!(mail["verdict"], "pinned");
    assert_eq!(mail["matched"]["pin"], int_pin.as_str());
    assert_eq!(
        mail["servedPins"],
        serde_json::json!([openssl_pin(&dir, &pki.legit.leaf), int_pin])
    );
    assert_eq!(mail["connect"], format!("127.0.0.1:{legit_port}").as_str());
    assert_eq!(mail["address"], format!("127.0.0.1:{legit_port}").as_str());
    // --ca is honoured: the test root verifies the chain for the name sent in SNI.
    assert_eq!(mail["verified"], true, "{mail}");

    let soon = host(&report, "soon.example.test");
    assert_eq!(soon["status"], "expiring", "{soon}");
    assert_eq!(soon["verdict"], "pinned");
    assert_eq!(
        soon["matched"]["pin"],
        openssl_pin(&dir, &pki.soon_int).as_str()
    );
    let pinned = dir
        .expect(0, &["pin", "--json", pki.soon_int.to_str().unwrap()])
        .json();
    assert_eq!(soon["notAfter"], pinned[0]["notAfter"], "{soon}");
    let days = soon["daysLeft"].as_i64().unwrap();
    assert!((9..=10).contains(&days), "{soon}");
    assert!(
        soon["reason"].as_str().unwrap().contains("expires at"),
        "{soon}"
    );
    // The legit intermediate expires in ten years: its date is reported, not alarmed.
    assert!(mail["daysLeft"].as_i64().unwrap() > 3000, "{mail}");

    // Without --ca the public roots do not know the test root: reported, but the pins decide.
    let mut args = base.to_vec();
    args.push("--json");
    let report = monitor(&dir, 0, &args).0.json();
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "ok");
    assert_eq!(mail["verified"], false);
    assert!(mail["verifyError"].as_str().unwrap().len() > 5, "{mail}");
    assert_eq!(summary(&report), [1, 0, 1, 0]);

    // A shorter warning: ten days left is no longer "expiring".
    let mut args = base.to_vec();
    args.extend(["--warn-days", "5", "--json"]);
    let report = monitor(&dir, 0, &args).0.json();
    assert_eq!(summary(&report), [2, 0, 0, 0], "{report}");

    // Text: one line per host (host, status, reason), the list's own expiry, then the totals.
    let (run, _) = monitor(&dir, 0, &base);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(
        lines[2].starts_with("list: ok, expires at "),
        "{}",
        run.stdout
    );
    let words = |line: &str| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(words(lines[0])[..2], ["mail.example.test", "ok"]);
    assert_eq!(words(lines[1])[..2], ["soon.example.test", "expiring"]);
    assert!(lines[1].contains("expires at"), "{}", run.stdout);

    // A signed envelope is read too (its signatures are not checked).
    dir.keygen("a");
    dir.expect(
        0,
        &[
            "sign",
            "list.json",
            "--key",
            "a.key",
            "--out",
            "signed.json",
        ],
    );
    let mut args = vec!["monitor", "signed.json", "--json"];
    args.extend(base);
    assert_eq!(summary(&dir.expect(0, &args).json()), [1, 0, 1, 0]);
}

#[test]
fn a_host_serving_another_ca_is_drift_and_exits_1() {
    let dir = Dir::new("monitor-drift");
    let pki = make_pki(&dir);
    let legit_port = serve_tls(&pki.legit.served, &pki.legit.leaf_key);
    // The rogue server sends its root too: a complete chain with no pinned key in it, which is
    // a mismatch whether pins count anywhere in the chain or only on a verified path.
    let rogue_full = dir.write(
        "rogue-full.pem",
        [dir.read("rogue-served.pem"), dir.read("rogue-root.pem")].concat(),
    );
    let rogue_port = serve_tls(&rogue_full, &pki.rogue.leaf_key);
    let down_port = closed_port();
    dir.write(
        "list.json",
        monitor_payload(
            &dir,
            &pki,
            &[
                ("mail.example.test", "legit"),
                ("rogue.example.test", "legit"),
                ("down.example.test", "legit"),
            ],
        ),
    );
    let targets = [
        connect_to("mail.example.test", legit_port),
        connect_to("rogue.example.test", rogue_port),
        connect_to("down.example.test", down_port),
    ];
    let mut args = vec!["--json", "--timeout", "5"];
    for t in &targets {
        args.extend(["--connect-to", t.as_str()]);
    }
    let report = monitor(&dir, 1, &args).0.json();
    assert_eq!(summary(&report), [1, 1, 0, 1], "{report}");
    assert_eq!(host(&report, "mail.example.test")["status"], "ok");
    let rogue = host(&report, "rogue.example.test");
    assert_eq!(rogue["status"], "drift");
    assert_eq!(rogue["verdict"], "mismatch");
    assert!(
        rogue["reason"]
            .as_str()
            .unwrap()
            .starts_with("mismatch: None of the pinned keys"),
        "{rogue}"
    );
    assert_eq!(
        rogue["servedPins"],
        serde_json::json!([
            openssl_pin(&dir, &pki.rogue.leaf),
            openssl_pin(&dir, &pki.rogue.intermediate),
            openssl_pin(&dir, &pki.rogue.root)
        ])
    );
    assert!(rogue.get("matched").is_none(), "{rogue}");
    let down = host(&report, "down.example.test");
    assert_eq!(down["status"], "unreachable");
    assert!(
        down["reason"]
            .as_str()
            .unwrap()
            .starts_with(&format!("127.0.0.1:{down_port}: ")),
        "{down}"
    );
    assert_eq!(down["servedPins"], serde_json::json!([]));

    // The text report says the same, one line per host.
    let (run, _) = monitor(&dir, 1, &args[1..]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("rogue.example.test") && l.contains(" drift ")),
        "{}",
        run.stdout
    );

    // An expired list: the host is not protected as written, so it is drift, never ok.
    let stale = dated_payload(
        &dir,
        &pki,
        &[("mail.example.test", "legit")],
        (rfc3339(now() - 40 * 86_400), rfc3339(now() - 86_400)),
    );
    dir.write("list.json", stale);
    let mail_to = connect_to("mail.example.test", legit_port);
    let report = monitor(&dir, 1, &["--json", "--connect-to", &mail_to])
        .0
        .json();
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "drift", "{mail}");
    assert_eq!(mail["verdict"], "stale");
    assert!(
        mail["reason"].as_str().unwrap().starts_with("stale: "),
        "{mail}"
    );
    assert_eq!(report["list"]["status"], "expired", "{report}");

    // A list that expires in two days: every host ok, but the list has its own line and exit 4.
    let soon = dated_payload(
        &dir,
        &pki,
        &[("mail.example.test", "legit")],
        (rfc3339(now() - 86_400), rfc3339(now() + 2 * 86_400 + 3600)),
    );
    dir.write("list.json", soon);
    let (run, _) = monitor(&dir, 4, &["--connect-to", &mail_to]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("list: expiring at ")
                && l.contains("in 2 day(s) (within --warn-days 30)")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("mail.example.test") && l.contains(" ok ")),
        "{}",
        run.stdout
    );
    let report = monitor(
        &dir,
        0,
        &["--connect-to", &mail_to, "--warn-days", "1", "--json"],
    )
    .0
    .json();
    assert_eq!(report["list"]["status"], "ok", "{report}");
    assert_eq!(report["list"]["daysLeft"], 2, "{report}");
}

#[test]
fn unreachable_hosts_alone_exit_3_and_a_silent_server_times_out() {
    let dir = Dir::new("monitor-unreachable");
    let pki = make_pki(&dir);
    let legit_port = serve_tls(&pki.legit.served, &pki.legit.leaf_key);
    let (silent_port, accepted) = serve_silence();
    let down_port = closed_port();
    dir.write(
        "list.json",
        monitor_payload(
            &dir,
            &pki,
            &[
                ("mail.example.test", "legit"),
                ("down.example.test", "legit"),
                ("hang.example.test", "legit"),
            ],
        ),
    );
    let targets = [
        connect_to("mail.example.test", legit_port),
        connect_to("down.example.test", down_port),
        connect_to("hang.example.test", silent_port),
    ];
    let mut args = vec!["--json", "--timeout", "2"];
    for t in &targets {
        args.extend(["--connect-to", t.as_str()]);
    }
    let (run, took) = monitor(&dir, 3, &args);
    let report = run.json();
    assert_eq!(summary(&report), [1, 0, 0, 2], "{report}");
    let hang = host(&report, "hang.example.test");
    assert_eq!(hang["status"], "unreachable");
    assert!(
        hang["reason"]
            .as_str()
            .unwrap()
            .contains("no answer within 2 s"),
        "{hang}"
    );
    assert!(
        accepted.load(Ordering::SeqCst) >= 1,
        "the silent server was reached"
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(host(&report, "down.example.test")["status"], "unreachable");
}

#[test]
fn hosts_not_done_by_the_deadline_are_unreachable() {
    let dir = Dir::new("monitor-deadline");
    let pki = make_pki(&dir);
    let legit_port = serve_tls(&pki.legit.served, &pki.legit.leaf_key);
    let (silent_port, _) = serve_silence();
    dir.write(
        "list.json",
        monitor_payload(
            &dir,
            &pki,
            &[
                ("hang.example.test", "legit"),
                ("mail.example.test", "legit"),
            ],
        ),
    );
    let (hang_to, mail_to) = (
        connect_to("hang.example.test", silent_port),
        connect_to("mail.example.test", legit_port),
    );
    // One worker, stuck on the silent server far longer than the run may last.
    let (run, took) = monitor(
        &dir,
        3,
        &[
            "--json",
            "--concurrency",
            "1",
            "--timeout",
            "60",
            "--deadline",
            "2",
            "--connect-to",
            &hang_to,
            "--connect-to",
            &mail_to,
        ],
    );
    let report = run.json();
    for name in ["hang.example.test", "mail.example.test"] {
        let h = host(&report, name);
        assert_eq!(h["status"], "unreachable", "{h}");
        assert_eq!(h["reason"], "not checked before the deadline", "{h}");
    }
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn monitor_usage_mistakes_exit_2() {
    let dir = Dir::new("monitor-usage");
    let pki = make_pki(&dir);
    dir.write(
        "list.json",
        monitor_payload(&dir, &pki, &[("mail.example.test", "legit")]),
    );
    let help = dir.expect(0, &["monitor", "--help"]);
    for flag in [
        "--connect-to",
        "--ca",
        "--warn-days",
        "--concurrency",
        "--timeout",
        "--deadline",
        "--json",
    ] {
        assert!(help.stdout.contains(flag), "{flag}: {help:?}");
    }
    dir.expect(2, &["monitor"]);
    dir.expect(2, &["monitor", "absent.json"]);
    dir.write("junk.json", "[1, 2]");
    dir.expect(2, &["monitor", "junk.json"]);
    for bad in [
        "mail.example.test",
        "mail.example.test:127.0.0.1:notaport",
        ":127.0.0.1:443",
        // Read silently as an address once: a port alone, and curl's form with another port.
        "mail.example.test:18443",
        "mail.example.test:8443:127.0.0.1:18443",
    ] {
        let run = dir.expect(2, &["monitor", "list.json", "--connect-to", bad]);
        assert!(
            run.stderr.contains("--connect-to") && run.stderr.contains("expected HOST:ADDR:PORT"),
            "{run:?}"
        );
    }
    // A mapping for a host the list does not have is a mistake, not something to skip.
    let run = dir.expect(
        2,
        &[
            "monitor",
            "list.json",
            "--connect-to",
            "other.example.test:127.0.0.1:443",
        ],
    );
    assert!(run.stderr.contains("no entry"), "{run:?}");
    dir.expect(2, &["monitor", "list.json", "--concurrency", "0"]);
    dir.expect(2, &["monitor", "list.json", "--timeout", "0"]);
    dir.expect(2, &["monitor", "list.json", "--ca", "absent.pem"]);
}

/// `pinwatch ARGS` in `dir` with `stdin` as standard input.
fn with_stdin(dir: &Dir, args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinwatch"))
        .args(args)
        .current_dir(&dir.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The child may exit before reading (a refused argument): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn sign_reads_the_key_from_standard_input() {
    let dir = Dir::new("sign-stdin");
    dir.keygen("a");
    dir.keygen("b");
    dir.write("payload.json", payload(1, &[PIN_A, PIN_B], ""));
    dir.expect(
        0,
        &[
            "sign",
            "payload.json",
            "--key",
            "a.key",
            "--out",
            "from-file.json",
        ],
    );
    let key = dir.read("a.key");
    let run = with_stdin(
        &dir,
        &[
            "sign",
            "payload.json",
            "--key",
            "-",
            "--out",
            "from-stdin.json",
        ],
        &key,
    );
    assert_eq!(run.code, 0, "{run:?}");
    // Ed25519 signatures are deterministic: the same key makes the same envelope, byte for byte.
    assert_eq!(dir.read("from-stdin.json"), dir.read("from-file.json"));
    dir.expect(
        0,
        &[
            "verify",
            "from-stdin.json",
            "--trust",
            "a.pub",
            "--now",
            NOW,
        ],
    );
    // Threshold signing: one key from standard input, another from a file.
    let run = with_stdin(
        &dir,
        &[
            "sign",
            "payload.json",
            "--key",
            "-",
            "--key",
            "b.key",
            "--out",
            "both.json",
        ],
        &key,
    );
    assert_eq!(run.code, 0, "{run:?}");
    dir.expect(
        0,
        &[
            "verify",
            "both.json",
            "--trust",
            "a.pub",
            "--trust",
            "b.pub",
            "--threshold",
            "2",
            "--now",
            NOW,
        ],
    );
    // Standard input holds one key.
    let run = with_stdin(
        &dir,
        &[
            "sign",
            "payload.json",
            "--key",
            "-",
            "--key",
            "-",
            "--out",
            "twice.json",
        ],
        &key,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!dir.join("twice.json").exists());
    // Something that is not a key on standard input is refused like a bad key file.
    let run = with_stdin(
        &dir,
        &["sign", "payload.json", "--key", "-", "--out", "junk.json"],
        b"not a key\n",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("standard input"), "{run:?}");
    assert!(!dir.join("junk.json").exists());
}

#[test]
fn a_secret_key_on_the_command_line_is_refused_and_not_echoed() {
    let dir = Dir::new("sign-argv");
    dir.keygen("a");
    dir.write("payload.json", payload(1, &[PIN_A, PIN_B], ""));
    let line = dir.text("a.key");
    let line = line.trim();
    let seed = line.split_once(':').unwrap().1;
    for given in [line, seed] {
        let run = dir.expect(
            2,
            &["sign", "payload.json", "--key", given, "--out", "list.json"],
        );
        assert!(
            run.stderr.contains(
                "give the key as a file or '-' (standard input), not on the command line"
            ),
            "{run:?}"
        );
        assert!(
            !run.stderr.contains(seed) && !run.stdout.contains(seed),
            "the secret was printed: {run:?}"
        );
        assert!(!dir.join("list.json").exists());
    }
    // Beside a good key file too: nothing is signed.
    dir.expect(
        2,
        &[
            "sign",
            "payload.json",
            "--key",
            "a.key",
            "--key",
            line,
            "--out",
            "list.json",
        ],
    );
    assert!(!dir.join("list.json").exists());
    // A missing file that is not key material is still an ordinary I/O error.
    let run = dir.expect(
        2,
        &[
            "sign",
            "payload.json",
            "--key",
            "absent.key",
            "--out",
            "list.json",
        ],
    );
    assert!(run.stderr.contains("absent.key"), "{run:?}");
}

/// A chain whose list pins only the root: the server sends leaf + intermediate, as servers do.
struct RootOnly {
    /// leaf.pem + int.pem.
    served: PathBuf,
    root: PathBuf,
    root_der: Vec<u8>,
    leaf_key: Vec<u8>,
}

/// A root (valid 3000 days, so its date is told apart from the others' 3650), an intermediate
/// whose caIssuers URL is `aia` (none when `None`), and a leaf for mail.example.test; made with
/// openssl under `prefix`.
fn make_root_only(dir: &Dir, prefix: &str, aia: Option<&str>) -> RootOnly {
    let p = |name: &str| format!("{prefix}{name}");
    let aia_line = aia
        .map(|url| format!("authorityInfoAccess=caIssuers;URI:{url}\n"))
        .unwrap_or_default();
    let root = dir.issue(&p("root"), &format!("/CN={prefix}Root"), None, "", 3000);
    dir.issue(
        &p("int"),
        &format!("/CN={prefix}Intermediate"),
        Some(&p("root")),
        &format!("{CA_EXT}{aia_line}"),
        3650,
    );
    dir.issue(
        &p("leaf"),
        "/CN=mail.example.test",
        Some(&p("int")),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mail.example.test,DNS:mx.example.test\n",
        3650,
    );
    RootOnly {
        served: dir.concat(&p("served.pem"), &[&p("leaf.pem"), &p("int.pem")]),
        root_der: dir.openssl(&["x509", "-in", root.to_str().unwrap(), "-outform", "DER"]),
        root,
        leaf_key: dir.pkcs8(&p("leaf.key")),
    }
}

/// A payload valid today whose one pin set, `root`, pins `root_pin` (and a backup); one entry
/// per host.
fn root_payload(root_pin: &str, hosts: &[&str]) -> String {
    let (issued, expires) = (rfc3339(now() - 86_400), rfc3339(now() + 60 * 86_400));
    let entries: Vec<String> = hosts
        .iter()
        .map(|h| format!(r#"{{"host": "{h}", "pinset": "root", "mode": "enforce"}}"#))
        .collect();
    format!(
        r#"{{
  "version": 1,
  "sequence": 7,
  "issued_at": "{issued}",
  "expires_at": "{expires}",
  "publisher": "Test Publisher",
  "pinsets": {{"root": {{"good": ["{root_pin}", "{PIN_A}"]}}}},
  "entries": [{}]
}}
"#,
        entries.join(", ")
    )
}

/// What the AIA server answers: 200 with these bytes, or 404 when `None`.
type AiaBody = Arc<std::sync::Mutex<Option<Vec<u8>>>>;

/// An HTTP server on `listener` answering every request with `body`; counts the requests.
fn serve_http(listener: TcpListener, body: AiaBody) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match std::io::Read::read(&mut stream, &mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            seen.fetch_add(1, Ordering::SeqCst);
            let reply = match body.lock().unwrap().clone() {
                Some(bytes) => [
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        bytes.len()
                    )
                    .into_bytes(),
                    bytes,
                ]
                .concat(),
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&reply);
        }
    });
    count
}

#[test]
fn a_root_pinned_host_is_ok_when_the_intermediates_aia_url_serves_the_root() {
    let dir = Dir::new("monitor-aia");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/root.der",
        listener.local_addr().unwrap().port()
    );
    let chain = make_root_only(&dir, "aia-", Some(&url));
    let body: AiaBody = Arc::new(std::sync::Mutex::new(Some(chain.root_der.clone())));
    let requests = serve_http(listener, body.clone());
    let tls_port = serve_tls(&chain.served, &chain.leaf_key);
    let root_pin = openssl_pin(&dir, &chain.root);
    dir.write(
        "list.json",
        root_payload(&root_pin, &["mail.example.test", "mx.example.test"]),
    );
    let targets = [
        connect_to("mail.example.test", tls_port),
        connect_to("mx.example.test", tls_port),
    ];
    let mut args = vec!["--json"];
    for t in &targets {
        args.extend(["--connect-to", t.as_str()]);
    }
    let report = monitor(&dir, 0, &args).0.json();
    assert_eq!(summary(&report), [2, 0, 0, 0], "{report}");
    for name in ["mail.example.test", "mx.example.test"] {
        let h = host(&report, name);
        assert_eq!(h["status"], "ok", "{h}");
        assert_eq!(h["verdict"], "pinned", "{h}");
        assert_eq!(h["matched"]["pin"], root_pin.as_str(), "{h}");
        // The pin rests on the fetched root, linked by signatures: its path says so.
        assert_eq!(
            h["path"]["origins"],
            serde_json::json!(["served", "served", "fetched"]),
            "{h}"
        );
        assert_eq!(h["path"]["wanted"], serde_json::json!([]), "{h}");
        assert_eq!(
            h["fetched"],
            serde_json::json!([{"url": url, "linked": true}]),
            "{h}"
        );
        // The date reported is the pinned root's (3000 days), not the served certificates'.
        let days = h["daysLeft"].as_i64().unwrap();
        assert!((2998..=3000).contains(&days), "{h}");
        // The served pins are still only what the server sent.
        assert_eq!(h["servedPins"].as_array().unwrap().len(), 2, "{h}");
    }
    // Two hosts, one URL: fetched once in the run.
    assert_eq!(requests.load(Ordering::SeqCst), 1);

    // Text: a short note says how the chain was completed.
    let (run, _) = monitor(&dir, 0, &args[1..]);
    let mail = run
        .stdout
        .lines()
        .find(|l| l.starts_with("mail.example.test"))
        .unwrap();
    assert!(mail.contains(" ok "), "{}", run.stdout);
    assert!(
        mail.contains(&format!("[completed: fetched {url}]")),
        "{}",
        run.stdout
    );

    // A certificate fetched counts only when its signature links it: a root of the same name
    // under another key, served at the URL, is a forged issuer, never ok.
    let spoof = dir.issue("spoof", "/CN=aia-Root", None, "", 30);
    let spoof = dir.openssl(&["x509", "-in", spoof.to_str().unwrap(), "-outform", "DER"]);
    *body.lock().unwrap() = Some(spoof);
    let report = monitor(&dir, 1, &args).0.json();
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "drift", "{mail}");
    assert_eq!(mail["verdict"], "mismatch", "{mail}");
    assert!(
        mail["reason"].as_str().unwrap().contains("did not sign it"),
        "{mail}"
    );
    assert_eq!(
        mail["fetched"],
        serde_json::json!([{"url": url, "linked": false}]),
        "{mail}"
    );
    assert_eq!(
        mail["path"]["origins"],
        serde_json::json!(["served", "served"]),
        "{mail}"
    );

    // A 404 at the URL: nothing to link, so the verdict stays the core's, with the reason.
    *body.lock().unwrap() = None;
    let report = monitor(&dir, 1, &args).0.json();
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "drift", "{mail}");
    assert_eq!(mail["verdict"], "unverifiable", "{mail}");
    assert!(
        mail["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("could not be completed: {url}: HTTP status 404")),
        "{mail}"
    );
}

#[test]
fn a_root_given_with_ca_completes_the_path_without_fetching() {
    let dir = Dir::new("monitor-ca");
    let chain = make_root_only(&dir, "", None);
    let rogue = make_chain(&dir, "rogue-");
    let tls_port = serve_tls(&chain.served, &chain.leaf_key);
    let root_pin = openssl_pin(&dir, &chain.root);
    dir.write("list.json", root_payload(&root_pin, &["mail.example.test"]));
    let mail_to = connect_to("mail.example.test", tls_port);
    let base = ["--json", "--connect-to", mail_to.as_str()];

    // The intermediate names no caIssuers URL: without the root at hand the pin cannot be
    // reached, which the extension could not do either.
    let report = monitor(&dir, 1, &base).0.json();
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "drift", "{mail}");
    assert_eq!(mail["verdict"], "unverifiable", "{mail}");
    let reason = mail["reason"].as_str().unwrap();
    assert!(reason.contains("could not be completed"), "{mail}");
    assert!(reason.contains("--ca"), "{mail}");
    assert!(mail.get("fetched").is_none(), "{mail}");

    // The root held locally (--ca) links by its signature, and nothing is fetched.
    let root = chain.root.to_str().unwrap();
    let mut args = base.to_vec();
    args.extend(["--ca", root]);
    let report = monitor(&dir, 0, &args).0.json();
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "ok", "{mail}");
    assert_eq!(mail["verdict"], "pinned", "{mail}");
    assert_eq!(mail["matched"]["pin"], root_pin.as_str(), "{mail}");
    assert_eq!(
        mail["path"]["origins"],
        serde_json::json!(["served", "served", "cached"]),
        "{mail}"
    );
    assert!(mail.get("fetched").is_none(), "{mail}");
    assert_eq!(mail["verified"], true, "{mail}");
    let (run, _) = monitor(&dir, 0, &args[1..]);
    assert!(
        run.stdout.contains("[completed: issuer from --ca]"),
        "{}",
        run.stdout
    );

    // Another CA's root given with --ca does not make the host ok.
    let mut args = base.to_vec();
    args.extend(["--ca", rogue.root.to_str().unwrap()]);
    let report = monitor(&dir, 1, &args).0.json();
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "drift", "{mail}");
    assert_eq!(
        mail["path"]["origins"],
        serde_json::json!(["served", "served"]),
        "{mail}"
    );
}

#[test]
fn a_root_pinned_host_is_drift_when_the_aia_server_is_down() {
    let dir = Dir::new("monitor-aia-down");
    let url = format!("http://127.0.0.1:{}/root.der", closed_port());
    let chain = make_root_only(&dir, "down-", Some(&url));
    let tls_port = serve_tls(&chain.served, &chain.leaf_key);
    let root_pin = openssl_pin(&dir, &chain.root);
    dir.write("list.json", root_payload(&root_pin, &["mail.example.test"]));
    let mail_to = connect_to("mail.example.test", tls_port);
    let (run, took) = monitor(&dir, 1, &["--json", "--connect-to", &mail_to]);
    let report = run.json();
    assert_eq!(summary(&report), [0, 1, 0, 0], "{report}");
    let mail = host(&report, "mail.example.test");
    assert_eq!(mail["status"], "drift", "{mail}");
    assert_eq!(mail["verdict"], "unverifiable", "{mail}");
    let reason = mail["reason"].as_str().unwrap();
    assert!(reason.starts_with("unverifiable: "), "{mail}");
    assert!(
        reason.contains(&format!("could not be completed: {url}: ")),
        "{mail}"
    );
    let fetched = mail["fetched"].as_array().unwrap();
    assert_eq!(fetched.len(), 1, "{mail}");
    assert_eq!(fetched[0]["url"], url.as_str());
    assert_eq!(fetched[0]["linked"], false);
    assert!(fetched[0]["error"].as_str().unwrap().len() > 3, "{mail}");
    assert_eq!(mail["path"]["wanted"], serde_json::json!([url]), "{mail}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
}
