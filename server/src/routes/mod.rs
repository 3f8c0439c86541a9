//! The HTTP route table: the JSON API under `/api` (every route documented in
//! `/api/openapi.json`, because routes are registered through the OpenAPI collector), HLS under
//! `/hls`, `/health`, and the web app for every other path. Every response carries the browser
//! defences of `security_headers`.

mod access;
mod auth;
mod chat;
mod clips;
mod destinations;
mod error_responses;
mod files;
mod hls;
mod live_figures;
mod presets;
mod recordings;
mod rooms;
mod security_headers;
mod site;
mod streams;
mod users;
mod views;
pub mod vod;
pub mod waiters;
mod web_app;

use crate::auth::Authenticator;
use crate::errors::{self, ErrorBody};
use crate::state::AppState;
use ::hls::layout::plain_name;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{get, web, App, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};

/// Largest JSON body accepted.
pub const MAX_JSON_BODY: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Livestream API",
        description = "Rooms, accounts, presets, recordings, restreaming and live streams. Every error is \
            `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`, with `fields` for invalid fields."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The API under `/api`: every route registered with its OpenAPI operation, so the document
/// lists exactly the routes that exist.
fn api_routes() -> scope::Scope<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    scope::scope("/api")
        .service(auth::register)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(users::list)
        .service(users::update)
        .service(site::show)
        .service(site::update)
        .service(site::create_invite)
        .service(site::list_invites)
        .service(site::delete_invite)
        .service(rooms::list)
        .service(rooms::create)
        .service(rooms::show)
        .service(rooms::update)
        .service(rooms::remove)
        .service(rooms::regenerate_key)
        .service(rooms::recordings)
        .service(destinations::list)
        .service(destinations::create)
        .service(destinations::update)
        .service(destinations::remove)
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
        .service(clips::from_recording)
        .service(clips::from_live)
        .service(clips::list)
        .service(clips::show)
        .service(clips::file)
        .service(clips::remove)
        .service(streams::list)
        .service(openapi_document)
}

/// The OpenAPI 3.1 document of the API, as `/api/openapi.json` serves it and
/// `livestream openapi` prints it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(api_routes())
        .split_for_parts();
    if let Some(components) = api.components.as_mut() {
        require_a_rendition_or_the_passthrough(components);
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
    api
}

/// `PresetSpec` with the rule its fields cannot say one by one: at least one rendition, or the
/// passthrough (`validate` refuses a preset with neither).
fn require_a_rendition_or_the_passthrough(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ArrayBuilder, ObjectBuilder, Type};
    use utoipa::openapi::Ref;
    let Some(spec) = components.schemas.remove("PresetSpec") else {
        return;
    };
    let passthrough = ObjectBuilder::new()
        .property(
            "passthrough",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .enum_values(Some([true])),
        )
        .required("passthrough");
    let a_rendition = ObjectBuilder::new()
        .property(
            "renditions",
            ArrayBuilder::new()
                .items(Ref::from_schema_name("RenditionSpec"))
                .min_items(Some(1)),
        )
        .required("renditions");
    let either = AnyOfBuilder::new().item(passthrough).item(a_rendition);
    let spec = AllOfBuilder::new().item(spec).item(either).build();
    components.schemas.insert(
        "PresetSpec".to_owned(),
        utoipa::openapi::RefOr::T(utoipa::openapi::Schema::AllOf(spec)),
    );
}

/// [`openapi`] as pretty-printed JSON, the text committed as `web/src/api/openapi.json`.
pub fn openapi_json() -> String {
    // A document of plain maps and strings always serializes.
    serde_json::to_string_pretty(&openapi()).unwrap_or_default()
}

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
    App::new()
        .app_data(state)
        .app_data(authenticator)
        .app_data(web::Data::new(openapi()))
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_JSON_BODY)
                .error_handler(errors::json_error),
        )
        .app_data(web::QueryConfig::default().error_handler(errors::query_error))
        .app_data(web::PathConfig::default().error_handler(errors::path_error))
        .app_data(web::PayloadConfig::default().limit(MAX_JSON_BODY))
        .service(api_routes())
        .route("/health", web::get().to(health))
        .route("/healthz", web::get().to(health))
        .route("/readyz", web::get().to(ready))
        .service(hls::scope())
        .service(vod::scope())
        .default_service(web::to(web_app::serve))
        .wrap(actix_web::middleware::from_fn(security_headers::add))
        .wrap(actix_web::middleware::from_fn(time_request))
        .wrap(tracing_actix_web::TracingLogger::<RequestSpan>::new())
}

/// The span each request runs in: method, path and the client address as
/// [`client_address`](crate::client_address) sees it
/// (the default span would believe any `X-Forwarded-For`). Spans are not log lines: nothing is
/// logged per request unless something goes wrong. HLS requests, the hot path (a player asks for
/// a playlist or a part several times a second) and recordings' VOD requests, run in no span: building one (its fields
/// formatted for the log) costs more than serving the playlist, and the HLS handlers name the
/// stream in what they log.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        if request.path().starts_with("/hls/") || request.path().starts_with("/vod/") {
            return tracing::Span::none();
        }
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
        // A media request's refusal (a 404 for a made-up segment, a 400 for a reload too far
        // ahead) is not a line in the log: any client could write as many as it sends requests.
        // The handlers log what an operator needs (a failing origin, a bound reached).
        let media = outcome.as_ref().is_ok_and(|r| {
            let path = r.request().path();
            path.starts_with("/hls/") || path.starts_with("/vod/")
        });
        if media {
            return;
        }
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
        // Refused requests, one line each (server errors are logged where they happen, with
        // their cause).
        if let Ok(response) = outcome {
            let status = response.status();
            if let (true, Some(error)) = (status.is_client_error(), response.response().error()) {
                tracing::warn!(%status, %error, "request refused");
            }
        }
    }
}

/// This document.
#[utoipa::path(operation_id = "get_openapi_document", tag = "meta", responses((status = 200, body = Object, description = "the OpenAPI 3.1 document of every API route")))]
#[get("/openapi.json")]
async fn openapi_document(document: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(document.get_ref())
}

/// Liveness (`/health`, `/healthz`): the process answers.
async fn health() -> &'static str {
    "ok"
}

/// The metrics listener's application (`metrics.listen`): `/metrics` alone, never on the public
/// port.
pub fn metrics_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .route("/metrics", web::get().to(metrics_text))
}

/// `/metrics`: every series of [`crate::telemetry::names`], in the Prometheus text format.
async fn metrics_text(state: web::Data<AppState>) -> HttpResponse {
    use crate::telemetry::names;
    let (open, idle) = state.db.pool_use();
    metrics::gauge!(names::DB_CONNECTIONS).set(f64::from(open));
    metrics::gauge!(names::DB_IDLE_CONNECTIONS).set(f64::from(idle));
    let queued = state.objects.as_ref().map_or(0, |o| o.queued());
    metrics::gauge!(names::UPLOAD_QUEUE).set(queued as f64);
    metrics::gauge!(names::LIVE_STREAMS).set(state.live.list().len() as f64);
    metrics::gauge!(names::CHAT_CONNECTIONS).set(state.chat.connections() as f64);
    if let Some(node) = &state.node {
        metrics::gauge!(names::EDGE_FETCHES).set(node.edge.fetches_in_flight() as f64);
        metrics::gauge!(names::EDGE_CACHE_BYTES).set(node.edge.cached_bytes() as f64);
    }
    let text = crate::telemetry::metrics()
        .map(|handle| handle.render())
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(text)
}

/// Records each request's time by route, method and status, each from a fixed set: the route's
/// pattern (never the path a client sent), one of the methods the API uses (anything else is
/// `other`) and the status class, so no client can add a series.
async fn time_request(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let method = method_label(req.method());
    let response = next.call(req).await?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "other".to_owned());
    metrics::histogram!(
        crate::telemetry::names::HTTP_REQUEST_SECONDS,
        "route" => route,
        "method" => method,
        "status" => status_label(response.status()),
    )
    .record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// A request method as a metric label: the standard ones by name, any other `other`.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A status as a metric label: the codes the server answers by number, any other by its class.
fn status_label(status: actix_web::http::StatusCode) -> &'static str {
    const KNOWN: [&str; 22] = [
        "101", "200", "201", "204", "206", "304", "400", "401", "403", "404", "405", "406", "409",
        "413", "414", "415", "416", "422", "429", "431", "500", "503",
    ];
    let code = status.as_str();
    KNOWN
        .iter()
        .find(|k| **k == code)
        .copied()
        .unwrap_or(match status.as_u16() {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        })
}

/// Readiness (`/readyz`): 200 while the database answers (and Redis, with several nodes, and
/// object storage, with `storage.s3`), 503
/// `unavailable` (the API's error shape, with `Retry-After`) while one does not, within
/// `database.connect_timeout_seconds`, or while the node drains.
async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, errors::ApiError> {
    use diesel::connection::SimpleConnection;
    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(errors::ApiError::Unavailable);
    }
    state
        .db
        .run(|conn| Ok(conn.batch_execute("SELECT 1")?))
        .await?;
    let mut body = serde_json::json!({ "database": "ok" });
    if let Some(node) = &state.node {
        if !node.cluster.reachable().await {
            tracing::warn!("not ready: Redis does not answer");
            return Err(errors::ApiError::Unavailable);
        }
        body["redis"] = "ok".into();
    }
    if let Some(objects) = &state.objects {
        if !objects.reachable().await {
            tracing::warn!("not ready: object storage does not answer");
            return Err(errors::ApiError::Unavailable);
        }
        body["object_storage"] = "ok".into();
    }
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn metric_labels_come_from_fixed_sets() {
        use actix_web::http::{Method, StatusCode};
        let invented = Method::from_bytes(b"ZZZA0001").expect("a token");
        assert_eq!(super::method_label(&invented), "other");
        assert_eq!(super::method_label(&Method::PATCH), "PATCH");
        assert_eq!(super::status_label(StatusCode::NOT_FOUND), "404");
        let odd = StatusCode::from_u16(599).expect("a status");
        assert_eq!(super::status_label(odd), "5xx");
    }

    /// The web app's API types are generated from the committed document: it must be today's.
    #[test]
    fn the_committed_openapi_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/src/api/openapi.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed.trim_end() == super::openapi_json(),
            "web/src/api/openapi.json is not the API's current document; regenerate it with \
             `cargo run -p livestream -- openapi > web/src/api/openapi.json`"
        );
    }
}
