//! Chromium's debugger tier reads a chain per origin (`Network.getCertificate({origin})`), not
//! per connection: a genuine connection to the same origin can answer for an intercepted one.
//! Where the browser also hands over the response's own leaf (the leaf tier, beside it), the two
//! are compared, and the worse stands: a chain whose leaf is not this response's is another
//! connection's, so the response is judged by its own leaf, as a server's chain is (a path left
//! open stops an enforced host), with the origin's certificates only as candidates that verified
//! signatures may link (docs/chromium.md#tier-2-full-chains-through-the-debugger-opt-in).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// What stands for a response the debugger tier described.
pub(super) enum Connection {
    /// The chain is this response's own (its leaf is the one the response came with), or there
    /// is no own leaf to compare with: judged as the browser built it.
    Same(Vec<Vec<u8>>),
    /// Another connection's chain: the response's own leaf, and the other certificates.
    Other { leaf: Vec<u8>, others: Vec<Vec<u8>> },
}

/// `chain` from the debugger tier, `own_leaf` the base64 DER of the response's own leaf.
pub(super) fn own_connection(chain: Vec<Vec<u8>>, own_leaf: Option<&str>) -> Connection {
    let leaf = own_leaf
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|b| !b.is_empty());
    match leaf {
        Some(leaf) if chain.first() != Some(&leaf) => Connection::Other {
            leaf,
            others: chain,
        },
        _ => Connection::Same(chain),
    }
}
