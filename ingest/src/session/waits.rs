//! What a connection's loop waits on besides its socket, each pending forever when absent.

use tokio::sync::watch;

/// Resolves when `token` is cancelled; pends forever without one.
pub(crate) async fn cancelled(token: Option<tokio_util::sync::CancellationToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

/// Resolves at `deadline`; pends forever without one.
pub(crate) async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Resolves with the reason once the pipeline reports a failure; pends forever without one.
pub(crate) async fn pipeline_failure(failure: Option<watch::Receiver<Option<String>>>) -> String {
    let Some(mut rx) = failure else {
        return std::future::pending().await;
    };
    loop {
        if let Some(reason) = rx.borrow_and_update().clone() {
            return reason;
        }
        if rx.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}
