//! The system always keeps an enabled admin, however the request names the account.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

async fn last_admin(backend: Backend) {
    let app = TestApp::spawn_on(backend).await;
    let root = app.admin_token().await;
    let (status, me) = app
        .json(Method::GET, "/api/auth/me", Some(&root), None)
        .await;
    assert_eq!(status, 200, "{me}");
    let root_id = me["id"].as_str().expect("id").to_owned();
    // Its own id in upper case (MariaDB's collation matches it) is still its own id.
    let (status, body) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{}", root_id.to_uppercase()),
            Some(&root),
            Some(json!({ "role": "viewer" })),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("conflict")),
        "{body}"
    );

    // A second admin may not demote or disable the only other one once it would be the last.
    let (_, ada_id) = app.register("ada", "streamer").await;
    let (status, _) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{ada_id}"),
            Some(&root),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(status, 200);
    let ada = app.login("ada").await;
    // Two admins: Ada may disable root ...
    let (status, body) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{root_id}"),
            Some(&ada),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // ... and then nobody can take Ada's rights away through root's account, and Ada cannot
    // remove herself by naming her id differently.
    let (status, body) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{}", ada_id.to_uppercase()),
            Some(&ada),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("conflict")),
        "{body}"
    );
    // Re-enabling root is fine, and then root may demote Ada: one admin is left.
    let (status, _) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{root_id}"),
            Some(&ada),
            Some(json!({ "disabled": false })),
        )
        .await;
    assert_eq!(status, 200);
    let root = app.admin_token().await;
    let (status, body) = app
        .json(
            Method::PATCH,
            &format!("/api/admin/users/{ada_id}"),
            Some(&root),
            Some(json!({ "role": "viewer" })),
        )
        .await;
    assert_eq!((status, &body["role"]), (200, &json!("viewer")), "{body}");
    let (status, users) = app
        .json(Method::GET, "/api/admin/users", Some(&root), None)
        .await;
    assert_eq!(status, 200, "{users}");
    let admins: Vec<_> = users
        .as_array()
        .expect("a list")
        .iter()
        .filter(|u| u["role"] == "admin" && u["disabled"] == false)
        .collect();
    assert_eq!(admins.len(), 1, "{users}");
    app.stop().await;
}

on_both_databases!(the_last_active_admin_is_kept, last_admin);

/// The check holds within the transaction: disabling the last enabled admin directly through
/// the data layer is refused too, and changes nothing.
async fn last_admin_in_the_data_layer(backend: Backend) {
    let app = TestApp::spawn_on(backend).await;
    let root = app.admin_token().await;
    let (status, me) = app
        .json(Method::GET, "/api/auth/me", Some(&root), None)
        .await;
    assert_eq!(status, 200, "{me}");
    let root_id = me["id"].as_str().expect("id").to_owned();
    let db = app.database();
    let id = root_id.clone();
    let refused = db
        .run(move |conn| {
            Ok(livestream::models::user::User::update_access(
                conn,
                &id,
                None,
                Some(true),
            )?)
        })
        .await
        .expect("the transaction runs");
    assert_eq!(refused, Err(livestream::models::user::LastAdmin));
    let (status, me) = app
        .json(Method::GET, "/api/auth/me", Some(&root), None)
        .await;
    assert_eq!(
        (status, &me["disabled"]),
        (200, &json!(false)),
        "nothing changed, tokens included: {me}"
    );
    app.stop().await;
}

on_both_databases!(
    the_last_admin_rule_is_enforced_in_one_transaction,
    last_admin_in_the_data_layer
);
