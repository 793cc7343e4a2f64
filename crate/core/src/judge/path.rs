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
///
/// A cache made with [`SignatureCache::new`] verifies a missing pair itself. One made with
/// [`SignatureCache::asking`] never does: it notes the pair as a [`SignatureCheck`] for its
/// caller (the judge asks for them as a step, and the extension's signature module answers), and
/// the search counts it as neither verified nor refused until the answer is [`put`]. Only `new`
/// names the signature arithmetic, so a build that only asks leaves it out.
///
/// [`put`]: SignatureCache::put
#[derive(Debug, Clone)]
pub struct SignatureCache {
    results: HashMap<(Pin, Pin), bool>,
    verify_here: Option<fn(&Cert, &[u8]) -> bool>,
    asked: Vec<SignatureCheck>,
    /// Checks already spent on the response being judged before this search (the judge's
    /// rounds): the search's bound is for the response, not for each round.
    pub(crate) spent_before: usize,
}

/// A signature the search needs and an asking cache does not know: `signer_spki` over the
/// `signed` certificate's TBS bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The signed certificate's SHA-256, and the signer's SPKI pin: the cache's key.
    pub signed: Pin,
    pub signer: Pin,
    /// The signed certificate's `signatureAlgorithm` (DER AlgorithmIdentifier).
    pub algorithm: Vec<u8>,
    pub signer_spki: Vec<u8>,
    /// The signed certificate's TBSCertificate (DER).
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
}

impl SignatureCheck {
    /// Verifies the check here (what the signature module does with each one it is given).
    pub fn verify(&self) -> bool {
        proof::verify_signature(
            &self.algorithm,
            &self.signer_spki,
            &self.message,
            &self.signature,
        )
    }
}

impl Default for SignatureCache {
    fn default() -> SignatureCache {
        SignatureCache::new()
    }
}

impl SignatureCache {
    pub const MAX_ENTRIES: usize = 4096;

    /// A cache that verifies what it does not know.
    pub fn new() -> SignatureCache {
        SignatureCache {
            verify_here: Some(proof::signed_by),
            ..SignatureCache::asking()
        }
    }

    /// A cache that asks its caller for what it does not know (see the type's comment).
    pub fn asking() -> SignatureCache {
        SignatureCache {
            results: HashMap::new(),
            verify_here: None,
            asked: Vec::new(),
            spent_before: 0,
        }
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

    /// Whether `signer` (its key `signer_spki`) verifies `signed`: known, or verified now, or
    /// (`None`) asked of the caller.
    pub(crate) fn verified(
        &mut self,
        signed: &Cert,
        signer: Pin,
        signer_spki: &[u8],
    ) -> Option<bool> {
        if let Some(known) = self.get(signed, &signer) {
            return Some(known);
        }
        let Some(verify_here) = self.verify_here else {
            self.ask(signed, signer, signer_spki);
            return None;
        };
        let verified = verify_here(signed, signer_spki);
        self.put(signed.cert_hash, signer, verified);
        Some(verified)
    }

    /// The answer to an asked check (or a check's result, for a cache that verifies).
    pub fn put(&mut self, signed: Pin, signer: Pin, verified: bool) {
        if self.results.len() >= Self::MAX_ENTRIES {
            self.results.clear();
        }
        self.results.insert((signed, signer), verified);
    }

    /// The checks the searches since the last call needed and could not answer.
    pub fn take_asked(&mut self) -> Vec<SignatureCheck> {
        std::mem::take(&mut self.asked)
    }

    fn ask(&mut self, signed: &Cert, signer: Pin, signer_spki: &[u8]) {
        if self
            .asked
            .iter()
            .any(|c| c.signed == signed.cert_hash && c.signer == signer)
        {
            return;
        }
        self.asked.push(SignatureCheck {
            signed: signed.cert_hash,
            signer,
            algorithm: signed.signature_algorithm_der().to_vec(),
            signer_spki: signer_spki.to_vec(),
            message: signed.tbs_der().to_vec(),
            signature: signed.signature().to_vec(),
        });
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
    let mut path = Path {
        checks: cache.spent_before,
        ..Path::default()
    };
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
                Check::Verified => {}
                Check::Refused => {
                    path.named_but_unsigned.push(here.cert);
                    continue;
                }
                Check::Asked => continue,
                Check::Spent => return path,
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
                Check::Verified => {}
                Check::Refused | Check::Asked => continue,
                Check::Spent => return path,
            }
            path.anchors.push(AnchorLink {
                anchor: a,
                signed: here.cert,
            });
        }
    }
    path
}

/// What became of one (certificate, signer) pair in a search.
enum Check {
    Verified,
    Refused,
    /// An asking cache did not know it: it links nothing and proves no forgery until answered.
    Asked,
    /// The search's budget is spent (the limit is then set).
    Spent,
}

/// Whether `signer` verifies `signed`, from the cache or by one check (verified here, or asked
/// of the caller).
fn verify(
    signed: &Cert,
    signer: &Pin,
    signer_spki: &[u8],
    cache: &mut SignatureCache,
    path: &mut Path,
) -> Check {
    match cache.get(signed, signer) {
        Some(true) => return Check::Verified,
        Some(false) => return Check::Refused,
        None => {}
    }
    if path.checks >= MAX_SIGNATURE_CHECKS {
        path.limit = Some(PathLimit::TooManyChecks);
        return Check::Spent;
    }
    path.checks += 1;
    match cache.verified(signed, *signer, signer_spki) {
        Some(true) => Check::Verified,
        Some(false) => Check::Refused,
        None => Check::Asked,
    }
}
