//! Restreaming: a live stream's source pushed, as it is, to other RTMP(S) servers (YouTube,
//! Twitch, ...), each destination on its own.
//!
//! ```text
//! StreamPipeline::push_video / push_audio ─▶ Restreamer (fan-out, never waits)
//!        ├─▶ destination A: appsrc ─ queue ─┐
//!        │                  appsrc ─ queue ─┴─ flvmux ─ rtmp2sink   (its own GStreamer pipeline)
//!        └─▶ destination B: ...
//! ```
//!
//! Each destination is its own GStreamer pipeline, bus and task, so a destination that fails,
//! refuses or reads slowly affects nobody else: the fan-out offers each frame without waiting
//! (a full queue drops frames until the next keyframe), a failed connection is retried with a
//! growing pause, and the stream, its archive and the other destinations go on. The list of
//! destinations comes through a `watch` channel, so destinations can be added, changed, turned
//! off or removed while the stream is live.

mod destination;
mod relay;
mod restreamer;

use serde::Serialize;
use std::fmt;
use thiserror::Error;

pub(crate) use restreamer::Restreamer;

/// What every destination of a stream is sent: the video's caps (the source's, or for an HEVC
/// or AV1 source its largest H.264 rung's, known once that encoder has negotiated) and the
/// source audio's.
#[derive(Clone)]
pub(crate) struct SourceFormat {
    pub(crate) stream_id: media::StreamId,
    pub(crate) video: tokio::sync::watch::Receiver<Option<gst::Caps>>,
    pub(crate) audio: Option<gst::Caps>,
    /// Whether destinations may resolve to loopback, private or link-local addresses.
    pub(crate) allow_private: bool,
}

/// One place a stream is pushed to.
#[derive(Clone, PartialEq, Eq)]
pub struct Destination {
    /// The application's id for it, reported back in [`DestinationStats`].
    pub id: String,
    /// `rtmp://host[:port]/app` or `rtmps://...`, without the key.
    pub url: String,
    /// The destination's secret stream key: never logged, never reported.
    pub stream_key: String,
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Destination")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("stream_key", &"<redacted>")
            .finish()
    }
}

/// The destinations a live stream pushes to; the application sends a new list whenever it
/// changes (every destination that should be pushed to, enabled ones only).
pub type Destinations = tokio::sync::watch::Receiver<Vec<Destination>>;

/// Where a destination's connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationState {
    /// Connecting, or connected and waiting for the next keyframe to start from.
    Connecting,
    /// Publishing: the destination takes the stream.
    Live,
    /// The last attempt failed; the next starts after a pause.
    Retrying,
}

/// How one destination is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestinationStats {
    pub id: String,
    pub state: DestinationState,
    /// Why the last attempt failed (with the stream key blanked out).
    pub last_error: Option<String>,
    /// Bytes sent to it over every attempt of this broadcast.
    pub bytes_sent: u64,
}

/// Why a destination URL cannot be used.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum InvalidDestination {
    #[error("must start with rtmp:// or rtmps://")]
    Scheme,
    #[error("must name a host")]
    Host,
    #[error("must name the application after the host (rtmp://host/app)")]
    App,
    #[error("must not carry a user name, password, query or fragment")]
    Extra,
    #[error("must not contain spaces or control characters")]
    Characters,
    #[error("is too long (at most {0} characters)")]
    TooLong(usize),
}

/// The longest destination URL taken.
pub const MAX_URL_LEN: usize = 1024;

/// A destination URL taken apart the way rtmp2sink's properties want it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedUrl {
    pub(crate) secure: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) app: String,
}

/// Checks a destination URL the way rtmp2sink will read it: `rtmp://` or `rtmps://`, a host, an
/// optional port, an application path; no credentials, query or fragment (the key goes apart).
pub fn check_url(url: &str) -> Result<(), InvalidDestination> {
    parse_url(url).map(|_| ())
}

/// Whether two destination URLs reach the same server the same way (scheme, host and port):
/// a stream key sealed for one is not handed to another.
pub fn same_server(a: &str, b: &str) -> bool {
    match (parse_url(a), parse_url(b)) {
        (Ok(a), Ok(b)) => {
            a.secure == b.secure && a.port == b.port && a.host.eq_ignore_ascii_case(&b.host)
        }
        _ => false,
    }
}

pub(crate) fn parse_url(url: &str) -> Result<ParsedUrl, InvalidDestination> {
    if url.len() > MAX_URL_LEN {
        return Err(InvalidDestination::TooLong(MAX_URL_LEN));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidDestination::Characters);
    }
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if lower.starts_with("rtmp://") {
        (false, &url["rtmp://".len()..])
    } else if lower.starts_with("rtmps://") {
        (true, &url["rtmps://".len()..])
    } else {
        return Err(InvalidDestination::Scheme);
    };
    if rest.contains(['@', '?', '#']) {
        return Err(InvalidDestination::Extra);
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or(InvalidDestination::Host)?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or(InvalidDestination::Host)?),
            };
            (host, port)
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        None if secure => 443,
        None => 1935,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or(InvalidDestination::Host)?,
    };
    if host.is_empty() {
        return Err(InvalidDestination::Host);
    }
    let app = path.trim_matches('/');
    if app.is_empty() {
        return Err(InvalidDestination::App);
    }
    Ok(ParsedUrl {
        secure,
        host: host.to_owned(),
        port,
        app: app.to_owned(),
    })
}

/// `text` with every occurrence of `secret` blanked out, for errors that may quote a URL.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    text.replace(secret, "<key>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtmp_and_rtmps_application_urls_are_taken() {
        for url in [
            "rtmp://a.rtmp.youtube.com/live2",
            "rtmps://live-api-s.facebook.com:443/rtmp/",
            "rtmp://127.0.0.1:1936/live",
            "RTMP://host/app/sub",
            "rtmp://[::1]:1935/live",
            "rtmp://[::1]/live",
        ] {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn other_urls_are_refused_with_the_reason() {
        let cases = [
            ("http://host/live", InvalidDestination::Scheme),
            ("rtmp://", InvalidDestination::Host),
            ("rtmp://:1935/live", InvalidDestination::Host),
            ("rtmp://host:0/live", InvalidDestination::Host),
            ("rtmp://host:99999/live", InvalidDestination::Host),
            ("rtmp://host", InvalidDestination::App),
            ("rtmp://host/", InvalidDestination::App),
            ("rtmp://user:pw@host/live", InvalidDestination::Extra),
            ("rtmp://host/live?key=1", InvalidDestination::Extra),
            ("rtmp://host/li ve", InvalidDestination::Characters),
            ("rtmp://host/live\n", InvalidDestination::Characters),
        ];
        for (url, expected) in cases {
            assert_eq!(check_url(url), Err(expected), "{url}");
        }
        let long = format!("rtmp://host/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(
            check_url(&long),
            Err(InvalidDestination::TooLong(MAX_URL_LEN))
        );
    }

    #[test]
    fn a_url_is_taken_apart_for_rtmp2sink() {
        let parsed = parse_url("rtmps://live.example.com/app/sub/").expect("parsed");
        assert_eq!(
            parsed,
            ParsedUrl {
                secure: true,
                host: "live.example.com".into(),
                port: 443,
                app: "app/sub".into()
            }
        );
        let parsed = parse_url("rtmp://[::1]:1936/live").expect("parsed");
        assert_eq!((parsed.host.as_str(), parsed.port), ("::1", 1936));
        assert_eq!(parse_url("rtmp://h/live").expect("parsed").port, 1935);
    }

    #[test]
    fn the_same_server_is_the_same_scheme_host_and_port() {
        let youtube = "rtmp://a.rtmp.youtube.com/live2";
        assert!(same_server(youtube, "RTMP://A.RTMP.YOUTUBE.COM:1935/other"));
        for other in [
            "rtmps://a.rtmp.youtube.com/live2",
            "rtmp://a.rtmp.youtube.com:1936/live2",
            "rtmp://evil.example/live2",
            "not a url",
        ] {
            assert!(!same_server(youtube, other), "{other}");
        }
    }

    #[test]
    fn debug_and_errors_never_show_the_key() {
        let d = Destination {
            id: "d1".into(),
            url: "rtmp://host/live".into(),
            stream_key: "secret-key-123".into(),
        };
        assert!(!format!("{d:?}").contains("secret-key-123"));
        assert_eq!(
            redact(
                "could not connect to rtmp://host/live/secret-key-123",
                "secret-key-123"
            ),
            "could not connect to rtmp://host/live/<key>"
        );
    }
}
