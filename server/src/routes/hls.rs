//! `/hls/<stream-id>/...`: playlists (never cached), segments (immutable), CORS for players.

use crate::errors::ApiError;
use crate::state::AppState;
use actix_cors::Cors;
use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use pipelines::StreamId;

/// The `/hls` scope with its CORS policy.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods(["GET", "HEAD", "OPTIONS"])
        .allow_any_header()
        .expose_headers([
            header::CONTENT_LENGTH,
            header::CONTENT_RANGE,
            header::ACCEPT_RANGES,
        ])
        .max_age(86_400);
    web::scope("/hls")
        .wrap(cors)
        .route("/{stream_id}/{file:.*}", web::get().to(serve))
}

#[derive(PartialEq)]
enum Kind {
    Playlist,
    Segment,
    Init,
    Thumbnail,
}

/// Accepts `master.m3u8`, `thumbnail.jpg` or `<rendition>/<file>` with plain names only: no `..`, no hidden
/// files, no temporary files.
fn classify(path: &str) -> Option<Kind> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.is_empty() || parts.len() > 2 {
        return None;
    }
    if !parts.iter().all(|p| super::plain_name(p)) {
        return None;
    }
    let file = parts.last()?;
    if path == pipelines::pipeline::THUMBNAIL_FILE {
        return Some(Kind::Thumbnail);
    }
    match file.rsplit_once('.')?.1 {
        "m3u8" => Some(Kind::Playlist),
        "m4s" => Some(Kind::Segment),
        "mp4" => Some(Kind::Init),
        _ => None,
    }
}

async fn serve(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, file) = path.into_inner();
    let id = StreamId::parse(&id).ok_or(ApiError::NotFound)?;
    let kind = classify(&file).ok_or(ApiError::NotFound)?;
    let full = state.layout.hls_dir(&id).join(&file);
    let named = NamedFile::open_async(&full)
        .await
        .map_err(|_| ApiError::NotFound)?;
    // Players poll playlists every second or so: the headers are constants, not built per request.
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    let (mime, cache) = match kind {
        Kind::Playlist => ("application/vnd.apple.mpegurl", "no-cache, no-store"),
        Kind::Segment => ("video/iso.segment", IMMUTABLE),
        Kind::Init => ("video/mp4", IMMUTABLE),
        // Replaced every few seconds: revalidate each time (ETag makes that cheap).
        Kind::Thumbnail => ("image/jpeg", "no-cache"),
    };
    let mime: mime_guess::mime::Mime = mime
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let mut response = named
        .set_content_type(mime)
        .use_etag(kind != Kind::Playlist)
        .use_last_modified(kind != Kind::Playlist)
        .prefer_utf8(false)
        .into_response(&req);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hls_paths_are_served() {
        assert!(classify("master.m3u8") == Some(Kind::Playlist));
        assert!(classify("720p/segment00001.m4s") == Some(Kind::Segment));
        assert!(classify("720p/init00.mp4") == Some(Kind::Init));
        assert!(classify("thumbnail.jpg") == Some(Kind::Thumbnail));
        for bad in [
            "../x.m3u8",
            "a/../../b.m4s",
            ".hidden.m3u8",
            "720p/.goutputstream-X",
            "a/b/c.m4s",
            "master.m3u8.tmp",
            "",
            "x.mkv",
            "720p/thumbnail.jpg",
            "thumbnail.jpg.tmp",
            "other.jpg",
            "a\\b.m4s",
            "%2e%2e/x.m3u8",
        ] {
            assert!(classify(bad).is_none(), "{bad}");
        }
    }
}
