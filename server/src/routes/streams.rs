//! `GET /api/streams`: what is live, with playback URLs. Never a stream key.

use crate::live_streams::{LiveStream, LiveStreams};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

#[derive(Serialize)]
struct StreamView {
    #[serde(flatten)]
    stream: LiveStream,
    playback_url: String,
}

/// Lists live streams, oldest first.
pub async fn list(req: HttpRequest, live: web::Data<LiveStreams>) -> HttpResponse {
    let info = req.connection_info();
    let base = format!("{}://{}", info.scheme(), info.host());
    let streams: Vec<StreamView> = live
        .list()
        .into_iter()
        .map(|stream| StreamView {
            playback_url: format!("{base}/hls/{}/master.m3u8", stream.id),
            stream,
        })
        .collect();
    HttpResponse::Ok().json(serde_json::json!({ "streams": streams }))
}
