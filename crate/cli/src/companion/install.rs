//! `pinwatch companion install | uninstall | status`: the native-messaging host manifest
//! (`dev.pinwatch.companion.json`) in the places each browser reads, pointing at this very
//! binary. A browser cannot pass arguments through a manifest, so `pinwatch` recognises a
//! browser's launch by its arguments (see `browser_launch`) and serves at once: no wrapper
//! script is written.

use super::HOST_NAME;
use crate::command::{clean, out, out_json, write_atomic, Failure};
use serde::Serialize;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The id Chromium derives from the `key` of manifest.json.
pub const CHROMIUM_EXTENSION_ID: &str = "ajlkmjcninalckjbeojakpdjplomhbkd";
/// `browser_specific_settings.gecko.id` of manifest.json.
pub const FIREFOX_EXTENSION_ID: &str = "pinwatch@pinwatch.dev";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Browser {
    Chromium,
    Chrome,
    Edge,
    Brave,
    Firefox,
}

impl Browser {
    pub(super) const ALL: [Browser; 5] = [
        Browser::Chromium,
        Browser::Chrome,
        Browser::Edge,
        Browser::Brave,
        Browser::Firefox,
    ];

    fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Chrome => "chrome",
            Browser::Edge => "edge",
            Browser::Brave => "brave",
            Browser::Firefox => "firefox",
        }
    }
}

#[derive(clap::Args)]
pub struct InstallArgs {
    /// The browser whose host manifest to write (repeat for several); default: every supported
    /// browser found on this computer (its profile folder or its program)
    #[arg(long, value_enum)]
    browser: Vec<Browser>,
    /// Write the system-wide manifest (every user; needs root) instead of the user's
    #[arg(long, conflicts_with = "user_data_dir")]
    system: bool,
    /// Write into DIR/NativeMessagingHosts, for a Chromium-family browser started with --user-data-dir=DIR
    #[arg(long, value_name = "DIR")]
    user_data_dir: Option<PathBuf>,
    /// The extension allowed to start the companion (repeat for several); default: Pinwatch's
    /// Chromium id ajlkmjcninalckjbeojakpdjplomhbkd, or pinwatch@pinwatch.dev for Firefox
    #[arg(long, value_name = "ID")]
    extension_id: Vec<String>,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct UninstallArgs {
    /// The browser whose host manifest to remove (repeat for several)
    #[arg(long, value_enum, required = true)]
    browser: Vec<Browser>,
    /// Remove the system-wide manifest instead of the user's
    #[arg(long, conflicts_with = "user_data_dir")]
    system: bool,
    /// Remove DIR/NativeMessagingHosts/dev.pinwatch.companion.json
    #[arg(long, value_name = "DIR")]
    user_data_dir: Option<PathBuf>,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct StatusArgs {
    /// Only these browsers (repeat for several; default: all)
    #[arg(long, value_enum)]
    browser: Vec<Browser>,
    /// Only DIR/NativeMessagingHosts, for a browser started with --user-data-dir=DIR
    #[arg(long, value_name = "DIR")]
    user_data_dir: Option<PathBuf>,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    User,
    System,
    UserDataDir,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::System => "system",
            Scope::UserDataDir => "user-data-dir",
        }
    }
}

/// Where one browser reads host manifests at one scope.
struct Location {
    browser: Browser,
    scope: Scope,
    dir: PathBuf,
    /// Windows: the registry key whose default value must name the manifest.
    registry: Option<String>,
}

impl Location {
    fn manifest(&self) -> PathBuf {
        self.dir.join(format!("{HOST_NAME}.json"))
    }
}

fn home() -> Result<PathBuf, Failure> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "{var} is not set: cannot find the user's browser folders"
            ))
        })
}

fn absolute(dir: &Path) -> Result<PathBuf, Failure> {
    if dir.is_absolute() {
        return Ok(dir.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|e| Failure::Io("current directory".into(), e))?;
    Ok(cwd.join(dir))
}

fn location(
    browser: Browser,
    scope: Scope,
    user_data_dir: Option<&Path>,
) -> Result<Location, Failure> {
    let dir = match (scope, user_data_dir) {
        (Scope::UserDataDir, Some(dir)) => {
            if browser == Browser::Firefox {
                return Err(Failure::Usage(
                    "--user-data-dir is for Chromium-family browsers: Firefox reads host manifests only from its user and system folders".into(),
                ));
            }
            let dir = absolute(dir)?;
            // A typo here would write a manifest no browser ever reads, and report success.
            if !dir.is_dir() {
                return Err(Failure::Usage(format!(
                    "--user-data-dir {} is not a folder: give the folder the browser was started with (--user-data-dir=DIR), after starting it once",
                    clean(&dir.display().to_string())
                )));
            }
            dir.join("NativeMessagingHosts")
        }
        _ => os_dir(browser, scope)?,
    };
    Ok(Location {
        browser,
        scope,
        dir,
        registry: registry_key(browser, scope),
    })
}

/// Brave's own documentation names no system-wide folder; rather than guess one, say so.
#[cfg(not(windows))]
const BRAVE_SYSTEM: &str = "Brave documents no system-wide folder for host manifests: for every user, install for chromium and chrome with --system (the Linux packages write both)";

/// The user's configuration folder as Chromium on Linux finds it.
#[cfg(not(any(target_os = "macos", windows)))]
fn config_home() -> Result<PathBuf, Failure> {
    for var in ["CHROME_CONFIG_HOME", "XDG_CONFIG_HOME"] {
        if let Some(dir) = std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|d| d.is_absolute())
        {
            return Ok(dir);
        }
    }
    Ok(home()?.join(".config"))
}

#[cfg(not(any(target_os = "macos", windows)))]
fn os_dir(browser: Browser, scope: Scope) -> Result<PathBuf, Failure> {
    Ok(match (scope, browser) {
        (Scope::System, Browser::Chromium) => "/etc/chromium/native-messaging-hosts".into(),
        (Scope::System, Browser::Chrome) => "/etc/opt/chrome/native-messaging-hosts".into(),
        (Scope::System, Browser::Edge) => "/etc/opt/edge/native-messaging-hosts".into(),
        (Scope::System, Browser::Brave) => return Err(Failure::Usage(BRAVE_SYSTEM.into())),
        (Scope::System, Browser::Firefox) => "/usr/lib/mozilla/native-messaging-hosts".into(),
        (_, Browser::Chromium) => config_home()?.join("chromium/NativeMessagingHosts"),
        (_, Browser::Chrome) => config_home()?.join("google-chrome/NativeMessagingHosts"),
        (_, Browser::Edge) => config_home()?.join("microsoft-edge/NativeMessagingHosts"),
        (_, Browser::Brave) => {
            config_home()?.join("BraveSoftware/Brave-Browser/NativeMessagingHosts")
        }
        (_, Browser::Firefox) => home()?.join(".mozilla/native-messaging-hosts"),
    })
}

#[cfg(target_os = "macos")]
fn os_dir(browser: Browser, scope: Scope) -> Result<PathBuf, Failure> {
    let support = |home: PathBuf| home.join("Library/Application Support");
    Ok(match (scope, browser) {
        (Scope::System, Browser::Chromium) => {
            "/Library/Application Support/Chromium/NativeMessagingHosts".into()
        }
        (Scope::System, Browser::Chrome) => "/Library/Google/Chrome/NativeMessagingHosts".into(),
        (Scope::System, Browser::Edge) => "/Library/Microsoft/Edge/NativeMessagingHosts".into(),
        (Scope::System, Browser::Brave) => return Err(Failure::Usage(BRAVE_SYSTEM.into())),
        (Scope::System, Browser::Firefox) => {
            "/Library/Application Support/Mozilla/NativeMessagingHosts".into()
        }
        (_, Browser::Chromium) => support(home()?).join("Chromium/NativeMessagingHosts"),
        (_, Browser::Chrome) => support(home()?).join("Google/Chrome/NativeMessagingHosts"),
        (_, Browser::Edge) => support(home()?).join("Microsoft Edge/NativeMessagingHosts"),
        (_, Browser::Brave) => {
            support(home()?).join("BraveSoftware/Brave-Browser/NativeMessagingHosts")
        }
        (_, Browser::Firefox) => support(home()?).join("Mozilla/NativeMessagingHosts"),
    })
}

/// Windows reads the manifest wherever the registry says; these folders are Pinwatch's choice.
#[cfg(windows)]
fn os_dir(browser: Browser, scope: Scope) -> Result<PathBuf, Failure> {
    let var = if scope == Scope::System {
        "ProgramData"
    } else {
        "LOCALAPPDATA"
    };
    let base = std::env::var_os(var)
        .map(PathBuf::from)
        .ok_or_else(|| Failure::Usage(format!("{var} is not set")))?;
    Ok(base
        .join("Pinwatch")
        .join("NativeMessagingHosts")
        .join(browser.name()))
}

#[cfg(windows)]
fn registry_key(browser: Browser, scope: Scope) -> Option<String> {
    let hive = if scope == Scope::System {
        "HKLM"
    } else {
        "HKCU"
    };
    let vendor = match browser {
        Browser::Chromium => "Chromium",
        Browser::Chrome => "Google\\Chrome",
        Browser::Edge => "Microsoft\\Edge",
        Browser::Brave => "BraveSoftware\\Brave-Browser",
        Browser::Firefox => "Mozilla",
    };
    Some(format!(
        "{hive}\\Software\\{vendor}\\NativeMessagingHosts\\{HOST_NAME}"
    ))
}

#[cfg(not(windows))]
fn registry_key(_browser: Browser, _scope: Scope) -> Option<String> {
    None
}

/// The host manifest: Chromium's form, or Firefox's (`allowed_extensions`).
pub(super) fn manifest_json(browser: Browser, path: &Path, ids: &[String]) -> Value {
    let mut m = serde_json::json!({
        "name": HOST_NAME,
        "description": "Pinwatch companion: opens its own TLS connection to where the browser connected and returns the certificate chain the server sent",
        "path": path.display().to_string(),
        "type": "stdio",
    });
    if browser == Browser::Firefox {
        m["allowed_extensions"] = ids.into();
    } else {
        let origins: Vec<String> = ids
            .iter()
            .map(|id| format!("chrome-extension://{id}/"))
            .collect();
        m["allowed_origins"] = origins.into();
    }
    m
}

/// The ids an install allows for `browser`, checked for that browser's form.
pub(super) fn extension_ids(browser: Browser, given: &[String]) -> Result<Vec<String>, Failure> {
    if given.is_empty() {
        return Ok(vec![if browser == Browser::Firefox {
            FIREFOX_EXTENSION_ID.into()
        } else {
            CHROMIUM_EXTENSION_ID.into()
        }]);
    }
    for id in given {
        let ok = if browser == Browser::Firefox {
            !id.is_empty()
                && id.len() <= 255
                && !id
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '"')
                && (id.contains('@') || (id.starts_with('{') && id.ends_with('}')))
        } else {
            id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b))
        };
        if !ok {
            let form = if browser == Browser::Firefox {
                "name@domain or {uuid}"
            } else {
                "32 letters a-p"
            };
            return Err(Failure::Usage(format!(
                "--extension-id {:?} is not a {} extension id ({form})",
                clean(id),
                browser.name()
            )));
        }
    }
    Ok(given.to_vec())
}

fn scope_of(system: bool, user_data_dir: Option<&Path>) -> Scope {
    match (system, user_data_dir) {
        (_, Some(_)) => Scope::UserDataDir,
        (true, None) => Scope::System,
        (false, None) => Scope::User,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Written {
    browser: &'static str,
    scope: &'static str,
    manifest: String,
    path: String,
    allowed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registry: Option<String>,
    /// Why this browser was chosen when none was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<String>,
}

/// The browsers to write for, each with why it was chosen when none was named; those not found.
type Chosen = (Vec<(Browser, Option<String>)>, Vec<Browser>);

/// The browsers an install without `--browser` writes for, each with why it counts as there,
/// and the supported ones not found. A `--user-data-dir` is one Chromium-family profile: every
/// Chromium-family browser reads the same `DIR/NativeMessagingHosts`, so it is written once.
fn chosen(args: &InstallArgs) -> Result<Chosen, Failure> {
    if !args.browser.is_empty() {
        return Ok((
            dedup(&args.browser)
                .into_iter()
                .map(|b| (b, None))
                .collect(),
            Vec::new(),
        ));
    }
    if let Some(dir) = &args.user_data_dir {
        let why = format!("the profile folder {}", clean(&dir.display().to_string()));
        return Ok((vec![(Browser::Chromium, Some(why))], Vec::new()));
    }
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for browser in Browser::ALL {
        // The folder a browser keeps this user's profiles in; on Windows the manifest folder is
        // Pinwatch's own, so only programs count there.
        let profile = match location(browser, Scope::User, None) {
            Ok(at) if !cfg!(windows) => at.dir.parent().map(Path::to_path_buf),
            _ => None,
        };
        match super::detect::present(browser, profile.as_deref()) {
            Some(why) => found.push((browser, Some(why))),
            None => missing.push(browser),
        }
    }
    // System-wide, Brave reads Chromium's or Chrome's folder: write both for it instead.
    if args.system {
        if let Some(at) = found.iter().position(|(b, _)| *b == Browser::Brave) {
            found.remove(at);
            for stand_in in [Browser::Chromium, Browser::Chrome] {
                if !found.iter().any(|(b, _)| *b == stand_in) {
                    missing.retain(|b| *b != stand_in);
                    found.push((stand_in, Some("for Brave, which reads this folder".into())));
                }
            }
        }
    }
    if found.is_empty() {
        return Err(Failure::Usage(
            "no supported browser found for this user (no profile folder of Chromium, Chrome, Edge, Brave or Firefox, none of their programs on PATH): name one with --browser".into(),
        ));
    }
    Ok((found, missing))
}

pub fn install(args: &InstallArgs) -> Result<ExitCode, Failure> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Failure::Io("the path of this program".into(), e))?;
    let scope = scope_of(args.system, args.user_data_dir.as_deref());
    let (browsers, missing) = chosen(args)?;
    let mut written = Vec::new();
    for (browser, found) in browsers {
        let ids = extension_ids(browser, &args.extension_id)?;
        let at = location(browser, scope, args.user_data_dir.as_deref())?;
        let manifest = manifest_json(browser, &exe, &ids);
        std::fs::create_dir_all(&at.dir).map_err(|e| hint(Failure::io(&at.dir, e), scope))?;
        let mut text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Failure::Usage(format!("cannot encode JSON: {e}")))?;
        text.push('\n');
        let file = at.manifest();
        write_atomic(&file, text.as_bytes()).map_err(|e| hint(e, scope))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644));
        }
        written.push(Written {
            browser: browser.name(),
            scope: scope.name(),
            manifest: file.display().to_string(),
            path: exe.display().to_string(),
            allowed: ids,
            registry: at.registry.clone(),
            found,
        });
    }
    if args.json {
        out_json(&written)?;
    } else {
        let mut text = String::new();
        if args.browser.is_empty() && args.user_data_dir.is_none() {
            let names: Vec<&str> = written.iter().map(|w| w.browser).collect();
            text.push_str(&format!("found {}", names.join(", ")));
            if !missing.is_empty() {
                let names: Vec<&str> = missing.iter().map(|b| b.name()).collect();
                text.push_str(&format!("; not found: {}", names.join(", ")));
            }
            text.push('\n');
        }
        for w in &written {
            if let Some(why) = &w.found {
                text.push_str(&format!("{} found: {}\n", w.browser, clean(why)));
            }
            text.push_str(&format!(
                "{} ({}): wrote {}\n  starts {}\n  for {}\n",
                w.browser,
                w.scope,
                clean(&w.manifest),
                clean(&w.path),
                clean(&w.allowed.join(", "))
            ));
            if let Some(key) = &w.registry {
                text.push_str(&format!(
                    "  now register it: reg add \"{key}\" /ve /t REG_SZ /d \"{}\" /f\n",
                    w.manifest
                ));
            }
        }
        if scope == Scope::System && home().is_ok_and(|home| exe.starts_with(home)) {
            text.push_str("note: the manifests name a program in a home folder; for every user, install pinwatch where all can run it (e.g. /usr/local/bin) and run install from there\n");
        }
        out(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn hint(failure: Failure, scope: Scope) -> Failure {
    match failure {
        Failure::Io(what, e)
            if scope == Scope::System && e.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            Failure::Io(format!("{what} (--system needs root)"), e)
        }
        other => other,
    }
}

pub(super) fn dedup(browsers: &[Browser]) -> Vec<Browser> {
    let mut out: Vec<Browser> = Vec::new();
    for &b in browsers {
        if !out.contains(&b) {
            out.push(b);
        }
    }
    out
}

pub fn uninstall(args: &UninstallArgs) -> Result<ExitCode, Failure> {
    let scope = scope_of(args.system, args.user_data_dir.as_deref());
    let mut rows = Vec::new();
    for &browser in dedup(&args.browser).iter() {
        let at = location(browser, scope, args.user_data_dir.as_deref())?;
        let file = at.manifest();
        let removed = match std::fs::remove_file(&file) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(hint(Failure::io(&file, e), scope)),
        };
        rows.push(serde_json::json!({
            "browser": browser.name(),
            "scope": scope.name(),
            "manifest": file.display().to_string(),
            "removed": removed,
            "registry": at.registry,
        }));
    }
    if args.json {
        out_json(&rows)?;
    } else {
        let mut text = String::new();
        for r in &rows {
            let what = if r["removed"] == true {
                "removed"
            } else {
                "nothing to remove at"
            };
            text.push_str(&format!(
                "{} ({}): {what} {}\n",
                r["browser"].as_str().unwrap_or_default(),
                r["scope"].as_str().unwrap_or_default(),
                clean(r["manifest"].as_str().unwrap_or_default())
            ));
            if let Some(key) = r["registry"].as_str() {
                text.push_str(&format!("  also: reg delete \"{key}\" /f\n"));
            }
        }
        out(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What `status` finds at one location.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    browser: &'static str,
    scope: &'static str,
    manifest: String,
    installed: bool,
    /// The program the manifest starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// That program exists and may be executed.
    executable: bool,
    allowed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registry: Option<String>,
}

fn is_executable(path: &Path) -> bool {
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

fn inspect(at: &Location) -> Found {
    let file = at.manifest();
    let mut found = Found {
        browser: at.browser.name(),
        scope: at.scope.name(),
        manifest: file.display().to_string(),
        installed: false,
        path: None,
        executable: false,
        allowed: Vec::new(),
        problems: Vec::new(),
        registry: at.registry.clone(),
    };
    let mut bytes = Vec::new();
    match std::fs::File::open(&file) {
        Ok(f) => {
            if let Err(e) = f.take(64 * 1024).read_to_end(&mut bytes) {
                found.problems.push(format!("cannot read it: {e}"));
                return found;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return found,
        Err(e) => {
            found.problems.push(format!("cannot read it: {e}"));
            return found;
        }
    }
    found.installed = true;
    let manifest: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            found.problems.push(format!("not JSON: {e}"));
            return found;
        }
    };
    if manifest["name"] != HOST_NAME {
        found
            .problems
            .push(format!("name is {}, not {HOST_NAME}", manifest["name"]));
    }
    if manifest["type"] != "stdio" {
        found.problems.push("type is not stdio".into());
    }
    let key = if at.browser == Browser::Firefox {
        "allowed_extensions"
    } else {
        "allowed_origins"
    };
    found.allowed = manifest[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if found.allowed.is_empty() {
        found.problems.push(format!("{key} is empty or missing"));
    }
    match manifest["path"].as_str() {
        Some(path) => {
            found.executable = is_executable(Path::new(path));
            if !Path::new(path).is_absolute() && !cfg!(windows) {
                found.problems.push("path is not absolute".into());
            }
            if !found.executable {
                found
                    .problems
                    .push("path is missing or not executable".into());
            }
            found.path = Some(path.to_string());
        }
        None => found.problems.push("no path".into()),
    }
    found
}

pub fn status(args: &StatusArgs) -> Result<ExitCode, Failure> {
    let browsers = match (args.browser.is_empty(), &args.user_data_dir) {
        // One profile folder, one browser: every Chromium-family browser reads the same path.
        (true, Some(_)) => vec![Browser::Chromium],
        (true, None) => Browser::ALL.to_vec(),
        (false, _) => dedup(&args.browser),
    };
    let mut rows = Vec::new();
    for browser in browsers {
        if let Some(dir) = &args.user_data_dir {
            if browser != Browser::Firefox {
                rows.push(inspect(&location(browser, Scope::UserDataDir, Some(dir))?));
            }
            continue;
        }
        for scope in [Scope::User, Scope::System] {
            match location(browser, scope, None) {
                Ok(at) => rows.push(inspect(&at)),
                Err(Failure::Usage(_)) => {} // no home folder: no user location
                Err(e) => return Err(e),
            }
        }
    }
    if args.json {
        out_json(&rows)?;
    } else {
        let mut text = String::new();
        for r in &rows {
            let state = if !r.installed {
                "not installed".to_string()
            } else if r.problems.is_empty() {
                format!(
                    "installed: starts {} for {}",
                    clean(r.path.as_deref().unwrap_or_default()),
                    clean(&r.allowed.join(", "))
                )
            } else {
                format!("installed, but {}", clean(&r.problems.join("; ")))
            };
            text.push_str(&format!(
                "{:<9} {:<13} {}\n  {}\n",
                r.browser,
                r.scope,
                state,
                clean(&r.manifest)
            ));
            if let Some(key) = &r.registry {
                text.push_str(&format!(
                    "  (the browser finds it only through the registry key {key})\n"
                ));
            }
        }
        out(&text)?;
    }
    // A manifest the browser would read but cannot use is an install that does not work.
    if rows.iter().any(|r| r.installed && !r.problems.is_empty()) {
        return Ok(ExitCode::from(crate::command::REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct ManifestArgs {
    /// The browser whose form of the manifest to print (Firefox's names extensions, the others origins)
    #[arg(long, value_enum)]
    browser: Browser,
    /// The absolute path the manifest names as the program (where a package installs pinwatch)
    #[arg(long, value_name = "PATH")]
    path: PathBuf,
    /// The extension allowed to start the companion (repeat for several); default as for install
    #[arg(long, value_name = "ID")]
    extension_id: Vec<String>,
}

/// Prints the manifest `install` would write, for a program installed at `--path`: what the
/// Linux packages ship, so the packages and `install` cannot disagree on its form.
pub fn manifest(args: &ManifestArgs) -> Result<ExitCode, Failure> {
    if !args.path.is_absolute() {
        return Err(Failure::Usage(format!(
            "--path {} is not absolute: browsers start the manifest's path as it is written",
            clean(&args.path.display().to_string())
        )));
    }
    let ids = extension_ids(args.browser, &args.extension_id)?;
    out_json(&manifest_json(args.browser, &args.path, &ids))?;
    Ok(ExitCode::SUCCESS)
}
