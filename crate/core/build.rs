//! `PINWATCH_CORE_SOURCE_ID`: a digest of the core's source files, which a compiled form of the
//! engine's sources names (`src/list/compiled.rs`). The signed-list module and the per-wake module
//! are built from the same sources, so they agree; a build from other sources (an update) refuses
//! the forms an older one stored, whatever the version number says, and compiles them again.

use std::fs;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// FNV-1a, 64 bits: no dependency, the same on every host. Not a defence: the forms are the
/// extension's own, in its own storage; this only tells one build's sources from another's.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut paths = Vec::new();
    files(Path::new("src"), &mut paths);
    paths.sort();
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for path in &paths {
        fnv(&mut hash, path.to_string_lossy().as_bytes());
        fnv(&mut hash, &fs::read(path).unwrap_or_default());
    }
    println!("cargo:rustc-env=PINWATCH_CORE_SOURCE_ID={hash:016x}");
}
