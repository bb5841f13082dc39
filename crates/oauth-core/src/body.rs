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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// How a raw HTTP/1.1 server on 127.0.0.1 answers its one request.
    enum Answer {
        /// Chunked transfer encoding, each chunk written and flushed on its own.
        Chunks(Vec<Vec<u8>>),
        /// A `Content-Length` header, then nothing: the connection stays open.
        DeclaredOnly(usize),
        /// A `Content-Length` body.
        Whole(Vec<u8>),
        /// A `Content-Length` of 100, ten bytes, and the connection closed.
        Truncated,
    }

    async fn fetch(answer: Answer, cap: usize) -> Result<Bytes, TransportError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the request ended early");
                request.extend_from_slice(&buf[..n]);
            }
            match answer {
                Answer::Chunks(chunks) => {
                    socket
                        .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                        .await
                        .unwrap();
                    for chunk in chunks {
                        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                        framed.extend_from_slice(&chunk);
                        framed.extend_from_slice(b"\r\n");
                        socket.write_all(&framed).await.unwrap();
                        socket.flush().await.unwrap();
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    socket.write_all(b"0\r\n\r\n").await.unwrap();
                }
                Answer::DeclaredOnly(len) => {
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\n\r\n");
                    socket.write_all(head.as_bytes()).await.unwrap();
                    socket.flush().await.unwrap();
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                Answer::Truncated => {
                    socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789")
                        .await
                        .unwrap();
                    socket.flush().await.unwrap();
                    return;
                }
                Answer::Whole(body) => {
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
                    socket.write_all(head.as_bytes()).await.unwrap();
                    socket.write_all(&body).await.unwrap();
                }
            }
            socket.flush().await.unwrap();
            // Keep the socket until the client is done with it.
            let _ = socket.read(&mut buf).await;
        });
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let response = client.get(url).send().await.unwrap();
        let result = tokio::time::timeout(Duration::from_secs(10), read_capped(response, cap))
            .await
            .expect("read_capped answered within 10 s");
        server.abort();
        result
    }

    fn is_too_large(result: &Result<Bytes, TransportError>) -> bool {
        matches!(result, Err(e) if e.kind() == TransportErrorKind::TooLarge)
    }

    #[tokio::test]
    async fn a_body_in_several_chunks_arrives_whole_and_in_order() {
        let chunks = vec![
            b"ab".to_vec(),
            b"cdefgh".to_vec(),
            b"i".to_vec(),
            b"jk".to_vec(),
        ];
        let body = fetch(Answer::Chunks(chunks), 1024).await.unwrap();
        assert_eq!(&body[..], b"abcdefghijk");
    }

    #[tokio::test]
    async fn chunks_adding_up_to_the_cap_are_accepted_and_one_byte_more_is_refused() {
        let fits = vec![b"1234".to_vec(), b"5678".to_vec(), b"90".to_vec()];
        let body = fetch(Answer::Chunks(fits), 10).await.unwrap();
        assert_eq!(&body[..], b"1234567890");

        let over = vec![b"1234".to_vec(), b"5678".to_vec(), b"901".to_vec()];
        assert!(is_too_large(&fetch(Answer::Chunks(over), 10).await));
        // Past the cap in one step from below it, not only at it.
        let past = vec![b"12".to_vec(), b"3456789012345".to_vec()];
        assert!(is_too_large(&fetch(Answer::Chunks(past), 10).await));
    }

    #[tokio::test]
    async fn a_declared_length_at_the_cap_is_read_and_one_over_it_refused_unread() {
        let body = fetch(Answer::Whole(b"0123456789".to_vec()), 10)
            .await
            .unwrap();
        assert_eq!(&body[..], b"0123456789");
        // The body never comes: only the declared length can refuse it, at once.
        let result = fetch(Answer::DeclaredOnly(11), 10).await;
        assert!(is_too_large(&result), "{result:?}");
        let err = result.unwrap_err();
        assert!(err.to_string().contains("limit of 10 bytes"), "{err}");
    }

    #[tokio::test]
    async fn a_body_cut_short_is_a_body_failure() {
        let err = fetch(Answer::Truncated, 1024).await.unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::Body, "{err}");
    }
}
