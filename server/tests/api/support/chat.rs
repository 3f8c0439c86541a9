//! Real WebSocket clients of a room's chat: one that speaks the protocol (`ChatClient`), and one
//! that never reads, to be a slow client.

use super::app::TestApp;
use super::client::HttpServer;
use std::time::Duration;

/// A real WebSocket client of a room's chat.
pub struct ChatClient {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl ChatClient {
    /// Connects to a room's chat and reads `hello` and `history`; returns the client and history.
    pub async fn join(app: &impl HttpServer, room: &str) -> (Self, Vec<serde_json::Value>) {
        let url = format!(
            "{}/api/rooms/{room}/chat",
            app.base_url().replacen("http://", "ws://", 1)
        );
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("chat connects");
        let mut client = Self { socket };
        let hello = client.next().await;
        assert_eq!(hello["type"], "hello", "{hello}");
        assert_eq!(hello["protocol"], 1);
        let history = client.next().await;
        assert_eq!(history["type"], "history", "{history}");
        let messages = history["messages"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("history carries its messages: {history}"));
        (client, messages)
    }

    pub async fn send(&mut self, frame: serde_json::Value) {
        use futures_util::SinkExt;
        self.socket
            .send(tokio_tungstenite::tungstenite::Message::text(
                frame.to_string(),
            ))
            .await
            .expect("send frame");
    }

    /// The next JSON frame (pings are answered by the library), within 10 s.
    pub async fn next(&mut self) -> serde_json::Value {
        use futures_util::StreamExt;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.socket.next())
                .await
                .expect("a frame within 10 s");
            match frame {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                    return serde_json::from_str(&text).expect("JSON frame")
                }
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(close))) => {
                    return serde_json::json!({ "type": "closed", "code": close.map(|c| u16::from(c.code)) })
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    return serde_json::json!({ "type": "closed", "error": e.to_string() })
                }
                None => return serde_json::json!({ "type": "closed" }),
            }
        }
    }

    /// The next frame of `kind`, skipping viewer counts, notices and others.
    pub async fn expect(&mut self, kind: &str) -> serde_json::Value {
        for _ in 0..10_000 {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
            assert_ne!(frame["type"], "closed", "closed while waiting for {kind}");
        }
        panic!("no {kind} frame");
    }

    /// Frames of `kind` that arrive within `wait`. Panics if the connection fails or closes
    /// meanwhile: a client that stopped listening would hear nothing and prove nothing.
    pub async fn collect(&mut self, kind: &str, wait: Duration) -> Vec<serde_json::Value> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        let mut found = Vec::new();
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(next) = tokio::time::timeout_at(deadline, self.socket.next()).await {
            match next {
                Some(Ok(Message::Text(text))) => {
                    let frame: serde_json::Value = serde_json::from_str(&text).expect("JSON frame");
                    if frame["type"] == kind {
                        found.push(frame);
                    }
                }
                Some(Ok(Message::Close(close))) => {
                    panic!("closed while collecting {kind} frames: {close:?}")
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket error while collecting {kind} frames: {e}"),
                None => panic!("connection ended while collecting {kind} frames"),
            }
        }
        found
    }

    /// Authenticates; returns the `authenticated` frame.
    pub async fn auth(&mut self, token: &str) -> serde_json::Value {
        self.send(serde_json::json!({ "type": "auth", "token": token }))
            .await;
        loop {
            let frame = self.next().await;
            if frame["type"] == "authenticated" || frame["type"] == "error" {
                return frame;
            }
            assert_ne!(frame["type"], "closed", "closed while authenticating");
        }
    }

    /// Sends a frame (a moderation action) and returns the server's direct answer.
    pub async fn act(&mut self, frame: serde_json::Value) -> serde_json::Value {
        self.send(frame).await;
        self.answer().await
    }

    /// Sends a message and returns the server's direct answer (`notice` "sent" or an `error`).
    pub async fn say(&mut self, text: &str) -> serde_json::Value {
        self.send(serde_json::json!({ "type": "send", "text": text }))
            .await;
        self.answer().await
    }

    /// The server's direct answer to this client's last frame: `ack` or `error`.
    pub async fn answer(&mut self) -> serde_json::Value {
        loop {
            let frame = self.next().await;
            if frame["type"] == "error" || frame["type"] == "ack" {
                return frame;
            }
            assert_ne!(
                frame["type"], "closed",
                "closed while waiting for an answer"
            );
        }
    }
}

impl TestApp {
    /// A chat client of `room` with a tiny receive buffer that never reads (unless the test
    /// does), and the HTTP status of its upgrade.
    pub async fn stalled_chat_client(
        &self,
        room: &str,
    ) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small buffer");
        let addr: std::net::SocketAddr = self
            .http
            .trim_start_matches("http://")
            .parse()
            .expect("addr");
        let stream = socket.connect(addr).await.expect("connect");
        let url = format!("ws://{addr}/api/rooms/{room}/chat");
        let (client, response) = tokio_tungstenite::client_async(url, stream)
            .await
            .expect("the client joins");
        assert_eq!(response.status().as_u16(), 101);
        client
    }
}
