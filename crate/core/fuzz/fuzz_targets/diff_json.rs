//! The lists' own JSON reader (`list::json_read`) against serde_json with the types' derives,
//! on the same text: whatever ours accepts, serde_json accepts with the same values; whatever
//! serde_json accepts, ours accepts in the object form serde_json writes it back in. Ours is
//! stricter only in refusing the array form of structs and the map form of unit variants,
//! which serde's derives also take and no list writer produces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwatch_core::list::json::parse as serde_parse;
use pinwatch_core::list::json_read;
use pinwatch_core::list::{ExtraEntry, Payload};

fuzz_target!(|data: &[u8]| {
    let ours = json_read::payload(data);
    let reference = serde_parse::<Payload>(data);
    if let Ok(p) = &ours {
        assert_eq!(reference.as_ref().ok(), Some(p), "serde_json reads another payload");
    }
    if let Ok(q) = &reference {
        let written = serde_json::to_string(q).expect("a payload serialises");
        assert_eq!(json_read::payload(written.as_bytes()).as_ref().ok(), Some(q));
    }
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let ours = json_read::extra_entry(text);
    let reference = serde_parse::<ExtraEntry>(data);
    if let Ok(e) = &ours {
        assert_eq!(reference.as_ref().ok(), Some(e), "serde_json reads another entry");
    }
    if let Ok(q) = &reference {
        let written = serde_json::to_string(q).expect("an entry serialises");
        assert_eq!(json_read::extra_entry(&written).as_ref().ok(), Some(q));
    }
});
