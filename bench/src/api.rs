//! The server's JSON API as the benchmarks call it, every status checked.

/// Sends `body` to `url` (as `token`'s user, if given); the JSON answer of a success.
pub async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    success(request).await
}

/// GETs `url` as `token`'s user; the JSON answer of a success.
pub async fn get(
    client: &reqwest::Client,
    url: String,
    token: &str,
) -> anyhow::Result<serde_json::Value> {
    success(client.get(url).bearer_auth(token)).await
}

/// Sends `request`; its JSON answer if the status is a success, else the status and body.
async fn success(request: reqwest::RequestBuilder) -> anyhow::Result<serde_json::Value> {
    let response = request.send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{}: {}",
        response.status(),
        response.text().await.unwrap_or_default()
    );
    Ok(response.json().await?)
}
