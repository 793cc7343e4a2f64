//! Which AIA URLs the extension may fetch. The URL is the certificate maker's choice, and the
//! extension's fetch carries its host permissions, which pass over the browser's CORS and
//! private-network checks: an interceptor's certificate could otherwise make every browser that
//! sees it send a GET into its own network (a router's admin page, a printer, a metadata
//! service). So only a name under a public-looking suffix is fetched, the way it is written:
//! no IP literal in any spelling, no single-label name, no name under a suffix kept for local
//! networks, no user name, nothing a URL parser could read two ways.
//!
//! Names are judged as written, not as resolved: neither browser tells an extension where its
//! own fetch went before it is sent (docs/chromium.md#completing-a-leaf-only-chain-aia). A URL
//! refused here is an AIA fetch that failed (`refused`): the path stays open, which stops an
//! enforced host as any failed fetch does.

/// Suffixes kept for networks inside one organisation or one computer (RFC 6761, RFC 6762,
/// RFC 8375, ICANN's `internal`), and the ones intranets use without asking anybody.
const LOCAL_SUFFIXES: &[&str] = &[
    "localhost",
    "localdomain",
    "local",
    "internal",
    "intranet",
    "private",
    "corp",
    "home",
    "lan",
    "home.arpa",
];

/// The longest name (RFC 1035) and label.
const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;

/// Whether an AIA URL may be fetched: `http` or `https`, and a host [`aia_host`] accepts.
pub fn aia_url_allowed(url: &str) -> bool {
    aia_host(url).is_some()
}

/// The host of an AIA URL that may be fetched, lower case without a trailing dot; `None` when
/// the URL is refused.
pub fn aia_host(url: &str) -> Option<String> {
    // Browsers drop tabs and line breaks inside URLs and map other spellings (full-width
    // digits, percent escapes) onto addresses; only plain printable ASCII is read here.
    if url.is_empty() || !url.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let rest = strip_prefix_ignore_case(url, "http://")
        .or_else(|| strip_prefix_ignore_case(url, "https://"))?;
    // A browser ends the authority at any of these (`\` too, in http URLs).
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // A user name shifts where a careless reader thinks the host starts; `[` is an IPv6 literal.
    if authority.contains(['@', '[', ']', '%']) {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((host, "")) => host,
        Some((host, port))
            if port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok() =>
        {
            host
        }
        Some(_) => return None,
        None => authority,
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || host.len() > MAX_NAME {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let well_formed = labels.iter().all(|l| {
        !l.is_empty()
            && l.len() <= MAX_LABEL
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !well_formed || labels.len() < 2 {
        return None;
    }
    // A last label that starts with a digit is how every IPv4 spelling ends (`127.0.0.1`,
    // `0x7f.1`, `2130706433` after a dot), and no top-level domain does.
    let last = labels[labels.len() - 1];
    if !last.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let local = LOCAL_SUFFIXES
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")));
    (!local).then_some(host)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}
