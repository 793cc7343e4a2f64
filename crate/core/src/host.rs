//! Host names as the list and the browser speak them: lower-case ASCII, IDN labels as
//! punycode (`xn--`), no trailing dot. IP literals are kept apart so they never match a name.

use core::fmt;

/// The longest DNS name (RFC 1035 §2.3.4), in presentation form without the trailing dot.
pub const MAX_HOST_LEN: usize = 253;

/// Why a host name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostError {
    /// Empty, or only dots.
    Empty,
    /// Longer than 253 characters once normalised.
    TooLong(usize),
    /// A label is empty (`a..b`) or longer than 63 characters.
    BadLabel,
    /// A character that cannot appear in a host name (NUL, space, `/`, `:` outside an IP literal, …).
    BadCharacter(char),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Empty => f.write_str("host name is empty"),
            HostError::TooLong(n) => write!(
                f,
                "host name is {n} characters long, at most {MAX_HOST_LEN} are allowed"
            ),
            HostError::BadLabel => {
                f.write_str("host name has an empty label or one over 63 characters")
            }
            HostError::BadCharacter(c) => write!(f, "host name contains the character {:?}", c),
        }
    }
}

impl std::error::Error for HostError {}

/// A normalised host: either a DNS name or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Name(String),
    Ip(String),
}

impl Host {
    /// The normalised text, without a copy.
    pub fn into_string(self) -> String {
        match self {
            Host::Name(s) | Host::Ip(s) => s,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Host::Name(s) | Host::Ip(s) => s,
        }
    }
}

fn is_ip_literal(s: &str) -> bool {
    // An IPv4 address ends in a digit and an IPv6 one has a colon: most names are neither, and
    // skip the address parser (every verdict reads its host).
    if !s.ends_with(|c: char| c.is_ascii_digit()) && !s.contains(':') {
        return false;
    }
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    inner.parse::<std::net::IpAddr>().is_ok()
}

/// Whether the loop in [`normalize`] would return `s` unchanged: lists hold 100,000 hosts that
/// are almost all written this way, so one pass over the bytes and a copy is the common case.
fn already_normal(s: &str) -> bool {
    s.len() <= MAX_HOST_LEN
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_')
                })
        })
}

/// Letters, digits, hyphen, and underscore (seen in real host names, e.g. `_dmarc`-style labels).
fn ascii_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Normalise a host as it comes from a URL or a list: lower case, trailing dot removed,
/// non-ASCII labels as punycode. Returns a typed error for anything that is not a host.
pub fn normalize(input: &str) -> Result<Host, HostError> {
    let trimmed = input.strip_suffix('.').unwrap_or(input);
    if trimmed.is_empty() {
        return Err(HostError::Empty);
    }
    if is_ip_literal(trimmed) {
        let inner = trimmed.trim_start_matches('[').trim_end_matches(']');
        // Canonical text, so "::1" and "0:0::1" are the same host.
        let ip: std::net::IpAddr = inner.parse().map_err(|_| HostError::BadCharacter('['))?;
        return Ok(Host::Ip(ip.to_string()));
    }
    if trimmed.len() > 4 * MAX_HOST_LEN {
        return Err(HostError::TooLong(trimmed.len()));
    }
    if already_normal(trimmed) {
        return Ok(Host::Name(trimmed.to_owned()));
    }
    let mut out = String::with_capacity(trimmed.len());
    for (i, label) in trimmed.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if label.is_empty() {
            return Err(HostError::BadLabel);
        }
        if label.is_ascii() {
            for c in label.chars() {
                if !ascii_host_char(c) {
                    return Err(HostError::BadCharacter(c));
                }
                out.push(c.to_ascii_lowercase());
            }
        } else {
            let lower: String = label.chars().flat_map(char::to_lowercase).collect();
            // ASCII inside an IDN label follows the ASCII rules (punycode would carry it through
            // verbatim); Unicode full stops are label separators in UTS 46, never label content.
            if let Some(c) = lower.chars().find(|&c| {
                (c.is_ascii() && !ascii_host_char(c))
                    || c.is_control()
                    || c.is_whitespace()
                    || matches!(c, '\u{3002}' | '\u{ff0e}' | '\u{ff61}')
            }) {
                return Err(HostError::BadCharacter(c));
            }
            out.push_str("xn--");
            out.push_str(&punycode_encode(&lower));
        }
        if out.len() - out.rfind('.').map_or(0, |p| p + 1) > 63 {
            return Err(HostError::BadLabel);
        }
    }
    if out.len() > MAX_HOST_LEN {
        return Err(HostError::TooLong(out.len()));
    }
    Ok(Host::Name(out))
}

/// RFC 3492 punycode of one label (the part after `xn--`).
fn punycode_encode(label: &str) -> String {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    fn digit(d: u32) -> char {
        (if d < 26 {
            b'a' + d as u8
        } else {
            b'0' + (d - 26) as u8
        }) as char
    }
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta = if first { delta / 700 } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + 38)
    }
    let input: Vec<u32> = label.chars().map(|c| c as u32).collect();
    let mut out: String = label.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (128u32, 0u32, 72u32, basic);
    while (handled as usize) < input.len() {
        let m = input.iter().copied().filter(|&c| c >= n).min().unwrap_or(n);
        delta = delta.saturating_add((m - n).saturating_mul(handled + 1));
        n = m;
        for &c in &input {
            if c < n {
                delta = delta.saturating_add(1);
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> String {
        match normalize(s).unwrap() {
            Host::Name(n) => n,
            Host::Ip(ip) => panic!("{s} read as IP {ip}"),
        }
    }

    #[test]
    fn lower_cases_and_drops_the_trailing_dot() {
        assert_eq!(name("Mail.Google.COM."), "mail.google.com");
    }

    #[test]
    fn encodes_idn_as_punycode_like_the_idna_crate() {
        for s in [
            "bücher.example",
            "münchen.de",
            "例え.テスト",
            "ÄÖÜ.de",
            "xn--bcher-kva.example",
        ] {
            let expected = idna::domain_to_ascii(s).unwrap();
            assert_eq!(name(s), expected, "{s}");
        }
    }

    #[test]
    fn keeps_ip_literals_apart() {
        assert_eq!(
            normalize("127.0.0.1").unwrap(),
            Host::Ip("127.0.0.1".into())
        );
        assert_eq!(normalize("[::1]").unwrap(), Host::Ip("::1".into()));
    }

    #[test]
    fn refuses_hostile_names() {
        assert_eq!(normalize(""), Err(HostError::Empty));
        assert_eq!(normalize("."), Err(HostError::Empty));
        assert_eq!(normalize("a..b"), Err(HostError::BadLabel));
        assert_eq!(
            normalize("mail\0.google.com"),
            Err(HostError::BadCharacter('\0'))
        );
        assert_eq!(normalize("a b"), Err(HostError::BadCharacter(' ')));
        assert!(matches!(
            normalize(&"a.".repeat(150)),
            Err(HostError::TooLong(_))
        ));
        assert_eq!(normalize(&"a".repeat(64)), Err(HostError::BadLabel));
        assert!(normalize(&"é".repeat(10_000)).is_err());
        // Found by fuzzing: punctuation inside an IDN label used to pass through punycode.
        assert_eq!(
            normalize(";mailé.example.com"),
            Err(HostError::BadCharacter(';'))
        );
        assert_eq!(
            normalize("mailé*.example.com"),
            Err(HostError::BadCharacter('*'))
        );
        assert_eq!(
            normalize("*.example.com"),
            Err(HostError::BadCharacter('*'))
        );
        assert_eq!(
            normalize("例え。テスト"),
            Err(HostError::BadCharacter('\u{3002}'))
        );
    }
}
