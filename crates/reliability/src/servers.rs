//! Raw TCP servers on 127.0.0.1 for the faults an HTTP mock cannot express.
//!
//! Every server is bounded: it accepts at most [`MAX_CONNECTIONS`] connections, each
//! connection lives at most [`MAX_CONNECTION_LIFE`], and dropping the [`RawServer`]
//! aborts its accept loop and every connection task.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};

/// Most connections one server accepts.
pub const MAX_CONNECTIONS: usize = 64;
/// Longest time one connection is served or held open.
pub const MAX_CONNECTION_LIFE: Duration = Duration::from_secs(20);
/// Largest request head read.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// What a raw server does with each connection, after reading the request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Never answers; holds the connection open.
    Silent,
    /// Sends `200` with a `Content-Length` of `declared` bytes, then the first
    /// bytes of `body` (fewer than declared), then closes the connection.
    ResetMidBody {
        /// The Content-Length announced.
        declared: usize,
        /// What is actually sent before closing.
        body: Vec<u8>,
    },
    /// Sends `200` with a `Content-Length`, then `body` one byte per `interval`.
    Trickle {
        /// The whole body.
        body: Vec<u8>,
        /// The pause before each byte.
        interval: Duration,
    },
    /// Sends `200` with chunked encoding (no `Content-Length`): `chunks` chunks of
    /// `chunk_size` bytes.
    Chunked {
        /// Bytes per chunk.
        chunk_size: usize,
        /// Number of chunks.
        chunks: usize,
    },
}

/// A raw server bound to `127.0.0.1:<random port>`.
#[derive(Debug)]
pub struct RawServer {
    port: u16,
    accepted: Arc<AtomicUsize>,
    task: AbortHandle,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        // The accept task owns the JoinSet of connections: aborting it drops the set,
        // which aborts them all.
        self.task.abort();
    }
}

impl RawServer {
    /// Starts a server that treats every connection with `behaviour`.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start(behaviour: Behaviour) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while counter.load(Ordering::SeqCst) < MAX_CONNECTIONS {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let behaviour = behaviour.clone();
                connections.spawn(async move {
                    let _ =
                        tokio::time::timeout(MAX_CONNECTION_LIFE, serve(stream, behaviour)).await;
                });
                // Reap finished connections so that the set stays small.
                while connections.try_join_next().is_some() {}
            }
            // Keep the last connections alive until they end or the server is dropped.
            while connections.join_next().await.is_some() {}
        })
        .abort_handle();
        Ok(Self {
            port,
            accepted,
            task,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// A loopback URL nothing listens on: the port was bound and released, so a
/// connection is refused.
///
/// # Errors
///
/// When no loopback port can be bound.
pub async fn refused_url() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    drop(listener);
    Ok(format!("http://127.0.0.1:{port}"))
}

async fn serve(mut stream: TcpStream, behaviour: Behaviour) {
    if read_request(&mut stream).await.is_err() {
        return;
    }
    let result = match behaviour {
        Behaviour::Silent => {
            // Hold the connection open without a byte of answer.
            tokio::time::sleep(MAX_CONNECTION_LIFE).await;
            Ok(())
        }
        Behaviour::ResetMidBody { declared, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n"
            );
            async {
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.flush().await?;
                // Then the connection is dropped: the body ends short of its length.
                Ok::<(), std::io::Error>(())
            }
            .await
        }
        Behaviour::Trickle { body, interval } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            async {
                stream.write_all(head.as_bytes()).await?;
                stream.flush().await?;
                for byte in body {
                    tokio::time::sleep(interval).await;
                    stream.write_all(&[byte]).await?;
                    stream.flush().await?;
                }
                Ok(())
            }
            .await
        }
        Behaviour::Chunked { chunk_size, chunks } => {
            async {
                stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
                    )
                    .await?;
                let chunk = vec![b' '; chunk_size];
                for _ in 0..chunks {
                    stream
                        .write_all(format!("{chunk_size:x}\r\n").as_bytes())
                        .await?;
                    stream.write_all(&chunk).await?;
                    stream.write_all(b"\r\n").await?;
                }
                stream.write_all(b"0\r\n\r\n").await?;
                stream.flush().await
            }
            .await
        }
    };
    // The client hanging up early is the point of several faults: not an error here.
    let _ = result;
}

/// Reads one request head and its `Content-Length` body.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_REQUEST_BYTES {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST_BYTES);
    while buf.len() < head_end + length {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}
