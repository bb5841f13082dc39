//! Identifier helpers: deterministic GUIDs for seed data and hex digests.

use sha2::{Digest, Sha256};

/// A version-4-shaped GUID derived from `label`, so seed data is stable across runs.
pub(crate) fn guid_from(label: &str) -> String {
    let digest = Sha256::digest(label.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format_guid(bytes)
}

/// A GUID from 16 random bytes.
pub(crate) fn guid_from_rng(rng: &mut fastrand::Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    format_guid(bytes)
}

fn format_guid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// A 32-hex-digit digest of `text` (stands in for the MD5 Kaisa publishes).
pub(crate) fn digest32(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes())[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_is_stable_and_shaped() {
        let a = guid_from("x");
        assert_eq!(a, guid_from("x"));
        assert_ne!(a, guid_from("y"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }
}
