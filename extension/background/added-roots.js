// Roots added to this computer, as the companion names them in its `hello` reply (`localRoots`,
// docs/companion.md): an interceptor that picks its victims by process passes the companion's
// connection and decrypts the browser's, but its root has to be in a store the browser reads.
// Which of the named roots count (not declared by policy, not marked known by the user) and what
// they make of a page are the core's (Engine::addedRoots, Engine::with_added_roots); this module
// only keeps the core's answer for the wake and hands it to each page's judge.

import * as companion from './companion.js';
import { hostOf } from '../shared/url.js';
import { COMPANION_SCOPE } from '../shared/vocabulary.js';

// The core's answer, for the engine and the hello reply it was made from: a new engine (the
// user marked a root as known, policy changed) or a new hello asks again.
let kept = { engine: null, rows: null, roots: [] };

/**
 * The roots that count for a page of `details` (`[{pin, subject, store}]`, possibly empty):
 * pages of hosts no entry pins, where the companion may be asked (`scope`, page-plan.js). Waits for the companion's
 * hello once per wake (bounded by its own limit), except for a page the browser holds for us:
 * that one is not delayed, and is judged on what is known. Never throws.
 */
export async function forPage(ctx, details, { held = false, scope = COMPANION_SCOPE.off } = {}) {
  if (details.type !== 'main_frame' || scope === COMPANION_SCOPE.off) return [];
  if (ctx.engine.isPinned(hostOf(details.url))) return [];
  const answered = companion.ready();
  if (held && !companion.namedRoots()) return [];
  if (!(await answered)) return [];
  const rows = companion.namedRoots();
  if (!rows) return [];
  if (kept.engine !== ctx.engine || kept.rows !== rows) {
    let roots = [];
    try {
      const answer = ctx.engine.addedRoots(rows);
      roots = answer.roots;
      if (answer.leftOut) console.warn('Pinwatch: the companion named roots that could not be read', answer.problems);
    } catch (e) {
      // A list that cannot be read names nothing; the pages are judged as before.
      console.warn('Pinwatch: the companion\'s list of added roots was refused:', String(e?.message ?? e));
    }
    kept = { engine: ctx.engine, rows, roots };
  }
  return kept.roots;
}
