//! A chain as an inspection product on this computer would issue it, and the settings and list
//! the local-root tests judge it under (local_root.rs, local_root_added.rs).
#![allow(dead_code)]

use crate::common::*;
use crate::mint::{intermediate, leaf, root, Ca};
use pinwatch_core::judge::engine::Settings;
use pinwatch_core::judge::local_root::LocalRootSettings;

pub const UNPINNED: &str = "news.other.test";

pub struct Added {
    pub root: Ca,
    pub chain: Vec<Vec<u8>>,
}

/// A chain as an inspection product on this computer would issue it for any host.
pub fn added(host: &str) -> Added {
    let root_ca = Ca::new(41, "Inspection Root");
    let issuer = Ca::new(42, "Inspection Issuing CA");
    let chain = vec![
        leaf(43, host, &issuer, None),
        intermediate(&issuer, &root_ca, None),
        root(&root_ca),
    ];
    Added {
        root: root_ca,
        chain,
    }
}

pub fn settings(local_roots: LocalRootSettings) -> Settings {
    Settings {
        local_roots,
        ..Settings::default()
    }
}

pub fn list() -> String {
    let f = Fixtures::embedded();
    payload(
        &[pin_of_spki(&f.legit_root_spki)],
        &[],
        &[],
        "enforce",
        &[],
        &[],
    )
}
