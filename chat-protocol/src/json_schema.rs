//! The chat protocol as a JSON Schema, generated from the frame types (`livestream chat-schema`,
//! committed as `docs/chat-protocol.schema.json`), so clients' types come from the Rust ones.

use crate::{ClientFrame, ServerFrame, PROTOCOL_VERSION};
use schemars::generate::SchemaSettings;

/// The schema of every frame, pretty-printed: a frame is a `ClientFrame` (client to server) or a
/// `ServerFrame` (server to client); both are in `$defs`.
pub fn document() -> String {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let client = generator.subschema_for::<ClientFrame>();
    let server = generator.subschema_for::<ServerFrame>();
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("Livestream chat protocol, version {PROTOCOL_VERSION}"),
        "description": "JSON text frames of the room chat WebSocket (docs/chat-protocol.md): \
            a ClientFrame from the client, a ServerFrame from the server.",
        "anyOf": [client, server],
        "$defs": generator.take_definitions(true),
    });
    // A tree of plain JSON values always serializes.
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// Clients' chat types are generated from the committed schema: it must be today's.
    #[test]
    fn the_committed_chat_schema_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/chat-protocol.schema.json"
        );
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed.trim_end() == super::document(),
            "docs/chat-protocol.schema.json is not the chat protocol's current schema; \
             regenerate it with `cargo run -p livestream -- chat-schema > docs/chat-protocol.schema.json`"
        );
    }
}
