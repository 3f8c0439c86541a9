//! Headers that tell browsers what this server's responses may do: every response is `nosniff`,
//! sends no referrer and may not be framed (the app has no embeddable page); the app's page gets
//! a strict Content-Security-Policy and the JSON API one that allows nothing.
//!
//! With TLS on (`http.tls_cert`), every answer also says `Strict-Transport-Security`.
//!
//! The app's policy carries a fresh nonce per page for the one inline thing the app needs: the
//! `<style>` element Radix's scroll lock (`react-remove-scroll`) adds while a dialog or menu is
//! open. The page learns the nonce from a `<meta name="csp-nonce">` the server puts into
//! `index.html` (see `web_app`); markup injected later cannot know it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;

/// The app's policy: nothing unless listed. Scripts, styles and fonts only from this origin
/// (Vite's build puts everything under `/assets`); `blob:` media for the MediaSource hls.js plays
/// through; `data:`/`blob:` images; `'self'` connections cover the API, HLS and, in CSP3 browsers
/// (Chromium 71+, Firefox, Safari 16+), the chat WebSocket on the same host. No workers: the ES
/// module build of hls.js transmuxes on the page's thread and never starts its `blob:` worker.
/// `{nonce}` is replaced per response.
const APP_POLICY: &str = "default-src 'none'; \
    script-src 'self'; \
    style-src 'self'{nonce}; \
    img-src 'self' data: blob:; \
    media-src 'self' blob:; \
    font-src 'self'; \
    connect-src 'self'; \
    worker-src 'none'; \
    object-src 'none'; \
    base-uri 'self'; \
    form-action 'self'; \
    frame-src 'none'; \
    frame-ancestors 'none'";

/// For JSON: nothing may load or run if a response is opened as a document.
const RESOURCE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// A fresh value for the page's `'nonce-…'`: 128 random bits in hex.
pub fn new_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The app's Content-Security-Policy with `nonce` allowed for inline style elements.
pub fn app_policy(nonce: &str) -> Option<HeaderValue> {
    // Only a value `new_nonce` could have made goes into the header.
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    HeaderValue::from_str(&APP_POLICY.replace("{nonce}", &format!(" 'nonce-{nonce}'"))).ok()
}

/// What HTTPS answers say of the host (HSTS): HTTPS only, for a year. Not for subdomains, which
/// may be other services.
const STRICT_TRANSPORT: &str = "max-age=31536000";

/// The middleware: adds the headers to every response of the app (and, when the server speaks
/// TLS itself, `Strict-Transport-Security`).
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let tls = req.app_config().secure();
    let mut response = next.call(req).await?;
    apply(response.headers_mut());
    if tls {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT),
        );
    }
    Ok(response)
}

fn apply(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        return;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let policy = if content_type.starts_with("text/html") {
        // HTML that did not come through the page route (it sets its own, with a nonce): the
        // app's policy without any inline style.
        Some(APP_POLICY.replace("{nonce}", ""))
    } else if content_type.starts_with("application/json") {
        Some(RESOURCE_POLICY.to_owned())
    } else {
        // Media, playlists, scripts, styles, images: a policy would not apply to them as
        // subresources, and on a video opened by itself it would only stop it playing.
        None
    };
    if let Some(value) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_fresh_and_only_such_values_enter_the_policy() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        let policy = app_policy(&a).expect("a policy");
        let policy = policy.to_str().expect("ascii");
        assert!(
            policy.contains(&format!("style-src 'self' 'nonce-{a}';")),
            "{policy}"
        );
        for bad in ["", "abc'; script-src *", "zz", "a b"] {
            assert!(app_policy(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn html_without_a_policy_gets_the_app_policy_without_inline_styles() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        apply(&mut headers);
        let policy = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .expect("a policy")
            .to_str()
            .expect("ascii");
        assert!(policy.contains("style-src 'self';"), "{policy}");
        assert!(policy.contains("script-src 'self';"), "{policy}");
    }
}
