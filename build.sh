#!/usr/bin/env bash
# Pinwatch: every build, run and test entry point.
#
#   ./build.sh            build the WASM packages, the native CLI and dist/{firefox,chromium}
#   ./build.sh test       every test layer (BROWSER=firefox|chromium|all selects browser suites)
#   ./build.sh bench      criterion (Rust), the node WASM-vs-JS benchmark, list acceptance and the
#                         issuer-key proof in WASM; prints figures
#   ./build.sh demo       the end-to-end scenario in headless Firefox, screenshots in dist/demo/
#   ./build.sh package [--crx-key FILE] [--update-base URL]
#                         dist/pinwatch-firefox.xpi, dist/pinwatch-chromium.zip, the Linux packages
#                         of the pinwatch CLI and companion (dist/*.deb, dist/*.rpm), policy
#                         templates and examples; with --crx-key a CRX3 signed with that key and
#                         everything naming its id; with --update-base the update manifests for
#                         self-hosting (docs/packages.md). Lists every artefact, its size and id.
#   ./build.sh run firefox|chromium   a real browser window with the built extension
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$ROOT/tests/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

WASM_PACK_VERSION=0.15.1
WASM_OPT_MIN=116
CARGO_FUZZ_VERSION=0.13.2
CARGO_DEB_VERSION=3.8.0
CARGO_GENERATE_RPM_VERSION=0.21.1

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen CLI must be exactly the crate version in Cargo.lock, or the JS glue and
# the module disagree at load time.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

have_version() { # binary, expected version substring
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"
}

ensure_tools() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  [ -f Cargo.lock ] || cargo generate-lockfile
  local wbg; wbg=$(wasm_bindgen_version)
  [ -n "$wbg" ] || die "wasm-bindgen is not in Cargo.lock"
  if ! have_version wasm-bindgen "$wbg"; then
    say "installing wasm-bindgen-cli $wbg (about 5 min)"
    cargo install wasm-bindgen-cli --version "$wbg" --force
  fi
  if ! have_version wasm-pack "$WASM_PACK_VERSION"; then
    say "installing wasm-pack $WASM_PACK_VERSION (about 10 min)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --force
  fi
  ensure_node_modules
  local opt_version
  opt_version=$(wasm-opt --version 2>/dev/null | grep -oE '[0-9]+' | head -n1 || true)
  [ -n "$opt_version" ] || die "wasm-opt not found (npm package binaryen in tests/)"
  # Debian's binaryen 108 emits modules that fail at load time; refuse anything that old.
  [ "$opt_version" -ge "$WASM_OPT_MIN" ] || die "wasm-opt $opt_version is older than $WASM_OPT_MIN"
}

# The browsers and tools the tests, the demo and `run` drive. Installed with apt when missing
# (as root, as on CI); otherwise the exact command to run is printed. The language files are
# what tests/e2e/i18n-a11y.test.mjs and the demo show the pages in: Chromium's locales, and
# Firefox's German and Arabic (right to left) language packs (docs/translating.md).
# rpm: the package test reads the .rpm's file list and scripts with it. git and jq: the CLI
# test that runs docs/publishing.md's CI workflow as written.
SYSTEM_PACKAGES=(firefox-esr chromium chromium-driver chromium-l10n firefox-esr-l10n-de firefox-esr-l10n-ar
  libnss3-tools ca-certificates openssl unzip rpm git jq)
# What every build needs: the `boring` crate builds BoringSSL (the companion's look,
# docs/companion.md) with cmake and a C++ compiler, and binds it with bindgen (libclang).
BUILD_PACKAGES=(cmake g++ libclang-dev)
ensure_system_packages() {
  local missing=() p
  for p in "${@:-${SYSTEM_PACKAGES[@]}}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing system packages; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_node_modules() {
  if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
    say "installing npm packages"
    (cd tests && npm ci --no-audit --no-fund)
  fi
}

# One wasm-pack build per target: `web` for the extension, `nodejs` for tests and benchmarks.
build_wasm() {
  local target=$1 name=${2:-$1} crate=${3:-crate/wasm}
  local out=$ROOT/target/pkg-$name
  say "wasm-pack build $crate --target $target ($name)"
  # The node package also carries the judge's tables and the vocabulary for the generators (feature
  # `docs`), and `check`/`checkPath` with the signature arithmetic for tests (`direct-checks`).
  local features=()
  [ "$target" = nodejs ] && [ "$crate" = crate/wasm ] && features=(-- --features docs,direct-checks,json-sources)
  wasm-pack build "$crate" --mode no-install --release --target "$target" --out-dir "$out" --out-name pinwatch "${features[@]}" >&2
  local wasm=$out/pinwatch_bg.wasm
  # SIMD128: a verdict hashes its chain four messages at once (crate/core/src/x509/pin/sha256x4.rs).
  # -ocimfs=20: a function with one caller is inlined only up to 20 (by default whatever its
  # size, which measured larger after gzip); --flatten --rereloop: -Oz then rebuilds the control
  # flow. Together −5.2 KB gzip on the module every wake loads and no slower (README "Where the
  # module's bytes go"); −2.0 KB on the list module, −34.7 KB on the options page's.
  wasm-opt -ocimfs=20 --flatten --rereloop -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-simd "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
}

# Instantiates the optimised module and computes one pin, so a broken wasm-opt never ships.
load_test() {
  node tests/wasm/load-test.mjs "$ROOT/target/pkg-nodejs" "$ROOT/target/pkg-web" "$ROOT/target/pkg-web-cold" "$ROOT/target/pkg-web-lists" \
    "$ROOT/target/pkg-web-signatures"
}

build_native() {
  say "cargo build --release (pinwatch CLI)"
  cargo build --release -p pinwatch-cli --bin pinwatch >&2
}

# dist/<browser>/ = manifest.json (patched per browser) + extension/ + the web WASM package.
assemble_dist() {
  node extension/tools/assemble.mjs "$ROOT" >&2
}

build_all() {
  ensure_system_packages "${BUILD_PACKAGES[@]}"
  ensure_tools
  build_wasm web
  # The options page's cold module (crate/wasm-cold): cookie scope, with the Public Suffix List.
  build_wasm web web-cold crate/wasm-cold
  # The signed-list module (crate/wasm-lists): loaded by the background only when a channel's list arrives.
  build_wasm web web-lists crate/wasm-lists
  # The signature module (crate/wasm-signatures): loaded by the background only when a judge asks
  # for signatures (a chain no browser built: Chromium's leaf and companion tiers).
  build_wasm web web-signatures crate/wasm-signatures
  build_wasm nodejs
  load_test
  # extension/shared/vocabulary.js: the core's words (statuses, modes, …) as the extension imports them.
  node extension/tools/vocabulary.mjs "$ROOT"
  # docs/design.md: the judge's tables (failure codes, limits, decisions), from the core.
  node extension/tools/design-tables.mjs "$ROOT"
  build_native
  if [ -f extension/tools/assemble.mjs ]; then assemble_dist; fi
}

ensure_packagers() {
  if ! have_version cargo-deb "$CARGO_DEB_VERSION"; then
    say "installing cargo-deb $CARGO_DEB_VERSION (about 3 min)"
    cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked
  fi
  if ! have_version cargo-generate-rpm "$CARGO_GENERATE_RPM_VERSION"; then
    say "installing cargo-generate-rpm $CARGO_GENERATE_RPM_VERSION (about 3 min)"
    cargo install cargo-generate-rpm --version "$CARGO_GENERATE_RPM_VERSION" --locked
  fi
}

# dist/pinwatch_<version>_<arch>.deb and dist/pinwatch-<version>.<arch>.rpm: the release binary
# as /usr/bin/pinwatch and the companion's host manifests for every supported browser, naming
# the ids of this build (crate/cli/Cargo.toml, crate/cli/packaging/, docs/packages.md).
package_linux() {
  ensure_packagers
  local ids chromium_id firefox_id hosts=dist/packaging/native-messaging-hosts
  ids=$(node extension/tools/extension-ids.mjs "$ROOT" "$@")
  chromium_id=$(awk '$1 == "chromium" { print $2 }' <<<"$ids")
  firefox_id=$(awk '$1 == "firefox" { print $2 }' <<<"$ids")
  mkdir -p "$hosts"
  target/release/pinwatch companion manifest --browser chromium --path /usr/bin/pinwatch \
    --extension-id "$chromium_id" >"$hosts/chromium.json"
  target/release/pinwatch companion manifest --browser firefox --path /usr/bin/pinwatch \
    --extension-id "$firefox_id" >"$hosts/firefox.json"
  say "cargo deb, cargo generate-rpm (companion for $chromium_id and $firefox_id)"
  rm -f dist/pinwatch_*.deb dist/pinwatch-*.rpm
  cargo deb -p pinwatch-cli --no-build --output dist/ >&2
  cargo generate-rpm -p crate/cli --output dist/ >&2
}

# What the WASM module is built from must not hold the publisher's tools or their randomness.
WASM_FORBIDDEN=(clap rustls rand_core getrandom ed25519-dalek)
check_wasm_tree() {
  local tree crate found=()
  tree=$(cargo tree -p pinwatch-wasm -p pinwatch-wasm-lists -p pinwatch-wasm-signatures --target wasm32-unknown-unknown -e normal --prefix none)
  for crate in "${WASM_FORBIDDEN[@]}"; do
    grep -q "^$crate v" <<<"$tree" && found+=("$crate")
  done
  [ ${#found[@]} -eq 0 ] || die "the WASM crates' dependency trees hold ${found[*]}"
  say "WASM dependency tree: none of ${WASM_FORBIDDEN[*]}"
}

test_rust() {
  say "cargo fmt --check"
  cargo fmt --all -- --check
  check_wasm_tree
  say "cargo clippy (native core and CLI, wasm32 core and bindings)"
  cargo clippy --all-targets -- -D warnings
  cargo clippy -p pinwatch-core -p pinwatch-wasm -p pinwatch-wasm-cold -p pinwatch-wasm-lists -p pinwatch-wasm-signatures --lib --target wasm32-unknown-unknown -- -D warnings
  cargo clippy -p pinwatch-wasm --features docs,direct-checks,json-sources --lib --target wasm32-unknown-unknown -- -D warnings
  say "cargo test (native)"
  cargo test --all-targets
  say "cargo test (wasm32 under node, wasm-bindgen-test)"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p pinwatch-core --target wasm32-unknown-unknown --tests
}

test_fuzz() {
  local fuzz=crate/core/fuzz
  [ -d "$fuzz" ] || return 0
  # The same inputs through the WebAssembly build, where a panic is a trap (at most 60 s).
  say "fuzz inputs through the WebAssembly module for ${WASM_FUZZ_SECONDS:-30}s"
  node tests/wasm/fuzz-wasm.mjs "$ROOT/target/pkg-nodejs" "${WASM_FUZZ_SECONDS:-30}"
  # libFuzzer instrumentation needs nightly; only this step uses it.
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  if ! have_version cargo-fuzz "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
  local seconds=${FUZZ_SECONDS:-30} target
  for target in $(cd crate/core && cargo +nightly fuzz list); do
    say "fuzz $target for ${seconds}s"
    local seeds=()
    [ -d "$fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
    mkdir -p "$fuzz/corpus/$target"
    (cd crate/core && cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "${seeds[@]}" -- -max_total_time="$seconds" -rss_limit_mb=2048)
  done
}

test_node() {
  say "node tests (WASM glue, lists, extension modules)"
  node --test tests/unit/
}

# The Linux packages: their contents and scripts, and a real install (dpkg, as root) that a stock
# Chromium finds with nothing run by hand.
test_packages() {
  package_linux
  say "Linux packages"
  BROWSER=${BROWSER:-all} node --test --test-concurrency=1 tests/package/
}

test_browsers() {
  local browser=${BROWSER:-all}
  case $browser in
    firefox|chromium|all) ;;
    *) die "BROWSER must be firefox, chromium or all (got $browser)" ;;
  esac
  say "browser end-to-end tests: $browser"
  # One suite per run; a failing suite runs once more, so a browser that was slow to start on a
  # loaded machine is told apart from a real failure (which fails twice) and is named as flaky.
  local file failed=()
  for file in tests/e2e/*.test.mjs; do
    if ! BROWSER=$browser node --test --test-concurrency=1 "$file"; then
      say "FLAKY? $file failed; running it once more"
      BROWSER=$browser node --test --test-concurrency=1 "$file" || failed+=("$file")
    fi
  done
  [ ${#failed[@]} -eq 0 ] || die "browser suites failed twice: ${failed[*]}"
}

cmd=${1:-build}
case $cmd in
  build) build_all ;;
  test)
    ensure_system_packages
    build_all
    test_rust
    test_node
    test_browsers
    test_packages
    test_fuzz
    ;;
  bench)
    build_all
    say "criterion (native core)"
    cargo bench -p pinwatch-core --bench core
    say "node: verify + load of signed lists"
    node tests/bench/accept-bench.mjs "$ROOT/target/pkg-nodejs"
    say "node: issuer-key proof (leaf-only verdicts)"
    node tests/bench/proof-bench.mjs "$ROOT/target/pkg-nodejs"
    say "node: companion check latency on loopback (first look, warm)"
    node tests/bench/companion-bench.mjs "$ROOT/target/release/pinwatch"
    # Last, so the run's last line is bench.mjs's JSON summary.
    say "node: WASM vs pure-JS peer"
    node tests/bench/bench.mjs "$ROOT/target/pkg-nodejs"
    ;;
  demo)
    ensure_system_packages
    build_all
    node tests/e2e/demo.mjs
    ;;
  package)
    shift
    crx=() base=() id=()
    while [ $# -gt 0 ]; do
      case $1 in
        # A file name only: the key itself never appears on a command line.
        --crx-key) [ -f "${2:-}" ] || die "--crx-key needs the organisation's RSA key file (PEM)"; crx=(--crx-key "$2"); shift 2 ;;
        --update-base) [ -n "${2:-}" ] || die "--update-base needs an https URL"; base=(--update-base "$2"); shift 2 ;;
        *) die "package: unknown option $1 (--crx-key FILE, --update-base URL)" ;;
      esac
    done
    build_all
    if [ ${#crx[@]} -gt 0 ]; then
      id=(--id "$(node extension/tools/extension-ids.mjs "$ROOT" "${crx[@]}" | awk '$1 == "chromium" { print $2 }')")
      say "signing with ${crx[1]}: Chromium extension id ${id[1]}"
    fi
    rm -f dist/pinwatch-chromium.crx dist/updates.xml dist/updates.json
    node extension/tools/package.mjs "$ROOT" "${crx[@]}" "${base[@]}"
    node extension/tools/admx.mjs "$ROOT/dist/policy-templates" "${id[@]}" >/dev/null
    node extension/tools/policy-examples.mjs "$ROOT/dist/policy-examples" "${id[@]}" "${base[@]}" >/dev/null
    package_linux "${crx[@]}"
    say "artefacts"
    node extension/tools/package.mjs "$ROOT" --list "${crx[@]}"
    ;;
  run)
    ensure_system_packages
    build_all
    node tests/e2e/run-browser.mjs "${2:-firefox}"
    ;;
  *) die "unknown command $cmd (build, test, bench, demo, package, run)" ;;
esac
