//! HTTP as a client sees it: `server.as_user(&olive)` (or `server.anonymous()`) makes requests
//! with that user's token, and every answer is a [`Reply`] whose status the caller checks before
//! it reads the body: a test with [`Reply::assert_status`], a benchmark with [`Reply::success`].
//! The same calls work on any [`HttpServer`]: the tests' in-process app, the real binary, or a
//! [`Remote`] base URL.

pub mod accounts;
pub mod rooms;

pub use accounts::Accounts;
pub use rooms::CreatedRoom;

use reqwest::Method;
use serde_json::Value;

/// A logged-in account: who it is and the access token of its session.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

/// A server spoken HTTP to.
pub trait HttpServer {
    /// `http://127.0.0.1:PORT`.
    fn base_url(&self) -> &str;

    /// The client to send with.
    fn http_client(&self) -> &reqwest::Client;

    /// Calls the API as `user`.
    fn as_user<'a>(&'a self, user: &'a User) -> Api<'a> {
        self.with_token(&user.token)
    }

    /// Calls the API with this bearer token, whatever it is (an old one, a refreshed one, junk).
    fn with_token<'a>(&'a self, token: &'a str) -> Api<'a> {
        Api {
            base: self.base_url(),
            client: self.http_client(),
            token: Some(token),
        }
    }

    /// Calls the API without a token.
    fn anonymous(&self) -> Api<'_> {
        Api {
            base: self.base_url(),
            client: self.http_client(),
            token: None,
        }
    }
}

/// A server known by its base URL (`http://127.0.0.1:PORT`).
pub struct Remote {
    pub base: String,
    pub client: reqwest::Client,
}

impl Remote {
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            base: base.into(),
            client: reqwest::Client::new(),
        }
    }
}

impl HttpServer for Remote {
    fn base_url(&self) -> &str {
        &self.base
    }

    fn http_client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// The API of one server, called as one user (or anonymously).
#[derive(Clone, Copy)]
pub struct Api<'a> {
    base: &'a str,
    client: &'a reqwest::Client,
    token: Option<&'a str>,
}

/// An answer: its status, and its JSON body (`null` when there is none or it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// `METHOD /path`, for messages.
    pub request: String,
    pub status: u16,
    pub body: Value,
    /// The body as sent, when it was not JSON.
    not_json: Option<String>,
}

impl Reply {
    /// Panics unless the status is `expected` and the body (if any) is JSON; returns the body.
    #[track_caller]
    pub fn assert_status(self, expected: u16) -> Value {
        assert_eq!(
            self.status, expected,
            "{}: {} {}",
            self.request, self.status, self.body
        );
        if let Some(text) = &self.not_json {
            panic!("{}: a body that is not JSON: {text:?}", self.request);
        }
        self.body
    }

    /// The machine-readable code of an error answer (`error.code`).
    pub fn error_code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }

    /// Whether an error answer names `field` among its invalid fields (`error.fields`).
    pub fn names_field(&self, field: &str) -> bool {
        self.body["error"]["fields"][field].is_string()
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} {}", self.request, self.status, self.body)
    }
}

impl Reply {
    /// The JSON body of a success; otherwise an error naming the request, status and body.
    pub fn success(self) -> anyhow::Result<Value> {
        anyhow::ensure!((200..300).contains(&self.status), "{self}");
        Ok(self.body)
    }
}

/// Sends a request exactly as given (a bearer token when given, a JSON body when given); panics
/// only if no answer comes.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("HTTP request")
}

impl Api<'_> {
    /// Any request with this caller's token; the status and JSON body.
    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let request = format!("{method} {path}");
        let response = send(self.client, self.base, method, path, self.token, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("the body is read");
        let (body, not_json) = match serde_json::from_str(&text) {
            Ok(body) => (body, None),
            Err(_) if text.is_empty() => (Value::Null, None),
            Err(_) => (Value::Null, Some(text)),
        };
        Reply {
            request,
            status,
            body,
            not_json,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    /// `POST path`, with a JSON body when given.
    pub async fn post(&self, path: &str, body: Option<Value>) -> Reply {
        self.request(Method::POST, path, body).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.request(Method::PUT, path, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Reply {
        self.request(Method::DELETE, path, None).await
    }
}
