// Messages from the extension's own pages (warning, popup, options): each answered from Pinwatch's
// own state, never from what the page sends about a verdict.

import { api, ownOrigin } from '../shared/compat.js';
import * as verdicts from '../shared/verdicts.js';
import * as watch from '../shared/watch.js';
import { assertSeen } from '../shared/seen.js';
import { MATCH_KIND } from '../shared/vocabulary.js';
import * as channels from './channels.js';
import * as companion from './companion.js';
import * as engine from './engine.js';
import { checkExtraEntries } from './lists-wasm.js';
import { warm } from './listeners.js';
import * as reports from './reports.js';
import { cleanUser, saveUser } from './settings.js';

/** The first engine build of this wake (the wiring hands it over): `status` waits for it. */
let woken = Promise.resolve();
export function afterWake(promise) {
  woken = promise;
}

function fromOwnPage(sender) {
  return sender.id === api.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(ownOrigin);
}

/** An error in English whose `messageKey` names the page's own message for it. */
function refusal(english, messageKey) {
  return Object.assign(new Error(english), { messageKey });
}

export function onMessage(message, sender, sendResponse) {
  if (!fromOwnPage(sender) || !message || typeof message.type !== 'string') return false;
  answer(message, sender).then(
    (value) => sendResponse({ ok: true, value }),
    // A refusal carries, besides its English, what the page renders in its reader's language:
    // the core's problem code, or the key of a message the page already has.
    (e) => sendResponse({ ok: false, error: String(e?.message ?? e), problem: e?.problem, messageKey: e?.messageKey }),
  );
  return true;
}

async function answer(message, sender) {
  switch (message.type) {
    case 'proceed': return proceed(sender.tab?.id, message.nonce);
    case 'status': return status();
    case 'save-user': return saveUserSettings(message.user);
    case 'update-now': return updateNow();
    case 'root-state': return rootState(message.tabId);
    case 'know-root': return knowRoot(message.tabId, message.name, message.seen);
    case 'forget-root': return forgetRoot(String(message.pin ?? ''));
    case 'watch-state': return watchState(message.tabId);
    case 'watch': return watchSite(message.tabId, message.mode, message.seen);
    case 'unwatch': return watch.remove(String(message.host ?? ''));
    case 'watched': return watchedView();
    default: throw new Error(`unknown message ${message.type}`);
  }
}

/** "Proceed anyway for this session": only for the tab and nonce Pinwatch stopped. */
async function proceed(tabId, nonce) {
  if (typeof tabId !== 'number') throw new Error('not sent from a tab');
  const warning = await verdicts.getWarning(tabId, nonce);
  if (!warning) throw new Error('this warning is not current');
  if (!warning.decision?.offerProceed) throw new Error('proceeding is not allowed here');
  // Bound to the chain the person was shown: another chain on this host warns afresh.
  await verdicts.addOverride(tabId, warning.record.host, warning.record.chainKey);
  // A stopped frame or sub-resource returns to the page it was part of.
  await api.tabs.update(tabId, { url: warning.returnUrl ?? warning.record.url });
  return true;
}

async function status() {
  await woken;
  const ctx = await engine.getEngine();
  return {
    sources: ctx.engine.status(engine.nowSecs()),
    problems: ctx.problems,
    pinnedHosts: ctx.pinnedHosts.length,
    hasBlockList: ctx.hasBlockList,
    policy: ctx.policy,
    user: ctx.user,
    channels: await channels.statusView(ctx.policy, ctx.user),
    reports: await reports.statusView(ctx.policy),
    judged: ctx.engine.counts(),
    companion: companion.supported() ? { supported: true, ready: await companion.ready(), ...companion.state } : { supported: false },
    allowedModes: ctx.engine.allowedUserModes(),
    hostPermission: await api.permissions.contains({ origins: ['https://*/*'] }),
    timings: { ...engine.timings },
    boots: await verdicts.boots(),
  };
}

/** "Check for updates now" on the options page: every channel, and every queued report. */
async function updateNow() {
  const [checked] = await Promise.all([channels.update({ force: true }), reports.flush({ force: true })]);
  return checked;
}

/**
 * Checks the user's settings before saving them; returns what was wrong. The core checks the
 * extra entries (`checkExtraEntries`, in the signed-list module: only a save needs it) and the
 * normalised ones are saved; what the engine then refuses (an entry that would replace one of
 * the bundled list or of policy) is in its problems.
 */
async function saveUserSettings(input) {
  const user = cleanUser(input);
  const checked = await checkExtraEntries(user.extraEntries);
  const errors = [...checked.errors, ...(await channels.configurationProblems(input?.channels))];
  if (errors.length) return { saved: false, errors };
  user.extraEntries = checked.entries;
  await saveUser(user);
  engine.invalidate();
  warm();
  return { saved: true, errors: [] };
}

// ---- "Watch this site" (watch.js) ----------------------------------------------------------

/** What the popup offers for the page of a tab: whether it may be watched, or why not. */
async function watchState(tabId) {
  const ctx = await engine.getEngine();
  const tab = await api.tabs.get(Number(tabId));
  const record = (await verdicts.tabViewFor(tab)).main;
  const watched = await watch.readWatched();
  const host = record?.host ?? null;
  const { ok, why } = watch.watchability(record, { policy: ctx.policy, pinned: Boolean(host) && ctx.engine.isPinned(host), watched });
  return { host, offer: ok, why: ok ? null : why, allowWatch: watch.watchAllowed(ctx.policy), watched: host ? watched[host] ?? null : null };
}

/**
 * Starts watching the host of a tab's page, from what Pinwatch itself recorded for it (never
 * from what the page asking sends): the same checks as `watchState`, and only while that record
 * is what the popup showed (`seen`).
 */
async function watchSite(tabId, mode, seen) {
  const ctx = await engine.getEngine();
  const tab = await api.tabs.get(Number(tabId));
  const record = (await verdicts.tabViewFor(tab)).main;
  const host = record?.host;
  const checked = watch.watchability(record, { policy: ctx.policy, pinned: Boolean(host) && ctx.engine.isPinned(host), watched: await watch.readWatched() });
  if (!checked.ok) throw refusal(watch.NOT_WATCHABLE[checked.why] ?? checked.why, `not_watchable_${checked.why.replaceAll('-', '_')}`);
  assertSeen(record, seen);
  const added = await watch.add(host, checked.keys, mode ?? undefined);
  engine.invalidate();
  const rebuilt = await warm();
  // A host some list governs is refused by the core (the user adds, never replaces): undone.
  const entry = rebuilt?.engine.isPinned(host);
  if (rebuilt && !entry) {
    await watch.remove(host);
    throw refusal(watch.NOT_WATCHABLE.governed, 'not_watchable_governed');
  }
  return { host, watched: added };
}

/** The options page's "Watched sites": every watched host, and whether policy allows watching. */
async function watchedView() {
  const ctx = await engine.getEngine();
  return { allowWatch: watch.watchAllowed(ctx.policy), watched: await watch.readWatched() };
}

// ---- Roots added to this computer that the user knows (local_root.rs) ------------------------

/**
 * The added root a tab's page was judged on, from Pinwatch's own record; null when none. With
 * `seen`, only while that record is what the popup showed.
 */
async function recordedRoot(tabId, seen) {
  const tab = await api.tabs.get(Number(tabId));
  const record = (await verdicts.tabViewFor(tab)).main;
  if (seen !== undefined) assertSeen(record, seen);
  const m = record?.matched;
  if (!m || (m.kind !== MATCH_KIND.localRoot && m.kind !== MATCH_KIND.knownRoot)) return null;
  const subject = record.chain?.[m.certIndex]?.subject ?? record.subjects?.[m.certIndex] ?? record.addedRoot?.subject ?? '';
  return { pin: m.pin, subject, host: record.host };
}

/** What the popup offers about a page's added root: marking it known, unless policy forbids. */
async function rootState(tabId) {
  const ctx = await engine.getEngine();
  const root = await recordedRoot(tabId);
  return {
    root,
    allowed: ctx.policy.allowUserKnownRoots !== false,
    known: Boolean(root && ctx.user.knownRoots.some((r) => r.pin === root.pin)),
  };
}

/**
 * Marks the added root of a tab's page as known ("my antivirus"): the root comes from Pinwatch's
 * own record of that page, never from the message. Pinned hosts are unaffected (the core).
 */
async function knowRoot(tabId, name, seen) {
  const ctx = await engine.getEngine();
  if (ctx.policy.allowUserKnownRoots === false) throw refusal('your organisation does not allow marking roots as known', 'popup_root_not_allowed');
  const root = await recordedRoot(tabId, seen ?? null);
  if (!root) throw new Error('this page was not judged on a root added to this computer');
  const user = cleanUser(ctx.user);
  if (!user.knownRoots.some((r) => r.pin === root.pin)) {
    user.knownRoots.push({ pin: root.pin, name: String(name ?? '').trim(), subject: root.subject, addedAt: Date.now() });
  }
  await saveUser(user);
  engine.invalidate();
  warm();
  // Kept only while under the limit of known roots (settings.js).
  return { pin: root.pin, known: cleanUser(user).knownRoots.some((r) => r.pin === root.pin) };
}

async function forgetRoot(pin) {
  const ctx = await engine.getEngine();
  const user = cleanUser(ctx.user);
  user.knownRoots = user.knownRoots.filter((r) => r.pin !== pin);
  await saveUser(user);
  engine.invalidate();
  warm();
  return true;
}
