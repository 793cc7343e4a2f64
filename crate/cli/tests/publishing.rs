//! The CI workflow of docs/publishing.md, run as written on a first and a second release: every
//! `run:` step of its jobs in order, under `bash -eo pipefail` as the workflow says, with the
//! real `pinwatch` binary, a git repository with a remote to push to, and each signing job's
//! `KEY` holding its own secret key. What GitHub provides is stood in for: one working directory
//! for checkouts and artifacts, `cargo install` as a no-op (the binary is on PATH), `./upload.sh`
//! copying to a folder that plays the channel.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use std::path::Path;
use std::process::Command;

/// One `run:` step: the job it belongs to and its script.
struct Step {
    job: String,
    script: String,
}

/// The `run:` steps of the first ```yaml block after `## In CI`, in document order.
fn workflow_steps(doc: &str) -> Vec<Step> {
    let ci = &doc[doc.find("## In CI").expect("an In CI section")..];
    let start = ci.find("```yaml\n").expect("a yaml block") + 8;
    let yaml = &ci[start..start + ci[start..].find("```").unwrap()];
    let lines: Vec<&str> = yaml.lines().collect();
    let mut steps = Vec::new();
    let mut job = String::new();
    let mut in_jobs = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start().len();
        if line == "jobs:" {
            in_jobs = true;
        } else if in_jobs && indent == 2 && line.trim_end().ends_with(':') {
            job = line.trim().trim_end_matches(':').to_string();
        }
        let trimmed = line.trim_start().trim_start_matches("- ");
        if let Some(run) = trimmed.strip_prefix("run:") {
            let run = run.trim();
            let script = if run == "|" {
                let mut body = Vec::new();
                while i + 1 < lines.len() {
                    let next = lines[i + 1];
                    let next_indent = next.len() - next.trim_start().len();
                    if !next.trim().is_empty() && next_indent <= indent {
                        break;
                    }
                    body.push(next.trim_start());
                    i += 1;
                }
                body.join("\n")
            } else {
                // A one-line run: everything up to a comment.
                run.split("  #").next().unwrap().trim().to_string()
            };
            steps.push(Step {
                job: job.clone(),
                script,
            });
        }
        i += 1;
    }
    steps
}

fn run_in(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rfc3339(secs: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A lint-clean payload valid from yesterday for 60 days (the workflow reads the real clock).
fn fresh_payload(sequence: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    payload(sequence, &[PIN_A, PIN_B], "")
        .replace(ISSUED, &rfc3339(now - 86_400))
        .replace(EXPIRES, &rfc3339(now + 60 * 86_400))
}

/// Runs every step of the workflow in `repo`, failing on the first that fails.
fn release(steps: &[Step], repo: &Path, secrets: &Dir, path: &str) -> String {
    let summary = secrets.join("summary.md");
    std::fs::write(&summary, "").unwrap();
    for step in steps {
        let mut cmd = Command::new("bash");
        cmd.args(["-eo", "pipefail", "-c", &step.script])
            .current_dir(repo)
            .env("PATH", path)
            .env("GITHUB_STEP_SUMMARY", &summary);
        if let Some(holder) = step.job.strip_prefix("sign-") {
            cmd.env("KEY", secrets.text(&format!("team-{holder}.key")));
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "job {}, step:\n{}\nexited {:?}\nstdout: {}\nstderr: {}",
            step.job,
            step.script,
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::read_to_string(&summary).unwrap()
}

#[test]
fn the_documented_ci_workflow_runs_on_a_first_and_a_second_release() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/publishing.md"
    ))
    .unwrap();
    let steps = workflow_steps(&doc);
    let jobs: Vec<&str> = steps.iter().map(|s| s.job.as_str()).collect();
    for job in ["check", "sign-a", "sign-b", "publish"] {
        assert!(jobs.contains(&job), "job {job} has run steps: {jobs:?}");
    }

    let secrets = Dir::new("publishing");
    secrets.keygen("team-a");
    secrets.keygen("team-b");
    let (origin, repo) = (secrets.join("origin.git"), secrets.join("team"));
    run_in(
        &secrets.path,
        "git",
        &["init", "-q", "--bare", "origin.git"],
    );
    run_in(&secrets.path, "git", &["clone", "-q", "origin.git", "team"]);
    std::fs::create_dir_all(repo.join("policy")).unwrap();
    for holder in ["a", "b"] {
        std::fs::copy(
            secrets.join(&format!("team-{holder}.pub")),
            repo.join(format!("policy/team-{holder}.pub")),
        )
        .unwrap();
    }
    std::fs::write(repo.join("pinlist.json"), fresh_payload(1)).unwrap();
    let channel = secrets.join("channel");
    std::fs::write(
        repo.join("upload.sh"),
        format!(
            "#!/bin/sh\nmkdir -p {0} && cp \"$1\" {0}/list.json\n",
            channel.display()
        ),
    )
    .unwrap();
    run_in(&repo, "chmod", &["+x", "upload.sh"]);
    let git_user = ["-c", "user.name=t", "-c", "user.email=t@example.test"];
    run_in(&repo, "git", &["add", "."]);
    let mut commit = git_user.to_vec();
    commit.extend(["commit", "-qm", "policy keys and the first payload"]);
    run_in(&repo, "git", &commit);
    run_in(&repo, "git", &["push", "-q", "-u", "origin", "HEAD"]);

    // `cargo install` is a no-op: the binary under test is first on PATH.
    let bin = secrets.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("cargo"), "#!/bin/sh\nexit 0\n").unwrap();
    run_in(&bin, "chmod", &["+x", "cargo"]);
    let pinwatch_dir = Path::new(env!("CARGO_BIN_EXE_pinwatch")).parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        pinwatch_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    // The first release: no published list, no trust state yet.
    release(&steps, &repo, &secrets, &path);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("trust-state.json")).unwrap()).unwrap();
    assert_eq!(state["sequence"], 1);
    assert_eq!(state["threshold"], 2);
    assert_eq!(
        std::fs::read(channel.join("list.json")).unwrap(),
        std::fs::read(repo.join("published/list.json")).unwrap(),
        "what was uploaded is what was committed as published"
    );
    let pushed = Command::new("git")
        .args([
            "--git-dir",
            origin.to_str().unwrap(),
            "log",
            "--name-only",
            "--format=%s",
            "-1",
        ])
        .output()
        .unwrap();
    let pushed = String::from_utf8_lossy(&pushed.stdout);
    assert!(
        pushed.contains("Publish pin list")
            && pushed.contains("trust-state.json")
            && pushed.contains("published/list.json"),
        "{pushed}"
    );

    // The second release: the team bumps the payload; diff, --chain and the state are in play.
    std::fs::write(repo.join("pinlist.json"), fresh_payload(2)).unwrap();
    let mut commit = git_user.to_vec();
    commit.extend(["commit", "-qam", "the second payload"]);
    run_in(&repo, "git", &commit);
    let summary = release(&steps, &repo, &secrets, &path);
    assert!(
        summary.contains("sequence"),
        "the diff reached the summary: {summary}"
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("trust-state.json")).unwrap()).unwrap();
    assert_eq!(state["sequence"], 2);
    let log = Command::new("git")
        .args(["--git-dir", origin.to_str().unwrap(), "log", "--format=%s"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&log.stdout)
            .matches("Publish pin list")
            .count(),
        2
    );
}
