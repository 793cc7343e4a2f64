// Whether an unpinned page is held, read or let go: what its chain could lead to here.

import { features } from '../shared/compat.js';
import { LOCAL_ROOT_MODE } from '../shared/vocabulary.js';
import * as companion from './companion.js';
import { companionScope } from './settings.js';

/**
 * Whether an unpinned page's chain can lead to more than a quiet record: a stop (a block list),
 * a report (declared inspection proxies), or the companion's look (scope "all"). Where it cannot,
 * such pages are neither held nor read.
 */
export function unpinnedPagesMatter(ctx) {
  return ctx.hasBlockList
    || ctx.policy.allowedInterceptionSpkis.length > 0 || ctx.policy.allowedInterceptionRoots.length > 0
    || (companion.supported() && companionScope(ctx.policy, ctx.user) === 'all')
    || (features.securityInfo && ctx.localRootMode === LOCAL_ROOT_MODE.enforce);
}

/**
 * Whether an unpinned page's root is worth reading although nothing could stop the page: a root
 * added to this computer gets a notice or a warning (`localRootMode` "notice" or "warn"). Only
 * where the browser says which roots it ships (Firefox); the page is released before the answer.
 */
export function unpinnedRootsMatter(ctx) {
  return features.securityInfo && ctx.localRootMode !== LOCAL_ROOT_MODE.enforce;
}
