//! The native-messaging protocol: frames (a 32-bit length in native byte order, then that many
//! bytes of UTF-8 JSON), the two requests (`hello`, `check`), their replies and the typed errors.
//! Everything here is bounded before it is parsed: a request is at most [`MAX_REQUEST_BYTES`],
//! a reply at most [`MAX_REPLY_BYTES`].

use serde::Deserialize;
use serde_json::Value;
use std::io::{self, Read};
use std::net::IpAddr;

/// The largest request read. The extension's requests are a few hundred bytes; Chrome would
/// send up to 4 GiB, which is never read into memory.
pub const MAX_REQUEST_BYTES: u32 = 1024 * 1024;
/// The largest reply written: Chrome refuses a message from a host above 1 MiB (and ends the
/// connection), so a reply that would be larger is replaced by a `too-large` error.
pub const MAX_REPLY_BYTES: usize = 1_000_000;
/// The longest string `id` echoed back.
pub const MAX_ID_CHARS: usize = 256;
/// The longest host name (RFC 1035's 253, as text without the trailing dot).
pub const MAX_HOST_CHARS: usize = 253;

/// What one read from standard input gave.
pub enum Frame {
    /// A whole message, at most `MAX_REQUEST_BYTES`.
    Message(Vec<u8>),
    /// A length prefix above `MAX_REQUEST_BYTES`: the body is still unread.
    TooLarge(u32),
    /// Standard input closed (or ended inside a frame): the browser is gone.
    End,
}

/// Reads one frame. A prefix above the limit is reported before anything of the body is read.
pub fn read_frame(input: &mut impl Read) -> io::Result<Frame> {
    let mut prefix = [0u8; 4];
    if !read_full(input, &mut prefix)? {
        return Ok(Frame::End);
    }
    let len = u32::from_ne_bytes(prefix);
    if len > MAX_REQUEST_BYTES {
        return Ok(Frame::TooLarge(len));
    }
    let mut body = vec![0u8; len as usize];
    if !read_full(input, &mut body)? {
        return Ok(Frame::End);
    }
    Ok(Frame::Message(body))
}

/// Reads and drops exactly `len` bytes, 64 KiB at a time; false when the input ended first.
pub fn skip(input: &mut impl Read, len: u32) -> io::Result<bool> {
    let copied = io::copy(&mut input.take(u64::from(len)), &mut io::sink())?;
    Ok(copied == u64::from(len))
}

/// `read_exact` that tells an end of input (false) from an error.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => return Ok(false),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// A frame: the length in native byte order, then the bytes.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&(body.len() as u32).to_ne_bytes());
    out.extend_from_slice(body);
    out
}

/// The error codes a reply may carry (`error.code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The length prefix is above 1 MiB (the body is skipped).
    MessageTooLarge,
    /// The message is not UTF-8.
    NotUtf8,
    /// The message is not JSON (syntax), or not a JSON object.
    BadJson,
    /// A field is missing, unknown, duplicated or of the wrong type; or `id` is unusable.
    BadRequest,
    /// `type` is neither `hello` nor `check`.
    UnknownType,
    /// `host` is not a host name or IP address that can be sent in SNI.
    BadHost,
    /// `port` is not an integer from 1 to 65535.
    BadPort,
    /// `ip` is missing (without a proxy) or not an IP address.
    BadIp,
    /// `proxy` has an unusable host or port.
    BadProxy,
    /// `proxy.scheme` is not `http` (HTTP CONNECT).
    UnsupportedProxy,
    /// Eight checks are running and 64 more wait: try again later.
    Busy,
    /// Connect and handshake did not finish within the time limit.
    Timeout,
    /// The connection could not be opened, or broke during the handshake.
    Connect,
    /// The proxy refused the tunnel or did not answer as an HTTP proxy.
    Proxy,
    /// The TLS handshake failed, or the server sent no certificate.
    Tls,
    /// The server sent more than 16 certificates, a handshake message above 64 KiB, more than
    /// 1 MiB in all, or a chain whose reply would exceed the 1 MB a host may send.
    TooLarge,
    /// A bug in the companion.
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MessageTooLarge => "message-too-large",
            Code::NotUtf8 => "not-utf8",
            Code::BadJson => "bad-json",
            Code::BadRequest => "bad-request",
            Code::UnknownType => "unknown-type",
            Code::BadHost => "bad-host",
            Code::BadPort => "bad-port",
            Code::BadIp => "bad-ip",
            Code::BadProxy => "bad-proxy",
            Code::UnsupportedProxy => "unsupported-proxy",
            Code::Busy => "busy",
            Code::Timeout => "timeout",
            Code::Connect => "connect",
            Code::Proxy => "proxy",
            Code::Tls => "tls",
            Code::TooLarge => "too-large",
            Code::Internal => "internal",
        }
    }
}

/// A failed request: its code and a sentence for people.
#[derive(Debug)]
pub struct Failed {
    pub code: Code,
    pub message: String,
}

impl Failed {
    pub fn new(code: Code, message: impl Into<String>) -> Failed {
        Failed {
            code,
            message: message.into(),
        }
    }
}

/// `{"id"?, "ok": false, "error": {"code", "message"}}`.
pub fn error_reply(id: Option<&Value>, failed: &Failed) -> Value {
    let mut reply = serde_json::Map::new();
    if let Some(id) = id {
        reply.insert("id".into(), id.clone());
    }
    reply.insert("ok".into(), Value::Bool(false));
    reply.insert(
        "error".into(),
        serde_json::json!({"code": failed.code.as_str(), "message": failed.message}),
    );
    Value::Object(reply)
}

/// Where a check connects, as the request said and validation accepted it.
#[derive(Debug)]
pub struct Check {
    /// The name sent in SNI and checked against the certificate (an IP literal sends none).
    pub host: String,
    pub port: u16,
    /// The address the browser connected to: the server's, or the proxy's when `proxy` is set.
    pub ip: Option<IpAddr>,
    /// No address given: look `host` up with the system's resolver. Asked for explicitly, only
    /// where the browser holds the response and has not named its address yet (Chromium names
    /// it only once the response goes on); a missing `ip` is an error otherwise.
    pub resolve: bool,
    pub proxy: Option<Proxy>,
    /// The major version of the Chromium-family browser asking, when the extension names it:
    /// the look's ClientHello is that version's (companion/hello.rs).
    pub chromium: Option<u32>,
}

/// An HTTP proxy the browser used: the check opens a `CONNECT host:port` tunnel through it.
#[derive(Debug)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
}

pub enum Request {
    Hello,
    Check(Check),
}

/// The fields every request may be read for, whatever else it holds.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    id: Option<Value>,
    #[serde(rename = "type", default)]
    kind: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct HelloWire {
    id: Value,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CheckWire {
    id: Value,
    #[serde(rename = "type")]
    kind: String,
    host: String,
    port: Value,
    #[serde(default)]
    ip: Option<String>,
    #[serde(default)]
    resolve: bool,
    #[serde(default)]
    proxy: Option<ProxyWire>,
    #[serde(default)]
    chromium: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyWire {
    scheme: String,
    host: String,
    port: Value,
}

/// Parses a request. The error carries the request's `id` when one could be read, so the
/// reply can be matched to it.
pub fn parse(bytes: &[u8]) -> Result<(Value, Request), (Option<Value>, Failed)> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        (
            None,
            Failed::new(Code::NotUtf8, format!("the message is not UTF-8: {e}")),
        )
    })?;
    // serde reads a struct from an array too: only an object is a request.
    if !text.trim_start().starts_with('{') {
        let failed = match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => Failed::new(Code::BadJson, "the message is not a JSON object"),
            Err(e) => Failed::new(Code::BadJson, format!("the message is not JSON: {e}")),
        };
        return Err((None, failed));
    }
    let envelope: Envelope = serde_json::from_str(text).map_err(|e| {
        let failed = if e.is_data() {
            Failed::new(Code::BadRequest, e.to_string()) // a duplicate `id` or `type`
        } else {
            Failed::new(Code::BadJson, format!("the message is not JSON: {e}"))
        };
        (None, failed)
    })?;
    let id = match envelope.id {
        Some(Value::String(s)) if s.chars().count() <= MAX_ID_CHARS => Value::String(s),
        Some(Value::Number(n)) => Value::Number(n),
        Some(Value::String(_)) => {
            return Err((
                None,
                Failed::new(
                    Code::BadRequest,
                    format!("id is longer than {MAX_ID_CHARS} characters"),
                ),
            ))
        }
        Some(_) => {
            return Err((
                None,
                Failed::new(Code::BadRequest, "id must be a string or a number"),
            ))
        }
        None => return Err((None, Failed::new(Code::BadRequest, "missing field `id`"))),
    };
    let bad = |code, message: String| Err((Some(id.clone()), Failed::new(code, message)));
    let request = match envelope.kind {
        Some(Value::String(kind)) if kind == "hello" => {
            if let Err(e) = serde_json::from_str::<HelloWire>(text) {
                return bad(Code::BadRequest, e.to_string());
            }
            Request::Hello
        }
        Some(Value::String(kind)) if kind == "check" => {
            let wire = match serde_json::from_str::<CheckWire>(text) {
                Ok(wire) => wire,
                Err(e) => return bad(Code::BadRequest, e.to_string()),
            };
            match validate(wire) {
                Ok(check) => Request::Check(check),
                Err(failed) => return Err((Some(id), failed)),
            }
        }
        Some(Value::String(kind)) => {
            return bad(
                Code::UnknownType,
                format!(
                    "unknown type {:?}: hello and check are known",
                    kind.chars().take(64).collect::<String>()
                ),
            )
        }
        Some(_) => return bad(Code::BadRequest, "type must be a string".into()),
        None => return bad(Code::BadRequest, "missing field `type`".into()),
    };
    Ok((id, request))
}

fn validate(wire: CheckWire) -> Result<Check, Failed> {
    let host = host_name(&wire.host).map_err(|why| Failed::new(Code::BadHost, why))?;
    let port = port(&wire.port).map_err(|why| Failed::new(Code::BadPort, why))?;
    let ip = match &wire.ip {
        Some(ip) => Some(ip_address(ip).ok_or_else(|| {
            Failed::new(
                Code::BadIp,
                format!("ip {:?} is not an IP address", shorten(ip)),
            )
        })?),
        None => None,
    };
    let proxy = match wire.proxy {
        None => None,
        Some(p) => {
            if p.scheme != "http" {
                return Err(Failed::new(
                    Code::UnsupportedProxy,
                    format!(
                        "proxy scheme {:?}: only http (HTTP CONNECT) is supported",
                        shorten(&p.scheme)
                    ),
                ));
            }
            let host = host_name(&p.host)
                .map_err(|why| Failed::new(Code::BadProxy, format!("proxy {why}")))?;
            let port = self::port(&p.port)
                .map_err(|why| Failed::new(Code::BadProxy, format!("proxy {why}")))?;
            Some(Proxy { host, port })
        }
    };
    if ip.is_some() && wire.resolve {
        return Err(Failed::new(
            Code::BadIp,
            "`ip` and `resolve` together: the address is either given or looked up",
        ));
    }
    if ip.is_none() && proxy.is_none() && !wire.resolve {
        return Err(Failed::new(
            Code::BadIp,
            "missing field `ip`: the companion connects to the address the browser used, and looks a name up only when asked (`resolve`)",
        ));
    }
    let chromium = match &wire.chromium {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|m| (1..=999).contains(m))
                .map(|m| m as u32)
                .ok_or_else(|| {
                    Failed::new(
                        Code::BadRequest,
                        "chromium must be the browser's major version, a whole number from 1 to 999",
                    )
                })?,
        ),
    };
    Ok(Check {
        host,
        port,
        ip,
        resolve: wire.resolve,
        proxy,
        chromium,
    })
}

/// At most 80 characters of hostile text, for a message.
fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

/// A host name or IP literal (`[v6]` too) that rustls can send and check.
fn host_name(host: &str) -> Result<String, String> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.is_empty() {
        return Err("host is empty".into());
    }
    if bare.chars().count() > MAX_HOST_CHARS {
        return Err(format!("host is longer than {MAX_HOST_CHARS} characters"));
    }
    if bare.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "host {:?} holds a control or space character",
            shorten(bare)
        ));
    }
    if bare.parse::<IpAddr>().is_err() && rustls::pki_types::ServerName::try_from(bare).is_err() {
        return Err(format!("host {:?} is not a valid host name", shorten(bare)));
    }
    Ok(bare.to_string())
}

fn port(value: &Value) -> Result<u16, String> {
    match value.as_u64() {
        Some(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(format!(
            "port {} is not an integer from 1 to 65535",
            shorten(&value.to_string())
        )),
    }
}

fn ip_address(ip: &str) -> Option<IpAddr> {
    let bare = ip
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(ip);
    bare.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(bytes: &[u8]) -> (Option<Value>, Code) {
        match parse(bytes) {
            Ok(_) => panic!("accepted {}", String::from_utf8_lossy(bytes)),
            Err((id, failed)) => (id, failed.code),
        }
    }

    #[test]
    fn frames_round_trip_and_refuse_large_prefixes() {
        let mut input = frame(b"{}");
        input.extend_from_slice(&(MAX_REQUEST_BYTES + 1).to_ne_bytes());
        let mut input = &input[..];
        assert!(matches!(read_frame(&mut input).unwrap(), Frame::Message(m) if m == b"{}"));
        assert!(
            matches!(read_frame(&mut input).unwrap(), Frame::TooLarge(n) if n == MAX_REQUEST_BYTES + 1)
        );
        assert!(matches!(read_frame(&mut input).unwrap(), Frame::End));
        let mut short: &[u8] = &[1, 0];
        assert!(matches!(read_frame(&mut short).unwrap(), Frame::End));
    }

    #[test]
    fn requests_are_validated() {
        assert!(matches!(
            parse(br#"{"id":1,"type":"hello"}"#),
            Ok((_, Request::Hello))
        ));
        let ok =
            br#"{"id":"a","type":"check","host":"mail.example.com","port":443,"ip":"203.0.113.5"}"#;
        assert!(matches!(parse(ok), Ok((_, Request::Check(_)))));
        assert_eq!(code(b"\xff").1, Code::NotUtf8);
        assert_eq!(code(b"{").1, Code::BadJson);
        assert_eq!(code(b"[]").1, Code::BadJson);
        assert_eq!(code(br#"{"type":"hello"}"#), (None, Code::BadRequest));
        assert_eq!(code(br#"{"id":{},"type":"hello"}"#).1, Code::BadRequest);
        assert_eq!(
            code(br#"{"id":2,"type":"hello","x":1}"#),
            (Some(Value::from(2)), Code::BadRequest)
        );
        assert_eq!(code(br#"{"id":2,"type":"nope"}"#).1, Code::UnknownType);
        let check =
            |fields: &str| code(format!(r#"{{"id":3,"type":"check",{fields}}}"#).as_bytes()).1;
        assert_eq!(
            check(r#""host":"a\u0000b","port":443,"ip":"1.2.3.4""#),
            Code::BadHost
        );
        let long = "a".repeat(254);
        assert_eq!(
            check(&format!(r#""host":"{long}","port":443,"ip":"1.2.3.4""#)),
            Code::BadHost
        );
        assert_eq!(
            check(r#""host":"a.b","port":0,"ip":"1.2.3.4""#),
            Code::BadPort
        );
        assert_eq!(
            check(r#""host":"a.b","port":65536,"ip":"1.2.3.4""#),
            Code::BadPort
        );
        assert_eq!(
            check(r#""host":"a.b","port":"443","ip":"1.2.3.4""#),
            Code::BadPort
        );
        assert_eq!(check(r#""host":"a.b","port":443,"ip":"a.b""#), Code::BadIp);
        assert_eq!(check(r#""host":"a.b","port":443"#), Code::BadIp);
        assert_eq!(
            check(r#""host":"a.b","port":443,"ip":"1.2.3.4","resolve":true"#),
            Code::BadIp
        );
        assert_eq!(
            check(r#""host":"a.b","port":443,"resolve":"yes""#),
            Code::BadRequest
        );
        assert!(matches!(
            parse(br#"{"id":2,"type":"check","host":"a.b","port":443,"resolve":true}"#),
            Ok((
                _,
                Request::Check(Check {
                    resolve: true,
                    ip: None,
                    ..
                })
            ))
        ));
        assert!(matches!(
            parse(
                br#"{"id":3,"type":"check","host":"a.b","port":443,"resolve":true,"chromium":120}"#
            ),
            Ok((
                _,
                Request::Check(Check {
                    chromium: Some(120),
                    ..
                })
            ))
        ));
        for bad in [r#""0""#, "0", "1000", "1.5", "-3"] {
            assert_eq!(
                check(&format!(
                    r#""host":"a.b","port":443,"resolve":true,"chromium":{bad}"#
                )),
                Code::BadRequest,
                "{bad}"
            );
        }
        assert_eq!(
            check(r#""host":"a.b","port":443,"proxy":{"scheme":"socks5","host":"p","port":1}"#),
            Code::UnsupportedProxy
        );
        assert_eq!(
            check(r#""host":"a.b","port":443,"proxy":{"scheme":"http","host":"p","port":0}"#),
            Code::BadProxy
        );
        assert!(matches!(
            parse(br#"{"id":1,"type":"check","host":"[::1]","port":443,"ip":"[::1]"}"#),
            Ok((_, Request::Check(Check { ref host, .. }))) if host == "::1"
        ));
    }

    /// Every code a reply may carry has its row in the judge's failure table
    /// (pinwatch_core::judge::failure): the extension passes codes on, the core says what each
    /// means, and a code the core does not know would be treated as an interception.
    #[test]
    fn every_error_code_is_one_the_judge_knows() {
        use pinwatch_core::judge::failure::CompanionFailure;
        let all = [
            Code::MessageTooLarge,
            Code::NotUtf8,
            Code::BadJson,
            Code::BadRequest,
            Code::UnknownType,
            Code::BadHost,
            Code::BadPort,
            Code::BadIp,
            Code::BadProxy,
            Code::UnsupportedProxy,
            Code::Busy,
            Code::Timeout,
            Code::Connect,
            Code::Proxy,
            Code::Tls,
            Code::TooLarge,
            Code::Internal,
        ];
        // Exhaustive: a new code fails to compile here until it is listed above.
        let listed = |code: Code| match code {
            Code::MessageTooLarge
            | Code::NotUtf8
            | Code::BadJson
            | Code::BadRequest
            | Code::UnknownType
            | Code::BadHost
            | Code::BadPort
            | Code::BadIp
            | Code::BadProxy
            | Code::UnsupportedProxy
            | Code::Busy
            | Code::Timeout
            | Code::Connect
            | Code::Proxy
            | Code::Tls
            | Code::TooLarge
            | Code::Internal => all.contains(&code),
        };
        for code in all {
            assert!(listed(code));
            assert!(
                CompanionFailure::from_name(code.as_str()).is_some(),
                "{} has no row in the judge's table",
                code.as_str()
            );
        }
    }
}
