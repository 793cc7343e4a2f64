// What a listener does with a page before anything is read, as the core decides it
// (crate/core/src/judge/plan.rs), from the engine and what this browser offers.

import { features } from '../shared/compat.js';
import { COMPANION_SCOPE } from '../shared/vocabulary.js';
import * as companion from './companion.js';
import { companionScope } from './settings.js';

/** Which responses the companion may be asked about here (`COMPANION_SCOPE`). */
export function companionHere(ctx) {
  return companion.supported() ? companionScope(ctx.policy, ctx.user) : COMPANION_SCOPE.off;
}

/**
 * `PAGE_PLAN`: hold a page of `host` until judged, or let it go at once, its chain read after or
 * not at all. `host` undefined: the pages of hosts no list pins.
 */
export function pagePlan(ctx, host) {
  return ctx.engine.pagePlan(host, features.securityInfo, companionHere(ctx));
}
