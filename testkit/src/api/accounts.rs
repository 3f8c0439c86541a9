//! Accounts as the tests and the benchmarks use them: `app.register_streamer("olive")` gives a `User` with a
//! token; `app.as_user(&olive)` then calls the API as Olive.

use super::{Api, HttpServer, Reply, User};
use serde::Deserialize;
use serde_json::{json, Value};

/// Username and password of the admin every test server starts with.
pub const ADMIN: (&str, &str) = ("root-admin", "Adm1n-Secret-Passphrase-42");
/// A password strong enough for registration.
pub const PASSWORD: &str = "Tr4vel-Lamp-Quartz-91";

/// What registering and logging in answer (the fields the tests use).
#[derive(Deserialize)]
struct Session {
    user: SessionUser,
    access_token: String,
}

#[derive(Deserialize)]
struct SessionUser {
    id: String,
}

impl User {
    /// The user of a session answer (`register`, `login`).
    fn from_session(what: &str, body: Value) -> Self {
        let session: Session = serde_json::from_value(body.clone())
            .unwrap_or_else(|e| panic!("{what} answers a session ({e}): {body}"));
        Self {
            id: session.user.id,
            token: session.access_token,
        }
    }
}

/// The access token of a session answer (`login`, `refresh`).
pub fn access_token(session: &Value) -> String {
    session["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a session with an access token: {session}"))
        .to_owned()
}

/// Accounts on any server the tests speak HTTP to.
#[allow(async_fn_in_trait)] // only this test crate implements and calls it
pub trait Accounts: HttpServer {
    /// Registers a streamer with the test password (status checked).
    async fn register_streamer(&self, username: &str) -> User {
        self.register(username, "streamer").await
    }

    /// Registers a viewer with the test password (status checked).
    async fn register_viewer(&self, username: &str) -> User {
        self.register(username, "viewer").await
    }

    /// Registers `username` with `role` and the test password (status checked).
    async fn register(&self, username: &str, role: &str) -> User {
        let body = json!({ "username": username, "password": PASSWORD, "role": role });
        let session = self.anonymous().register(body).await.assert_status(201);
        User::from_session(&format!("register {username}"), session)
    }

    /// Logs `username` in with the test password (status checked).
    async fn login(&self, username: &str) -> User {
        let session = self
            .anonymous()
            .log_in(username, PASSWORD)
            .await
            .assert_status(200);
        User::from_session(&format!("login {username}"), session)
    }

    /// Logs the built-in admin in (status checked).
    async fn admin(&self) -> User {
        let session = self
            .anonymous()
            .log_in(ADMIN.0, ADMIN.1)
            .await
            .assert_status(200);
        User::from_session("admin login", session)
    }
}

impl<S: HttpServer> Accounts for S {}

impl Api<'_> {
    /// `POST /api/auth/register` with `body` as given.
    pub async fn register(&self, body: Value) -> Reply {
        self.post("/api/auth/register", Some(body)).await
    }

    /// `POST /api/auth/login`.
    pub async fn log_in(&self, username: &str, password: &str) -> Reply {
        let body = json!({ "username": username, "password": password });
        self.post("/api/auth/login", Some(body)).await
    }

    /// `GET /api/auth/me`.
    pub async fn me(&self) -> Reply {
        self.get("/api/auth/me").await
    }

    /// `POST /api/auth/refresh`.
    pub async fn refresh(&self) -> Reply {
        self.post("/api/auth/refresh", None).await
    }

    /// `POST /api/auth/logout`: revokes every token of the caller.
    pub async fn log_out(&self) -> Reply {
        self.post("/api/auth/logout", None).await
    }

    /// `GET /api/admin/users`.
    pub async fn users(&self) -> Reply {
        self.get("/api/admin/users").await
    }

    /// `PATCH /api/admin/users/{id}` with `change` (a role, `disabled`).
    pub async fn update_user(&self, id: &str, change: Value) -> Reply {
        self.patch(&format!("/api/admin/users/{id}"), change).await
    }
}
