//! Serving stored files, shared by the routes that send them (recordings, clips, replays, live
//! HLS): one byte range honoured, the whole file otherwise; read from this node's disk or from
//! object storage alike; and the CORS every player on any origin needs.

use crate::errors::ApiError;
use crate::object_storage::{ObjectStorage, StorageError};
use crate::state::AppState;
use actix_cors::Cors;
use actix_files::NamedFile;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// `true` to download instead of playing inline.
    pub download: Option<bool>,
}

/// A file kept on this node or in object storage (a recording's archive, a clip).
pub struct StoredFile<'a> {
    /// Its key, once stored in object storage (read from there when `storage.s3` is set).
    pub object_key: Option<&'a str>,
    /// Where it is on this node otherwise.
    pub local: Option<std::path::PathBuf>,
    pub content_type: &'static str,
    /// The file name a download is saved under.
    pub name: String,
    /// Sent as an attachment rather than inline.
    pub download: bool,
}

/// Sends a [`StoredFile`] with Range support, inline or as a download.
pub async fn stored_file(
    req: &HttpRequest,
    state: &AppState,
    stored: StoredFile<'_>,
) -> Result<HttpResponse, ApiError> {
    let disposition = ContentDisposition {
        disposition: if stored.download {
            DispositionType::Attachment
        } else {
            DispositionType::Inline
        },
        parameters: vec![DispositionParam::Filename(stored.name)],
    };
    if let (Some(key), Some(objects)) = (stored.object_key, &state.objects) {
        return from_object_storage(req, objects, key, stored.content_type, Some(disposition))
            .await;
    }
    let path = stored.local.ok_or(ApiError::NotFound)?;
    let named = NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::NotFound)?;
    let mime: mime_guess::mime::Mime = stored
        .content_type
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(named
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .into_response(req))
}

/// A stored file of a recording, streamed from object storage as a local one would be: one byte
/// range honoured (206), a range outside it refused (416), anything else the whole object.
pub async fn from_object_storage(
    req: &HttpRequest,
    objects: &ObjectStorage,
    key: &str,
    content_type: &'static str,
    disposition: Option<ContentDisposition>,
) -> Result<HttpResponse, ApiError> {
    let unavailable = |e: StorageError| match e {
        StorageError::NotFound => {
            tracing::error!(%key, "a stored recording is missing from object storage");
            ApiError::NotFound
        }
        e => {
            tracing::warn!(%key, error = %e, "could not read a recording from object storage");
            ApiError::Unavailable
        }
    };
    let size = objects.size(key).await.map_err(unavailable)?;
    let asked = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let range = match asked {
        Some(value) if value.starts_with("bytes=") => match byte_range(value, size as usize) {
            Some((first, last)) => Some((first as u64, Some(last as u64))),
            None => {
                return Ok(HttpResponse::RangeNotSatisfiable()
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                    .finish())
            }
        },
        _ => None,
    };
    if size == 0 {
        let mut empty = HttpResponse::Ok();
        empty.insert_header((header::CONTENT_TYPE, content_type));
        if let Some(disposition) = disposition {
            empty.insert_header(disposition);
        }
        return Ok(empty.finish());
    }
    let read = objects.read(key, range).await.map_err(unavailable)?;
    let mut response = match range {
        Some(_) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((
                header::CONTENT_RANGE,
                format!(
                    "bytes {}-{}/{}",
                    read.range.start,
                    read.range.end.saturating_sub(1),
                    read.size
                ),
            ));
            partial
        }
        None => HttpResponse::Ok(),
    };
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    if let Some(disposition) = disposition {
        response.insert_header(disposition);
    }
    Ok(response
        .no_chunking(read.range.end - read.range.start)
        .streaming(crate::object_storage::body_stream(read.body)))
}

/// What any player on any origin may fetch: `GET`, with the headers a player reads.
pub fn cors() -> Cors {
    Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods(["GET", "HEAD", "OPTIONS"])
        .allow_any_header()
        .expose_headers([
            header::CONTENT_LENGTH,
            header::CONTENT_RANGE,
            header::ACCEPT_RANGES,
            header::AGE,
        ])
        .max_age(86_400)
}

/// One satisfiable range of `bytes=a-b`, `bytes=a-` or `bytes=-n` over `len` bytes.
pub fn byte_range(value: &str, len: usize) -> Option<(usize, usize)> {
    let spec = value.strip_prefix("bytes=")?.trim();
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (first, last) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: usize = number(n)?;
            (len.checked_sub(n.min(len))?, len - 1)
        }
        (a, "") => (number(a)?, len - 1),
        (a, b) => (number(a)?, number::<usize>(b)?.min(len - 1)),
    };
    (first <= last && first < len).then_some((first, last))
}

/// A decimal number as the output writes them: digits only, no sign, no leading zero.
pub fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    let plain = !text.is_empty()
        && text.len() <= 19
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    plain.then(|| text.parse().ok()).flatten()
}
