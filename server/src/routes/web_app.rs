//! The web app: files of the built app (`http.web_root`), and `index.html` for every other page
//! path so the app's own router can handle it (single-page-app fallback). The page is sent with
//! its Content-Security-Policy and that policy's nonce (`security_headers`).

use super::security_headers;
use crate::errors::ApiError;
use crate::state::AppState;
use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use std::path::PathBuf;

/// Vite puts content-hashed files here: they never change under the same name.
const HASHED_ASSETS: &str = "assets/";

/// The default service: an API path that exists with other methods gets 405 with `Allow` (the
/// OpenAPI document lists them), other API and HLS paths that matched nothing the JSON 404;
/// anything else is a file of the app or a page of it, read with GET or HEAD only (405 otherwise).
pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    if under("/api") {
        let document = req.app_data::<web::Data<utoipa::openapi::OpenApi>>();
        return Err(match document.and_then(|d| allowed_methods(d, path)) {
            Some(allow) => ApiError::MethodNotAllowed(allow),
            None => ApiError::NotFound,
        });
    }
    if under("/hls") {
        return Err(ApiError::NotFound);
    }
    if !read {
        return Err(ApiError::MethodNotAllowed("GET, HEAD".into()));
    }
    let relative = path.trim_start_matches('/');
    if relative == INDEX {
        return page(&state.web_root, "").await;
    }
    if let Some(file) = app_file(&state.web_root, relative) {
        if let Ok(named) = NamedFile::open_async(&file).await {
            let cache = if relative.starts_with(HASHED_ASSETS) {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            return Ok(with_cache(named.into_response(&req), cache));
        }
    }
    // A page of the app (`/rooms/abc`); a missing asset gets a real 404 instead of the page.
    if relative.starts_with(HASHED_ASSETS) {
        return Err(ApiError::NotFound);
    }
    // A clip's page says what it shows to link previews, which run no script.
    if let Some(id) = relative.strip_prefix("clips/") {
        if let Some((clip, recording, title)) = super::clips::open_graph(&state, id).await {
            let origin = state.proxies.origin(&req);
            let origin = format!("{}://{}", origin.scheme, origin.authority);
            let head = clip_meta(&origin, &clip, recording.as_ref(), &title);
            return page(&state.web_root, &head).await;
        }
    }
    page(&state.web_root, "").await
}

/// Open Graph tags of a clip's page: its title, its MP4 and the recording's poster, as absolute
/// URLs on `origin`, the host the page was asked for (forwarding headers believed only from
/// `http.trusted_proxies`, as everywhere).
fn clip_meta(
    origin: &str,
    clip: &crate::models::clip::Clip,
    recording: Option<&crate::models::recording::Recording>,
    room_title: &str,
) -> String {
    let view = clip.view();
    let title = if room_title.is_empty() {
        "Clip".to_owned()
    } else {
        format!("Clip from {room_title}")
    };
    let mut tags = vec![
        ("og:type", "video.other".to_owned()),
        ("og:title", title.clone()),
        (
            "og:description",
            format!("{:.0} s clip", view.duration_seconds),
        ),
        ("og:url", format!("{origin}{}", view.page_url)),
        ("og:video", format!("{origin}{}", view.playback_url)),
        ("og:video:type", "video/mp4".to_owned()),
    ];
    if let Some(poster) = recording.and_then(|r| r.view().poster_url) {
        tags.push(("og:image", format!("{origin}{poster}")));
    }
    let mut head = String::new();
    for (property, content) in tags {
        head.push_str(&format!(
            "\n    <meta property=\"{property}\" content=\"{}\" />",
            escape(&content)
        ));
    }
    head.push_str("\n    <meta name=\"twitter:card\" content=\"player\" />");
    head
}

/// `text` safe inside an HTML attribute or element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;")
}

const INDEX: &str = "index.html";

/// `index.html` with a fresh style nonce in a `<meta name="csp-nonce">` (the app hands it to
/// the libraries that add `<style>` elements) and in the Content-Security-Policy, and `head`
/// (already escaped) after it. Never a 304: a cached page would carry an old nonce under a new
/// policy.
async fn page(root: &std::path::Path, head: &str) -> Result<HttpResponse, ApiError> {
    let index = root.join(INDEX);
    let html = tokio::fs::read_to_string(&index).await.map_err(|e| {
        tracing::warn!(error = %e, path = %index.display(), "the web app is not built");
        ApiError::NotFound
    })?;
    let nonce = security_headers::new_nonce();
    let policy = security_headers::app_policy(&nonce).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("the page nonce is not a header value"))
    })?;
    let html = with_nonce(&html, &nonce, head);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html))
}

/// `html` with `<meta name="csp-nonce" content="<nonce>">` first in its `<head>`; where the head
/// is implied (HTML may leave `<head>` out), just after the doctype, where the parser puts it
/// into the head all the same.
fn with_nonce(html: &str, nonce: &str, head: &str) -> String {
    let meta = format!("\n    <meta name=\"csp-nonce\" content=\"{nonce}\" />{head}");
    let lower = html.to_ascii_lowercase();
    let after = |tag: &str| {
        let start = lower.find(tag)?;
        Some(start + lower[start..].find('>')? + 1)
    };
    let at = after("<head>")
        .or_else(|| after("<head "))
        .or_else(|| after("<!doctype"))
        .unwrap_or(0);
    format!("{}{meta}{}", &html[..at], &html[at..])
}

/// The methods the API document lists for a path template matching `path` (`/api/rooms/{id}`
/// matches `/api/rooms/abc`), as an `Allow` header value; `None` if no route has this path.
fn allowed_methods(document: &utoipa::openapi::OpenApi, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let item = document.paths.paths.iter().find_map(|(template, item)| {
        let parts: Vec<&str> = template.split('/').collect();
        let matches = parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(t, s)| (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s);
        matches.then_some(item)
    })?;
    let methods: Vec<&str> = [
        ("GET", &item.get),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
    ]
    .into_iter()
    .filter(|(_, operation)| operation.is_some())
    .map(|(method, _)| method)
    .collect();
    (!methods.is_empty()).then(|| methods.join(", "))
}

/// The file under `root` that `relative` names, if it is made of plain names only.
fn app_file(root: &std::path::Path, relative: &str) -> Option<PathBuf> {
    if relative.is_empty() || relative.len() > 256 {
        return None;
    }
    let plain = relative.split('/').all(super::plain_name);
    let file = root.join(relative);
    (plain && file.is_file()).then_some(file)
}

fn with_cache(mut response: HttpResponse, cache: &'static str) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_goes_first_into_the_head() {
        let html = "<!doctype html>\n<html><head><title>x</title></head><body></body></html>";
        let page = with_nonce(html, "00ff", "");
        assert!(page.contains("<head>\n    <meta name=\"csp-nonce\" content=\"00ff\" /><title>"));
        let implied = with_nonce("<!DOCTYPE html><title>x</title>", "00ff", "");
        assert!(implied.starts_with("<!DOCTYPE html>\n    <meta name=\"csp-nonce\""));
        assert!(with_nonce("<p>bare</p>", "00ff", "").starts_with("\n    <meta"));
    }

    #[test]
    fn only_plain_paths_name_app_files() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("assets")).expect("mkdir");
        std::fs::write(root.path().join("assets/app-1a2b.js"), "x").expect("write");
        std::fs::write(root.path().join(".env"), "secret").expect("write");
        assert!(app_file(root.path(), "assets/app-1a2b.js").is_some());
        for bad in [
            "",
            ".env",
            "assets/../.env",
            "assets//app-1a2b.js",
            "assets",
            "missing.js",
            "assets/app-1a2b.js%00",
        ] {
            assert!(app_file(root.path(), bad).is_none(), "{bad}");
        }
    }
}
