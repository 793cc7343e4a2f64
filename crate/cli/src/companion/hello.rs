//! The companion's look at a server, with the ClientHello of the browser it stands beside.
//!
//! A middlebox that can tell the companion's connection from the browser's can pass the one
//! and intercept the other, and the second look then vouches for a chain the browser never
//! saw. So the look is made with BoringSSL, the TLS stack Chromium itself is built on, set up
//! as Chromium sets it up: the same cipher suites, groups, signature algorithms, extensions
//! (status request, SCT, certificate compression, ALPS, ECH GREASE), GREASE values and
//! extension permutation, and ALPN `h2` then `http/1.1`. Its JA4 fingerprint is the browser's
//! (tests/e2e/client-hello.test.mjs captures both on loopback and compares them).
//!
//! What changes with the browser's major version is in [`Profile::for_chromium`] and in
//! docs/companion.md. The chain is checked against the roots afterwards by the caller, as
//! before; BoringSSL still checks the handshake's signature against the leaf's key.

use crate::certs::{Bounded, Connect, FetchError, Served};
use boring::ssl::{
    CertificateCompressionAlgorithm, CertificateCompressor, Ssl, SslContext, SslContextBuilder,
    SslMethod, SslRef, SslSignatureAlgorithm, SslVerifyMode, SslVersion,
};
use foreign_types::ForeignTypeRef as _;
use pinwatch_core::x509::cert::MAX_CHAIN_LEN;
use std::io::{self, Write};
use std::net::{IpAddr, TcpStream};
use std::time::Instant;

/// The Chromium major version the look's hello is modelled on when the extension names none:
/// the one the tests capture (Debian's Chromium 156).
pub const CURRENT_CHROMIUM: u32 = 156;

/// Chromium's TLS 1.2 suites, in its order (TLS 1.3's three are BoringSSL's own, as in Chromium).
const CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:\
AES256-GCM-SHA384:AES128-SHA:AES256-SHA";

/// ML-DSA (FIPS 204) signature algorithms, which Chromium lists first once it accepts them.
const SIGALGS_ML_DSA: &[SslSignatureAlgorithm] = &[
    SslSignatureAlgorithm::ML_DSA_44,
    SslSignatureAlgorithm::ML_DSA_65,
    SslSignatureAlgorithm::ML_DSA_87,
];

/// Chromium's classical signature algorithms, in its order.
const SIGALGS: &[SslSignatureAlgorithm] = &[
    SslSignatureAlgorithm::ECDSA_SECP256R1_SHA256,
    SslSignatureAlgorithm::RSA_PSS_RSAE_SHA256,
    SslSignatureAlgorithm::RSA_PKCS1_SHA256,
    SslSignatureAlgorithm::ECDSA_SECP384R1_SHA384,
    SslSignatureAlgorithm::RSA_PSS_RSAE_SHA384,
    SslSignatureAlgorithm::RSA_PKCS1_SHA384,
    SslSignatureAlgorithm::RSA_PSS_RSAE_SHA512,
    SslSignatureAlgorithm::RSA_PKCS1_SHA512,
];

/// The trust anchor IDs (draft-ietf-tls-trust-anchor-ids) Chromium 156 requests in its
/// `trust_anchors` extension: the Chrome Root Store's, in wire form (8-bit length-prefixed
/// IDs), as captured from the browser. The list follows the root store, not the code: a newer
/// browser may send other IDs (same extension, so the same JA4; see docs/companion.md).
const TRUST_ANCHORS: &[u8] = &[
    0x05, 0x82, 0xdf, 0x13, 0x02, 0x01, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x06, 0x05, 0x82, 0xdf, 0x13,
    0x02, 0x0d, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x0e, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x0f, 0x05, 0x82,
    0xdf, 0x13, 0x02, 0x12, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x13, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x14,
    0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x07, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d,
    0x01, 0x08, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x09, 0x08, 0x83, 0x9a, 0x64, 0x8c,
    0x9b, 0x2d, 0x01, 0x0a, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0b, 0x08, 0x83, 0x9a,
    0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0c, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0d, 0x08,
    0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x12, 0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01,
    0x13, 0x04, 0xd6, 0x79, 0x09, 0x01, 0x04, 0xd6, 0x79, 0x09, 0x04, 0x04, 0xd6, 0x79, 0x09, 0x05,
    0x04, 0xd6, 0x79, 0x09, 0x06, 0x04, 0xd6, 0x79, 0x09, 0x07, 0x04, 0xd6, 0x79, 0x09, 0x08, 0x04,
    0xd6, 0x79, 0x09, 0x0a, 0x04, 0xd6, 0x79, 0x09, 0x0b, 0x04, 0xd6, 0x79, 0x09, 0x0c, 0x04, 0xd6,
    0x79, 0x09, 0x0d, 0x04, 0xd6, 0x79, 0x09, 0x0f,
];

/// The parts of Chromium's hello that changed across the versions the companion may stand
/// beside. Older than 110 is treated as 110: such a browser is out of support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// X25519MLKEM768 offered first, with a key share (Chromium 131 on; 124–130 offered the
    /// Kyber draft, which BoringSSL no longer has: those get this one too, see docs).
    pub post_quantum: bool,
    /// ALPS under its new code point 0x44cd (Chromium 133 on) rather than 0x4469.
    pub alps_new_codepoint: bool,
    /// The GREASE encrypted_client_hello extension (Chromium 117 on).
    pub ech_grease: bool,
    /// The `trust_anchors` extension with the root store's IDs (seen in 156; from 145 on as
    /// far as the release history tells).
    pub trust_anchors: bool,
    /// ML-DSA signature algorithms offered first (seen in 156; from 150 on, ditto).
    pub ml_dsa: bool,
}

impl Profile {
    pub fn for_chromium(major: Option<u32>) -> Profile {
        let major = major.unwrap_or(CURRENT_CHROMIUM);
        Profile {
            post_quantum: major >= 124,
            alps_new_codepoint: major >= 133,
            ech_grease: major >= 117,
            trust_anchors: major >= 145,
            ml_dsa: major >= 150,
        }
    }

    fn groups(self) -> &'static str {
        if self.post_quantum {
            "X25519MLKEM768:X25519:P-256:P-384"
        } else {
            "X25519:P-256:P-384"
        }
    }
}

/// Brotli, the certificate compression Chromium offers; only decompression is needed, and
/// its output is bounded like everything else a server sends.
struct Brotli;

impl CertificateCompressor for Brotli {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::BROTLI;
    const CAN_COMPRESS: bool = false;
    const CAN_DECOMPRESS: bool = true;

    fn decompress<W: Write>(&self, input: &[u8], output: &mut W) -> io::Result<()> {
        let mut bounded = Capped {
            inner: output,
            left: crate::certs::MAX_SERVER_BYTES,
        };
        brotli_decompressor::BrotliDecompress(&mut &input[..], &mut bounded)
    }
}

struct Capped<'w, W> {
    inner: &'w mut W,
    left: usize,
}

impl<W: Write> Write for Capped<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() > self.left {
            return Err(io::Error::other(
                "a compressed certificate message unpacks to more than 1 MiB",
            ));
        }
        self.left -= buf.len();
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn context(profile: Profile) -> Result<SslContext, boring::error::ErrorStack> {
    let mut ctx = SslContextBuilder::new(SslMethod::tls())?;
    ctx.set_min_proto_version(Some(SslVersion::TLS1_2))?;
    ctx.set_max_proto_version(Some(SslVersion::TLS1_3))?;
    ctx.set_cipher_list(CIPHERS)?;
    ctx.set_curves_list(profile.groups())?;
    let sigalgs: Vec<SslSignatureAlgorithm> = match profile.ml_dsa {
        true => SIGALGS_ML_DSA.iter().chain(SIGALGS).copied().collect(),
        false => SIGALGS.to_vec(),
    };
    ctx.set_verify_algorithm_prefs(&sigalgs)?;
    ctx.set_grease_enabled(true);
    ctx.set_permute_extensions(true);
    ctx.enable_ocsp_stapling();
    ctx.enable_signed_cert_timestamps();
    ctx.add_certificate_compression_algorithm(Brotli)?;
    ctx.set_alpn_protos(b"\x02h2\x08http/1.1")?;
    if profile.trust_anchors {
        // SAFETY: `ctx` is a live SSL_CTX being built here; BoringSSL copies the list.
        let done = unsafe {
            boring_sys::SSL_CTX_set1_requested_trust_anchors(
                ctx.as_ptr(),
                TRUST_ANCHORS.as_ptr(),
                TRUST_ANCHORS.len(),
            )
        };
        if done != 1 {
            return Err(boring::error::ErrorStack::get());
        }
    }
    // The chain is judged by the caller (roots) and the extension (pins); the handshake's
    // signature over it is still checked by BoringSSL whatever this mode says.
    ctx.set_verify(SslVerifyMode::NONE);
    Ok(ctx.build())
}

/// What Chromium sets per connection rather than per context: ALPS for h2 and ECH GREASE.
fn per_connection(ssl: &mut SslRef, profile: Profile) -> Result<(), String> {
    // SAFETY: `ssl` is a live SSL object owned by the caller; the protocol name is copied by
    // BoringSSL, and empty settings are passed as a null pointer with length 0.
    let alps = unsafe {
        boring_sys::SSL_set_alps_use_new_codepoint(ssl.as_ptr(), profile.alps_new_codepoint as _);
        boring_sys::SSL_add_application_settings(
            ssl.as_ptr(),
            b"h2".as_ptr(),
            2,
            std::ptr::null(),
            0,
        )
    };
    if alps != 1 {
        return Err("ALPS could not be set".into());
    }
    ssl.set_enable_ech_grease(profile.ech_grease);
    Ok(())
}

/// The handshake on `sock` (connected, or a tunnel through a proxy) with `to.server_name`
/// in SNI, until `until`; reads at most `MAX_SERVER_BYTES`. The chain is returned unjudged:
/// `verify_error` is left for the caller.
pub fn look(
    sock: TcpStream,
    to: &Connect<'_>,
    until: Instant,
    profile: Profile,
) -> Result<Served, FetchError> {
    rustls::pki_types::ServerName::try_from(to.server_name.to_string())
        .map_err(|_| FetchError::Name(to.server_name.to_string()))?;
    let place = crate::certs::place(to);
    let setup = |e: String| FetchError::Tls(place.clone(), io::Error::other(e));
    let ctx = context(profile).map_err(|e| setup(format!("TLS configuration: {e}")))?;
    let mut ssl = Ssl::new(&ctx).map_err(|e| setup(format!("TLS configuration: {e}")))?;
    // An address is not sent in SNI (RFC 6066), as the browser does not send one.
    if to.server_name.parse::<IpAddr>().is_err() {
        ssl.set_hostname(to.server_name)
            .map_err(|e| FetchError::Name(format!("{}: {e}", to.server_name)))?;
    }
    per_connection(&mut ssl, profile).map_err(setup)?;
    let peer = sock.peer_addr().ok();
    let bounded = Bounded {
        sock,
        until,
        timeout: to.timeout,
        left: crate::certs::MAX_SERVER_BYTES,
        over: crate::certs::too_much,
    };
    let stream = match ssl.connect(bounded) {
        Ok(stream) => stream,
        Err(e) => return Err(handshake_failed(place, e)),
    };
    let ssl = stream.ssl();
    let certs = ssl
        .peer_cert_chain()
        .map(|chain| {
            chain
                .iter()
                .take(MAX_CHAIN_LEN + 1)
                .filter_map(|c| c.to_der().ok())
                .collect()
        })
        .unwrap_or_default();
    Ok(Served {
        certs,
        peer,
        protocol: ssl.version_str().to_string(),
        cipher_suite: ssl
            .current_cipher()
            .and_then(|c| c.standard_name())
            .unwrap_or_default()
            .to_string(),
        verify_error: None,
    })
}

/// A socket error (timeout, reset, too many bytes) stays one; anything BoringSSL refused is a
/// TLS failure, with its reason.
fn handshake_failed(place: String, e: boring::ssl::HandshakeError<Bounded>) -> FetchError {
    use boring::ssl::HandshakeError;
    match e {
        HandshakeError::SetupFailure(stack) => FetchError::Tls(
            place,
            io::Error::new(io::ErrorKind::InvalidData, stack.to_string()),
        ),
        HandshakeError::Failure(mid) | HandshakeError::WouldBlock(mid) => {
            let error = mid.error();
            if let Some(io) = error.io_error() {
                return FetchError::Io(place, io::Error::new(io.kind(), io.to_string()));
            }
            let text = match error.ssl_error() {
                Some(stack) => stack.to_string(),
                None => error.to_string(),
            };
            FetchError::Tls(place, io::Error::new(io::ErrorKind::InvalidData, text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn the_profile_follows_the_browser_version() {
        assert_eq!(
            Profile::for_chromium(None),
            Profile::for_chromium(Some(156))
        );
        let now = Profile::for_chromium(Some(156));
        assert!(now.post_quantum && now.alps_new_codepoint && now.ech_grease);
        assert!(now.trust_anchors && now.ml_dsa);
        let m120 = Profile::for_chromium(Some(120));
        assert!(!m120.post_quantum && !m120.alps_new_codepoint && m120.ech_grease);
        assert!(!m120.trust_anchors && !m120.ml_dsa);
        assert_eq!(m120.groups(), "X25519:P-256:P-384");
        let m131 = Profile::for_chromium(Some(131));
        assert!(m131.post_quantum && !m131.alps_new_codepoint);
    }
}
