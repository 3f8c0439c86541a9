//! The system always keeps an enabled admin, however the request names the account.

use crate::support::*;
use serde_json::json;

async fn last_admin(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let root = app.admin().await;
    let me = app.as_user(&root).me().await.assert_status(200);
    let root_id = me["id"].as_str().expect("id").to_owned();
    // Its own id in upper case (MariaDB's collation matches it) is still its own id.
    let refused = app
        .as_user(&root)
        .update_user(&root_id.to_uppercase(), json!({ "role": "viewer" }))
        .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (409, Some("conflict")),
        "{refused}"
    );

    // A second admin may not demote or disable the only other one once it would be the last.
    let ada_id = app.register_streamer("ada").await.id;
    app.as_user(&root)
        .update_user(&ada_id, json!({ "role": "admin" }))
        .await
        .assert_status(200);
    let ada = app.login("ada").await;
    // Two admins: Ada may disable root ...
    app.as_user(&ada)
        .update_user(&root_id, json!({ "disabled": true }))
        .await
        .assert_status(200);
    // ... and then nobody can take Ada's rights away through root's account, and Ada cannot
    // remove herself by naming her id differently.
    let refused = app
        .as_user(&ada)
        .update_user(&ada_id.to_uppercase(), json!({ "disabled": true }))
        .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (409, Some("conflict")),
        "{refused}"
    );
    // Re-enabling root is fine, and then root may demote Ada: one admin is left.
    app.as_user(&ada)
        .update_user(&root_id, json!({ "disabled": false }))
        .await
        .assert_status(200);
    let root = app.admin().await;
    let demoted = app
        .as_user(&root)
        .update_user(&ada_id, json!({ "role": "viewer" }))
        .await
        .assert_status(200);
    assert_eq!(demoted["role"], json!("viewer"), "{demoted}");
    let users = app.as_user(&root).users().await.assert_status(200);
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
    let app = TestApp::builder().backend(backend).spawn().await;
    let root = app.admin().await;
    let me = app.as_user(&root).me().await.assert_status(200);
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
    let me = app.as_user(&root).me().await.assert_status(200);
    assert_eq!(
        me["disabled"],
        json!(false),
        "nothing changed, tokens included: {me}"
    );
    app.stop().await;
}

on_both_databases!(
    the_last_admin_rule_is_enforced_in_one_transaction,
    last_admin_in_the_data_layer
);
