// Renders extension/shared/vocabulary.js: every word the extension shares with the Rust core (verdict
// statuses, modes, match kinds, source kinds, list rejection codes, reason codes), taken from the core's
// `vocabulary()` in target/pkg-nodejs. The words are written once, in the core's enums; the
// extension imports them from the generated module and never spells them itself.
//
//   node extension/tools/vocabulary.mjs <root>           writes extension/shared/vocabulary.js if it differs
//   node extension/tools/vocabulary.mjs <root> --check   exits 1 when the file in the tree differs
//   import { render, readVocabulary } from '…/vocabulary.mjs'   tests/unit/vocabulary.test.mjs

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file this tool writes, relative to the repository root. */
export const OUTPUT = join('extension', 'shared', 'vocabulary.js');

/**
 * Each list `vocabulary()` returns: the names it gets in the module (a frozen object keyed by
 * camelCase name, a frozen array in declaration order) and where the core declares it.
 * A list the core returns that is not named here fails the tool: it needs names first.
 */
export const LISTS = {
  statuses: { object: 'STATUS', array: 'STATUSES', doc: 'Verdict statuses (pinwatch_core::verdict::Status).' },
  modes: { object: 'MODE', array: 'MODES', doc: 'What an entry does on a mismatch, weakest first (pinwatch_core::list::Mode).' },
  matchKinds: { object: 'MATCH_KIND', array: 'MATCH_KINDS', doc: 'How a verdict was reached (pinwatch_core::verdict::MatchKind).' },
  sourceKinds: { object: 'SOURCE_KIND', array: 'SOURCE_KINDS', doc: 'Who speaks through an engine source (pinwatch_core::sources::SourceKind).' },
  rejectionCodes: { object: 'REJECTION_CODE', array: 'REJECTION_CODES', doc: 'Why a signed list was refused (pinwatch_core::accept::RejectionCode).' },
  acts: { object: 'ACT', array: 'ACTS', doc: 'What the extension does with a response (pinwatch_core::decision::Act).' },
  stopReasons: { object: 'STOP_REASON', array: 'STOP_REASONS', doc: 'What the warning page leads with (pinwatch_core::decision::StopReason).' },
  failures: { object: 'FAILURE', array: 'FAILURES', doc: 'Why no verdict was reached (pinwatch_core::decision::Failure).' },
  certOrigins: { object: 'CERT_ORIGIN', array: 'CERT_ORIGINS', doc: 'Where a certificate of a path came from (pinwatch_core::path::CertOrigin).' },
  anchorKinds: { object: 'ANCHOR_KIND', array: 'ANCHOR_KINDS', doc: 'Keys that prove a path without a certificate (pinwatch_core::path::AnchorKind).' },
  givens: { object: 'GIVEN', array: 'GIVENS', doc: 'What a chain no browser built is, for checkPath (pinwatch_core::path::Given).' },
  localRootModes: { object: 'LOCAL_ROOT_MODE', array: 'LOCAL_ROOT_MODES', doc: 'What a chain ending in an added root does (pinwatch_core::local_root::LocalRootMode).' },
  requestKinds: { object: 'REQUEST_KIND', array: 'REQUEST_KINDS', doc: 'What a response is to the page (pinwatch_core::judge::RequestKind).' },
  tiers: { object: 'TIER', array: 'TIERS', doc: 'The capture tier that answered (pinwatch_core::judge::Tier).' },
  companionScopes: { object: 'COMPANION_SCOPE', array: 'COMPANION_SCOPES', doc: 'Which responses the companion looks at (pinwatch_core::judge::CompanionScope).' },
  pagePlans: { object: 'PAGE_PLAN', array: 'PAGE_PLANS', doc: 'What a listener does with a page before anything is read (pinwatch_core::judge::plan::PagePlan).' },
  needs: { object: 'NEED', array: 'NEEDS', doc: 'What the judge asks for next (pinwatch_core::judge::NeedKind).' },
  judgedFrom: { object: 'JUDGED_FROM', array: 'JUDGED_FROMS', doc: 'How a verdict was reached (pinwatch_core::judge::JudgedFrom).' },
  failureSources: { object: 'FAILURE_SOURCE', array: 'FAILURE_SOURCES', doc: 'Who reported a failure to the judge (pinwatch_core::judge::failure::FailureSource).' },
  captureFailures: { object: 'CAPTURE_FAILURE', array: 'CAPTURE_FAILURES', doc: 'Why the browser gave no chain (pinwatch_core::judge::failure::CaptureFailure).' },
  companionFailures: { object: 'COMPANION_FAILURE', array: 'COMPANION_FAILURES', doc: 'Why the companion gave no chain (pinwatch_core::judge::failure::CompanionFailure).' },
  issuerFailures: { object: 'ISSUER_FAILURE', array: 'ISSUER_FAILURES', doc: 'Why an AIA fetch gave no certificate (pinwatch_core::judge::failure::IssuerFailure).' },
  overrideFailures: { object: 'OVERRIDE_FAILURE', array: 'OVERRIDE_FAILURES', doc: 'Why the override could not be read (pinwatch_core::judge::failure::OverrideFailure).' },
  signatureFailures: { object: 'SIGNATURE_FAILURE', array: 'SIGNATURE_FAILURES', doc: 'Why the signatures a path needs were not verified (pinwatch_core::judge::failure::SignatureFailure).' },
  meanings: { object: 'MEANING', array: 'MEANINGS', doc: 'What a failure means (pinwatch_core::judge::failure::Meaning).' },
};

/**
 * The reasons table (`vocabulary().reasons`, pinwatch_core::reason): each code with its English
 * and its parameters in order. The extension renders a verdict's code through its messages
 * (`reason_<code>`, one placeholder per parameter, in this order); the CLI through the English.
 */
export const REASONS_KEY = 'reasons';

/**
 * The problems table (`vocabulary().problems`, pinwatch_core::problem): what is wrong with a
 * source or setting, in the same form as the reasons (`problem_<code>` messages).
 */
export const PROBLEMS_KEY = 'problems';

/** The message key of a reason code: `no-chain` → `reason_no_chain`. */
export function reasonMessageKey(code) {
  return `reason_${code.replaceAll('-', '_')}`;
}

/** The English as a browser message: `{host}` → `$HOST$`. */
export function englishAsMessage(english) {
  return english.replace(/\{([a-z_]+)\}/g, (_, name) => `$${name.toUpperCase()}$`);
}

function checkCodes(key, table) {
  if (!Array.isArray(table) || !table.length) throw new Error(`vocabulary.${key} is not a non-empty list`);
  const seen = new Set();
  for (const r of table) {
    if (typeof r?.code !== 'string' || !/^[a-z0-9-]+$/.test(r.code) || seen.has(r.code)) throw new Error(`vocabulary.${key}: bad or repeated code ${r?.code}`);
    seen.add(r.code);
    if (typeof r.english !== 'string' || !r.english || !Array.isArray(r.params)) throw new Error(`vocabulary.${key}: ${r.code} lacks its English or parameters`);
    const named = [...r.english.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
    if (named.join() !== r.params.join()) throw new Error(`vocabulary.${key}: ${r.code} names ${named} but lists ${r.params}`);
  }
}

/** `allowed-interception` → `allowedInterception`. */
export function camelName(word) {
  return word.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** The core's `vocabulary()` from a nodejs wasm-pack package (default target/pkg-nodejs). */
export function readVocabulary(root, pkg = join(root, 'target', 'pkg-nodejs')) {
  const glue = join(pkg, 'pinwatch.js');
  if (!existsSync(glue)) throw new Error(`${glue} is missing: build the nodejs package first (./build.sh)`);
  const require = createRequire(import.meta.url);
  const mod = require(glue);
  if (typeof mod.vocabulary !== 'function') throw new Error(`${glue} has no vocabulary(): rebuild it from crate/wasm`);
  return mod.vocabulary();
}

function checkList(key, words) {
  if (!Array.isArray(words) || !words.length || !words.every((w) => typeof w === 'string')) {
    throw new Error(`vocabulary.${key} is not a non-empty list of strings`);
  }
  const names = words.map(camelName);
  for (const [i, name] of names.entries()) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new Error(`vocabulary.${key}: "${words[i]}" gives no usable name (${name})`);
    if (names.indexOf(name) !== i) throw new Error(`vocabulary.${key}: "${words[i]}" is listed twice`);
  }
}

/** The text of extension/shared/vocabulary.js for `vocab` (what `vocabulary()` returns). */
export function render(vocab) {
  const CODED = [REASONS_KEY, PROBLEMS_KEY];
  const unknown = Object.keys(vocab).filter((k) => !LISTS[k] && !CODED.includes(k));
  if (unknown.length) throw new Error(`vocabulary() returns ${unknown.join(', ')}, which ${relative(process.cwd(), fileURLToPath(import.meta.url))} does not name (LISTS)`);
  const missing = [...Object.keys(LISTS), ...CODED].filter((k) => !(k in vocab));
  if (missing.length) throw new Error(`vocabulary() does not return ${missing.join(', ')}`);
  const q = (s) => `'${s}'`;
  const parts = [
    '// Generated from the Rust core (pinwatch_core::vocabulary, through the WASM `vocabulary()`) by',
    '// extension/tools/vocabulary.mjs. Do not edit by hand: change the enum in crate/core and run',
    '// ./build.sh, which writes this file again. tests/unit/vocabulary.test.mjs fails when this file',
    '// and the core disagree.',
  ];
  for (const [key, spec] of Object.entries(LISTS)) {
    const words = vocab[key];
    checkList(key, words);
    parts.push(
      '',
      `/** ${spec.doc} */`,
      `export const ${spec.object} = Object.freeze({`,
      ...words.map((w) => `  ${camelName(w)}: ${q(w)},`),
      '});',
      `export const ${spec.array} = Object.freeze([${words.map(q).join(', ')}]);`,
    );
  }
  const text = (s) => JSON.stringify(s).replaceAll("'", "\\'").replace(/^"|"$/g, "'").replaceAll('\\"', '"');
  const coded = (table, name, what, source) => {
    checkCodes(name.toLowerCase(), table);
    parts.push(
      '',
      `/** Every ${what} code (${source}). */`,
      `export const ${name}_CODE = Object.freeze({`,
      ...table.map((r) => `  ${camelName(r.code)}: ${q(r.code)},`),
      '});',
      '',
      `/** The parameters of each ${what} code, in order (${source}). */`,
      `export const ${name} = Object.freeze({`,
      ...table.map((r) => `  ${q(r.code)}: Object.freeze([${r.params.map(q).join(', ')}]),`),
      '});',
      '',
      `/** The English of each ${what} code, as the CLI prints it (${source}). */`,
      `export const ${name}_ENGLISH = Object.freeze({`,
      ...table.map((r) => `  ${q(r.code)}: ${text(r.english)},`),
      '});',
    );
  };
  coded(vocab[REASONS_KEY], 'REASON', 'reason', 'pinwatch_core::reason::ReasonCode');
  coded(vocab[PROBLEMS_KEY], 'PROBLEM', 'problem', 'pinwatch_core::problem::ProblemCode');
  return `${parts.join('\n')}\n`;
}

function main(argv) {
  const check = argv.includes('--check');
  const args = argv.filter((a) => a !== '--check');
  const root = resolve(args[0] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
  const out = join(root, OUTPUT);
  const text = render(readVocabulary(root));
  const current = existsSync(out) ? readFileSync(out, 'utf8') : null;
  if (check) {
    if (current !== text) {
      console.error(`vocabulary: ${OUTPUT} differs from the core's vocabulary(); run node extension/tools/vocabulary.mjs <root>`);
      return 1;
    }
    console.error(`vocabulary: ${OUTPUT} matches the core`);
    return 0;
  }
  if (current === text) {
    console.error(`vocabulary: ${OUTPUT} unchanged`);
  } else {
    writeFileSync(out, text);
    console.error(`vocabulary: ${OUTPUT} ${current === null ? 'written' : 'changed'}`);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
