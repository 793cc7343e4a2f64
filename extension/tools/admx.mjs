// Windows Group Policy templates (ADMX, with en-US ADML) for Pinwatch's managed settings, generated
// from the managed-storage schema (extension/schema.json): one set for Google Chrome, one for
// Microsoft Edge, one for Mozilla Firefox.
//
//   node extension/tools/admx.mjs <outdir> [--id ID]   writes <outdir>/{chrome,edge,firefox}/…;
//                      --id: the Chromium id of an organisation's own signed build (./build.sh
//                      package --crx-key prints it) instead of the one the manifest's key gives
//   import { render, extensionIds } from '…/admx.mjs'      tests/unit/admx.test.mjs
//
// Each browser folder is complete on its own and is copied as is into PolicyDefinitions:
//   pinwatch.admx, en-US/pinwatch.adml                    the "Pinwatch" category (the same file
//                                                         in every folder, like Google's google.admx)
//   pinwatch-<browser>.admx, en-US/pinwatch-<browser>.adml  the settings, in a sub-category
//
// How a schema type is written, so that the browser hands Pinwatch what policy.js accepts:
//   - Chrome and Edge read `…\3rdparty\extensions\<id>\policy` with Chromium's registry loader,
//     which converts by the schema: booleans and integers are REG_DWORD (booleans as the policy's
//     own Enabled = 1 / Disabled = 0, as chrome.admx does), an enum is a drop-down of REG_SZ
//     items, a string is a REG_SZ, a list of strings is a subkey of REG_SZ values named 1, 2, …,
//     and anything else (objects, lists of objects) is a JSON-encoded REG_SZ, the way chrome.admx
//     writes Chrome's own dictionary policies. Chromium ignores REG_MULTI_SZ, so no multiText.
//   - Firefox reads `…\Mozilla\Firefox\3rdparty\Extensions\<gecko id>` with no schema at all:
//     REG_DWORD arrives as a number, REG_SZ as text, a subkey of values named 1, 2, … as a list,
//     and REG_MULTI_SZ is parsed as JSON (how firefox.admx writes its own JSON policies). So
//     structures are a multiText, and so are booleans: a REG_DWORD would reach Pinwatch as 1 or 0,
//     which policy.js refuses for a true/false setting.
// A schema type without a form here throws: a key is never left out of the templates.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The ADML language written; Group Policy falls back to en-US for any other. */
export const LANGUAGE = 'en-US';

/** The shared category file and its namespace. */
export const BASE = { file: 'pinwatch', prefix: 'pinwatch', namespace: 'Pinwatch.Policies', category: 'Cat_Pinwatch' };

/**
 * One template set per browser. `reader` says how the browser turns registry values into the
 * extension's managed storage (above); `key` is where that extension's policy lives.
 */
export const BROWSERS = {
  chrome: {
    name: 'Chrome',
    title: 'Google Chrome',
    namespace: 'Pinwatch.Policies.Chrome',
    reader: 'chromium',
    key: (ids) => `Software\\Policies\\Google\\Chrome\\3rdparty\\extensions\\${ids.chromium}\\policy`,
    supported: (ids) => `Google Chrome on Windows, with Pinwatch installed as extension ${ids.chromium}`,
  },
  edge: {
    name: 'Edge',
    title: 'Microsoft Edge',
    namespace: 'Pinwatch.Policies.Edge',
    reader: 'chromium',
    key: (ids) => `Software\\Policies\\Microsoft\\Edge\\3rdparty\\extensions\\${ids.chromium}\\policy`,
    supported: (ids) => `Microsoft Edge on Windows, with Pinwatch installed as extension ${ids.chromium}`,
  },
  firefox: {
    name: 'Firefox',
    title: 'Mozilla Firefox',
    namespace: 'Pinwatch.Policies.Firefox',
    reader: 'firefox',
    key: (ids) => `Software\\Policies\\Mozilla\\Firefox\\3rdparty\\Extensions\\${ids.gecko}`,
    supported: (ids) => `Mozilla Firefox${ids.geckoMin ? ` ${ids.geckoMin} or later` : ''} on Windows, with Pinwatch (${ids.gecko})`,
  },
};

/** Chromium's text field length for strings and JSON (chrome.admx uses the same). */
const MAX_TEXT = 1000000;
/** A REG_DWORD holds 0 … 2^32-1. */
const DWORD_MAX = 0xffffffff;

/**
 * The extension ids: Chromium's from the manifest `key` (SHA-256 of the key's DER, first 32 hex
 * digits written with a–p), Firefox's from `browser_specific_settings.gecko.id`.
 */
export function extensionIds(manifest) {
  const gecko = manifest.browser_specific_settings?.gecko?.id;
  if (typeof manifest.key !== 'string' || !manifest.key) throw new Error('manifest.json has no "key": the Chromium extension id is not fixed');
  if (typeof gecko !== 'string' || !gecko) throw new Error('manifest.json has no browser_specific_settings.gecko.id');
  const hex = createHash('sha256').update(Buffer.from(manifest.key, 'base64')).digest('hex').slice(0, 32);
  const chromium = [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
  const geckoMin = manifest.browser_specific_settings.gecko.strict_min_version?.replace(/\.0$/, '') ?? null;
  return { chromium, gecko, geckoMin };
}

/** A Chromium extension id as `--id` gives it: 32 letters a–p. */
export function checkedId(id) {
  if (!/^[a-p]{32}$/.test(id)) throw new Error(`--id ${JSON.stringify(id)} is not a Chromium extension id (32 letters a-p)`);
  return id;
}

const unknownType = (node, path) => new Error(
  `${path}: schema type ${JSON.stringify(node?.type)} has no Group Policy form; teach extension/tools/admx.mjs about it`);

/** `[{"url": string, …}, …]`: what a JSON value must look like, for explain texts. Throws on an unknown type. */
export function shapeOf(node, path = '$') {
  switch (node?.type) {
    case 'string':
      return node.enum ? node.enum.map((v) => JSON.stringify(v)).join(' | ') : 'string';
    case 'integer':
    case 'number': {
      if (node.enum) return node.enum.map(String).join(' | ');
      const word = node.type === 'integer' ? 'integer' : 'number';
      if (node.minimum !== undefined && node.maximum !== undefined) return `${word} ${node.minimum}–${node.maximum}`;
      if (node.minimum !== undefined) return `${word} ≥ ${node.minimum}`;
      if (node.maximum !== undefined) return `${word} ≤ ${node.maximum}`;
      return word;
    }
    case 'boolean':
      return 'true | false';
    case 'array':
      if (!node.items) throw new Error(`${path}: an array needs items`);
      return `[${shapeOf(node.items, `${path}[]`)}, …]`;
    case 'object': {
      if (!node.properties) throw new Error(`${path}: an object needs properties`);
      const fields = Object.entries(node.properties).map(([k, v]) => `${JSON.stringify(k)}: ${shapeOf(v, `${path}.${k}`)}`);
      return `{${fields.join(', ')}}`;
    }
    default:
      throw unknownType(node, path);
  }
}

/**
 * The Group Policy form of one top-level schema key, the same for every browser:
 * boolean | decimal | enum | text | list | json. Throws on a type it cannot place.
 */
export function kindOf(node, path) {
  shapeOf(node, path); // every type below this key must be known, even inside JSON
  switch (node.type) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return node.enum ? 'enum' : 'text';
    case 'integer': {
      if (node.enum) return node.enum.every((v) => Number.isInteger(v) && v >= 0 && v <= DWORD_MAX) ? 'enum' : 'json';
      const min = node.minimum ?? 0;
      const max = node.maximum ?? 2000000000;
      // <decimal> is an unsigned REG_DWORD; anything else is typed as JSON text.
      return min >= 0 && max <= DWORD_MAX && min <= max ? 'decimal' : 'json';
    }
    case 'number': // no ADMX control holds a fraction
    case 'object':
      return 'json';
    case 'array':
      return node.items.type === 'string' ? 'list' : 'json';
    default:
      throw unknownType(node, path);
  }
}

/** How a kind is written for a browser's reader (see the header). */
function formOf(kind, reader) {
  if (kind === 'boolean') return reader === 'chromium' ? 'flag' : 'jsonMulti';
  if (kind === 'json') return reader === 'chromium' ? 'jsonText' : 'jsonMulti';
  return kind;
}

/** An ADMX/ADML identifier from any text: letters, digits and `_`, not starting with a digit. */
export function ident(text) {
  const id = String(text).replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// XML: elements are [name, attributes, ...children]; a child is an element or a text string.

const escapeText = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s) => escapeText(s).replace(/"/g, '&quot;');

function serialize(node, indent = '') {
  const [name, attrs = {}, ...children] = node;
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  if (!children.length) return `${indent}<${name}${a}/>`;
  if (children.every((c) => typeof c === 'string')) return `${indent}<${name}${a}>${escapeText(children.join(''))}</${name}>`;
  return `${indent}<${name}${a}>\n${children.map((c) => serialize(c, `${indent}  `)).join('\n')}\n${indent}</${name}>`;
}

const document = (root) => `<?xml version="1.0" encoding="utf-8"?>\n${serialize(root)}\n`;

const ADMX_ATTRS = {
  'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  revision: '1.0',
  schemaVersion: '1.0',
  xmlns: 'http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions',
};

const str = (id) => `$(string.${id})`;
const pres = (id) => `$(presentation.${id})`;

/** An ADML file: strings and presentations sorted by id, so the output never depends on order. */
function adml(displayName, description, strings, presentations) {
  const table = [...strings.entries()].sort(([a], [b]) => byName(a, b)).map(([id, text]) => ['string', { id }, text]);
  const resources = ['resources', {}, ['stringTable', {}, ...table]];
  if (presentations.size) {
    const list = [...presentations.entries()].sort(([a], [b]) => byName(a, b)).map(([id, children]) => ['presentation', { id }, ...children]);
    resources.push(['presentationTable', {}, ...list]);
  }
  return document(['policyDefinitionResources', ADMX_ATTRS, ['displayName', {}, displayName], ['description', {}, description], resources]);
}

/** A string table that refuses two texts under one id (two keys that sanitize alike). */
class Strings extends Map {
  add(id, text) {
    if (this.has(id) && this.get(id) !== text) throw new Error(`string id ${id} is used twice (two schema names give the same identifier)`);
    return this.set(id, text);
  }
}

// ---------------------------------------------------------------------------------------------

/** The shared category file (identical in every browser folder). */
function renderBase() {
  const admx = document(['policyDefinitions', ADMX_ATTRS,
    ['policyNamespaces', {}, ['target', { prefix: BASE.prefix, namespace: BASE.namespace }]],
    ['resources', { minRequiredRevision: '1.0' }],
    ['categories', {}, ['category', { name: BASE.category, displayName: str(BASE.category) }]]]);
  const strings = new Strings([[BASE.category, 'Pinwatch']]);
  const text = adml('Pinwatch', 'The Pinwatch category; the settings are in pinwatch-chrome, pinwatch-edge and pinwatch-firefox.', strings, new Map());
  return { admx, adml: text };
}

/** How a value is set and what the registry gets, for the explain text. */
function howTo(form, node, browser, key, name) {
  const where = `HKLM or HKCU\\${key}`;
  const unset = 'Disabled or Not Configured: not set.';
  switch (form) {
    case 'flag':
      return `Enabled: true. Disabled: false. Not Configured: not set.\n\nRegistry: ${where}, value ${name} (REG_DWORD 1 or 0).`;
    case 'decimal':
      return `A whole number from ${node.minimum ?? 0} to ${node.maximum ?? 2000000000}. ${unset}\n\nRegistry: ${where}, value ${name} (REG_DWORD).`;
    case 'enum':
      return `One of: ${node.enum.join(', ')}. ${unset}\n\nRegistry: ${where}, value ${name} (${node.type === 'string' ? 'REG_SZ' : 'REG_DWORD'}).`;
    case 'text':
      return `Text. ${unset}\n\nRegistry: ${where}, value ${name} (REG_SZ).`;
    case 'list': {
      const allowed = node.items.enum ? ` Each one of: ${node.items.enum.join(', ')}.` : '';
      return `A list: click Show… and enter one value per row.${allowed} ${unset}\n\nRegistry: ${where}\\${name}, values 1, 2, 3, … (REG_SZ each).`;
    }
    case 'jsonText':
      return `Group Policy has no control for this type, so it is typed as JSON text, on one line: ${shapeOf(node)}. `
        + `${browser.title} reads a JSON-encoded REG_SZ for a list or dictionary setting, as for its own dictionary policies; `
        + `a value that is not valid JSON of this shape is dropped. ${unset}\n\nRegistry: ${where}, value ${name} (REG_SZ holding JSON).`;
    case 'jsonMulti': {
      const why = node.type === 'boolean'
        ? 'Type true or false. Firefox hands extension policy values over without converting them, and Pinwatch takes only a real true or false here: '
          + 'a REG_DWORD would arrive as the number 1 or 0 and be refused. So the value is JSON text in a REG_MULTI_SZ, which Firefox parses as JSON.'
        : `Group Policy has no control for this type, so it is typed as JSON text (it may span several lines): ${shapeOf(node)}. `
          + 'It is written as a REG_MULTI_SZ, which Firefox parses as JSON (a REG_SZ would reach Pinwatch as plain text and be refused).';
      return `${why} ${unset}\n\nRegistry: ${where}, value ${name} (REG_MULTI_SZ holding JSON).`;
    }
    default:
      throw new Error(`no form ${form}`);
  }
}

/** The ADMX policy element and its ADML strings and presentation, for one key and browser. */
function renderPolicy(name, node, browser, ids, category, supportedOn, strings, presentations) {
  const id = ident(name);
  const key = browser.key(ids);
  const form = formOf(kindOf(node, name), browser.reader);
  const title = node.title ?? name;
  strings.add(id, title);
  strings.add(`${id}_Explain`, `${node.description ?? title}\n\nPinwatch setting: ${name}. ${howTo(form, node, browser, key, name)}`);

  const attrs = { name: id, class: 'Both', displayName: str(id), explainText: str(`${id}_Explain`), key };
  const head = [['parentCategory', { ref: category }], ['supportedOn', { ref: supportedOn }]];
  if (form === 'flag') {
    return ['policy', { ...attrs, valueName: name }, ...head,
      ['enabledValue', {}, ['decimal', { value: '1' }]],
      ['disabledValue', {}, ['decimal', { value: '0' }]]];
  }

  let element;
  let control;
  switch (form) {
    case 'decimal':
      element = ['decimal', { id, valueName: name, minValue: String(node.minimum ?? 0), maxValue: String(node.maximum ?? 2000000000) }];
      control = ['decimalTextBox', { refId: id, defaultValue: node.default !== undefined ? String(node.default) : undefined, spinStep: '1' }, title];
      break;
    case 'enum': {
      const items = node.enum.map((value) => {
        const itemId = `${id}_${ident(value)}`;
        strings.add(itemId, String(value));
        const v = node.type === 'string' ? ['string', {}, value] : ['decimal', { value: String(value) }];
        return ['item', { displayName: str(itemId) }, ['value', {}, v]];
      });
      element = ['enum', { id, valueName: name, required: 'true' }, ...items];
      control = ['dropdownList', { refId: id, noSort: 'true' }, title];
      break;
    }
    case 'text':
      element = ['text', { id, valueName: name, maxLength: String(MAX_TEXT) }];
      control = ['textBox', { refId: id }, ['label', {}, title]];
      break;
    case 'list':
      element = ['list', { id, key: `${key}\\${name}`, valuePrefix: '' }];
      control = ['listBox', { refId: id }, title];
      break;
    case 'jsonText':
      element = ['text', { id, valueName: name, maxLength: String(MAX_TEXT) }];
      control = ['textBox', { refId: id }, ['label', {}, `${title} (JSON)`]];
      break;
    case 'jsonMulti':
      element = ['multiText', { id, valueName: name, maxLength: String(MAX_TEXT) }];
      control = ['multiTextBox', { refId: id, defaultHeight: node.type === 'boolean' ? '1' : '8' }, `${title} (JSON)`];
      break;
    default:
      throw new Error(`no form ${form}`);
  }
  presentations.set(id, [control]);
  return ['policy', { ...attrs, presentation: pres(id) }, ...head, ['elements', {}, element]];
}

/** One browser's ADMX and ADML. */
function renderBrowser(browserId, schema, ids) {
  const browser = BROWSERS[browserId];
  const category = `Cat_${browser.name}`;
  const supportedOn = `SUPPORTED_PINWATCH_${browser.name.toUpperCase()}`;
  const strings = new Strings([[category, browser.title], [supportedOn, browser.supported(ids)]]);
  const presentations = new Map();

  const names = Object.keys(schema.properties).sort(byName);
  const seen = new Map();
  for (const name of names) {
    const id = ident(name);
    if (seen.has(id)) throw new Error(`schema keys ${seen.get(id)} and ${name} give the same policy name ${id}`);
    seen.set(id, name);
  }
  const policies = names.map((name) => renderPolicy(name, schema.properties[name], browser, ids, category, supportedOn, strings, presentations));

  const admx = document(['policyDefinitions', ADMX_ATTRS,
    ['policyNamespaces', {},
      ['target', { prefix: `pinwatch_${browserId}`, namespace: browser.namespace }],
      ['using', { prefix: BASE.prefix, namespace: BASE.namespace }]],
    ['resources', { minRequiredRevision: '1.0' }],
    ['supportedOn', {}, ['definitions', {}, ['definition', { name: supportedOn, displayName: str(supportedOn) }]]],
    ['categories', {}, ['category', { name: category, displayName: str(category) }, ['parentCategory', { ref: `${BASE.prefix}:${BASE.category}` }]]],
    ['policies', {}, ...policies]]);
  const text = adml(`Pinwatch for ${browser.title}`,
    `Pinwatch's managed settings for ${browser.title}, generated from extension/schema.json. Registry: ${browser.key(ids)}.`,
    strings, presentations);
  return { admx, adml: text };
}

/**
 * Every template file: `[[relative path, text], …]` in path order. Pure (no file access), so the
 * test renders altered schemas too.
 */
export function render(schema, manifest, { chromiumId } = {}) {
  if (schema?.type !== 'object' || !schema.properties) throw new Error('the managed schema must be an object with properties');
  const ids = { ...extensionIds(manifest), ...(chromiumId ? { chromium: checkedId(chromiumId) } : {}) };
  const base = renderBase();
  const files = [];
  for (const browserId of Object.keys(BROWSERS).sort(byName)) {
    const { admx, adml: text } = renderBrowser(browserId, schema, ids);
    const file = `pinwatch-${browserId}`;
    files.push([`${browserId}/${BASE.file}.admx`, base.admx], [`${browserId}/${LANGUAGE}/${BASE.file}.adml`, base.adml],
      [`${browserId}/${file}.admx`, admx], [`${browserId}/${LANGUAGE}/${file}.adml`, text]);
  }
  return files.sort(([a], [b]) => byName(a, b));
}

/** Reads the manifest and its managed schema under `root` and writes every template under `outDir`. */
export function writeTemplates(outDir, root = join(HERE, '..', '..'), { chromiumId } = {}) {
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
  const schemaFile = manifest.storage?.managed_schema;
  if (!schemaFile) throw new Error('manifest.json names no storage.managed_schema');
  const schema = JSON.parse(readFileSync(join(root, 'extension', schemaFile), 'utf8'));
  const files = render(schema, manifest, { chromiumId });
  for (const [path, text] of files) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true });
    writeFileSync(join(outDir, path), text);
  }
  return files.map(([path]) => path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [outDir, flag, chromiumId] = process.argv.slice(2);
  if (!outDir || (flag && (flag !== '--id' || !chromiumId))) {
    console.error('usage: node extension/tools/admx.mjs <outdir> [--id CHROMIUM_ID]');
    process.exit(2);
  }
  try {
    for (const path of writeTemplates(resolve(outDir), undefined, { chromiumId })) console.log(join(outDir, path));
  } catch (e) {
    console.error(`admx: ${e.message}`);
    process.exit(2);
  }
}
