//! Rooms as the in-process app makes them for the tests (the API calls themselves are
//! `testkit::api`'s: `app.as_user(&olive).create_room("My stream")`).

use super::app::TestApp;
use serde_json::{json, Value};
use std::time::Duration;
pub use testkit::api::rooms::CreatedRoom;
use testkit::api::{Accounts, HttpServer};

impl TestApp {
    /// Olive's room on a preset with the passthrough alone (no encoded rendition), made by the
    /// admin (statuses checked).
    pub async fn source_only_room(&self) -> CreatedRoom {
        let admin = self.admin().await;
        let source_only = json!({ "name": "source-only", "passthrough": true,
            "segment_seconds": 1, "window_segments": 4, "renditions": [] });
        let preset = self
            .as_user(&admin)
            .create_preset(source_only)
            .await
            .assert_status(201);
        let olive = self.register_streamer("olive").await;
        self.as_user(&olive)
            .create_room_with_preset("Raw", preset["id"].as_str().expect("preset id"))
            .await
    }

    /// Waits until the room API shows `room` offline; panics if it stays live.
    pub async fn assert_goes_offline(&self, room: &str) {
        let mut shown = Value::Null;
        for _ in 0..100 {
            shown = self.anonymous().room(room).await.assert_status(200);
            assert_eq!(shown["id"], room, "{shown}");
            if shown["live"].is_null() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the room stayed live: {shown}");
    }
}
