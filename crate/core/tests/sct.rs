//! Embedded SCT lists: leaves minted now with 0, 1 and 3 SCTs, a real public leaf (checked
//! against openssl natively), and hostile lists, each refused with its typed error and never a
//! panic. Runs natively and as WASM.

mod mint;

use mint::{cert, der, name, root, Ca, Shape};
use pinwatch_core::x509::pin::Pin;
use pinwatch_core::x509::sct::{
    read_extension, read_list, timestamp_text, Sct, SctError, SctFacts, MAX_SCTS, MAX_SCTS_LISTED,
};
use pinwatch_core::Cert;
use wasm_bindgen_test::wasm_bindgen_test;

const SCT_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];
const REAL_LEAF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sct/real-leaf-three-scts.der"
));

/// One v1 SCT's bytes: log id all `log`, ECDSA over SHA-256, `ext` bytes of extensions.
fn sct(log: u8, timestamp_ms: u64, ext: usize) -> Vec<u8> {
    let mut out = vec![0];
    out.extend([log; 32]);
    out.extend(timestamp_ms.to_be_bytes());
    out.extend((ext as u16).to_be_bytes());
    out.extend(vec![0xee; ext]);
    out.extend([4, 3]);
    let signature = [0x5a; 71];
    out.extend((signature.len() as u16).to_be_bytes());
    out.extend(signature);
    out
}

/// The TLS `SignedCertificateTimestampList` of `scts`.
fn list(scts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for s in scts {
        body.extend((s.len() as u16).to_be_bytes());
        body.extend(s);
    }
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend(body);
    out
}

/// The extension value as a certificate's `extnValue` holds it: an OCTET STRING around the list.
fn wrap(tls: &[u8]) -> Vec<u8> {
    der(0x04, tls)
}

fn three() -> Vec<Vec<u8>> {
    vec![
        sct(0x11, 1_700_000_000_123, 0),
        sct(0x22, 1_700_000_001_000, 5),
        sct(0x33, 1_700_000_002_999, 0),
    ]
}

/// A leaf minted with `extn_value` as its SCT extension, when given.
fn leaf_with(extn_value: Option<Vec<u8>>) -> Cert {
    let ca = Ca::new(7, "SCT Test CA");
    let extra: Vec<(&[u8], Vec<u8>)> = extn_value.into_iter().map(|v| (SCT_OID, v)).collect();
    let der = cert(
        &name("sct.example.test"),
        &ca.key,
        &ca,
        Shape {
            extra: &extra,
            ..Shape::default()
        },
    );
    let cert = Cert::from_der(&der).expect("a minted leaf parses");
    // Whatever the SCT list says, the pin is of the exact SPKI and nothing else is unread.
    assert_eq!(cert.spki_pin, Pin::of_spki(cert.spki_der()));
    assert_eq!(cert.facts.parse_note, None);
    cert
}

#[wasm_bindgen_test(unsupported = test)]
fn a_certificate_without_the_extension_has_no_sct_facts() {
    assert_eq!(leaf_with(None).facts.sct, None);
    let root = Cert::from_der(&root(&Ca::new(1, "Root"))).unwrap();
    assert_eq!(root.facts.sct, None);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_leaf_with_zero_scts_says_the_list_is_empty() {
    let facts = leaf_with(Some(wrap(&list(&[])))).facts.sct.unwrap();
    assert_eq!(facts.count, 0);
    assert!(facts.logs.is_empty());
    assert_eq!(facts.error.as_deref(), Some("SCT list is empty"));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_leaf_with_one_sct() {
    let facts = leaf_with(Some(wrap(&list(&[sct(0xab, 1_700_000_000_123, 0)]))))
        .facts
        .sct
        .unwrap();
    assert_eq!(facts.count, 1);
    assert_eq!(facts.error, None);
    let log = &facts.logs[0];
    assert_eq!(log.log_id, "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=");
    assert_eq!(log.timestamp_ms, 1_700_000_000_123);
    assert_eq!(log.timestamp, "2023-11-14T22:13:20.123Z");
    assert_eq!(
        (log.version, log.hash_algorithm, log.signature_algorithm),
        (0, 4, 3)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_leaf_with_three_scts_lists_them_in_order() {
    let facts = leaf_with(Some(wrap(&list(&three())))).facts.sct.unwrap();
    assert_eq!(facts.count, 3);
    assert_eq!(facts.unknown_versions, 0);
    let ids: Vec<_> = facts.logs.iter().map(|l| l.log_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ERERERERERERERERERERERERERERERERERERERERERE=",
            "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=",
            "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=",
        ]
    );
    let times: Vec<_> = facts.logs.iter().map(|l| l.timestamp.as_str()).collect();
    assert_eq!(
        times,
        [
            "2023-11-14T22:13:20.123Z",
            "2023-11-14T22:13:21.000Z",
            "2023-11-14T22:13:22.999Z"
        ]
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn sct_facts_serialise_in_camel_case() {
    let facts = leaf_with(Some(wrap(&list(&three())))).facts;
    let json = serde_json::to_value(&facts).unwrap();
    let sct = &json["sct"];
    assert_eq!(sct["count"], 3);
    assert_eq!(sct["unknownVersions"], 0);
    assert!(sct["error"].is_null());
    let log = &sct["logs"][0];
    assert_eq!(log["timestampMs"], 1_700_000_000_123u64);
    assert_eq!(log["timestamp"], "2023-11-14T22:13:20.123Z");
    assert_eq!(log["logId"], "ERERERERERERERERERERERERERERERERERERERERERE=");
    assert_eq!(
        (
            &log["version"],
            &log["hashAlgorithm"],
            &log["signatureAlgorithm"]
        ),
        (&0.into(), &4.into(), &3.into())
    );
    // Absent extension: the field is there, and null, as every other absent fact.
    let none = serde_json::to_value(leaf_with(None).facts).unwrap();
    assert!(none.get("sct").is_some_and(|v| v.is_null()));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_malformed_list_is_a_fact_with_an_error_and_the_certificate_still_reads() {
    let mut tls = list(&three());
    tls.push(0);
    let facts = leaf_with(Some(wrap(&tls))).facts.sct.unwrap();
    assert_eq!(facts.count, 0);
    assert!(facts.logs.is_empty());
    assert_eq!(
        facts.error.as_deref(),
        Some("SCT list has 1 bytes of trailing data")
    );
    let garbage = leaf_with(Some(vec![0xff; 40])).facts.sct.unwrap();
    assert!(garbage.error.is_some());
}

const REAL_LOGS: [(&str, u64, &str); 3] = [
    (
        "KXm+8J45OSHwVnOfY6V35b5XfZxgCvj5TV0mXCVdx4Q=",
        1_633_489_148_091,
        "2021-10-06T02:59:08.091Z",
    ),
    (
        "UaOw9f0BeZxWbbg3eI8MpHrMGyfL956IQpoN/tSLBeU=",
        1_633_489_148_132,
        "2021-10-06T02:59:08.132Z",
    ),
    (
        "QcjKsd8iRkoQxqE6CUKHXk4xixsD6+tLx2jwkGKWBvY=",
        1_633_489_148_063,
        "2021-10-06T02:59:08.063Z",
    ),
];

/// The values are openssl's (fixtures/sct/README.md); the native test below asks it again.
#[wasm_bindgen_test(unsupported = test)]
fn a_real_leaf_gives_the_scts_openssl_prints() {
    let cert = Cert::from_der(REAL_LEAF).unwrap();
    assert_eq!(cert.facts.parse_note, None);
    let facts = cert.facts.sct.unwrap();
    assert_eq!((facts.count, facts.unknown_versions), (3, 0));
    assert_eq!(facts.error, None);
    let got: Vec<_> = facts
        .logs
        .iter()
        .map(|l| (l.log_id.as_str(), l.timestamp_ms, l.timestamp.as_str()))
        .collect();
    assert_eq!(got, REAL_LOGS);
    for log in &facts.logs {
        assert_eq!(
            (log.version, log.hash_algorithm, log.signature_algorithm),
            (0, 4, 3)
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_real_leaf_agrees_with_openssl_now() {
    use base64::Engine as _;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sct/real-leaf-three-scts.der"
    );
    let out = std::process::Command::new("openssl")
        .args(["x509", "-inform", "der", "-noout", "-text", "-in", path])
        .output()
        .expect("openssl");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // "Log ID    : 29:79:…" continues on the next line; "Timestamp : Oct  6 02:59:08.091 2021 GMT".
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut expected = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(hex) = line.strip_prefix("Log ID    : ") {
            let hex: String = [hex, lines[i + 1]].concat().replace(':', "");
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|j| u8::from_str_radix(&hex[j..j + 2], 16).unwrap())
                .collect();
            expected.push((
                base64::engine::general_purpose::STANDARD.encode(bytes),
                0u64,
            ));
        }
        if let Some(when) = line.strip_prefix("Timestamp : ") {
            expected.last_mut().unwrap().1 = openssl_time_ms(when);
        }
    }
    let facts = Cert::from_der(REAL_LEAF).unwrap().facts.sct.unwrap();
    let got: Vec<_> = facts
        .logs
        .iter()
        .map(|l| (l.log_id.clone(), l.timestamp_ms))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(facts.count, expected.len());
}

/// "Oct  6 02:59:08.091 2021 GMT" as milliseconds since the epoch.
#[cfg(not(target_arch = "wasm32"))]
fn openssl_time_ms(text: &str) -> u64 {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [month, day, clock, year, "GMT"] = parts[..] else {
        panic!("openssl timestamp {text:?}");
    };
    let month = 1 + "JanFebMarAprMayJunJulAugSepOctNovDec".find(month).unwrap() as u32 / 3;
    let (hms, ms) = clock.split_once('.').unwrap_or((clock, "0"));
    let hms: Vec<u32> = hms.split(':').map(|n| n.parse().unwrap()).collect();
    let seconds = pinwatch_core::time::unix_from_parts(
        year.parse().unwrap(),
        month,
        day.parse().unwrap(),
        hms[0],
        hms[1],
        hms[2],
    );
    seconds as u64 * 1000 + ms.parse::<u64>().unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_list_cut_at_every_byte_is_refused() {
    let tls = list(&three());
    for cut in 0..tls.len() {
        let expected = if cut < 2 {
            SctError::Truncated
        } else {
            SctError::LengthMismatch("list")
        };
        assert_eq!(
            read_extension(&wrap(&tls[..cut])),
            Err(expected),
            "cut {cut}"
        );
    }
    // The extension value itself cut: the OCTET STRING around the list ends early.
    let whole = wrap(&tls);
    for cut in 0..whole.len() {
        assert_eq!(
            read_extension(&whole[..cut]),
            Err(SctError::Truncated),
            "cut {cut}"
        );
    }
    assert_eq!(read_extension(&whole).unwrap().count, 3);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_wrong_list_length_is_refused() {
    let tls = list(&three());
    let len = u16::from_be_bytes([tls[0], tls[1]]);
    let with_len = |n: u16| {
        let mut t = tls.clone();
        t[..2].copy_from_slice(&n.to_be_bytes());
        read_list(&t)
    };
    assert_eq!(with_len(len + 1), Err(SctError::LengthMismatch("list")));
    assert_eq!(with_len(u16::MAX), Err(SctError::LengthMismatch("list")));
    assert_eq!(with_len(len - 1), Err(SctError::TrailingBytes(1)));
    assert_eq!(with_len(0), Err(SctError::TrailingBytes(usize::from(len))));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_wrong_sct_length_is_refused() {
    let scts = three();
    let tls = list(&scts);
    // The last SCT's length prefix, one more than its bytes: it runs past the list.
    let last = tls.len() - scts[2].len() - 2;
    let mut longer = tls.clone();
    longer[last + 1] += 1;
    assert_eq!(read_list(&longer), Err(SctError::LengthMismatch("SCT")));
    // The first SCT's prefix one short: its signature runs past the SCT.
    let mut shorter = tls.clone();
    shorter[3] -= 1;
    assert_eq!(
        read_list(&shorter),
        Err(SctError::LengthMismatch("SCT signature"))
    );
    // The prefix covers a byte after the signature.
    let mut padded = sct(1, 2, 0);
    padded.push(0);
    assert_eq!(read_list(&list(&[padded])), Err(SctError::TrailingBytes(1)));
    // Extensions claiming more than the SCT holds.
    let mut ext = sct(1, 2, 0);
    ext[41..43].copy_from_slice(&500u16.to_be_bytes());
    assert_eq!(
        read_list(&list(&[ext])),
        Err(SctError::LengthMismatch("SCT extensions"))
    );
    // An SCT too short for its fixed fields, and a lone byte where a length belongs.
    assert_eq!(read_list(&list(&[vec![0; 20]])), Err(SctError::Truncated));
    assert_eq!(read_list(&[0, 1, 0]), Err(SctError::Truncated));
    assert_eq!(read_list(&list(&[vec![]])), Err(SctError::Truncated));
}

#[wasm_bindgen_test(unsupported = test)]
fn trailing_bytes_are_refused() {
    let mut tls = list(&three());
    tls.extend([1, 2, 3]);
    assert_eq!(read_extension(&wrap(&tls)), Err(SctError::TrailingBytes(3)));
    let mut value = wrap(&list(&three()));
    value.extend([0x04, 0x00]);
    assert_eq!(read_extension(&value), Err(SctError::TrailingBytes(2)));
}

#[wasm_bindgen_test(unsupported = test)]
fn an_empty_list_is_refused() {
    assert_eq!(read_extension(&wrap(&[0, 0])), Err(SctError::Empty));
    assert_eq!(read_extension(&wrap(&[])), Err(SctError::Truncated));
    assert_eq!(read_extension(&[]), Err(SctError::Truncated));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_list_not_wrapped_in_an_octet_string_is_refused() {
    let tls = list(&three());
    // The list where the inner OCTET STRING belongs: its length's high byte is read as a tag.
    assert_eq!(read_extension(&tls), Err(SctError::NotWrapped));
    assert_eq!(read_extension(&der(0x30, &tls)), Err(SctError::NotWrapped));
    assert_eq!(read_extension(&[0x04, 0x80]), Err(SctError::NotWrapped));
    assert_eq!(
        read_extension(&[0x1f, 0x01, 0x00]),
        Err(SctError::NotWrapped)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn ten_thousand_entries_are_too_many() {
    // One-byte SCTs of an unknown version: the most entries a u16 list can carry.
    let tiny = vec![vec![1u8]; 10_000];
    assert_eq!(read_extension(&wrap(&list(&tiny))), Err(SctError::TooMany));
    // As many full v1 SCTs as fit.
    let full = vec![sct(9, 0, 0); 65_535 / 121];
    assert_eq!(read_list(&list(&full)), Err(SctError::TooMany));
    // Exactly the limit is read, and counted exactly.
    let at_limit = read_list(&list(&vec![vec![1u8]; MAX_SCTS])).unwrap();
    assert_eq!(
        (at_limit.count, at_limit.unknown_versions),
        (MAX_SCTS, MAX_SCTS)
    );
    assert!(at_limit.scts.is_empty());
    assert_eq!(
        read_list(&list(&vec![vec![1u8]; MAX_SCTS + 1])),
        Err(SctError::TooMany)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn only_the_first_scts_are_listed_but_all_are_counted() {
    let many: Vec<_> = (0..20).map(|i| sct(i, u64::from(i), 0)).collect();
    let read = read_list(&list(&many)).unwrap();
    assert_eq!(read.count, 20);
    assert_eq!(read.scts.len(), MAX_SCTS_LISTED);
    assert_eq!(read.scts[0].log_id, [0; 32]);
    let facts = SctFacts::of_extension(&wrap(&list(&many)));
    assert_eq!((facts.count, facts.logs.len()), (20, MAX_SCTS_LISTED));
}

#[wasm_bindgen_test(unsupported = test)]
fn an_sct_of_an_unknown_version_is_counted_not_read() {
    let mut v2 = sct(0x44, 5, 0);
    v2[0] = 1;
    assert_eq!(Sct::parse(&v2), Err(SctError::UnsupportedVersion(1)));
    let read = read_list(&list(&[sct(0x11, 5, 0), v2, vec![7]])).unwrap();
    assert_eq!(
        (read.count, read.unknown_versions, read.scts.len()),
        (3, 2, 1)
    );
    let facts = SctFacts::of_extension(&wrap(&list(&[vec![200]])));
    assert_eq!((facts.count, facts.unknown_versions), (1, 1));
    assert!(facts.logs.is_empty() && facts.error.is_none());
}

#[wasm_bindgen_test(unsupported = test)]
fn any_timestamp_has_a_text() {
    assert_eq!(timestamp_text(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(timestamp_text(u64::MAX), "584556019-04-03T14:25:51.615Z");
    let far = read_list(&list(&[sct(1, u64::MAX, 0)])).unwrap();
    assert_eq!(far.scts[0].timestamp_ms, u64::MAX);
}

/// Every byte of a valid extension value set to a spread of values: a typed answer each time.
#[wasm_bindgen_test(unsupported = test)]
fn single_byte_changes_never_panic() {
    let value = wrap(&list(&three()));
    for at in 0..value.len() {
        for byte in [0x00, 0x01, 0x02, 0x04, 0x7f, 0x80, 0x81, 0x82, 0xff] {
            let mut v = value.clone();
            v[at] = byte;
            if let Err(e) = read_extension(&v) {
                assert!(!e.to_string().is_empty());
            }
            let _ = SctFacts::of_extension(&v);
        }
    }
}
