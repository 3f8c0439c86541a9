//! `GET /api/streams`: what is live, with playback URLs. Never a stream key.

use super::views::{LiveInfo, Urls};
use crate::state::AppState;
use actix_web::{get, web, HttpRequest};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct StreamView {
    pub id: String,
    pub room_id: Option<String>,
    #[serde(flatten)]
    pub live: LiveInfo,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StreamList {
    pub streams: Vec<StreamView>,
}

/// Live streams (of every node), oldest first.
#[utoipa::path(operation_id = "list_streams", tag = "streams", responses((status = 200, body = StreamList)))]
#[get("/streams")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> web::Json<StreamList> {
    let urls = Urls::of(&req, &state);
    let streams = state
        .all_live_streams()
        .await
        .into_iter()
        .map(|s| StreamView {
            id: s.id.to_string(),
            room_id: s.room_id.clone(),
            live: LiveInfo::from_stream(&urls, &s),
        })
        .collect();
    web::Json(StreamList { streams })
}
