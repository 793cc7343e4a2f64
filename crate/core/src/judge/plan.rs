//! Which pages the browser holds until they are judged, and which it lets go at once, their chain
//! read after or not at all. The listeners ask before anything is read, while the browser waits,
//! so this is one call on what the engine was built with and what the browser can do.
//!
//! A page whose chain can lead to nothing but a quiet record costs nothing: it is not held, and
//! where nothing could come of its chain it is not even read (reading costs the page load time).

use crate::judge::engine::Engine;
use crate::judge::local_root::LocalRootMode;
use crate::judge::CompanionScope;

crate::named_enum::named_enum! {
    /// What a listener does with a page before anything is read.
    pub enum PagePlan {
        /// Held until the judge is done: its verdict may stop it.
        Hold = "hold",
        /// Let go at once; its chain's digests are asked for now and judged after (a root added
        /// to this computer gets a notice or a warning, never a stop).
        ReleaseRead = "release-read",
        /// Let go at once and not read: the record says only that the host is not pinned.
        ReleaseUnread = "release-unread",
    }
}

/// What this browser offers, as far as which pages are worth holding or reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Browser {
    /// The browser says whether a chain's root is one it ships (Firefox's `isBuiltInRoot`).
    pub roots_known: bool,
    /// Which responses the companion may be asked about here.
    pub companion: CompanionScope,
}

impl Engine {
    /// The plan for a page of `host`; `None`: for the pages of hosts no list pins (which is
    /// also whether every page must go through a listener that can hold it).
    pub fn page_plan(&self, host: Option<&str>, browser: Browser) -> PagePlan {
        if host.is_some_and(|h| self.is_pinned(h)) {
            return PagePlan::Hold;
        }
        let enforced_roots = self.local_root_mode() == LocalRootMode::Enforce;
        // Anything an unpinned page's chain could lead to beyond a quiet record: a stop (a block
        // list, an added root in enforce mode), a report (declared inspection proxies), or the
        // companion's look at every page.
        let could_stop_or_report = self.has_block_list()
            || self.declares_interception()
            || browser.companion == CompanionScope::All
            || (browser.roots_known && enforced_roots);
        if could_stop_or_report {
            PagePlan::Hold
        } else if browser.roots_known {
            // Only a listener that holds the page may ask for its chain; the page goes on at once.
            PagePlan::ReleaseRead
        } else {
            PagePlan::ReleaseUnread
        }
    }
}
