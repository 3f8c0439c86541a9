//! The HTTP route table.

mod hls;
mod streams;

use crate::errors::ApiError;
use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .service(
            web::scope("/api")
                .route("/streams", web::get().to(streams::list))
                .default_service(web::to(not_found)),
        )
        .service(hls::scope());
}

async fn health() -> &'static str {
    "ok"
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
