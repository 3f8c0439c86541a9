//! A raw RTMP peer for tests that need to send what no real encoder would: it completes a real
//! handshake, then writes any message (or any bytes) and reads what the server answers.

use rml_rtmp::chunk_io::{ChunkDeserializer, ChunkLimits, ChunkSerializer};
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::messages::{MessagePayload, RtmpMessage};
use rml_rtmp::rml_amf0::Amf0Value;
use rml_rtmp::time::RtmpTimestamp;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// What the server did next.
#[derive(Debug)]
pub enum Next {
    Message(RtmpMessage),
    /// The server closed the connection (end of stream or reset).
    Closed,
    TimedOut,
}

/// A raw RTMP client connection.
pub struct RtmpClient {
    socket: TcpStream,
    serializer: ChunkSerializer,
    deserializer: ChunkDeserializer,
    inbox: VecDeque<RtmpMessage>,
    closed: bool,
    transaction: f64,
}

/// Opens a TCP connection from `local` (any loopback address) to `server`.
pub async fn connect_from(local: IpAddr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(local, 0))?;
    socket.connect(server).await
}

impl RtmpClient {
    /// Connects to `server` and completes the handshake; fails if the server closes first.
    pub async fn connect(server: SocketAddr) -> std::io::Result<Self> {
        Self::connect_from(IpAddr::from([127, 0, 0, 1]), server).await
    }

    /// Connects from the loopback address `local` and completes the handshake.
    pub async fn connect_from(local: IpAddr, server: SocketAddr) -> std::io::Result<Self> {
        let mut socket = connect_from(local, server).await?;
        let mut handshake = Handshake::new(PeerType::Client);
        let p0_p1 = handshake.generate_outbound_p0_and_p1().map_err(io_error)?;
        socket.write_all(&p0_p1).await?;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            match handshake.process_bytes(&buf[..n]).map_err(io_error)? {
                HandshakeProcessResult::InProgress { response_bytes } => {
                    socket.write_all(&response_bytes).await?
                }
                HandshakeProcessResult::Completed {
                    response_bytes,
                    remaining_bytes,
                } => {
                    socket.write_all(&response_bytes).await?;
                    let mut client = Self {
                        socket,
                        serializer: ChunkSerializer::new(),
                        deserializer: ChunkDeserializer::with_limits(ChunkLimits::default()),
                        inbox: VecDeque::new(),
                        closed: false,
                        transaction: 1.0,
                    };
                    client.absorb(&remaining_bytes)?;
                    return Ok(client);
                }
            }
        }
    }

    /// Sends one message on `stream_id`.
    pub async fn send(&mut self, message: RtmpMessage, stream_id: u32) -> std::io::Result<()> {
        let payload = message
            .into_message_payload(RtmpTimestamp::new(0), stream_id)
            .map_err(io_error)?;
        self.send_payload(&payload).await
    }

    /// Sends a payload as it is (any type id, any bytes), chunked as a real encoder would.
    pub async fn send_payload(&mut self, payload: &MessagePayload) -> std::io::Result<()> {
        let packet = self
            .serializer
            .serialize(payload, false, false)
            .map_err(io_error)?;
        self.socket.write_all(&packet.bytes).await
    }

    /// Writes raw bytes after the handshake.
    pub async fn send_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.socket.write_all(bytes).await
    }

    /// Sends an AMF0 command with the next transaction id.
    pub async fn command(
        &mut self,
        name: &str,
        object: Amf0Value,
        arguments: Vec<Amf0Value>,
        stream_id: u32,
    ) -> std::io::Result<()> {
        self.transaction += 1.0;
        let message = RtmpMessage::Amf0Command {
            command_name: name.to_owned(),
            transaction_id: self.transaction,
            command_object: object,
            additional_arguments: arguments,
        };
        self.send(message, stream_id).await
    }

    /// The next message from the server, `Closed` once it hangs up, or `TimedOut`.
    pub async fn next(&mut self, within: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + within;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if let Some(message) = self.inbox.pop_front() {
                return Next::Message(message);
            }
            if self.closed {
                return Next::Closed;
            }
            match tokio::time::timeout_at(deadline, self.socket.read(&mut buf)).await {
                Err(_) => return Next::TimedOut,
                Ok(Ok(0)) | Ok(Err(_)) => self.closed = true,
                Ok(Ok(n)) => {
                    if self.absorb(&buf[..n]).is_err() {
                        self.closed = true;
                    }
                }
            }
        }
    }

    /// Reads until the server closes the connection; panics if it has not within `within`.
    pub async fn expect_closed(&mut self, within: Duration, what: &str) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Next::Closed => return,
                Next::TimedOut => panic!("{what}: the server did not close within {within:?}"),
                Next::Message(_) => {}
            }
        }
    }

    /// Waits for the answer to a command: `_result`, `_error` or an `onStatus` code.
    pub async fn answer(&mut self, within: Duration) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Next::Message(RtmpMessage::Amf0Command {
                    command_name,
                    additional_arguments,
                    ..
                }) => match command_name.as_str() {
                    "_result" | "_error" => return Ok(command_name),
                    "onStatus" => return Ok(status_code(&additional_arguments)),
                    _ => {}
                },
                Next::Message(_) => {}
                Next::Closed => return Err("closed".into()),
                Next::TimedOut => return Err("timed out".into()),
            }
        }
    }

    /// `connect` to `app`; returns the answer's name (`_result` when accepted).
    pub async fn connect_app(&mut self, app: &str) -> Result<String, String> {
        let mut properties = HashMap::new();
        properties.insert("app".to_owned(), Amf0Value::Utf8String(app.to_owned()));
        properties.insert(
            "tcUrl".to_owned(),
            Amf0Value::Utf8String(format!("rtmp://127.0.0.1/{app}")),
        );
        self.command("connect", Amf0Value::Object(properties), vec![], 0)
            .await
            .map_err(|e| e.to_string())?;
        self.answer(Duration::from_secs(10)).await
    }

    /// `connect`, `createStream` and `publish`: the `onStatus` code of the publish answer.
    pub async fn publish(&mut self, app: &str, key: &str) -> Result<String, String> {
        let connected = self.connect_app(app).await?;
        if connected != "_result" {
            return Err(connected);
        }
        self.command("createStream", Amf0Value::Null, vec![], 0)
            .await
            .map_err(|e| e.to_string())?;
        self.answer(Duration::from_secs(10)).await?;
        self.command(
            "publish",
            Amf0Value::Null,
            vec![
                Amf0Value::Utf8String(key.to_owned()),
                Amf0Value::Utf8String("live".to_owned()),
            ],
            1,
        )
        .await
        .map_err(|e| e.to_string())?;
        self.answer(Duration::from_secs(10)).await
    }

    fn absorb(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut input = bytes;
        while let Some(payload) = self
            .deserializer
            .get_next_message(input)
            .map_err(io_error)?
        {
            input = &[];
            let message = payload.to_rtmp_message().map_err(io_error)?;
            if let RtmpMessage::SetChunkSize { size } = message {
                self.deserializer
                    .set_max_chunk_size(size as usize)
                    .map_err(io_error)?;
            }
            self.inbox.push_back(message);
        }
        Ok(())
    }
}

fn status_code(arguments: &[Amf0Value]) -> String {
    arguments
        .iter()
        .find_map(|v| match v {
            Amf0Value::Object(p) => match p.get("code") {
                Some(Amf0Value::Utf8String(code)) => Some(code.clone()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_default()
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}
