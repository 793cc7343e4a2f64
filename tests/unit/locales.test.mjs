// The extension's words in every language: each locale has every message of the English one,
// with the same placeholders, nothing empty; every code the core can emit (reasons, stop
// reasons, statuses, match kinds, modes) has a message; every message the pages ask for exists;
// and the English of each reason is the core's own (the generated REASON_ENGLISH), so the CLI
// and the extension say the same thing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeI18n, readMessages, render } from './lib/i18n.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const EXT = join(ROOT, 'extension');
const LOCALES = join(EXT, '_locales');
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
const en = readMessages(LOCALES, manifest.default_locale);
const locales = readdirSync(LOCALES).filter((d) => existsSync(join(LOCALES, d, 'messages.json')));

// The pages' modules read the browser API at load: a browser in English, over the real messages.
globalThis.chrome = {
  runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` },
  i18n: fakeI18n(LOCALES, 'en'),
};
const vocab = await import('../../extension/shared/vocabulary.js');
const { BADGES, CANNOT_VERIFY_WORDS } = await import('../../extension/shared/actions.js');
const ui = await import('../../extension/pages/ui.js');

const placeholdersOf = (message) => [...message.matchAll(/\$([A-Z0-9_]+)\$/g)].map((m) => m[1].toLowerCase()).sort();

test('the manifest names English as the default locale and its name and description are messages', () => {
  assert.equal(manifest.default_locale, 'en');
  for (const field of [manifest.name, manifest.description, manifest.action.default_title]) {
    const key = /^__MSG_(\w+)__$/.exec(field)?.[1];
    assert.ok(key && en[key]?.message, `${field} is a message of the English locale`);
  }
  assert.ok(en.extension_description.message.length <= 132, 'Chromium refuses a longer description');
});

test('at least twelve languages, one of them right to left', () => {
  for (const code of ['en', 'de', 'fr', 'es', 'pt_BR', 'it', 'nl', 'pl', 'ru', 'ja', 'zh_CN', 'ar']) {
    assert.ok(locales.includes(code), `_locales/${code}`);
  }
  assert.equal(readMessages(LOCALES, 'ar').locale_dir.message, 'rtl');
  for (const code of locales) assert.ok(['ltr', 'rtl'].includes(readMessages(LOCALES, code).locale_dir.message), code);
});

test('every English message has a description for translators and declares each placeholder it uses', () => {
  for (const [key, m] of Object.entries(en)) {
    assert.ok(typeof m.description === 'string' && m.description.length > 10, `${key}: description`);
    assert.ok(m.message.trim(), `${key}: empty`);
    assert.deepEqual(placeholdersOf(m.message), Object.keys(m.placeholders ?? {}).sort(), `${key}: placeholders used = declared`);
    Object.values(m.placeholders ?? {}).forEach((p, i) => assert.equal(p.content, `$${i + 1}`, `${key}: placeholders in order`));
  }
});

for (const code of locales) {
  test(`locale ${code}: every key, every placeholder of the English, nothing empty, nothing extra`, () => {
    const messages = readMessages(LOCALES, code);
    assert.deepEqual(Object.keys(messages).sort(), Object.keys(en).sort(), 'the same keys as English');
    for (const [key, m] of Object.entries(messages)) {
      assert.ok(typeof m.message === 'string' && m.message.trim(), `${code}/${key}: empty message`);
      assert.deepEqual(placeholdersOf(m.message), placeholdersOf(en[key].message), `${code}/${key}: placeholders`);
      assert.deepEqual(m.placeholders ?? null, en[key].placeholders ?? null, `${code}/${key}: the placeholder block is the English one`);
    }
    const tag = messages.locale_code.message;
    assert.equal(tag, code.replace('_', '-'), `${code}: locale_code is its BCP 47 tag`);
    assert.doesNotThrow(() => new Intl.Locale(tag));
  });
}

test('every problem code of the core has a message whose English is the core\'s, parameters in its order', () => {
  assert.ok(Object.keys(vocab.PROBLEM).length >= 20, 'the generated table lists the core\'s problems');
  for (const [code, params] of Object.entries(vocab.PROBLEM)) {
    const key = ui.problemKey(code);
    assert.ok(en[key], `${key} for the core's "${code}"`);
    const english = vocab.PROBLEM_ENGLISH[code].replace(/\{([a-z_]+)\}/g, (_, n) => `$${n.toUpperCase()}$`);
    assert.equal(en[key].message, english, `${key} says what the CLI says`);
    assert.deepEqual(Object.keys(en[key].placeholders ?? {}), [...params], `${key}: placeholders in the core's order`);
  }
  const p = { code: 'channel-twice', params: { channel: '2', url: 'https://l.example/' } };
  assert.equal(ui.problemText(p), 'Channel 2: https://l.example/ is listed twice; the first one is used.');
  assert.equal(ui.problemText({ error: 'not coded' }), 'not coded', 'text without a code is shown as it came');
});

test('every reason code of the core has a message whose English is the core\'s, parameters in its order', () => {
  assert.ok(Object.keys(vocab.REASON).length >= 20, 'the generated table lists the core\'s reasons');
  for (const [code, params] of Object.entries(vocab.REASON)) {
    const key = ui.reasonKey(code);
    assert.ok(en[key], `${key} for the core's "${code}"`);
    const english = vocab.REASON_ENGLISH[code].replace(/\{([a-z_]+)\}/g, (_, n) => `$${n.toUpperCase()}$`);
    assert.equal(en[key].message, english, `${key} says what the CLI says`);
    assert.deepEqual(Object.keys(en[key].placeholders ?? {}), [...params], `${key}: placeholders in the core's order`);
  }
});

test('a record\'s reason renders from its code in the reader\'s language, values placed as given', () => {
  const record = { reasonCode: 'stale', reasonParams: { expires: '2026-12-01T00:00:00Z' }, reason: 'English from the core' };
  assert.equal(ui.reasonText(record), 'The pin list that covers this host expired at 2026-12-01T00:00:00Z; pins are not enforced until it is updated.');
  const german = fakeI18n(LOCALES, 'de').getMessage(ui.reasonKey('stale'), ['2026-12-01T00:00:00Z']);
  assert.match(german, /^Die Pin-Liste.*2026-12-01T00:00:00Z/);
  assert.equal(ui.reasonText({ reason: 'Pinwatch\'s own error', reasonCode: null }), 'Pinwatch\'s own error', 'no code: the stored sentence');
});

test('every stop reason, status, match kind and mode of the core has its messages', () => {
  for (const reason of vocab.STOP_REASONS) assert.ok(en[`stop_${reason.replaceAll('-', '_')}`], `stop_${reason}`);
  for (const [status, badge] of Object.entries(BADGES)) {
    assert.ok(en[badge.label] && en[badge.words], `${status}: label and words`);
  }
  assert.ok(en[CANNOT_VERIFY_WORDS]);
  for (const mark of Object.values(ui.MATCH_MARKS)) assert.ok(en[mark.words], mark.words);
  for (const key of [...Object.values(ui.MODE_WORDS), ...Object.values(ui.LOCAL_ROOT_MODE_WORDS)]) assert.ok(en[key], key);
  assert.deepEqual(Object.keys(ui.LOCAL_ROOT_MODE_WORDS), [...vocab.LOCAL_ROOT_MODES]);
});

test('every message the pages and modules name exists in English', () => {
  const used = new Set();
  for (const file of readdirSync(EXT, { recursive: true }).filter((f) => /\.(js|html)$/.test(f) && !f.startsWith('tools'))) {
    const text = readFileSync(join(EXT, file), 'utf8');
    for (const m of text.matchAll(/\bt\('([a-z0-9_]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/data-i18n(?:-[a-z-]+)?="([a-z0-9_]+)"/g)) used.add(m[1]);
    for (const m of text.matchAll(/['"]((?:popup|options|channel|capture|badge|status|mark|warning|stop|not_watchable|local_root_mode|mode|companion)_[a-z0-9_]+)['"]/g)) used.add(m[1]);
  }
  assert.ok(used.size > 150, `the scan found the pages' messages (${used.size})`);
  const missing = [...used].filter((k) => !en[k] && !k.endsWith('_'));
  assert.deepEqual(missing, [], 'messages named in the code but missing from _locales/en');
});

test('the browser\'s placeholder rules: named placeholders from $1…, $$ as a dollar sign', () => {
  assert.equal(render({ message: 'a $X$ b $Y$ $$5', placeholders: { x: { content: '$2' }, y: { content: '$1' } } }, ['one', 'two']), 'a two b one $5');
});

test('every policy key the options page names has its label', () => {
  const source = readFileSync(join(EXT, 'pages', 'options.js'), 'utf8');
  const keys = JSON.parse(/const POLICY_KEYS = (\[[^\]]+\])/.exec(source)[1].replaceAll("'", '"'));
  const schema = JSON.parse(readFileSync(join(EXT, manifest.storage.managed_schema), 'utf8'));
  assert.deepEqual([...keys].sort(), Object.keys(schema.properties).sort(), 'one label per managed setting');
  for (const key of keys) assert.ok(en[`policy_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`], key);
});
