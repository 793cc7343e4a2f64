//! Path by signatures: which of the certificates at hand are linked to the leaf by verified
//! signatures. A chain that no browser built (what a server sent, what Pinwatch fetched or
//! cached) proves nothing by its order: an interceptor can append the real intermediate to its
//! own leaf. Pins count only on the certificates this search links, and on the anchors (keys
//! the list or policy gives) that verify one of them.
//!
//! Bounded whatever the certificates say: at most [`MAX_LINKS`] links from the leaf,
//! [`MAX_CANDIDATES`] candidates, [`MAX_SIGNATURE_CHECKS`] signature checks per search, and
//! each (certificate, key) pair checked once per [`SignatureCache`].

use crate::judge::proof;
use crate::x509::cert::Cert;
use crate::x509::pin::Pin;
use serde::Serialize;
use std::collections::HashMap;

/// The most links from the leaf to the last certificate or anchor of a path.
pub const MAX_LINKS: usize = 8;
/// The most certificates besides the leaf a search considers.
pub const MAX_CANDIDATES: usize = 32;
/// The most signatures one search verifies (cache hits are free).
pub const MAX_SIGNATURE_CHECKS: usize = 64;

crate::named_enum::named_enum! {
    /// Where a certificate of a path came from.
    pub enum CertOrigin {
        /// Sent by the server with this connection.
        Served = "served",
        /// Fetched earlier (AIA) and kept.
        Cached = "cached",
        /// Fetched for this verdict from an Authority Information Access URL.
        Fetched = "fetched",
    }
}

crate::named_enum::named_enum! {
    /// What a chain no browser built is: decides what a path left open means.
    pub enum Given {
        /// A leaf-only browser's leaf, and nothing will be fetched: an open path is its limit.
        Leaf = "leaf",
        /// A leaf-only browser's leaf; the caller fetches what the path wants (AIA).
        LeafCompleted = "leaf-completed",
        /// A chain as a server sent it (the companion, the CLI), even a leaf alone; the caller
        /// fetches what the path wants. The server chose what to send: an open path stops.
        Served = "served",
    }
}

crate::named_enum::named_enum! {
    /// What an anchor is: a key given by the list or by policy rather than by a certificate.
    pub enum AnchorKind {
        /// An issuer key of the host's pin set.
        IssuerKey = "issuer-key",
        /// The key of an inspection proxy's root that policy declares.
        DeclaredProxy = "declared-proxy",
    }
}

crate::named_enum::named_enum! {
    /// Why a search ended before it had looked at everything.
    pub enum PathLimit {
        /// More candidates than [`MAX_CANDIDATES`]; the rest were not considered.
        TooManyCandidates = "too-many-candidates",
        /// A path would be longer than [`MAX_LINKS`].
        TooLong = "too-long",
        /// [`MAX_SIGNATURE_CHECKS`] signatures were checked.
        TooManyChecks = "too-many-checks",
    }
}

/// A key that may sign a certificate without a certificate of its own at hand.
pub struct Anchor<'a> {
    pub kind: AnchorKind,
    pub pin: Pin,
    pub spki_der: &'a [u8],
}

/// Signature results by (signed certificate's hash, signer's SPKI pin): a result depends on
/// nothing else, so one wake checks each pair once. Bounded: emptied when full (an interceptor
/// who fills it only costs re-checks).
#[derive(Debug, Default, Clone)]
pub struct SignatureCache {
    results: HashMap<(Pin, Pin), bool>,
}

impl SignatureCache {
    pub const MAX_ENTRIES: usize = 4096;

    pub fn new() -> SignatureCache {
        SignatureCache::default()
    }

    pub fn len(&self) -> usize {
        self.results.len()
    }

    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    fn get(&self, signed: &Cert, signer: &Pin) -> Option<bool> {
        self.results.get(&(signed.cert_hash, *signer)).copied()
    }

    fn put(&mut self, signed: &Cert, signer: Pin, verified: bool) {
        if self.results.len() >= Self::MAX_ENTRIES {
            self.results.clear();
        }
        self.results.insert((signed.cert_hash, signer), verified);
    }
}

/// One certificate linked to the leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// Index into the certificates searched (0 = the leaf).
    pub cert: usize,
    /// The linked certificate this one's key verified (`None` for the leaf).
    pub signed: Option<usize>,
    /// Links from the leaf.
    pub depth: usize,
}

/// An anchor whose key verified a linked certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorLink {
    /// Index into the anchors given.
    pub anchor: usize,
    /// Index into the certificates searched of the certificate it verified.
    pub signed: usize,
}

/// What one search found.
#[derive(Debug, Clone, Default)]
pub struct Path {
    /// The linked certificates, leaf first, nearer ones before farther ones.
    pub links: Vec<Link>,
    pub anchors: Vec<AnchorLink>,
    /// Why the search ended early, when it did.
    pub limit: Option<PathLimit>,
    /// Signatures verified (not counting cache hits).
    pub checks: usize,
    /// Linked certificates for which a certificate named as their issuer was offered and did
    /// not verify them: what a forged leaf sent with the real intermediate looks like.
    pub named_but_unsigned: Vec<usize>,
}

/// How the path was proven, for people: what each link's certificate was and where it came
/// from, and the anchor at its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathView {
    /// Origin of each certificate of the verdict's `chain`, which holds the linked ones.
    pub origins: Vec<CertOrigin>,
    /// The anchor whose key verified the last link, when one did.
    pub anchor: Option<AnchorKind>,
    /// Certificates offered that no verified signature links to the leaf.
    pub unlinked: usize,
    /// Signatures verified for this verdict (cache hits not counted).
    pub checks: usize,
    /// Why the search stopped early, when it did.
    pub limit: Option<PathLimit>,
    /// Where the missing issuer's certificate may be fetched, when the path ends at a
    /// certificate that is not self-issued and nothing at hand verified it.
    pub wanted: Vec<String>,
    /// The authority key identifiers (hex) of those open ends: the subject key identifier of
    /// the certificate that would continue the path, for looking it up among kept ones.
    pub wanted_key_ids: Vec<String>,
}

impl Path {
    /// The linked certificates' indices, leaf first.
    pub fn linked(&self) -> impl Iterator<Item = usize> + '_ {
        self.links.iter().map(|l| l.cert)
    }

    /// Linked certificates that no linked certificate or anchor signed and that are not roots:
    /// where the path could go on if their issuer were at hand.
    pub fn open_ends<'a>(&'a self, certs: &'a [Cert]) -> impl Iterator<Item = usize> + 'a {
        self.links.iter().map(|l| l.cert).filter(move |&c| {
            !certs[c].is_self_issued()
                && !self.links.iter().any(|l| l.signed == Some(c))
                && !self.anchors.iter().any(|a| a.signed == c)
        })
    }
}

/// Links certificates to `certs[0]` (the leaf) by verified signatures, breadth first, until
/// nothing more can be linked or a bound is met. Everything linkable is linked (no stop at the
/// first pinned key), so a bad key above a good one is still seen.
/// A candidate is tried for a certificate only when its subject is that certificate's issuer
/// name (RFC 5280 name chaining, as browsers do); anchors are tried only where no candidate
/// verified, since they have no name.
pub fn build(certs: &[Cert], anchors: &[Anchor], cache: &mut SignatureCache) -> Path {
    let mut path = Path::default();
    if certs.is_empty() {
        return path;
    }
    let mut candidates = certs.len() - 1;
    if candidates > MAX_CANDIDATES {
        path.limit = Some(PathLimit::TooManyCandidates);
        candidates = MAX_CANDIDATES;
    }
    path.links.push(Link {
        cert: 0,
        signed: None,
        depth: 0,
    });
    let mut next = 0;
    while next < path.links.len() {
        let here = path.links[next];
        next += 1;
        let child = &certs[here.cert];
        if here.depth == MAX_LINKS {
            if !child.is_self_issued() {
                path.limit.get_or_insert(PathLimit::TooLong);
            }
            continue;
        }
        let mut parent_found = false;
        for (i, candidate) in certs.iter().enumerate().take(candidates + 1).skip(1) {
            if path.links.iter().any(|l| l.cert == i)
                || candidate.subject_der() != child.issuer_der()
            {
                continue;
            }
            match verify(
                child,
                &candidate.spki_pin,
                candidate.spki_der(),
                cache,
                &mut path,
            ) {
                Some(true) => {}
                Some(false) => {
                    path.named_but_unsigned.push(here.cert);
                    continue;
                }
                None => return path,
            }
            parent_found = true;
            path.links.push(Link {
                cert: i,
                signed: Some(here.cert),
                depth: here.depth + 1,
            });
        }
        if parent_found || child.is_self_issued() {
            continue;
        }
        for (a, anchor) in anchors.iter().enumerate() {
            match verify(child, &anchor.pin, anchor.spki_der, cache, &mut path) {
                Some(true) => {}
                Some(false) => continue,
                None => return path,
            }
            path.anchors.push(AnchorLink {
                anchor: a,
                signed: here.cert,
            });
        }
    }
    path
}

/// Whether `signer` verifies `signed`, from the cache or by one check; `None` once the
/// search's budget is spent (the limit is then set).
fn verify(
    signed: &Cert,
    signer: &Pin,
    signer_spki: &[u8],
    cache: &mut SignatureCache,
    path: &mut Path,
) -> Option<bool> {
    if let Some(known) = cache.get(signed, signer) {
        return Some(known);
    }
    if path.checks == MAX_SIGNATURE_CHECKS {
        path.limit = Some(PathLimit::TooManyChecks);
        return None;
    }
    path.checks += 1;
    let verified = proof::signed_by(signed, signer_spki);
    cache.put(signed, *signer, verified);
    Some(verified)
}
