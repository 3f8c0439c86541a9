//! What a chat client sends: WebSocket frames (the server-side codec, with the chat's frame size
//! limit), then the JSON protocol frame and the message text cleaning.
#![no_main]

use actix_http::ws::{Codec, Frame};
use bytes::BytesMut;
use chat_protocol::{clean_text, ClientFrame, MAX_FRAME_BYTES};
use tokio_util::codec::Decoder;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut codec = Codec::new().max_size(MAX_FRAME_BYTES);
    let mut buffer = BytesMut::from(data);
    while let Ok(Some(frame)) = codec.decode(&mut buffer) {
        if let Frame::Text(bytes) | Frame::Continuation(actix_http::ws::Item::Last(bytes)) = frame {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            if let Ok(ClientFrame::Send { text }) = ClientFrame::parse(text) {
                let _ = clean_text(&text);
            }
        }
    }
});
