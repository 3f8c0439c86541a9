//! HTTP as a client sees it: `app.as_user(&olive)` (or `app.anonymous()`) makes requests with
//! that user's token, and every answer is a `Reply` whose status a test checks before it reads
//! the body. The same calls work on the in-process `TestApp` and on the real binary.

use super::app::TestApp;
use super::User;
use media::StreamId;
use reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;

/// A server the tests speak HTTP to: the in-process `TestApp` or the real binary.
pub trait HttpServer {
    /// `http://127.0.0.1:PORT`.
    fn base_url(&self) -> &str;

    /// The client to send with.
    fn http_client(&self) -> &reqwest::Client;

    /// Calls the API as `user`.
    fn as_user<'a>(&'a self, user: &'a User) -> Api<'a> {
        self.with_token(&user.token)
    }

    /// Calls the API with this bearer token, whatever it is (an old one, a refreshed one, junk).
    fn with_token<'a>(&'a self, token: &'a str) -> Api<'a> {
        Api {
            base: self.base_url(),
            client: self.http_client(),
            token: Some(token),
        }
    }

    /// Calls the API without a token.
    fn anonymous(&self) -> Api<'_> {
        Api {
            base: self.base_url(),
            client: self.http_client(),
            token: None,
        }
    }
}

/// The API of one server, called as one user (or anonymously).
#[derive(Clone, Copy)]
pub struct Api<'a> {
    base: &'a str,
    client: &'a reqwest::Client,
    token: Option<&'a str>,
}

/// An answer: its status, and its JSON body (`null` when there is none or it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// `METHOD /path`, for messages.
    pub request: String,
    pub status: u16,
    pub body: Value,
    /// The body as sent, when it was not JSON.
    not_json: Option<String>,
}

impl Reply {
    /// Panics unless the status is `expected` and the body (if any) is JSON; returns the body.
    #[track_caller]
    pub fn assert_status(self, expected: u16) -> Value {
        assert_eq!(
            self.status, expected,
            "{}: {} {}",
            self.request, self.status, self.body
        );
        if let Some(text) = &self.not_json {
            panic!("{}: a body that is not JSON: {text:?}", self.request);
        }
        self.body
    }

    /// The machine-readable code of an error answer (`error.code`).
    pub fn error_code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }

    /// Whether an error answer names `field` among its invalid fields (`error.fields`).
    pub fn names_field(&self, field: &str) -> bool {
        self.body["error"]["fields"][field].is_string()
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} {}", self.request, self.status, self.body)
    }
}

impl HttpServer for TestApp {
    fn base_url(&self) -> &str {
        &self.http
    }

    fn http_client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl TestApp {
    /// A plain GET of `path` (pages, HLS files, recordings), nothing checked.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.http))
            .send()
            .await
            .expect("HTTP request")
    }

    /// The body of `path`, after checking its status is a success.
    pub async fn get_bytes(&self, path: &str) -> Vec<u8> {
        let response = self.get(path).await;
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.bytes().await.expect("body").to_vec()
    }

    /// A rendition of stream `id` as one playable MP4, fetched as a player does: the media
    /// playlist `uri` (relative to the multivariant playlist), its init segment and every
    /// segment it lists, concatenated. Returns the file and the playlist's text.
    pub async fn join_rendition(&self, id: &StreamId, uri: &str) -> (PathBuf, String) {
        let playlist = self.get_text(&format!("/hls/{id}/{uri}")).await;
        let folder = uri.rsplit_once('/').map_or("", |(dir, _)| dir);
        let parsed = m3u8_rs::parse_media_playlist_res(playlist.as_bytes())
            .unwrap_or_else(|e| panic!("{uri} parses: {e:?}\n{playlist}"));
        let init = parsed
            .segments
            .iter()
            .find_map(|s| s.map.as_ref().map(|m| m.uri.clone()))
            .expect("EXT-X-MAP present");
        let mut bytes = self.get_bytes(&format!("/hls/{id}/{folder}/{init}")).await;
        for segment in &parsed.segments {
            bytes.extend(
                self.get_bytes(&format!("/hls/{id}/{folder}/{}", segment.uri))
                    .await,
            );
        }
        let out = self
            .data_dir()
            .join(format!("joined-{id}-{}.mp4", folder.replace('/', "-")));
        std::fs::write(&out, bytes).expect("write joined");
        (out, playlist)
    }

    /// The text of `path`, after checking its status is a success.
    pub async fn get_text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.text().await.expect("body")
    }

    /// Sends a request exactly as given (a bearer token when given, a JSON body when given)
    /// and returns the raw response, for tests about the request itself.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        send(&self.client, &self.http, method, path, token, body).await
    }
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("HTTP request")
}

impl Api<'_> {
    /// Any request with this caller's token; the status and JSON body.
    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let request = format!("{method} {path}");
        let response = send(self.client, self.base, method, path, self.token, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("the body is read");
        let (body, not_json) = match serde_json::from_str(&text) {
            Ok(body) => (body, None),
            Err(_) if text.is_empty() => (Value::Null, None),
            Err(_) => (Value::Null, Some(text)),
        };
        Reply {
            request,
            status,
            body,
            not_json,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    /// `POST path`, with a JSON body when given.
    pub async fn post(&self, path: &str, body: Option<Value>) -> Reply {
        self.request(Method::POST, path, body).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.request(Method::PUT, path, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Reply {
        self.request(Method::DELETE, path, None).await
    }
}
