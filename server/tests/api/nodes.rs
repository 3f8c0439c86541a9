//! Several server nodes on one MariaDB database and one Redis: real processes on loopback
//! (`support::nodes`), with real publishers, chat clients and HLS requests.

use crate::support::nodes::Nodes;
use crate::support::{
    assert_refused, publish_ffmpeg, random_key, Accounts, ChatClient, Clip, HttpServer,
    MariadbDatabase, RealServer,
};
use livestream::db::Db;
use std::time::Duration;

/// Nodes starting at once on a new database: one migrates while the others wait for its lock,
/// and then find nothing to do. Without the lock, one died with "Table 'users' already exists".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_on_a_new_database_migrate_it_once() {
    for _ in 0..3 {
        let database = MariadbDatabase::create();
        let starts = (0..3).map(|_| {
            let url = database.url();
            tokio::task::spawn_blocking(move || Db::connect(&url, 2, Duration::from_secs(10)))
        });
        for started in futures_util::future::join_all(starts).await {
            let db = started.expect("the start ran").expect("every node starts");
            assert_eq!(db.backend(), livestream::db::Backend::Mysql);
        }
        let applied = database.query("SELECT COUNT(*) FROM __diesel_schema_migrations");
        let migrations =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/mysql"))
                .expect("the migrations")
                .count();
        assert_eq!(
            applied.trim(),
            migrations.to_string(),
            "each migration recorded once"
        );
    }
}

/// Two processes under one node id would take each other's rooms and drop each other's chat as
/// their own echo: the second is refused at start, with the reason, once the first has held the
/// id for a whole expiry. The first goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_with_the_same_node_id_is_refused() {
    let nodes = Nodes::start(1, |node| {
        node.env("LIVESTREAM_CLUSTER__EXPIRY_SECONDS", "3")
    })
    .await;
    let data = tempfile::tempdir().expect("temp dir");
    let said = nodes.twin(0).refused_start(data.path()).await;
    assert!(
        said.contains(r#"cluster.node_id "node-0" is held by another running node"#),
        "{said}"
    );
    nodes[0].anonymous().get("/readyz").await.assert_status(200);
}

/// Polls `check` every 200 ms until it gives `Some`, for at most `within`; panics with `what`.
async fn eventually<T>(
    within: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {within:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A room's `viewer_count` as node `server` shows it (status checked).
async fn viewers(server: &RealServer, room: &str) -> u64 {
    let shown = server.anonymous().room(room).await.assert_status(200);
    shown["viewer_count"]
        .as_u64()
        .unwrap_or_else(|| panic!("a viewer count: {shown}"))
}

/// Chat messages sent on one node reach the room's clients on another, all of them and in
/// order, and the sender's own node delivers each exactly once (it skips its echo from Redis).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_sent_on_one_node_reaches_every_node_in_order() {
    let nodes = Nodes::start(2, |node| node).await;
    let olive = nodes[0].register_streamer("olive").await;
    let room = nodes[0].as_user(&olive).create_room("Across nodes").await;
    let (mut on_b, _) = ChatClient::join(&nodes[1], &room.id).await;
    let (mut sender, _) = ChatClient::join(&nodes[0], &room.id).await;
    assert_eq!(sender.auth(&olive.token).await["type"], "authenticated");
    let (mut also_on_a, _) = ChatClient::join(&nodes[0], &room.id).await;
    for i in 0..50 {
        let answer = sender.say(&format!("message {i}")).await;
        assert_eq!(answer["type"], "ack", "{answer}");
    }
    for client in [&mut on_b, &mut also_on_a] {
        for i in 0..50 {
            let message = client.expect("message").await;
            assert_eq!(message["text"], format!("message {i}"), "{message}");
        }
        let more = client.collect("message", Duration::from_millis(1500)).await;
        assert!(more.is_empty(), "each message once: {more:?}");
    }
}

/// A room's viewer count is the sum over the nodes; a killed node's viewers are gone from the
/// others' counts within the expiry (15 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_counts_add_up_across_nodes_and_a_killed_nodes_viewers_expire() {
    let mut nodes = Nodes::start(2, |node| node).await;
    let olive = nodes[0].register_streamer("olive").await;
    let room = nodes[0].as_user(&olive).create_room("Counted").await;
    let mut clients = Vec::new();
    for node in [0, 0, 1, 1, 1] {
        clients.push(ChatClient::join(&nodes[node], &room.id).await.0);
    }
    for node in 0..2 {
        let nodes = &nodes;
        let room = &room.id;
        eventually(
            Duration::from_secs(5),
            "five viewers on every node",
            async || (viewers(&nodes[node], room).await == 5).then_some(()),
        )
        .await;
    }
    let killed = tokio::time::Instant::now();
    nodes.kill(0).await;
    let room_id = room.id.clone();
    let b = &nodes[1];
    eventually(
        Duration::from_secs(15),
        "node 0's viewers expire",
        async || (viewers(b, &room_id).await == 3).then_some(()),
    )
    .await;
    println!(
        "a killed node's viewers left the count after {:?}",
        killed.elapsed()
    );
    drop(clients);
}

/// The login limit holds across nodes: attempts on one node count on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_limit_holds_across_nodes() {
    let nodes = Nodes::start(2, |node| {
        node.env("LIVESTREAM_AUTH__LOGIN_ATTEMPTS_PER_MINUTE", "4")
    })
    .await;
    for node in [0, 1, 0, 1] {
        let reply = nodes[node]
            .anonymous()
            .log_in("nobody", "wrong password")
            .await;
        assert_eq!(reply.status, 401, "{reply}");
    }
    for node in [0, 1] {
        let reply = nodes[node]
            .anonymous()
            .log_in("nobody", "wrong password")
            .await;
        assert_eq!(
            reply.status, 429,
            "the fifth attempt is refused everywhere: {reply}"
        );
        assert_eq!(reply.error_code(), Some("rate_limited"), "{reply}");
    }
}

/// A stream published to one node plays through any node's URLs: the room shows it live on
/// both, and the other node answers the master playlist, media playlists (blocking reloads
/// too), init segments, parts and segments with the origin's bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_published_to_one_node_plays_through_another() {
    let nodes = Nodes::start(2, |node| node).await;
    let olive = nodes[0].register_streamer("olive").await;
    let room = nodes[0].as_user(&olive).create_room("Edge").await;
    let publisher = publish_ffmpeg(&nodes.rtmp_url(0, &room.stream_key), Clip::small(20.0), &[]);
    let (a, b) = (&nodes[0], &nodes[1]);
    let room_id = room.id.clone();
    let live = eventually(
        Duration::from_secs(15),
        "the room is playable on node 1",
        async || {
            let shown = b.anonymous().room(&room_id).await.assert_status(200);
            (shown["live"]["playable"] == true).then_some(shown)
        },
    )
    .await;
    let playback = live["live"]["playback_url"].as_str().expect("playback url");
    assert!(
        playback.starts_with(&b.http),
        "node 1 names its own URL: {playback}"
    );
    let streams = b.anonymous().streams().await.assert_status(200);
    assert_eq!(
        streams["streams"].as_array().map(Vec::len),
        Some(1),
        "{streams}"
    );
    let stream_id = live["live"]["stream_id"]
        .as_str()
        .expect("stream id")
        .to_owned();

    let get = async |server: &RealServer, path: &str| {
        let response = server
            .client
            .get(format!("{}/hls/{stream_id}/{path}", server.http))
            .send()
            .await
            .expect("HLS request");
        let status = response.status().as_u16();
        let cache = response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let body = response.bytes().await.expect("HLS body");
        (status, cache, body)
    };
    let (status, _, master) = get(b, "master.m3u8").await;
    assert_eq!(status, 200);
    let master = String::from_utf8_lossy(&master).into_owned();
    assert!(master.starts_with("#EXTM3U"), "{master}");
    let rendition = master
        .lines()
        .find(|l| !l.starts_with('#') && l.ends_with("playlist.m3u8"))
        .expect("a rendition")
        .trim_end_matches("/playlist.m3u8")
        .to_owned();
    let (status, _, playlist) = get(b, &format!("{rendition}/playlist.m3u8")).await;
    assert_eq!(status, 200);
    let playlist = m3u8_rs::parse_media_playlist_res(&playlist).expect("a media playlist");
    let segment = playlist.segments.first().expect("a segment");
    let msn = playlist.media_sequence;
    for path in [
        format!("{rendition}/init.mp4"),
        format!("{rendition}/{}", segment.uri),
    ] {
        let (status, cache, from_b) = get(b, &path).await;
        assert_eq!(status, 200, "{path} through node 1");
        assert_eq!(
            cache.as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        let (_, _, from_a) = get(a, &path).await;
        assert!(
            !from_b.is_empty() && from_a == from_b,
            "{path}: the origin's bytes"
        );
    }
    // A blocking reload for the next segment, held by the origin and passed through.
    let next = msn + playlist.segments.len() as u64;
    let (status, cache, blocked) = get(
        b,
        &format!("{rendition}/playlist.m3u8?_HLS_msn={next}&_HLS_part=0"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("public, max-age=1, s-maxage=1"));
    // The part asked for did not exist when the reload was sent: only an answer that waited for
    // it lists it.
    let blocked = String::from_utf8_lossy(&blocked).into_owned();
    assert!(
        blocked.contains("#EXT-X-PART:DURATION=")
            && blocked.contains(&format!("URI=\"{next}.0.m4s\"")),
        "the reload waited for part {next}.0:\n{blocked}"
    );
    m3u8_rs::parse_media_playlist_res(blocked.as_bytes()).expect("a media playlist");
    // Parts: the one the reload waited for is there, through node 1.
    let (status, _, part) = get(b, &format!("{rendition}/{next}.0.m4s")).await;
    assert_eq!(status, 200, "part {next}.0");
    assert!(!part.is_empty());
    // Unknown names stay 404 through the edge, and a request beyond the live edge is a 400.
    assert_eq!(get(b, &format!("{rendition}/999999.m4s")).await.0, 404);
    let (status, _, _) = get(
        b,
        &format!("{rendition}/playlist.m3u8?_HLS_msn={}", next + 1000),
    )
    .await;
    assert_eq!(status, 400, "too far ahead");
    drop(publisher);
}

/// The sum of a Prometheus series' values over the lines that start with `prefix`.
async fn metric_sum(server: &RealServer, prefix: &str) -> f64 {
    let text = server
        .client
        .get(format!("{}/metrics", server.metrics))
        .send()
        .await
        .expect("the metrics listener answers")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// HLS requests the origin node answered, by route.
const HLS_SERVED: &str =
    "livestream_http_request_duration_seconds_count{route=\"/hls/{stream_id}/{file:.*}\"";

/// An anonymous client cannot make the edge fetch, or hold, more than the stream itself: cache
/// busters and 1-byte ranges are one cached fetch, blocking reloads abandoned at once (each
/// with its own junk query) are one fetch that leaves nothing behind, and the playlist keeps
/// moving for the next client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_and_busted_edge_requests_are_one_fetch_and_leave_nothing_behind() {
    let nodes = Nodes::start(2, |node| node).await;
    let olive = nodes[0].register_streamer("olive").await;
    let room = nodes[0].as_user(&olive).create_room("Edge").await;
    let publisher = publish_ffmpeg(&nodes.rtmp_url(0, &room.stream_key), Clip::small(30.0), &[]);
    let (a, b) = (&nodes[0], &nodes[1]);
    let room_id = room.id.clone();
    let live = eventually(Duration::from_secs(15), "playable on node 1", async || {
        let shown = b.anonymous().room(&room_id).await.assert_status(200);
        (shown["live"]["playable"] == true).then_some(shown)
    })
    .await;
    let stream_id = live["live"]["stream_id"].as_str().expect("id").to_owned();
    let hls = |server: &RealServer, path: &str| format!("{}/hls/{stream_id}/{path}", server.http);
    let playlist = b
        .client
        .get(hls(b, "360p/playlist.m3u8"))
        .send()
        .await
        .expect("playlist");
    assert_eq!(playlist.status(), 200);
    let playlist = playlist.bytes().await.expect("body");
    let playlist = m3u8_rs::parse_media_playlist_res(&playlist).expect("a media playlist");
    let segment = playlist.segments.last().expect("a segment").uri.clone();
    let next = playlist.media_sequence + playlist.segments.len() as u64;

    // One segment, 20 times with a cache buster, 10 of them for one byte.
    let before = metric_sum(a, HLS_SERVED).await;
    let mut whole = None;
    for i in 0..30 {
        let mut request = b.client.get(format!(
            "{}?cb={}",
            hls(b, &format!("360p/{segment}")),
            random_key()
        ));
        if i >= 20 {
            request = request.header("range", "bytes=0-0");
        }
        let response = request.send().await.expect("segment");
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("body");
        if i < 20 {
            assert_eq!(status, 200);
            assert!(whole.get_or_insert(body.clone()) == &body, "the same bytes");
        } else {
            assert_eq!((status, body.len()), (206, 1));
        }
    }
    let fetched = metric_sum(a, HLS_SERVED).await - before;
    assert_eq!(fetched, 1.0, "30 requests of one segment through the edge");

    // Thirty blocking reloads for the next segment, each with junk and each abandoned at once.
    let before = metric_sum(a, HLS_SERVED).await;
    let abandoned = (0..30).map(|_| {
        let url = format!(
            "{}?_HLS_msn={next}&junk={}",
            hls(b, "360p/playlist.m3u8"),
            random_key()
        );
        let client = b.client.clone();
        async move {
            let sent = tokio::time::timeout(Duration::from_millis(100), client.get(url).send());
            assert!(
                sent.await.is_err(),
                "the reload is still held when abandoned"
            );
        }
    });
    futures_util::future::join_all(abandoned).await;
    eventually(
        Duration::from_secs(10),
        "no fetch left on node 1",
        async || (metric_sum(b, "livestream_edge_fetches_in_flight").await == 0.0).then_some(()),
    )
    .await;
    let fetched = metric_sum(a, HLS_SERVED).await - before;
    assert_eq!(fetched, 1.0, "30 abandoned reloads were one fetch");
    // The edge still follows the stream: later reloads without directives see it grow.
    let segments_now = async || {
        let text = b
            .client
            .get(hls(b, "360p/playlist.m3u8"))
            .send()
            .await
            .expect("playlist")
            .bytes()
            .await
            .expect("body");
        let playlist = m3u8_rs::parse_media_playlist_res(&text).expect("a media playlist");
        playlist.media_sequence + playlist.segments.len() as u64
    };
    let first = segments_now().await;
    assert!(
        first > next,
        "the abandoned reload's segment is out: {first}"
    );
    eventually(
        Duration::from_secs(10),
        "the playlist moves on",
        async || (segments_now().await > first).then_some(()),
    )
    .await;
    drop(publisher);
}

/// A room live on one node cannot be published on another: the second publisher is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_publisher_of_a_room_on_another_node_is_refused() {
    let nodes = Nodes::start(2, |node| node).await;
    let olive = nodes[0].register_streamer("olive").await;
    let room = nodes[0].as_user(&olive).create_room("Claimed").await;
    let first = publish_ffmpeg(&nodes.rtmp_url(0, &room.stream_key), Clip::small(20.0), &[]);
    let a = &nodes[0];
    let room_id = room.id.clone();
    eventually(Duration::from_secs(15), "the room is live", async || {
        let shown = a.anonymous().room(&room_id).await.assert_status(200);
        (!shown["live"].is_null()).then_some(())
    })
    .await;
    let second = publish_ffmpeg(&nodes.rtmp_url(1, &room.stream_key), Clip::small(5.0), &[]);
    assert_refused(second, Duration::from_secs(15)).await;
    nodes[1]
        .wait_log("the room is live on another node", Duration::from_secs(5))
        .await;
    drop(first);
}

/// SIGKILL on the origin mid-stream: the other node shows the room offline once the origin's
/// claim expires (`cluster.expiry_seconds`, 15 s after its last heartbeat, and the sweep runs
/// every second: 16 s at worst; waited for 25 s), and
/// the origin's restart repairs the archive its crash left and stores it in the shared bucket,
/// from which the other node serves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_origin_goes_offline_everywhere_and_its_restart_repairs_and_stores_the_archive() {
    let mut nodes = Nodes::start(2, |node| {
        node.env("LIVESTREAM_STORAGE__S3__ENDPOINT", "http://127.0.0.1:8333")
            .env("LIVESTREAM_STORAGE__S3__BUCKET", "recordings")
            .env("LIVESTREAM_STORAGE__S3__ACCESS_KEY_ID", "livestream-test")
            .env(
                "LIVESTREAM_STORAGE__S3__SECRET_ACCESS_KEY",
                "livestream-test-secret",
            )
    })
    .await;
    let olive = nodes[0].register_streamer("olive").await;
    let room = nodes[0].as_user(&olive).create_room("Crash").await;
    let publisher = publish_ffmpeg(&nodes.rtmp_url(0, &room.stream_key), Clip::small(60.0), &[]);
    let room_id = room.id.clone();
    {
        let b = &nodes[1];
        eventually(
            Duration::from_secs(15),
            "the room is playable on node 1",
            async || {
                let shown = b.anonymous().room(&room_id).await.assert_status(200);
                (shown["live"]["playable"] == true).then_some(())
            },
        )
        .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let killed = tokio::time::Instant::now();
    nodes.kill(0).await;
    drop(publisher);
    {
        let b = &nodes[1];
        eventually(
            Duration::from_secs(25),
            "the room is offline on node 1",
            async || {
                let shown = b.anonymous().room(&room_id).await.assert_status(200);
                shown["live"].is_null().then_some(())
            },
        )
        .await;
        let streams = b.anonymous().streams().await.assert_status(200);
        assert_eq!(streams["streams"], serde_json::json!([]), "{streams}");
    }
    println!("offline everywhere {:?} after the crash", killed.elapsed());
    nodes.restart(0).await;
    let a = &nodes[0];
    let recording = eventually(
        Duration::from_secs(30),
        "the archive is repaired",
        async || {
            let list = a
                .as_user(&olive)
                .recordings(&room_id)
                .await
                .assert_status(200);
            let first = list.as_array().and_then(|l| l.first()).cloned()?;
            (first["status"] == "complete").then_some(first)
        },
    )
    .await;
    assert_eq!(recording["end_reason"], "server_restart", "{recording}");
    assert!(
        recording["duration_ms"].as_i64().unwrap_or(0) > 2000,
        "{recording}"
    );
    let bytes = recording["bytes"].as_u64().expect("bytes");
    let id = recording["id"].as_str().expect("id");
    let file = format!("{}/api/recordings/{id}/file", nodes[1].http);
    let b = &nodes[1];
    let served = eventually(
        Duration::from_secs(30),
        "node 1 serves the stored archive",
        async || {
            let response = b.client.get(&file).send().await.expect("GET the recording");
            (response.status() == 200).then_some(response)
        },
    )
    .await;
    let body = served.bytes().await.expect("the archive");
    assert_eq!(
        body.len() as u64,
        bytes,
        "the whole repaired archive, from the bucket"
    );
    let recordings = nodes[0].data_dir().join("recordings");
    eventually(
        Duration::from_secs(5),
        "node 0 removes its local copy",
        async || {
            let left = std::fs::read_dir(&recordings)
                .expect("recordings dir")
                .filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "mkv"));
            (!left).then_some(())
        },
    )
    .await;
}

/// What changes rights or a room's chat switches on one node holds on the others at once: chat
/// switched off through node 0 refuses a message on node 1, and a viewer who logs out on node 0
/// loses their chat session on node 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_and_chat_switches_changed_on_one_node_hold_on_the_others() {
    let nodes = Nodes::start(2, |node| node).await;
    let olive = nodes[0].register_streamer("olive").await;
    let vera = nodes[0].register_viewer("vera").await;
    let room = nodes[0].as_user(&olive).create_room("Rules").await;
    let (mut watcher, _) = ChatClient::join(&nodes[1], &room.id).await;
    let (mut viewer, _) = ChatClient::join(&nodes[1], &room.id).await;
    assert_eq!(viewer.auth(&vera.token).await["type"], "authenticated");
    for enabled in [false, true] {
        nodes[0]
            .as_user(&olive)
            .update_room(&room.id, serde_json::json!({ "chat_enabled": enabled }))
            .await
            .assert_status(200);
        let settings = watcher.expect("room_settings").await;
        assert_eq!(settings["chat_enabled"], enabled, "{settings}");
        let answer = viewer.say("hello").await;
        if enabled {
            assert_eq!(answer["type"], "ack", "{answer}");
        } else {
            assert_eq!(answer["code"], "chat_disabled", "{answer}");
        }
    }
    nodes[0].as_user(&vera).log_out().await.assert_status(204);
    let frame = viewer.expect("error").await;
    assert_eq!(frame["code"], "unauthenticated", "{frame}");
    assert_eq!(viewer.say("still here?").await["code"], "unauthenticated");
}

/// A node stopped with SIGTERM releases its rooms' claims before it exits, so the streamer
/// who reconnects to another node is taken at once, not when the claim would have expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_node_frees_its_rooms_for_the_others_at_once() {
    let mut nodes = Nodes::start(2, |node| node).await;
    let olive = nodes[0].register_streamer("olive").await;
    let room = nodes[0].as_user(&olive).create_room("Moving").await;
    let first = publish_ffmpeg(&nodes.rtmp_url(0, &room.stream_key), Clip::small(30.0), &[]);
    nodes[0].wait_live(1, Duration::from_secs(15)).await;
    let claim = nodes.redis_get(&format!("room:{}", room.id));
    assert!(
        claim.as_deref().is_some_and(|c| c.contains("node-0")),
        "claimed: {claim:?}"
    );
    let mut stopped = nodes.take(0);
    stopped.terminate();
    let exited = tokio::time::timeout(Duration::from_secs(20), stopped.child.wait())
        .await
        .expect("node 0 stops")
        .expect("wait");
    assert!(exited.success(), "{}", stopped.log());
    assert_eq!(
        nodes.redis_get(&format!("room:{}", room.id)),
        None,
        "the claim is gone"
    );
    drop(first);
    let second = publish_ffmpeg(&nodes.rtmp_url(1, &room.stream_key), Clip::small(20.0), &[]);
    let b = &nodes[1];
    let room_id = room.id.clone();
    eventually(
        Duration::from_secs(10),
        "the room is live on node 1",
        async || {
            let shown = b.anonymous().room(&room_id).await.assert_status(200);
            (!shown["live"].is_null()).then_some(())
        },
    )
    .await;
    drop(second);
}
