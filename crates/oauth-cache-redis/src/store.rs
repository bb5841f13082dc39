//! Redis commands, each bounded by the configured timeout, on a lazily made
//! connection to one server or to a cluster.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Script, Value};

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
///
/// The hash is a Redis Cluster hash tag (`{...}`): only it decides the slot, so the
/// value, its lock and any other name of the key live in one slot (and a script may
/// touch them together). The prefix holds no braces (the builder refuses them), so
/// the tag is always the hash.
#[derive(Debug, Clone)]
pub(crate) struct RedisKeys {
    /// HMAC of the cache key, hex: names the key in logs and invalidation messages.
    pub(crate) hash: String,
    /// Where the token is stored: `<prefix>{<hash>}`.
    pub(crate) value: String,
    /// The fetch lock: `<prefix>{<hash>}:lock`.
    pub(crate) lock: String,
}

impl RedisKeys {
    pub(crate) fn new(prefix: &str, hash: String) -> Self {
        let value = format!("{prefix}{{{hash}}}");
        Self {
            lock: format!("{value}:lock"),
            value,
            hash,
        }
    }
}

/// How the cache reaches Redis.
pub(crate) enum Backend {
    /// One server (or a primary behind a proxy): a connection manager that reconnects.
    Single {
        client: redis::Client,
        config: ConnectionManagerConfig,
        /// Made on first use: making it needs a runtime, and connecting must not be
        /// needed to build the cache.
        connection: Mutex<Option<ConnectionManager>>,
    },
    /// A Redis Cluster: commands go to the node serving their key's slot.
    #[cfg(feature = "cluster")]
    Cluster(cluster::Lazy),
}

impl Backend {
    /// A single server through `client`; no retries inside the manager: a failed
    /// command falls back at once, and the manager reconnects on the next command.
    pub(crate) fn single(client: redis::Client, timeout: Duration) -> Self {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(0);
        Self::Single {
            client,
            config,
            connection: Mutex::new(None),
        }
    }
}

/// A connection of either kind, for the commands.
#[derive(Clone)]
pub(crate) enum Connection {
    Single(ConnectionManager),
    #[cfg(feature = "cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl redis::aio::ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            #[cfg(feature = "cluster")]
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            #[cfg(feature = "cluster")]
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            #[cfg(feature = "cluster")]
            Self::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(feature = "cluster")]
mod cluster {
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

    use redis::cluster::ClusterClient;
    use redis::cluster_async::ClusterConnection;
    use redis::RedisResult;
    use tokio::sync::watch;

    type Outcome = Option<RedisResult<ClusterConnection>>;

    enum State {
        Idle,
        Connecting(watch::Receiver<Outcome>),
        Ready(ClusterConnection),
    }

    /// A cluster connection made on first use, in a task of its own: connecting
    /// (to a node, `CLUSTER SLOTS`, then to every primary) may take longer than one
    /// command's timeout, and must not start over each time a command gives up.
    pub(crate) struct Lazy {
        client: ClusterClient,
        state: Arc<Mutex<State>>,
    }

    fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
        state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    impl Lazy {
        pub(crate) fn new(client: ClusterClient) -> Self {
            Self {
                client,
                state: Arc::new(Mutex::new(State::Idle)),
            }
        }

        /// The connection, once made. A failure is every waiter's, and the next call
        /// tries again; once made, the connection follows the cluster's topology and
        /// reconnects to nodes by itself.
        pub(crate) async fn get(&self) -> RedisResult<ClusterConnection> {
            let mut outcome = {
                let mut state = lock(&self.state);
                match &*state {
                    State::Ready(conn) => return Ok(conn.clone()),
                    State::Connecting(outcome) => outcome.clone(),
                    State::Idle => {
                        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                            return Err(redis::RedisError::from((
                                redis::ErrorKind::Client,
                                "the cluster connection needs a Tokio runtime",
                            )));
                        };
                        let (tx, rx) = watch::channel(None);
                        let (client, shared) = (self.client.clone(), self.state.clone());
                        runtime.spawn(async move {
                            let result = client.get_async_connection().await;
                            *lock(&shared) = match &result {
                                Ok(conn) => State::Ready(conn.clone()),
                                Err(_) => State::Idle,
                            };
                            tx.send_replace(Some(result));
                        });
                        *state = State::Connecting(rx.clone());
                        rx
                    }
                }
            };
            if let Ok(done) = outcome.wait_for(Option::is_some).await {
                if let Some(result) = done.clone() {
                    return result;
                }
            }
            // The task ended without an answer (its runtime shut down): the next
            // call starts over.
            let mut state = lock(&self.state);
            if matches!(&*state, State::Connecting(rx) if rx.same_channel(&outcome)) {
                *state = State::Idle;
            }
            Err(redis::RedisError::from((
                redis::ErrorKind::Io,
                "connecting to the cluster was interrupted",
            )))
        }
    }
}

#[cfg(feature = "cluster")]
pub(crate) use cluster::Lazy as LazyCluster;

pub(crate) struct RedisStore {
    backend: Backend,
    /// A client per node URL given (one for a single server): the invalidation
    /// subscriber connects through one of them.
    node_clients: Vec<redis::Client>,
    timeout: Duration,
    compare_and_delete: Script,
}

impl RedisStore {
    pub(crate) fn new(
        backend: Backend,
        node_clients: Vec<redis::Client>,
        timeout: Duration,
    ) -> Self {
        Self {
            backend,
            node_clients,
            timeout,
            compare_and_delete: Script::new(COMPARE_AND_DELETE),
        }
    }

    /// The clients of the nodes the subscriber may connect to (at least one).
    pub(crate) fn node_clients(&self) -> &[redis::Client] {
        &self.node_clients
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn connection(&self) -> RedisResult<Connection> {
        match &self.backend {
            Backend::Single {
                client,
                config,
                connection,
            } => {
                let mut slot = connection.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(conn) = slot.as_ref() {
                    return Ok(Connection::Single(conn.clone()));
                }
                let conn = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())?;
                *slot = Some(conn.clone());
                Ok(Connection::Single(conn))
            }
            #[cfg(feature = "cluster")]
            Backend::Cluster(lazy) => lazy.get().await.map(Connection::Cluster),
        }
    }

    /// Runs one command with the timeout (which also bounds connecting).
    async fn run<T, F>(&self, command: impl FnOnce(Connection) -> F) -> Result<T, RedisCacheError>
    where
        F: Future<Output = RedisResult<T>>,
    {
        let attempt = async {
            let conn = self.connection().await?;
            command(conn).await
        };
        match tokio::time::timeout(self.timeout, attempt).await {
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
        let sha = self.compare_and_delete.get_hash();
        let deleted: i64 = self
            .run(|mut c| async move {
                let by_hash = redis::cmd("EVALSHA")
                    .arg(sha)
                    .arg(1)
                    .arg(key)
                    .arg(expected)
                    .query_async(&mut c)
                    .await;
                match by_hash {
                    // Not in this server's script cache (a new or restarted server, a
                    // SCRIPT FLUSH, another node of a cluster): EVAL, which caches it.
                    // Not `SCRIPT LOAD`, which an ACL user limited to what the cache
                    // needs may not run.
                    Err(err) if err.code() == Some("NOSCRIPT") => {
                        redis::cmd("EVAL")
                            .arg(COMPARE_AND_DELETE)
                            .arg(1)
                            .arg(key)
                            .arg(expected)
                            .query_async(&mut c)
                            .await
                    }
                    other => other,
                }
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hash_as_their_hash_tag() {
        let keys = RedisKeys::new("svc:token:", "ab12".to_owned());
        assert_eq!(keys.value, "svc:token:{ab12}");
        assert_eq!(keys.lock, "svc:token:{ab12}:lock");
        assert_eq!(keys.hash, "ab12");
    }
}
