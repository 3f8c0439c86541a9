//! HTTP on the in-process `TestApp`: the API client of `testkit::api` (`app.as_user(&olive)`,
//! `app.anonymous()`), and plain requests for pages, HLS files and recordings.

use super::app::TestApp;
use media::StreamId;
use reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;
pub use testkit::api::{HttpServer, Reply};

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
        testkit::api::send(&self.client, &self.http, method, path, token, body).await
    }
}
