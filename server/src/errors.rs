//! Error policy: models return `QueryResult`, the data layer `DbError`, the media engine its own
//! typed errors; `anyhow` only on the start-up path. At the HTTP edge every failure becomes an
//! [`ApiError`], which renders one JSON shape with a stable machine-readable code:
//! `{"error": {"code": "...", "message": "...", "fields": {...}}}`. Causes are logged, never sent.

use crate::db::DbError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;

/// An error as the API reports it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request is malformed: {0}")]
    BadRequest(String),
    #[error("authentication is required, or the token is invalid or expired")]
    Unauthorized,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The path exists, not with this method; the value is the `Allow` header.
    #[error("this method is not allowed here (allowed: {0})")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    /// One of the account's limits (`limits.*`) is reached; the message says which.
    #[error("{0}")]
    LimitReached(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("some fields are invalid")]
    Validation(BTreeMap<String, String>),
    #[error("too many attempts; try again in a minute")]
    RateLimited,
    #[error("too many connections from your address")]
    TooManyConnections,
    /// A dependency (the database) is unreachable, or password work is queued too long: a 503
    /// with `Retry-After`.
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The stable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::LimitReached(_) => "limit_reached",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Validation(_) => "validation_failed",
            Self::RateLimited => "rate_limited",
            Self::TooManyConnections => "too_many_connections",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// A 422 with one field error.
    pub fn field(field: &str, message: &str) -> Self {
        Self::Validation(BTreeMap::from([(field.to_owned(), message.to_owned())]))
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "the database is unavailable; answering 503");
            Self::Unavailable
        } else {
            Self::Internal(e.into())
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        DbError::Query(e).into()
    }
}

/// The JSON body of every error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorDetail {
    #[schema(value_type = ErrorCode)]
    code: String,
    /// For people: may change, never match on it.
    message: String,
    /// With `validation_failed`: one message per invalid field, keyed like `renditions[1].width`.
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<BTreeMap<String, String>>,
}

/// The codes [`ApiError::code`] gives, as the OpenAPI document lists them for clients to match.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // a schema only; `every_code_is_documented` ties it to `ApiError::code`
enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    LimitReached,
    PayloadTooLarge,
    ValidationFailed,
    RateLimited,
    TooManyConnections,
    Unavailable,
    Internal,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) | Self::LimitReached(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited | Self::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "request failed");
                "something went wrong on our side".to_owned()
            }
            other => other.to_string(),
        };
        let fields = match self {
            Self::Validation(fields) => Some(fields.clone()),
            _ => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unauthorized) {
            response.insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Self::MethodNotAllowed(allow) = self {
            response.insert_header((actix_web::http::header::ALLOW, allow.as_str()));
        }
        if matches!(self, Self::Unavailable) {
            response.insert_header((actix_web::http::header::RETRY_AFTER, "5"));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
                fields,
            },
        })
    }
}

/// Turns body-parsing failures (bad JSON, wrong types, too large) into the API error shape.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => {
            ApiError::BadRequest("expected Content-Type: application/json".into())
        }
        JsonPayloadError::Deserialize(e) => {
            tracing::info!(error = %e, "rejected JSON body");
            ApiError::BadRequest(format!("invalid JSON body: {e}"))
        }
        other => {
            tracing::info!(error = %other, "rejected request body");
            ApiError::BadRequest("invalid request body".into())
        }
    };
    api.into()
}

/// Turns query-string failures into the API error shape.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// Turns path-segment failures into the API error shape.
pub fn path_error(
    _err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::NotFound.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn database_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn every_code_is_documented() {
        let every = [
            ApiError::BadRequest(String::new()),
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::NotFound,
            ApiError::MethodNotAllowed(String::new()),
            ApiError::Conflict(String::new()),
            ApiError::LimitReached(String::new()),
            ApiError::PayloadTooLarge,
            ApiError::Validation(BTreeMap::new()),
            ApiError::RateLimited,
            ApiError::TooManyConnections,
            ApiError::Unavailable,
            ApiError::Internal(anyhow::anyhow!("bug")),
        ];
        // Exhaustive: a variant added to ApiError fails to build here until it is listed above.
        for error in &every {
            match error {
                ApiError::BadRequest(_)
                | ApiError::Unauthorized
                | ApiError::Forbidden
                | ApiError::NotFound
                | ApiError::MethodNotAllowed(_)
                | ApiError::Conflict(_)
                | ApiError::LimitReached(_)
                | ApiError::PayloadTooLarge
                | ApiError::Validation(_)
                | ApiError::RateLimited
                | ApiError::TooManyConnections
                | ApiError::Unavailable
                | ApiError::Internal(_) => {}
            }
        }
        let codes: Vec<serde_json::Value> = every.iter().map(|e| e.code().into()).collect();
        let schema = serde_json::to_value(<ErrorCode as utoipa::PartialSchema>::schema())
            .unwrap_or_default();
        assert_eq!(Some(&codes), schema["enum"].as_array());
    }

    #[test]
    fn an_unreachable_database_is_a_503_and_a_bug_stays_a_500() {
        for unavailable in [
            DbError::Lost(database_error(DatabaseErrorKind::Unknown, "anything")),
            DbError::Query(database_error(
                DatabaseErrorKind::ClosedConnection,
                "closed",
            )),
            DbError::Query(database_error(
                DatabaseErrorKind::Unknown,
                "MySQL server has gone away",
            )),
            DbError::Query(database_error(
                DatabaseErrorKind::Unknown,
                "Lost connection to server during query",
            )),
            DbError::Query(database_error(
                DatabaseErrorKind::Unknown,
                "Can't connect to server on '127.0.0.1' (111)",
            )),
        ] {
            let text = unavailable.to_string();
            let api = ApiError::from(unavailable);
            assert_eq!(api.code(), "unavailable", "{text}");
            let response = api.error_response();
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{text}");
            let retry_after = response
                .headers()
                .get(actix_web::http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok());
            assert_eq!(retry_after, Some("5"));
        }
        for bug in [
            DbError::Query(Error::NotFound),
            DbError::Query(database_error(DatabaseErrorKind::UniqueViolation, "dup")),
            DbError::Query(database_error(
                DatabaseErrorKind::Unknown,
                "no such table: rooms",
            )),
            DbError::Task,
            DbError::Migration("bad".into()),
        ] {
            let text = bug.to_string();
            let api = ApiError::from(bug);
            assert_eq!(api.code(), "internal", "{text}");
            assert_eq!(
                api.status_code(),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{text}"
            );
        }
        assert_eq!(
            ApiError::from(database_error(
                DatabaseErrorKind::Unknown,
                "Server shutdown in progress"
            ))
            .code(),
            "unavailable"
        );
    }
}
