//! Rooms and what hangs off them (stream keys, moderators, restream destinations, recordings),
//! presets and the live streams, as API calls: `server.as_user(&olive).create_room("My stream")`.

use super::{Api, Reply};
use serde::Deserialize;
use serde_json::{json, Value};

/// A room just created: its id and its stream key (shown this once).
#[derive(Debug, Clone)]
pub struct CreatedRoom {
    pub id: String,
    pub stream_key: String,
}

/// What creating a room answers (the fields the tests use).
#[derive(Deserialize)]
struct CreatedRoomBody {
    room: RoomBody,
    stream_key: String,
}

#[derive(Deserialize)]
struct RoomBody {
    id: String,
}

impl Api<'_> {
    /// Creates a room titled `title` with the default preset (status checked).
    pub async fn create_room(&self, title: &str) -> CreatedRoom {
        self.created_room(json!({ "title": title })).await
    }

    /// Creates a room titled `title` that broadcasts with `preset_id` (status checked).
    pub async fn create_room_with_preset(&self, title: &str, preset_id: &str) -> CreatedRoom {
        self.created_room(json!({ "title": title, "preset_id": preset_id }))
            .await
    }

    async fn created_room(&self, body: Value) -> CreatedRoom {
        let created = self.try_create_room(body).await.assert_status(201);
        let parsed: CreatedRoomBody = serde_json::from_value(created.clone())
            .unwrap_or_else(|e| panic!("a created room ({e}): {created}"));
        CreatedRoom {
            id: parsed.room.id,
            stream_key: parsed.stream_key,
        }
    }

    /// `POST /api/rooms` with `body` as given, for refusals.
    pub async fn try_create_room(&self, body: Value) -> Reply {
        self.post("/api/rooms", Some(body)).await
    }

    /// `GET /api/rooms{query}` (`query` empty or `?q=...`).
    pub async fn rooms(&self, query: &str) -> Reply {
        self.get(&format!("/api/rooms{query}")).await
    }

    /// `GET /api/rooms/{id}`.
    pub async fn room(&self, id: &str) -> Reply {
        self.get(&format!("/api/rooms/{id}")).await
    }

    /// `PATCH /api/rooms/{id}` with `change`.
    pub async fn update_room(&self, id: &str, change: Value) -> Reply {
        self.patch(&format!("/api/rooms/{id}"), change).await
    }

    /// `DELETE /api/rooms/{id}`.
    pub async fn delete_room(&self, id: &str) -> Reply {
        self.delete(&format!("/api/rooms/{id}")).await
    }

    /// `POST /api/rooms/{id}/stream-key`: a new key replaces the old one.
    pub async fn regenerate_stream_key(&self, id: &str) -> Reply {
        self.post(&format!("/api/rooms/{id}/stream-key"), None)
            .await
    }

    /// `GET /api/rooms/{room}/moderators`.
    pub async fn moderators(&self, room: &str) -> Reply {
        self.get(&format!("/api/rooms/{room}/moderators")).await
    }

    /// `POST /api/rooms/{room}/moderators` naming the user as `who` (`user_id` or `username`).
    pub async fn appoint_moderator(&self, room: &str, who: Value) -> Reply {
        self.post(&format!("/api/rooms/{room}/moderators"), Some(who))
            .await
    }

    /// `DELETE /api/rooms/{room}/moderators/{user_id}`.
    pub async fn remove_moderator(&self, room: &str, user_id: &str) -> Reply {
        self.delete(&format!("/api/rooms/{room}/moderators/{user_id}"))
            .await
    }

    /// `GET /api/rooms/{room}/destinations`: the room's restream destinations.
    pub async fn destinations(&self, room: &str) -> Reply {
        self.get(&format!("/api/rooms/{room}/destinations")).await
    }

    /// `POST /api/rooms/{room}/destinations` with `body` as given.
    pub async fn create_destination(&self, room: &str, body: Value) -> Reply {
        self.post(&format!("/api/rooms/{room}/destinations"), Some(body))
            .await
    }

    /// `PATCH /api/rooms/{room}/destinations/{id}` with `change`.
    pub async fn update_destination(&self, room: &str, id: &str, change: Value) -> Reply {
        self.patch(&format!("/api/rooms/{room}/destinations/{id}"), change)
            .await
    }

    /// `DELETE /api/rooms/{room}/destinations/{id}`.
    pub async fn delete_destination(&self, room: &str, id: &str) -> Reply {
        self.delete(&format!("/api/rooms/{room}/destinations/{id}"))
            .await
    }

    /// `GET /api/rooms/{room}/recordings`.
    pub async fn recordings(&self, room: &str) -> Reply {
        self.get(&format!("/api/rooms/{room}/recordings")).await
    }

    /// The `playback_url` of the room's newest recording, after checking the list's status.
    pub async fn newest_replay(&self, room: &str) -> String {
        let list = self.recordings(room).await.assert_status(200);
        list[0]["playback_url"]
            .as_str()
            .unwrap_or_else(|| panic!("the newest recording has a replay: {list}"))
            .to_owned()
    }

    /// `DELETE /api/recordings/{id}`.
    pub async fn delete_recording(&self, id: &str) -> Reply {
        self.delete(&format!("/api/recordings/{id}")).await
    }

    /// `GET /api/presets`.
    pub async fn presets(&self) -> Reply {
        self.get("/api/presets").await
    }

    /// `POST /api/presets` with `spec`.
    pub async fn create_preset(&self, spec: Value) -> Reply {
        self.post("/api/presets", Some(spec)).await
    }

    /// `PUT /api/presets/{id}` with `spec`.
    pub async fn update_preset(&self, id: &str, spec: Value) -> Reply {
        self.put(&format!("/api/presets/{id}"), spec).await
    }

    /// `DELETE /api/presets/{id}`.
    pub async fn delete_preset(&self, id: &str) -> Reply {
        self.delete(&format!("/api/presets/{id}")).await
    }

    /// `GET /api/streams`: the live streams.
    pub async fn streams(&self) -> Reply {
        self.get("/api/streams").await
    }
}
