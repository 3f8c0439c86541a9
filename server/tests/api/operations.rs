//! Running the server: one instance per data directory, and logs that keep secrets out and
//! cannot be forged from outside.

use crate::support::rtmp_peer::RtmpClient;
use crate::support::*;
use std::process::Stdio;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_on_the_same_data_directory_refuses_to_start() {
    let mut app = TestApp::builder().spawn().await;
    let key = app.keys[0].clone();
    let publisher = app.publish_ffmpeg(&key, Clip::small(30.0), &[]);
    let stream = app.wait_started().await;
    app.wait_playable(&stream).await;
    let second = RealServer::builder()
        .command(app.data_dir())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let out = tokio::time::timeout(Duration::from_secs(30), second.wait_with_output())
        .await
        .expect("the second instance exits by itself")
        .expect("its output");
    assert!(!out.status.success(), "the second instance must not run");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("another livestream instance is running on the data directory"),
        "{said}"
    );
    // The first one's live output is untouched and still served.
    let served = app.get(&format!("/hls/{stream}/master.m3u8")).await;
    assert_eq!(served.status(), 200);
    drop(publisher);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_stream_key_and_no_forged_lines() {
    let server = RealServer::builder()
        .stream_key("dev-key-for-logs-1234")
        .spawn()
        .await;
    // A streamer pasted the whole URL, key included, as the server URL.
    let secret = "sk_PastedKeyThatMustNeverBeLogged1234";
    let mut client = RtmpClient::connect(server.rtmp)
        .await
        .expect("RTMP connects");
    let answer = client.connect_app(&format!("live/{secret}")).await;
    assert_eq!(
        answer.as_deref(),
        Ok("_error"),
        "the application is refused"
    );
    server
        .wait_log(
            "connect to unknown RTMP application refused",
            Duration::from_secs(10),
        )
        .await;
    // A username that tries to start a log line of its own.
    let forged = "mallory\nERROR forged: the server is compromised";
    server
        .anonymous()
        .log_in(forged, "wrong-password-123")
        .await
        .assert_status(401);
    server
        .wait_log("failed login", Duration::from_secs(10))
        .await;
    let log = server.log();
    assert!(
        !log.contains("PastedKeyThatMustNeverBeLogged"),
        "the key reached the log:\n{log}"
    );
    assert!(
        !log.lines().any(|line| line.starts_with("ERROR forged")),
        "a forged line:\n{log}"
    );
    assert!(
        log.contains("mallory\\nERROR forged"),
        "the value is logged, escaped:\n{log}"
    );
}
