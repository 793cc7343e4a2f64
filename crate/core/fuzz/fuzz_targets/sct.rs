//! Embedded SCT lists (`sct.rs`): the bytes as a certificate's extension value and as the bare
//! TLS list. Nothing may panic, a list read stays within its bounds, and the facts agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwatch_core::x509::sct::{read_extension, read_list, SctFacts, MAX_SCTS, MAX_SCTS_LISTED};

fuzz_target!(|data: &[u8]| {
    let facts = SctFacts::of_extension(data);
    match read_extension(data) {
        Ok(list) => assert_eq!(
            (facts.count, facts.logs.len()),
            (list.count, list.scts.len())
        ),
        Err(e) => assert_eq!(facts.error, Some(e.to_string())),
    }
    if let Ok(list) = read_list(data) {
        assert!(list.count <= MAX_SCTS && list.unknown_versions <= list.count);
        assert!(list.scts.len() <= MAX_SCTS_LISTED.min(list.count - list.unknown_versions));
    }
});
