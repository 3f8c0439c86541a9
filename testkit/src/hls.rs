//! What the benchmarks ask of a running server as a player would: the playable stream, its
//! multivariant playlist and the media playlists it names.

/// The id of the first live stream once it is playable, `None` before.
pub async fn playable_stream(
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<Option<String>> {
    let body: serde_json::Value = client
        .get(format!("{base}/api/streams"))
        .send()
        .await?
        .json()
        .await?;
    Ok(if body["streams"][0]["playable"] == true {
        body["streams"][0]["id"].as_str().map(str::to_owned)
    } else {
        None
    })
}

/// The stream's multivariant playlist.
pub async fn master_playlist(
    client: &reqwest::Client,
    base: &str,
    id: &str,
) -> anyhow::Result<m3u8_rs::MasterPlaylist> {
    let text = client
        .get(format!("{base}/hls/{id}/master.m3u8"))
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    m3u8_rs::parse_master_playlist_res(&text).map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// Every media playlist the multivariant playlist names: the variants, then the alternatives.
pub fn media_playlists(master: &m3u8_rs::MasterPlaylist) -> Vec<String> {
    let mut playlists: Vec<String> = master.variants.iter().map(|v| v.uri.clone()).collect();
    playlists.extend(master.alternatives.iter().filter_map(|a| a.uri.clone()));
    playlists
}
