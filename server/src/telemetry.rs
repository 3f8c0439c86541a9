//! Logging and metrics. Logging: one tracing subscriber for the whole process, filtered by
//! `RUST_LOG`. Metrics: one Prometheus recorder for the process (`metrics` facade), rendered by
//! `/metrics`; [`names`] lists every series.
//!
//! Every field value is escaped as it is written: a newline or another control character from
//! outside (a username, an RTMP application name, a header) shows as `\n` and cannot start a
//! forged log line.

use std::fmt::Write as _;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (info by default). Safe to call more than once.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fields = tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = escape_controls(&format!("{value:?}"));
        if field.name() == "message" {
            writer.write_str(&text)
        } else {
            write!(writer, "{}={text}", field.name())
        }
    })
    .delimited(" ");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .fmt_fields(fields)
        .try_init();
}

/// The process's metrics recorder, installed on first use; `None` if another recorder was
/// installed first.
pub fn metrics() -> Option<&'static metrics_exporter_prometheus::PrometheusHandle> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    use metrics_util::MetricKindMask;
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(names::HTTP_REQUEST_SECONDS.to_owned()),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                        10.0,
                    ],
                )
                .ok()?
                // A stream's gauges go with it: not renewed for a minute, they are dropped.
                .idle_timeout(
                    MetricKindMask::GAUGE,
                    Some(std::time::Duration::from_secs(60)),
                )
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                })
                .ok()?;
            Some(handle)
        })
        .as_ref()
}

/// The name of every metric the server reports.
pub mod names {
    /// Gauge: live streams this node runs.
    pub const LIVE_STREAMS: &str = "livestream_live_streams";
    /// Gauge per `stream`: what the publisher sends, in kbit/s and frames per second.
    pub const INGEST_KBPS: &str = "livestream_ingest_kbps";
    pub const INGEST_FPS: &str = "livestream_ingest_fps";
    /// Gauge per `stream` and `rendition`: media seconds encoded per second (1 is real time).
    pub const ENCODE_SPEED: &str = "livestream_encode_speed";
    /// Gauge per `room`: viewers (chat connections) on every node.
    pub const VIEWERS: &str = "livestream_viewers";
    /// Gauge: chat connections open on this node.
    pub const CHAT_CONNECTIONS: &str = "livestream_chat_connections";
    /// Counter: chat frames handed to connections' queues.
    pub const CHAT_DELIVERIES: &str = "livestream_chat_deliveries_total";
    /// Histogram per `route`, `method` and `status`: HTTP request time in seconds.
    pub const HTTP_REQUEST_SECONDS: &str = "livestream_http_request_duration_seconds";
    /// Gauges: database connections open, and of those idle.
    pub const DB_CONNECTIONS: &str = "livestream_db_connections";
    pub const DB_IDLE_CONNECTIONS: &str = "livestream_db_idle_connections";
    /// Gauge: finished recordings waiting for their upload to object storage.
    pub const UPLOAD_QUEUE: &str = "livestream_upload_queue";
    /// Gauges per `room` and `destination` (its id): bytes a live stream has sent to a restream
    /// destination, and whether the destination takes it (1) or not (0: connecting, retrying).
    pub const RESTREAM_BYTES_SENT: &str = "livestream_restream_bytes_sent";
    pub const RESTREAM_LIVE: &str = "livestream_restream_live";
    /// Gauges, with several nodes: the HLS edge's fetches from other nodes under way, and the
    /// bytes of their parts and segments it keeps.
    pub const EDGE_FETCHES: &str = "livestream_edge_fetches_in_flight";
    pub const EDGE_CACHE_BYTES: &str = "livestream_edge_cache_bytes";
}

/// `text` with every control character (newlines, escape sequences) written as an escape.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain"), "plain");
        assert_eq!(
            escape_controls("a\nINFO forged\u{1b}[31m"),
            "a\\nINFO forged\\u{1b}[31m"
        );
    }
}
