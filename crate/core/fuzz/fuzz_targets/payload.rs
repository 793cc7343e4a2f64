//! Pin list payload bytes: the JSON guard, serde and compilation (`PinList::from_json`).
//! Nothing may panic; a list that compiles must find each of its own entries, and an engine
//! built from it must answer a check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwatch_core::SourceKind;
use pinwatch_core::{normalize_host, Engine, PinList, Settings, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(list) = PinList::from_json(data) else {
        return;
    };
    for entry in &list.entries {
        let host = normalize_host(&entry.host).expect("a compiled entry's host normalises again");
        assert_eq!(
            host.as_str(),
            entry.host,
            "host normalisation is not idempotent"
        );
        assert!(
            list.lookup(&host).is_some(),
            "entry {} does not find itself",
            entry.host
        );
    }
    let first = list.entries.first().map(|e| e.host.clone());
    let (engine, _) = Engine::new(
        vec![Source {
            origin: "fuzz".into(),
            kind: SourceKind::Bundled,
            list,
            scope: None,
        }],
        &Settings::default(),
    );
    let probe = first.unwrap_or_else(|| "example.com".into());
    assert!(engine.is_pinned(&probe) || probe == "example.com");
    let _ = engine.check(&probe, &[&b"\x30\x03\x02\x01\x00"[..]], 0);
    let _ = engine.pinned_hosts();
});
