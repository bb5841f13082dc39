//! Redis commands, each bounded by the configured timeout, on a lazily made
//! connection.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script, Value};

use crate::error::RedisCacheError;

/// Deletes `KEYS[1]` only if it still holds `ARGV[1]`: releases a lock only if we
/// still own it, drops a token only if it is still the rejected one. A key of another
/// type (planted by someone else) is left alone rather than failing the script.
const COMPARE_AND_DELETE: &str = r"
local current = redis.pcall('GET', KEYS[1])
if type(current) == 'string' and current == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
";

/// What a Redis key holds, as read by [`RedisStore::get_capped`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Nothing (or an empty string).
    Absent,
    /// A value of at most the cap.
    Value(Vec<u8>),
    /// A value longer than the cap: not read past it.
    TooLarge,
    /// Not a string (a list, a hash...): someone else's doing.
    WrongType,
}

/// The Redis names used for one cache key.
#[derive(Debug, Clone)]
pub(crate) struct RedisKeys {
    /// SHA-256 of the cache key, hex: names the key in logs and invalidation messages.
    pub(crate) hash: String,
    /// Where the token is stored.
    pub(crate) value: String,
    /// The fetch lock.
    pub(crate) lock: String,
}

impl RedisKeys {
    pub(crate) fn new(prefix: &str, hash: String) -> Self {
        Self {
            value: format!("{prefix}{hash}"),
            lock: format!("{prefix}{hash}:lock"),
            hash,
        }
    }
}

pub(crate) struct RedisStore {
    client: redis::Client,
    config: ConnectionManagerConfig,
    /// Made on first use: making it needs a runtime, and connecting must not be
    /// needed to build the cache.
    connection: Mutex<Option<ConnectionManager>>,
    timeout: Duration,
    compare_and_delete: Script,
}

impl RedisStore {
    pub(crate) fn new(client: redis::Client, timeout: Duration) -> Self {
        // No retries inside the manager: a failed command falls back at once, and the
        // manager reconnects on the next command.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(0);
        Self {
            client,
            config,
            connection: Mutex::new(None),
            timeout,
            compare_and_delete: Script::new(COMPARE_AND_DELETE),
        }
    }

    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    fn connection(&self) -> Result<ConnectionManager, RedisCacheError> {
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(conn) = slot.as_ref() {
            return Ok(conn.clone());
        }
        let conn =
            ConnectionManager::new_lazy_with_config(self.client.clone(), self.config.clone())
                .map_err(|e| RedisCacheError::from_redis(&e))?;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Runs one command with the timeout (which also bounds connecting).
    async fn run<T, F>(
        &self,
        command: impl FnOnce(ConnectionManager) -> F,
    ) -> Result<T, RedisCacheError>
    where
        F: Future<Output = RedisResult<T>>,
    {
        let conn = self.connection()?;
        match tokio::time::timeout(self.timeout, command(conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(RedisCacheError::from_redis(&err)),
            Err(_) => Err(RedisCacheError::Timeout(self.timeout)),
        }
    }

    pub(crate) async fn ping(&self) -> Result<(), RedisCacheError> {
        self.run(|mut c| async move { redis::cmd("PING").query_async::<Value>(&mut c).await })
            .await
            .map(drop)
    }

    /// The value at `key` if it is a string of at most `cap` bytes: `GETRANGE key 0
    /// cap` reads one byte more than the cap, so a larger value is known to be too
    /// large without being transferred.
    pub(crate) async fn get_capped(
        &self,
        key: &str,
        cap: usize,
    ) -> Result<Stored, RedisCacheError> {
        let reply = self
            .run(|mut c| async move {
                let reply = redis::cmd("GETRANGE")
                    .arg(key)
                    .arg(0)
                    .arg(cap)
                    .query_async::<Vec<u8>>(&mut c)
                    .await;
                match reply {
                    Ok(bytes) => Ok(Some(bytes)),
                    // The server answered: the key is not a string.
                    Err(err) if err.code() == Some("WRONGTYPE") => Ok(None),
                    Err(err) => Err(err),
                }
            })
            .await?;
        Ok(match reply {
            None => Stored::WrongType,
            Some(bytes) if bytes.is_empty() => Stored::Absent,
            Some(bytes) if bytes.len() > cap => Stored::TooLarge,
            Some(bytes) => Stored::Value(bytes),
        })
    }

    /// `SET key value PX ttl`.
    pub(crate) async fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), RedisCacheError> {
        let ms = millis(ttl);
        self.run(|mut c| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .query_async::<Value>(&mut c)
                .await
        })
        .await
        .map(drop)
    }

    /// `SET key value NX PX ttl`: whether the key was set (the lock taken).
    pub(crate) async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, RedisCacheError> {
        let ms = millis(ttl);
        let reply = self
            .run(|mut c| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(ms)
                    .query_async::<Value>(&mut c)
                    .await
            })
            .await?;
        Ok(!matches!(reply, Value::Nil))
    }

    /// Deletes `key` if it holds `expected`; whether it did.
    pub(crate) async fn compare_and_delete(
        &self,
        key: &str,
        expected: &str,
    ) -> Result<bool, RedisCacheError> {
        let script = &self.compare_and_delete;
        let deleted: i64 = self
            .run(|mut c| async move { script.key(key).arg(expected).invoke_async(&mut c).await })
            .await?;
        Ok(deleted > 0)
    }

    pub(crate) async fn publish(
        &self,
        channel: &str,
        message: &str,
    ) -> Result<(), RedisCacheError> {
        self.run(|mut c| async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(message)
                .query_async::<Value>(&mut c)
                .await
        })
        .await
        .map(drop)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
