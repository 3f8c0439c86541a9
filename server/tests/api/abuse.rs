//! Abuse limits: registrations and logins per client address, where the client address comes
//! from (the socket, or a configured proxy's headers), the public URLs built from the request's
//! host, chat sockets per address, and clients that stop reading.

use crate::support::*;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::Duration;

/// An HTTP client whose connections come from the loopback address `local`.
fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local.parse::<IpAddr>().expect("ip"))
        .build()
        .expect("client")
}

async fn post(
    client: &reqwest::Client,
    url: String,
    headers: &[(&str, &str)],
    body: Value,
) -> (u16, Value) {
    let mut request = client.post(url).json(&body);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.expect("HTTP request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_are_limited_per_client_address() {
    let app = TestApp::builder()
        .settings(|s| s.auth.registrations_per_hour = 3)
        .spawn()
        .await;
    let url = format!("{}/api/auth/register", app.http);
    let here = client_from("127.0.0.1");
    for i in 0..3 {
        let (status, body) = post(
            &here,
            url.clone(),
            &[],
            json!({ "username": format!("user{i}"), "password": PASSWORD, "role": "streamer" }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    // A forged X-Forwarded-For changes nothing: the socket says who the client is.
    let (status, body) = post(
        &here,
        url.clone(),
        &[("x-forwarded-for", "198.51.100.77")],
        json!({ "username": "user3", "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (429, &json!("rate_limited")),
        "{body}"
    );
    let (status, body) = post(
        &client_from("127.0.0.2"),
        url,
        &[],
        json!({ "username": "user4", "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "another address may register: {body}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_count_only_from_a_trusted_proxy() {
    let failed_login = json!({ "username": "nobody", "password": "wrong-password-123" });
    // No trusted proxy: rotating X-Forwarded-For does not escape the login limit.
    let app = TestApp::builder()
        .settings(|s| s.auth.login_attempts_per_minute = 2)
        .spawn()
        .await;
    let url = format!("{}/api/auth/login", app.http);
    for (i, expected) in [401, 401, 429].into_iter().enumerate() {
        let forged = format!("203.0.113.{i}");
        let (status, body) = post(
            &app.client,
            url.clone(),
            &[
                ("x-forwarded-for", &forged),
                ("forwarded", &format!("for={forged}")),
            ],
            failed_login.clone(),
        )
        .await;
        assert_eq!(status, expected, "attempt {i}: {body}");
    }
    app.stop().await;

    // Behind a trusted proxy (here: loopback), each forwarded client has its own limit.
    let app = TestApp::builder()
        .settings(|s| {
            s.auth.login_attempts_per_minute = 2;
            s.http.trusted_proxies = vec!["127.0.0.0/8".into()];
        })
        .spawn()
        .await;
    let url = format!("{}/api/auth/login", app.http);
    for (client, expected) in [
        ("198.51.100.1", 401),
        ("198.51.100.1", 401),
        ("198.51.100.1", 429),
        ("198.51.100.2", 401),
    ] {
        let (status, body) = post(
            &app.client,
            url.clone(),
            &[("x-forwarded-for", client)],
            failed_login.clone(),
        )
        .await;
        assert_eq!(status, expected, "{client}: {body}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_urls_follow_the_host_the_client_used_ipv6_included() {
    let app = TestApp::builder().spawn().await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Hosts").await.id;
    let show = |host: &'static str, extra: Option<(&'static str, &'static str)>| {
        let mut request = app
            .client
            .get(format!("{}/api/rooms/{room}", app.http))
            .header("host", host);
        if let Some((k, v)) = extra {
            request = request.header(k, v);
        }
        async move {
            let response = request.send().await.expect("HTTP request");
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.expect("JSON");
            body["ingest_url"]
                .as_str()
                .expect("an ingest URL")
                .to_owned()
        }
    };
    let port = app.rtmp_port;
    assert_eq!(
        show("[::1]:8080", None).await,
        format!("rtmp://[::1]:{port}/live")
    );
    assert_eq!(
        show("live.example.org", None).await,
        format!("rtmp://live.example.org:{port}/live")
    );
    // From an untrusted peer, a forwarded host is ignored; a malformed host is not echoed.
    assert_eq!(
        show(
            "live.example.org",
            Some(("x-forwarded-host", "evil.example"))
        )
        .await,
        format!("rtmp://live.example.org:{port}/live")
    );
    assert_eq!(
        show("evil.example/x?", None).await,
        format!("rtmp://localhost:{port}/live")
    );
    app.stop().await;
}

/// Opens a chat WebSocket from `local`; the HTTP status of the answer (101 when accepted) and
/// the socket.
async fn open_chat(
    app: &TestApp,
    room: &str,
    local: &str,
) -> (
    u16,
    Option<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>>,
) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::new(local.parse().expect("ip"), 0))
        .expect("bind");
    let addr: std::net::SocketAddr = app
        .http
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let stream = socket.connect(addr).await.expect("connect");
    match tokio_tungstenite::client_async(format!("ws://{addr}/api/rooms/{room}/chat"), stream)
        .await
    {
        Ok((socket, response)) => (response.status().as_u16(), Some(socket)),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            (response.status().as_u16(), None)
        }
        Err(e) => panic!("the chat handshake failed without an HTTP answer: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_sockets_are_capped_per_address() {
    let app = TestApp::builder()
        .settings(|s| s.chat.max_connections_per_address = 3)
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Capped").await.id;
    let mut open = Vec::new();
    for _ in 0..3 {
        let (status, socket) = open_chat(&app, &room, "127.0.0.1").await;
        assert_eq!(status, 101);
        open.push(socket.expect("a socket"));
    }
    let (status, _) = open_chat(&app, &room, "127.0.0.1").await;
    assert_eq!(
        status, 429,
        "a fourth anonymous socket from one address is refused"
    );
    let (status, _) = open_chat(&app, &room, "127.0.0.2").await;
    assert_eq!(status, 101, "another address is not affected");
    // Closing one frees its place.
    let mut first = open.remove(0);
    first.close(None).await.expect("close");
    drop(first);
    let mut status = 0;
    for _ in 0..50 {
        (status, _) = open_chat(&app, &room, "127.0.0.1").await;
        if status == 101 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 101, "the closed socket's place is free again");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_disconnected() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let app = TestApp::builder()
        .settings(|s| {
            s.http.write_timeout_seconds = 2;
            s.chat.messages_per_window = 1_000_000;
        })
        .spawn()
        .await;
    let olive = app.register_streamer("olive").await;
    let room = app.as_user(&olive).create_room("Stalled").await.id;
    // A client with a tiny receive buffer that never reads.
    let mut stalled = app.stalled_chat_client(&room).await;
    let (mut writer, _) = ChatClient::join(&app, &room).await;
    assert_eq!(writer.auth(&olive.token).await["type"], "authenticated");
    // Enough to fill every buffer between the server and the stalled client.
    let text = "🎥".repeat(500);
    for _ in 0..400 {
        assert_eq!(writer.say(&text).await["text"], "sent");
    }
    // The server gives up on the client: the connection is gone, which the client sees as its
    // writes failing (the server answers them with a reset).
    let mut dropped = None;
    for _ in 0..240 {
        match tokio::time::timeout(
            Duration::from_millis(250),
            stalled.send(Message::Ping(vec![1].into())),
        )
        .await
        {
            Ok(Err(e)) => {
                dropped = Some(e.to_string());
                break;
            }
            Ok(Ok(())) | Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    assert!(
        dropped.is_some(),
        "the stalled client's connection was never dropped"
    );
    // Everyone else is still served.
    assert_eq!(writer.say("still here").await["text"], "sent");
    app.stop().await;
}
