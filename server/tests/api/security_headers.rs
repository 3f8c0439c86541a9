//! Browser defences on every kind of response: the app's pages carry a strict
//! Content-Security-Policy whose style nonce is fresh per page and matches the page's
//! `<meta name="csp-nonce">`; the API (answers and errors), HLS (with its CORS kept), the app's
//! files and `/health` are `nosniff`, send no referrer and may not be framed.

use crate::support::*;
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;

const INDEX: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <title>Livestream</title>\n    <script type=\"module\" src=\"/assets/app-1a2b.js\"></script>\n  </head>\n  <body><div id=\"root\"></div></body>\n</html>\n";

/// A server whose `http.web_root` holds a tiny built app.
async fn app_with_web_root() -> (TestApp, tempfile::TempDir) {
    let web_root = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(web_root.path().join("assets")).expect("mkdir");
    std::fs::write(web_root.path().join("index.html"), INDEX).expect("write");
    std::fs::write(web_root.path().join("assets/app-1a2b.js"), "export {};").expect("write");
    let root = web_root.path().to_path_buf();
    let app = TestApp::builder()
        .settings(move |s| s.http.web_root = root)
        .spawn()
        .await;
    (app, web_root)
}

fn value<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
        .to_str()
        .expect("a visible-ASCII header")
}

/// The headers every response carries.
fn assert_common(headers: &HeaderMap, what: &str) {
    assert_eq!(
        value(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(value(headers, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(value(headers, "x-frame-options"), "DENY", "{what}");
    // Plain HTTP (these servers have no TLS): HSTS would be ignored, and is not sent.
    assert!(!headers.contains_key("strict-transport-security"), "{what}");
}

/// The directives of a policy, by name.
fn directives(policy: &str) -> std::collections::HashMap<&str, Vec<&str>> {
    policy
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?, words.collect()))
        })
        .collect()
}

/// Fetches an app page and checks its policy; returns its nonce.
async fn page_nonce(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let headers = response.headers().clone();
    assert_common(&headers, path);
    assert!(
        value(&headers, "content-type").starts_with("text/html"),
        "{path}"
    );
    let policy = value(&headers, "content-security-policy").to_owned();
    assert!(!policy.contains("unsafe"), "{path}: {policy}");
    let d = directives(&policy);
    for (name, expected) in [
        ("default-src", vec!["'none'"]),
        ("script-src", vec!["'self'"]),
        ("connect-src", vec!["'self'"]),
        ("worker-src", vec!["'none'"]),
        ("media-src", vec!["'self'", "blob:"]),
        ("img-src", vec!["'self'", "data:", "blob:"]),
        ("object-src", vec!["'none'"]),
        ("base-uri", vec!["'self'"]),
        ("form-action", vec!["'self'"]),
        ("frame-ancestors", vec!["'none'"]),
    ] {
        assert_eq!(d.get(name), Some(&expected), "{path}: {name} in {policy}");
    }
    let style = d.get("style-src").expect("style-src");
    assert_eq!(style.len(), 2, "{path}: {policy}");
    assert_eq!(style[0], "'self'");
    let nonce = style[1]
        .strip_prefix("'nonce-")
        .and_then(|n| n.strip_suffix('\''))
        .unwrap_or_else(|| panic!("{path}: no nonce in {policy}"))
        .to_owned();
    assert!(nonce.len() >= 22, "{path}: a short nonce {nonce}");
    let body = response.text().await.expect("body");
    assert!(
        body.contains(&format!(r#"<meta name="csp-nonce" content="{nonce}" />"#)),
        "{path}: the page does not carry its policy's nonce: {body}"
    );
    assert!(body.contains(r#"<div id="root">"#), "{path}: {body}");
    nonce
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_pages_carry_a_strict_policy_with_a_fresh_nonce() {
    let (app, _web_root) = app_with_web_root().await;
    let home = page_nonce(&app, "/").await;
    let room = page_nonce(&app, "/rooms/x").await;
    let again = page_nonce(&app, "/").await;
    let index = page_nonce(&app, "/index.html").await;
    let nonces: std::collections::HashSet<_> = [&home, &room, &again, &index].into();
    assert_eq!(nonces.len(), 4, "nonces are reused: {nonces:?}");

    // The app's own files: the common headers; a script needs no policy of its own.
    let script = app.get("/assets/app-1a2b.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert_common(script.headers(), "an app file");
    let missing = app.get("/assets/missing-1a2b.js").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_common(missing.headers(), "a missing app file");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_and_errors_are_nosniff_and_allow_nothing() {
    let (app, _web_root) = app_with_web_root().await;
    let check = |headers: &HeaderMap, what: &str| {
        assert_common(headers, what);
        assert!(
            value(headers, "content-type").starts_with("application/json"),
            "{what}"
        );
        assert_eq!(
            value(headers, "content-security-policy"),
            "default-src 'none'; frame-ancestors 'none'",
            "{what}"
        );
    };
    let rooms = app.get("/api/rooms").await;
    assert_eq!(rooms.status(), StatusCode::OK);
    check(rooms.headers(), "a room list");

    let missing = app.get("/api/rooms/no-such-room").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    check(missing.headers(), "a 404");
    let body: serde_json::Value = missing.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "not_found");

    let anonymous = app.get("/api/auth/me").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    check(anonymous.headers(), "a 401");

    let unknown = app.get("/api/no/such/route").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    check(unknown.headers(), "an unknown API path");

    let health = app.get("/health").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_common(health.headers(), "/health");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hls_keeps_its_cors_and_gets_the_common_headers() {
    let (app, _web_root) = app_with_web_root().await;
    let id = media::StreamId::parse("securityheaders01").expect("an id");
    let get = |path: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}{path}", app.http))
                .header(header::ORIGIN, "https://player.example")
                .send()
                .await
                .expect("HTTP request")
        }
    };
    let missing = get(format!("/hls/{id}/master.m3u8")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_common(missing.headers(), "an HLS 404");

    // The one file of the HLS output on disk: the live thumbnail.
    std::fs::create_dir_all(app.hls_dir(&id)).expect("mkdir");
    std::fs::write(app.hls_dir(&id).join("thumbnail.jpg"), b"\xff\xd8\xff").expect("write");
    let thumbnail = get(format!("/hls/{id}/thumbnail.jpg")).await;
    assert_eq!(thumbnail.status(), StatusCode::OK);
    let headers = thumbnail.headers();
    assert_common(headers, "a thumbnail");
    assert_eq!(value(headers, "access-control-allow-origin"), "*");
    assert_eq!(value(headers, "content-type"), "image/jpeg");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_built_app_pages_are_json_404s_with_the_headers() {
    let app = TestApp::builder().spawn().await;
    let response = app.get("/rooms/x").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_common(response.headers(), "a page without the app");
    app.stop().await;
}
