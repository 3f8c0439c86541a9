//! `/hls/<stream-id>/...`: a live stream's LL-HLS, served from memory, with CORS for players.
//!
//! ```text
//! master.m3u8                      the multivariant playlist              no-cache
//! <rendition>/playlist.m3u8        media playlist; _HLS_msn, _HLS_part    max-age=1 when blocking
//!                                  (blocking reload), _HLS_skip (delta)
//! <rendition>/init.mp4             CMAF header                            immutable
//! <rendition>/<msn>.m4s            segment                                immutable
//! <rendition>/<msn>.<part>.m4s     part (the hinted one is waited for)    immutable
//! thumbnail.jpg                    the live thumbnail, from disk          no-cache
//! ```
//!
//! Blocking requests follow rfc8216bis 6.2.5.2: `_HLS_part` without `_HLS_msn`, or an msn or
//! part beyond what may be waited for, is a 400; a wait longer than three target durations is a
//! 503; once the stream has ended everything is answered at once. A waiting request holds no
//! thread: it is a task waiting on the rendition's progress.

use super::files::{byte_range, cors, number};
use crate::errors::ApiError;
use crate::state::AppState;
use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use hls::live::{BlockingError, BlockingRequest, LiveHls, Rendition, INIT_URI};
use media::StreamId;
use std::time::Duration;

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
    web::scope("/hls")
        .wrap(cors())
        .route("/{stream_id}/{file:.*}", web::get().to(serve))
}

/// What a path under a stream names.
#[derive(Debug, PartialEq, Eq)]
enum Resource<'a> {
    Multivariant,
    Thumbnail,
    Playlist(&'a str),
    Init(&'a str),
    Segment(&'a str, u64),
    Part(&'a str, u64, u32),
}

/// Accepts only the names the output has; a rendition name is a plain name.
fn classify(path: &str) -> Option<Resource<'_>> {
    if path == hls::layout::MULTIVARIANT_FILE {
        return Some(Resource::Multivariant);
    }
    if path == engine::pipeline::THUMBNAIL_FILE {
        return Some(Resource::Thumbnail);
    }
    let (rendition, file) = path.split_once('/')?;
    if !super::plain_name(rendition) {
        return None;
    }
    if file == hls::layout::MEDIA_PLAYLIST_FILE {
        return Some(Resource::Playlist(rendition));
    }
    if file == INIT_URI {
        return Some(Resource::Init(rendition));
    }
    let name = file.strip_suffix(".m4s")?;
    match name.split_once('.') {
        None => Some(Resource::Segment(rendition, number(name)?)),
        Some((msn, part)) => Some(Resource::Part(rendition, number(msn)?, number(part)?)),
    }
}

/// A media playlist request's directives.
#[derive(Debug, Default, PartialEq, Eq)]
struct Directives {
    blocking: BlockingRequest,
    skip: bool,
}

/// Reads `_HLS_msn`, `_HLS_part` and `_HLS_skip`; other parameters (cache busters) are ignored.
fn directives(query: &str) -> Result<Directives, ApiError> {
    let mut d = Directives::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = |what: &str| ApiError::BadRequest(format!("{what} must be a whole number"));
        match key {
            "_HLS_msn" => d.blocking.msn = Some(number(value).ok_or_else(|| bad("_HLS_msn"))?),
            "_HLS_part" => d.blocking.part = Some(number(value).ok_or_else(|| bad("_HLS_part"))?),
            "_HLS_skip" => match value {
                "YES" | "v2" => d.skip = true,
                "NO" => {}
                _ => {
                    return Err(ApiError::BadRequest(
                        "_HLS_skip must be YES, v2 or NO".into(),
                    ))
                }
            },
            _ => {}
        }
    }
    Ok(d)
}

const PLAYLIST: &str = "application/vnd.apple.mpegurl";
/// Parts, segments and init segments never change under their name, which is unique to the
/// broadcast (the stream id is in the path).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A blocking reload's answer is the same for every viewer asking for that part: a CDN may share
/// it briefly (rfc8216bis 6.2.5.2 suggests caching it for about a part).
const BLOCKING_PLAYLIST: &str = "public, max-age=1, s-maxage=1";
const LIVE_PLAYLIST: &str = "no-cache";

async fn serve(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, file) = path.into_inner();
    let id = StreamId::parse(&id).ok_or(ApiError::NotFound)?;
    let resource = classify(&file).ok_or(ApiError::NotFound)?;
    if resource == Resource::Thumbnail {
        return match thumbnail(&req, &state, &id).await {
            Err(ApiError::NotFound) if !state.live.contains(&id) => {
                from_origin(&req, &state, &id, &file, &resource).await
            }
            answer => answer,
        };
    }
    let Some(hls) = state.live.hls(&id) else {
        return from_origin(&req, &state, &id, &file, &resource).await;
    };
    match resource {
        Resource::Multivariant => {
            let text = hls.multivariant().ok_or(ApiError::NotFound)?;
            Ok(body(PLAYLIST, LIVE_PLAYLIST, text))
        }
        Resource::Playlist(name) => playlist(&req, &state, &id, &hls, name).await,
        Resource::Init(name) => {
            let init = rendition(&hls, name)?.init().ok_or(ApiError::NotFound)?;
            Ok(media(&req, media_type(name), init))
        }
        Resource::Segment(name, msn) => {
            let segment = rendition(&hls, name)?
                .segment(msn)
                .ok_or(ApiError::NotFound)?;
            Ok(media(&req, media_type(name), segment))
        }
        Resource::Part(name, msn, index) => {
            let rendition = rendition(&hls, name)?;
            if rendition.part(msn, index).is_none() {
                // The hinted part (EXT-X-PRELOAD-HINT) is answered whole once it exists.
                let at = rendition.position();
                let hinted = !at.ended && msn == at.msn && index == at.parts;
                if !hinted {
                    return Err(ApiError::NotFound);
                }
                wait(
                    &req,
                    &state,
                    &id,
                    rendition,
                    BlockingRequest {
                        msn: Some(msn),
                        part: Some(index),
                    },
                )
                .await?;
            }
            let part = rendition.part(msn, index).ok_or(ApiError::NotFound)?;
            Ok(media(&req, media_type(name), part))
        }
        Resource::Thumbnail => Err(ApiError::NotFound),
    }
}

/// A stream this node does not run: with several nodes, fetched from the node that does
/// (`cluster::edge`) and answered with the same headers as a local one. A request that an edge
/// made is never passed on again.
async fn from_origin(
    req: &HttpRequest,
    state: &AppState,
    id: &StreamId,
    file: &str,
    resource: &Resource<'_>,
) -> Result<HttpResponse, ApiError> {
    use crate::cluster::edge::{EdgeError, FROM_EDGE};
    let node = state.node.as_ref().ok_or(ApiError::NotFound)?;
    if req.headers().contains_key(FROM_EDGE) {
        return Err(ApiError::NotFound);
    }
    let immutable = matches!(
        resource,
        Resource::Init(_) | Resource::Segment(..) | Resource::Part(..)
    );
    // What is fetched, and shared with every identical request, is the canonical URL: the
    // directives of a playlist, nothing of anything else.
    let query = match resource {
        Resource::Playlist(_) => {
            let d = directives(req.query_string())?;
            crate::cluster::edge::canonical_query(d.blocking.msn, d.blocking.part, d.skip)
        }
        _ => String::new(),
    };
    let fetched = node
        .edge
        .fetch(id, file, &query, immutable)
        .await
        .map_err(|e| match e {
            EdgeError::NotFound => ApiError::NotFound,
            EdgeError::BadRequest => ApiError::BadRequest(
                "_HLS_msn or _HLS_part is not one the stream can answer".into(),
            ),
            EdgeError::Unavailable(_) => ApiError::Unavailable,
        })?;
    Ok(match resource {
        Resource::Init(name) | Resource::Segment(name, _) | Resource::Part(name, ..) => {
            media(req, media_type(name), fetched.body)
        }
        Resource::Thumbnail => body("image/jpeg", LIVE_PLAYLIST, fetched.body),
        Resource::Multivariant | Resource::Playlist(_) => {
            let cache = match fetched.cache_control.as_deref() {
                Some(BLOCKING_PLAYLIST) => BLOCKING_PLAYLIST,
                _ => LIVE_PLAYLIST,
            };
            body(PLAYLIST, cache, fetched.body)
        }
    })
}

fn rendition<'a>(hls: &'a LiveHls, name: &str) -> Result<&'a Rendition, ApiError> {
    hls.rendition(name).ok_or(ApiError::NotFound)
}

fn media_type(rendition: &str) -> &'static str {
    if rendition == engine::pipeline::AUDIO_RENDITION {
        "audio/mp4"
    } else {
        "video/mp4"
    }
}

async fn playlist(
    req: &HttpRequest,
    state: &AppState,
    id: &StreamId,
    hls: &LiveHls,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    let rendition = rendition(hls, name)?;
    let d = directives(req.query_string())?;
    rendition.check(d.blocking).map_err(|e| {
        tracing::debug!(rendition = name, error = %e, "blocking playlist request refused");
        ApiError::BadRequest(
            match e {
                BlockingError::PartWithoutMsn => "_HLS_part needs _HLS_msn",
                BlockingError::TooFarAhead => {
                    "_HLS_msn or _HLS_part is too far beyond the live edge"
                }
            }
            .into(),
        )
    })?;
    let blocking = d.blocking.msn.is_some();
    if blocking {
        wait(req, state, id, rendition, d.blocking).await?;
    }
    let text = rendition.playlist_bytes(|| hls.reports_for(name), d.skip);
    let cache = if blocking {
        BLOCKING_PLAYLIST
    } else {
        LIVE_PLAYLIST
    };
    Ok(body(PLAYLIST, cache, text))
}

/// Waits for what `request` asks, at most three target durations (then 503), if there is room
/// among the waiting requests of its connection, its client and its rendition (503 at once
/// otherwise).
async fn wait(
    req: &HttpRequest,
    state: &AppState,
    id: &StreamId,
    rendition: &Rendition,
    request: BlockingRequest,
) -> Result<(), ApiError> {
    let connection = req.conn_data::<super::waiters::ConnectionWaiters>();
    let client = state.proxies.client_ip(req);
    let _ticket = state
        .waiters
        .enter(connection, client, format!("{id}/{}", rendition.name()))
        .map_err(|bound| {
            if state.waiters.log_refusal() {
                tracing::warn!(stream = %id, rendition = rendition.name(), %client, %bound, "too many blocking HLS requests; refused (logged once a second at most)");
            }
            ApiError::Unavailable
        })?;
    let limit = Duration::from_secs(3 * u64::from(rendition.settings().target_duration.get()));
    tokio::time::timeout(limit, rendition.wait_for(request))
        .await
        .map_err(|_| {
            tracing::debug!(
                rendition = rendition.name(),
                ?request,
                "blocking request timed out"
            );
            ApiError::Unavailable
        })
}

/// A part, segment or init segment: immutable, with one byte range honoured (players of plain
/// HLS may ask for one); any other `Range` is ignored and the whole body sent.
fn media(req: &HttpRequest, content_type: &'static str, bytes: Bytes) -> HttpResponse {
    let len = bytes.len();
    let Some((first, last)) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| byte_range(v, len))
    else {
        let mut response = body(content_type, IMMUTABLE, bytes);
        response
            .headers_mut()
            .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        return response;
    };
    HttpResponse::PartialContent()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)))
        .insert_header((header::ACCEPT_RANGES, HeaderValue::from_static("bytes")))
        .insert_header((header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}")))
        .body(bytes.slice(first..=last))
}

fn body(content_type: &'static str, cache: &'static str, bytes: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .body(bytes)
}

async fn thumbnail(
    req: &HttpRequest,
    state: &AppState,
    id: &StreamId,
) -> Result<HttpResponse, ApiError> {
    let full = state.layout.hls(id).thumbnail();
    let named = NamedFile::open_async(&full)
        .await
        .map_err(|_| ApiError::NotFound)?;
    let mut response = named
        .set_content_type(mime_guess::mime::IMAGE_JPEG)
        .use_etag(true)
        .use_last_modified(true)
        .into_response(req);
    // Replaced every few seconds: revalidate each time (ETag makes that cheap).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_outputs_own_names_are_served() {
        assert_eq!(classify("master.m3u8"), Some(Resource::Multivariant));
        assert_eq!(classify("thumbnail.jpg"), Some(Resource::Thumbnail));
        assert_eq!(
            classify("720p/playlist.m3u8"),
            Some(Resource::Playlist("720p"))
        );
        assert_eq!(classify("720p/init.mp4"), Some(Resource::Init("720p")));
        assert_eq!(classify("720p/42.m4s"), Some(Resource::Segment("720p", 42)));
        assert_eq!(
            classify("audio/0.3.m4s"),
            Some(Resource::Part("audio", 0, 3))
        );
        for bad in [
            "../x.m3u8",
            "a/../../b.m4s",
            ".hidden/playlist.m3u8",
            "a/b/c.m4s",
            "master.m3u8.tmp",
            "",
            "x.mkv",
            "720p/thumbnail.jpg",
            "720p/other.m3u8",
            "720p/segment00001.m4s",
            "720p/01.m4s",
            "720p/-1.m4s",
            "720p/1.2.3.m4s",
            "720p/99999999999999999999.m4s",
            "720p/.m4s",
            "a\\b/1.m4s",
            "%2e%2e/1.m4s",
        ] {
            assert_eq!(classify(bad), None, "{bad}");
        }
    }

    #[test]
    fn one_satisfiable_byte_range_is_honoured() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(byte_range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=990-2000", 1000), Some((990, 999)));
        for ignored in [
            "bytes=1000-",
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes=-0",
        ] {
            assert_eq!(byte_range(ignored, 1000), None, "{ignored}");
        }
    }

    #[test]
    fn directives_are_whole_numbers_and_others_are_ignored() {
        let d = directives("_HLS_msn=12&_HLS_part=3&_HLS_skip=YES&x=1").expect("valid");
        assert_eq!(
            d,
            Directives {
                blocking: BlockingRequest {
                    msn: Some(12),
                    part: Some(3)
                },
                skip: true
            }
        );
        assert_eq!(directives("").expect("valid"), Directives::default());
        for bad in [
            "_HLS_msn=-1",
            "_HLS_msn=a",
            "_HLS_part=1.5",
            "_HLS_msn=",
            "_HLS_skip=maybe",
        ] {
            assert!(
                matches!(directives(bad), Err(ApiError::BadRequest(_))),
                "{bad}"
            );
        }
    }
}
