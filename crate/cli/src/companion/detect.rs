//! Which supported browsers are on this computer, for `companion install` without `--browser`.
//! A browser counts as there when its profile folder exists (it has been run by this user) or
//! its program is on `PATH` (installed, perhaps never run: a system install is for every user).

use super::install::Browser;
use std::path::{Path, PathBuf};

/// Why `browser` counts as there, or `None`. `profile` is the folder the browser keeps its
/// profiles in for this user (the parent of its user-level manifest folder), when known.
pub fn present(browser: Browser, profile: Option<&Path>) -> Option<String> {
    if let Some(dir) = profile.filter(|d| d.is_dir()) {
        return Some(format!("{} exists", dir.display()));
    }
    let path = std::env::var_os("PATH")?;
    for name in programs(browser) {
        if let Some(found) = std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(is_program)
        {
            return Some(format!("{} is installed", found.display()));
        }
    }
    None
}

/// The program names distributions and vendors install each browser as.
fn programs(browser: Browser) -> &'static [&'static str] {
    match browser {
        Browser::Chromium => &["chromium", "chromium-browser"],
        Browser::Chrome => &["google-chrome", "google-chrome-stable"],
        Browser::Edge => &["microsoft-edge", "microsoft-edge-stable"],
        Browser::Brave => &["brave-browser", "brave"],
        Browser::Firefox => &["firefox", "firefox-esr"],
    }
}

fn is_program(path: &PathBuf) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}
