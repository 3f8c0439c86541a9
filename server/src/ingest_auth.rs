//! Development authorizer: accepts the keys listed in `ingest.stream_keys`.

use futures_util::future::BoxFuture;
use pipelines::{Authorizer, HlsSettings, Ladder, PublishGrant, Refusal, StreamId, StreamKey};

/// Accepts a fixed list of keys; each publish gets a fresh public stream id and the default ladder.
pub struct StaticKeys {
    keys: Vec<String>,
    hls: HlsSettings,
}

impl StaticKeys {
    /// An authorizer for `keys`.
    pub fn new(keys: Vec<String>, hls: HlsSettings) -> Self {
        Self { keys, hls }
    }
}

/// Compares without an early exit, so response timing says nothing about how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Authorizer for StaticKeys {
    fn authorize<'a>(&'a self, key: &'a StreamKey) -> BoxFuture<'a, Result<PublishGrant, Refusal>> {
        Box::pin(async move {
            let known = self.keys.iter().fold(false, |found, k| {
                found | constant_time_eq(k.as_bytes(), key.expose().as_bytes())
            });
            if !known {
                return Err(Refusal::UnknownKey);
            }
            Ok(PublishGrant {
                stream_id: StreamId::random(),
                ladder: Ladder::default(),
                hls: self.hls.clone(),
            })
        })
    }
}
