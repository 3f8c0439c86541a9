//! The HTTP route table: the JSON API under `/api` (every route documented in
//! `/api/openapi.json`, because routes are registered through the OpenAPI collector), HLS under
//! `/hls`, `/health`, and the web app for every other path. Every response carries the browser
//! defences of `security_headers`.

mod auth;
mod chat;
mod hls;
mod presets;
mod recordings;
mod rooms;
mod security_headers;
mod streams;
mod users;
mod views;
mod web_app;

use crate::auth::Authenticator;
use crate::errors;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{get, web, App, HttpResponse};
use pipelines::layout::plain_name;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};

/// Largest JSON body accepted.
pub const MAX_JSON_BODY: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(info(
    title = "Livestream API",
    description = "Rooms, accounts, presets, recordings and live streams."
))]
struct ApiDoc;

/// The whole application for one HTTP worker.
pub fn app(
    state: web::Data<AppState>,
    authenticator: web::Data<Authenticator>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(authenticator)
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_JSON_BODY)
                .error_handler(errors::json_error),
        )
        .app_data(web::QueryConfig::default().error_handler(errors::query_error))
        .app_data(web::PathConfig::default().error_handler(errors::path_error))
        .app_data(web::PayloadConfig::default().limit(MAX_JSON_BODY))
        .service(
            scope::scope("/api")
                .service(auth::register)
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(auth::me)
                .service(users::list)
                .service(users::update)
                .service(rooms::list)
                .service(rooms::create)
                .service(rooms::show)
                .service(rooms::update)
                .service(rooms::remove)
                .service(rooms::regenerate_key)
                .service(rooms::recordings)
                .service(chat::connect)
                .service(chat::moderators)
                .service(chat::add_moderator)
                .service(chat::remove_moderator)
                .service(presets::list)
                .service(presets::show)
                .service(presets::create)
                .service(presets::replace)
                .service(presets::remove)
                .service(recordings::file)
                .service(recordings::remove)
                .service(streams::list)
                .service(openapi_document),
        )
        .split_for_parts();
    if let Some(components) = api.components.as_mut() {
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
    let document = web::Data::new(api);
    app.app_data(document)
        .route("/health", web::get().to(health))
        .service(hls::scope())
        .default_service(web::to(web_app::serve))
        .wrap(actix_web::middleware::from_fn(security_headers::add))
        .wrap(tracing_actix_web::TracingLogger::<RequestSpan>::new())
}

/// The span each request runs in: method, path and the client address as
/// [`client_address`](crate::client_address) sees it
/// (the default span would believe any `X-Forwarded-For`). Spans are not log lines: nothing is
/// logged per request unless something goes wrong.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let client = request
            .app_data::<web::Data<AppState>>()
            .map(|state| state.proxies.client_ip(request.request()).to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            %client,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// This document.
#[utoipa::path(tag = "meta", responses((status = 200, description = "the OpenAPI 3.1 document of every API route")))]
#[get("/openapi.json")]
async fn openapi_document(document: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(document.get_ref())
}

async fn health() -> &'static str {
    "ok"
}
