//! The rate limiters' shared window: one Redis sorted set of attempt times per key, expiring
//! with the window, so that a limit (logins, registrations, clips, chat) holds across nodes.

use super::Cluster;
use crate::auth::SharedWindow;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// Records an attempt unless the key already has `limit` within the window; 1 if recorded.
/// Times come from the Redis server's clock, the one clock all nodes share.
const SLIDING_WINDOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. now)
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return 1
";

impl SharedWindow for Cluster {
    fn allow<'a>(
        &'a self,
        name: &'a str,
        key: &'a str,
        window: Duration,
        limit: usize,
    ) -> BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            redis::Script::new(SLIDING_WINDOW)
                .key(self.key(&format!("limit:{name}:{key}")))
                .arg(window.as_micros() as u64)
                .arg(limit)
                .arg(&self.node_id)
                .invoke_async::<i64>(&mut self.redis())
                .await
                .map(|allowed| allowed == 1)
                .map_err(|e| e.to_string())
        })
    }
}
