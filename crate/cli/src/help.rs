//! What each command's `--help` ends with: an example to copy and the exit status it can give
//! (docs/publishing.md has the same table).

pub const KEYGEN: &str = "\
Example:
  pinwatch keygen --out team-a        # team-a.key (secret, 0600) and team-a.pub

Exit status: 0 the key pair was written; 2 NAME.key or NAME.pub exists already (never overwritten), or I/O";

pub const PIN: &str = "\
Example:
  pinwatch pin --spki issuing-ca.pem served-chain.pem

Exit status: 0 every file held certificates; 1 a file is not a certificate (PEM or DER); 2 usage or I/O";

pub const GRAB: &str = "\
Example:
  pinwatch grab mail.example.com:443 --ca corp-root.pem

Exit status: 0 the chain was read (and verified, unless --no-verify); 1 the chain does not verify, \
the handshake failed or a certificate cannot be read; 2 not HOST[:PORT], the connection failed or timed out";

pub const LINT: &str = "\
Example:
  pinwatch lint pinlist.json

Exit status: 0 no problems (warnings aside); 1 problems (listed; an expired list is one), or not a \
payload or envelope; 2 usage or I/O";

pub const SIGN: &str = "\
Examples:
  pinwatch sign pinlist.json --key team-a.key --out list.json --chain published/list.json
  pass show pinwatch/team-b.key | pinwatch sign list.json --key - --out list.json

Exit status: 0 the envelope was written; 1 the payload breaks lint rules (without \
--allow-lint-errors) or is not a valid list, a key is not a secret key, --chain is not a signed list; \
2 usage (the same key twice, a key already signed, a key on the command line), or I/O";

pub const VERIFY: &str = "\
Examples:
  pinwatch verify list.json --trust team-a.pub --trust team-b.pub --threshold 2
  pinwatch verify list.json --state trust-state.json --update-state

Exit status: 0 accepted (with --update-state, the state was written); 1 rejected (the reason and \
its code are printed); 2 a bad --trust, --threshold or --state, or I/O";

pub const CHECK: &str = "\
Example:
  pinwatch check list.json served-chain.pem --host mail.example.com --trust team-a.pub

Exit status: 0 pinned, unpinned or allowed-interception; 1 any other verdict, or the list is \
rejected; 2 a bad --trust, --threshold or --state, or I/O";

pub const MONITOR: &str = "\
Examples:
  pinwatch monitor published/list.json
  pinwatch monitor pinlist.json --connect-to mail.corp.example:10.0.0.5:443 --ca corp-root.pem

Exit status: 0 every host ok or expiring; 1 a host drifted, or the list has expired; 2 the list \
cannot be read, a bad --connect-to or --ca; 3 no drift, but a host was unreachable; 4 no drift, \
but the list itself expires within --warn-days";

pub const COMPANION: &str = "\
Examples:
  pinwatch companion install --browser chromium
  pinwatch companion status

Exit status: 0 install, uninstall or status succeeded (serving: standard input closed); 2 a usage \
error, or a file that cannot be written";

pub const STATE: &str = "\
Example:
  pinwatch state init --trust team-a.pub --trust team-b.pub --threshold 2 --out trust-state.json

Exit status: 0 written; 1 a key is not a Pinwatch public key; 2 usage, the file exists already, or I/O";

pub const DIFF: &str = "\
Example:
  pinwatch diff published/list.json pinlist.json

Exit status: 0 both were read (changes or not); 1 a file is not a payload or envelope; 2 usage or I/O";

pub const POLICY_LINT: &str = "\
Examples:
  pinwatch policy lint /etc/chromium/policies/managed/pinwatch.json
  pinwatch policy lint distribution/policies.json

Exit status: 0 no problems (warnings aside); 1 problems (listed), or not JSON; 2 usage or I/O";

pub const COMPANION_SERVE: &str = "\
Example (what a browser runs; by hand, for a test):
  pinwatch companion serve --timeout 10

Exit status: 0 once standard input closes; 2 usage";

pub const COMPANION_INSTALL: &str = "\
Examples:
  pinwatch companion install --browser chromium
  sudo pinwatch companion install --browser chrome --system

Exit status: 0 the manifest was written; 2 a usage error (a Firefox id for Chromium, --user-data-dir \
with Firefox or with --system) or a file that cannot be written (--system without root)";

pub const COMPANION_UNINSTALL: &str = "\
Example:
  pinwatch companion uninstall --browser chromium

Exit status: 0 the manifest was removed (or was not there); 2 a usage error or a file that cannot be removed";

pub const COMPANION_STATUS: &str = "\
Example:
  pinwatch companion status

Exit status: 0 the status was printed; 2 a usage error";
