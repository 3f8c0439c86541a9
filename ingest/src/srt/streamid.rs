//! The SRT stream id a caller sends in its handshake, which carries the stream key: either the
//! SRT Access Control form (`#!::r=<key>,m=publish`, keys in any order, see Haivision's
//! AccessControl.md) or the key alone.

use media::StreamKey;
use thiserror::Error;

/// libsrt's own limit on a stream id.
pub const MAX_STREAM_ID: usize = 512;

/// Why a stream id names no key we can use.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StreamIdError {
    #[error("no stream id (set it to the stream key, or #!::r=<key>,m=publish)")]
    Empty,
    #[error("the stream id is longer than {MAX_STREAM_ID} bytes")]
    TooLong,
    #[error("the access-control stream id has no r=<key>")]
    NoResource,
    #[error("only publishing is offered over SRT (the stream id asks for m={0})")]
    NotPublish(String),
    #[error("the stream id holds a control character or a space")]
    BadCharacter,
}

/// The key a publisher presents in `stream_id`.
pub fn parse(stream_id: &str) -> Result<StreamKey, StreamIdError> {
    if stream_id.len() > MAX_STREAM_ID {
        return Err(StreamIdError::TooLong);
    }
    let Some(body) = stream_id.strip_prefix("#!::") else {
        return plain(stream_id);
    };
    let mut resource = None;
    for entry in body.split(',') {
        let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
        match name {
            "r" => resource = Some(value),
            "m" if value != "publish" => return Err(StreamIdError::NotPublish(value.into())),
            _ => {}
        }
    }
    match resource {
        Some(key) => plain(key).map_err(|e| match e {
            StreamIdError::Empty => StreamIdError::NoResource,
            e => e,
        }),
        None => Err(StreamIdError::NoResource),
    }
}

fn plain(key: &str) -> Result<StreamKey, StreamIdError> {
    if key.is_empty() {
        return Err(StreamIdError::Empty);
    }
    if key.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(StreamIdError::BadCharacter);
    }
    Ok(StreamKey::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Result<String, StreamIdError> {
        parse(id).map(|k| k.expose().to_owned())
    }

    #[test]
    fn both_forms_give_the_key() {
        assert_eq!(key("sk_abc").unwrap(), "sk_abc");
        assert_eq!(key("#!::r=sk_abc,m=publish").unwrap(), "sk_abc");
        assert_eq!(key("#!::m=publish,u=alice,r=sk_abc").unwrap(), "sk_abc");
        assert_eq!(key("#!::r=sk_abc").unwrap(), "sk_abc");
    }

    #[test]
    fn what_names_no_publish_key_is_refused() {
        assert_eq!(key(""), Err(StreamIdError::Empty));
        assert_eq!(key("#!::m=publish"), Err(StreamIdError::NoResource));
        assert_eq!(key("#!::r=,m=publish"), Err(StreamIdError::NoResource));
        assert_eq!(
            key("#!::r=sk_abc,m=request"),
            Err(StreamIdError::NotPublish("request".into()))
        );
        assert_eq!(key("sk abc"), Err(StreamIdError::BadCharacter));
        assert_eq!(key("sk\u{0}abc"), Err(StreamIdError::BadCharacter));
        assert_eq!(key(&"k".repeat(513)), Err(StreamIdError::TooLong));
    }
}
