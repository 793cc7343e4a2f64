//! `--channel`: the channel a list is signed for (`sign`) or checked against (`verify`). The
//! name is inside the signed payload, so the same signers' list for another channel is refused
//! there (docs/pinlist-format.md "Channel binding").

use crate::command::Failure;
use pinwatch_core::list::accept::ChannelBinding;
use pinwatch_core::list::json_read;
use pinwatch_core::list::{channel_name_ok, Payload};
use std::path::Path;

fn checked(name: &str) -> Result<&str, Failure> {
    if channel_name_ok(name) {
        Ok(name)
    } else {
        Err(Failure::Usage(
            "--channel: give the channel's URL (or the name its configuration binds to): not empty, at most 2048 bytes, no control characters".into(),
        ))
    }
}

/// The payload to sign for `channel`: unchanged when it already names it; with `channel` added
/// when it names none (and `in_envelope` is false: signed bytes cannot change); refused when it
/// names another.
pub fn bind(
    path: &Path,
    payload: Vec<u8>,
    in_envelope: bool,
    channel: &str,
) -> Result<Vec<u8>, Failure> {
    let channel = checked(channel)?;
    let mut parsed: Payload = json_read::payload(&payload)
        .map_err(|e| Failure::invalid(path, format!("not a valid pin list: {e}")))?;
    match parsed.channel.as_deref() {
        Some(named) if named == channel => Ok(payload),
        Some(named) => Err(Failure::invalid(
            path,
            format!("the payload names the channel {named:?}, not {channel:?}: a list is signed for one channel"),
        )),
        None if in_envelope => Err(Failure::invalid(
            path,
            format!("the signed payload names no channel, and signed bytes cannot change: sign the payload again with --channel {channel}"),
        )),
        None => {
            parsed.channel = Some(channel.to_string());
            let text = serde_json::to_string_pretty(&parsed)
                .map_err(|e| Failure::invalid(path, e))?;
            Ok((text + "\n").into_bytes())
        }
    }
}

/// The binding `verify --channel` checks: a list naming another channel, or none, is refused.
pub fn binding(channel: Option<&str>) -> Result<Option<ChannelBinding>, Failure> {
    channel
        .map(|c| {
            checked(c).map(|name| ChannelBinding {
                name: name.to_string(),
                allow_unbound: false,
            })
        })
        .transpose()
}
