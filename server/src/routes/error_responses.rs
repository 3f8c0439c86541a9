//! The error statuses routes list in their OpenAPI `responses(...)`: one type per status, each
//! with the one error body of [`ErrorBody`](crate::errors::ErrorBody) and the headers the server
//! sends with it (see `errors::ApiError`). A route names each status it can really answer.

#![allow(dead_code)] // documentation only: `ApiError` renders the real responses

use crate::errors::ErrorBody;

/// The request is malformed: the body is not JSON of the documented shape (unknown fields are
/// refused), is not sent as `application/json`, or the query string is invalid.
#[derive(utoipa::IntoResponses)]
#[response(status = 400)]
pub struct BadRequest(ErrorBody);

/// No access token, or an invalid, expired or revoked one.
#[derive(utoipa::IntoResponses)]
#[response(status = 401, headers(("WWW-Authenticate" = String, description = "`Bearer`")))]
pub struct Unauthorized(ErrorBody);

/// The caller's role or relation to the resource does not allow this.
#[derive(utoipa::IntoResponses)]
#[response(status = 403)]
pub struct Forbidden(ErrorBody);

/// No such resource (or one the caller may not see).
#[derive(utoipa::IntoResponses)]
#[response(status = 404)]
pub struct NotFound(ErrorBody);

/// The request conflicts with the current state (`conflict`), or one of the account's limits
/// is reached (`limit_reached`); `message` says how.
#[derive(utoipa::IntoResponses)]
#[response(status = 409)]
pub struct Conflict(ErrorBody);

/// The body is larger than 64 KiB.
#[derive(utoipa::IntoResponses)]
#[response(status = 413)]
pub struct PayloadTooLarge(ErrorBody);

/// Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
/// name already taken, a referenced resource that does not exist); `fields` holds one message
/// per field.
#[derive(utoipa::IntoResponses)]
#[response(status = 422)]
pub struct ValidationFailed(ErrorBody);

/// Too many attempts or connections from the caller's address.
#[derive(utoipa::IntoResponses)]
#[response(status = 429)]
pub struct TooManyRequests(ErrorBody);

/// The database is unreachable, or password work is queued too long; retry after a moment.
#[derive(utoipa::IntoResponses)]
#[response(status = 503, headers(("Retry-After" = String, description = "seconds to wait")))]
pub struct Unavailable(ErrorBody);
