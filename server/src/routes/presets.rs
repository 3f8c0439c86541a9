//! Transcoding presets: streamers read them, admins write them.

use super::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable,
    ValidationFailed,
};
use crate::auth::AuthUser;
use crate::errors::ApiError;
use crate::models::new_id;
use crate::models::preset::{Preset, PresetDeletion, PresetSpec, PresetView};
use crate::models::user::Role;
use crate::state::AppState;
use actix_web::{delete, get, post, put, web, HttpResponse};

async fn validated(
    state: &AppState,
    spec: &PresetSpec,
    except: Option<String>,
) -> Result<(), ApiError> {
    spec.validate().map_err(ApiError::Validation)?;
    let name = spec.name.clone();
    let taken = state
        .db
        .run(move |conn| Ok(Preset::name_taken(conn, &name, except.as_deref())?))
        .await?;
    if taken {
        return Err(ApiError::Conflict("another preset has this name".into()));
    }
    Ok(())
}

/// Every preset (streamers and admins).
#[utoipa::path(operation_id = "list_presets", tag = "presets", security(("bearer" = [])), responses(
    (status = 200, body = Vec<PresetView>), Unauthorized, Forbidden, Unavailable))]
#[get("/presets")]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<web::Json<Vec<PresetView>>, ApiError> {
    caller.require(Role::Streamer)?;
    let presets = state.db.run(|conn| Ok(Preset::list(conn)?)).await?;
    Ok(web::Json(presets.iter().map(Preset::view).collect()))
}

/// One preset (streamers and admins).
#[utoipa::path(operation_id = "get_preset", tag = "presets", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = PresetView), Unauthorized, Forbidden, NotFound, Unavailable))]
#[get("/presets/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<web::Json<PresetView>, ApiError> {
    caller.require(Role::Streamer)?;
    let id = path.into_inner();
    let preset = state
        .db
        .run(move |conn| Ok(Preset::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(preset.view()))
}

/// Creates a preset (admins). Invalid fields come back one by one in `fields`; a name another
/// preset has is a 409 `conflict`.
#[utoipa::path(operation_id = "create_preset", tag = "presets", security(("bearer" = [])), request_body = PresetSpec, responses(
    (status = 201, body = PresetView), BadRequest, Unauthorized, Forbidden, Conflict,
    PayloadTooLarge, ValidationFailed, Unavailable))]
#[post("/presets")]
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<PresetSpec>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let spec = body.into_inner();
    validated(&state, &spec, None).await?;
    let preset = Preset::from_spec(new_id(), &spec, false);
    let row = preset.clone();
    state
        .db
        .run(move |conn| Ok(Preset::insert(conn, &row)?))
        .await?;
    Ok(HttpResponse::Created().json(preset.view()))
}

/// Replaces a preset (admins). Rooms using it get the change from their next broadcast. A name
/// another preset has is a 409 `conflict`.
#[utoipa::path(operation_id = "replace_preset", tag = "presets", security(("bearer" = [])), params(("id" = String, Path)), request_body = PresetSpec, responses(
    (status = 200, body = PresetView), BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    PayloadTooLarge, ValidationFailed, Unavailable))]
#[put("/presets/{id}")]
pub async fn replace(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<PresetSpec>,
) -> Result<web::Json<PresetView>, ApiError> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    let spec = body.into_inner();
    validated(&state, &spec, Some(id.clone())).await?;
    let preset = state
        .db
        .run(move |conn| {
            // MySQL reports unchanged rows as unaffected: look the preset up instead.
            if Preset::find(conn, &id)?.is_none() {
                return Ok(None);
            }
            Preset::update(conn, &id, &spec)?;
            Ok(Preset::find(conn, &id)?)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(preset.view()))
}

/// Deletes a preset (admins); the default preset and presets rooms use cannot be deleted.
#[utoipa::path(operation_id = "delete_preset", tag = "presets", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "the preset is deleted"), Unauthorized, Forbidden, NotFound,
    Conflict, Unavailable))]
#[delete("/presets/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    let outcome = state
        .db
        .run(move |conn| Ok(Preset::delete(conn, &id)?))
        .await?;
    match outcome {
        PresetDeletion::Missing => Err(ApiError::NotFound),
        PresetDeletion::Default => Err(ApiError::Conflict(
            "the default preset cannot be deleted".into(),
        )),
        PresetDeletion::InUse => Err(ApiError::Conflict(
            "rooms use this preset; move them to another first".into(),
        )),
        PresetDeletion::Deleted => Ok(HttpResponse::NoContent().finish()),
    }
}
