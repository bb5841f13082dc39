//! Reading response bodies with a size cap.

use bytes::{Bytes, BytesMut};

use crate::error::{TransportError, TransportErrorKind};

/// Reads the whole body of `response`, refusing more than `cap` bytes.
///
/// The declared `Content-Length` is checked first, so an oversized answer is refused
/// before it is read; a body without one is read chunk by chunk and refused as soon
/// as it passes the cap.
pub async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Bytes, TransportError> {
    if let Some(len) = response.content_length() {
        if len > cap as u64 {
            return Err(too_large(cap));
        }
    }
    // A body that arrives in one chunk (most JSON answers) is returned as is, without
    // a copy; only a body in several chunks is gathered into one buffer.
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let held = first.as_ref().map_or(buf.len(), Bytes::len);
                if held + chunk.len() > cap {
                    return Err(too_large(cap));
                }
                match first.take() {
                    None if buf.is_empty() => first = Some(chunk),
                    None => buf.extend_from_slice(&chunk),
                    Some(head) => {
                        buf.reserve(head.len() + chunk.len());
                        buf.extend_from_slice(&head);
                        buf.extend_from_slice(&chunk);
                    }
                }
            }
            Ok(None) => return Ok(first.unwrap_or_else(|| buf.freeze())),
            Err(err) => return Err(TransportError::from_reqwest(&err)),
        }
    }
}

fn too_large(cap: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::TooLarge,
        format!("the response body is larger than the limit of {cap} bytes"),
    )
}
