//! Recordings in S3-compatible object storage (`storage.s3.*`), through `object_store`.
//!
//! ```text
//!  stream ended / archive repaired ──▶ row `complete`, file in recordings/ ──notify──▶ uploader
//!  uploader: the VOD's files (recordings/<room>/<stream>/...), then the archive in multipart
//!            (8 MiB parts), retried until stored ──▶ row.object_key ──▶ local files removed
//!  GET /api/recordings/{id}/file, /vod/{id}/... ──▶ ranged GET of the object, streamed to the client
//! ```
//!
//! The uploader takes its work from the database: every complete recording without an object
//! key whose archive is in this node's recordings directory. So an upload interrupted by a crash
//! (or never started) is done again at the next start, and one that failed is retried, with a
//! growing pause, until it is stored.

use crate::configuration::S3Settings;
use crate::db::Db;
use crate::models::recording::Recording;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::io::AsyncReadExt;
use tokio::sync::Notify;
use tracing::{info, warn};

/// The size of each part of a multipart upload (S3 takes 5 MiB at least, except the last).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts uploading at once: what an upload holds in memory is about this many parts.
const PARTS_AT_ONCE: usize = 2;
/// How often the uploader looks for work when nobody tells it.
const POLL: Duration = Duration::from_secs(10);
/// The longest pause between two attempts at a failing upload.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long a readiness check of the store may take.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// What went wrong with the object store.
#[derive(Debug, Error)]
pub enum StorageError {
    #[error("no such object")]
    NotFound,
    #[error("object storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("reading the archive: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database: {0}")]
    Db(#[from] crate::db::DbError),
}

/// The bucket, and the uploads waiting for it.
pub struct ObjectStorage {
    store: Arc<AmazonS3>,
    /// Recordings waiting for their upload, as last counted (`/metrics`).
    queued: AtomicUsize,
    wake: Notify,
}

/// An object being read: its size, the range sent, and the bytes.
pub struct ObjectRead {
    pub size: u64,
    pub range: std::ops::Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

impl ObjectStorage {
    /// The bucket `settings` name (nothing is sent until it is used).
    pub fn new(settings: &S3Settings) -> anyhow::Result<Self> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region);
        if !settings.endpoint.is_empty() {
            // A self-hosted store: path-style URLs on the endpoint given.
            builder = builder
                .with_endpoint(&settings.endpoint)
                .with_allow_http(settings.endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if !settings.access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&settings.access_key_id)
                .with_secret_access_key(&settings.secret_access_key);
        }
        let store = builder
            .build()
            .map_err(|e| anyhow::anyhow!("storage.s3: {e}"))?;
        Ok(Self {
            store: Arc::new(store),
            queued: AtomicUsize::new(0),
            wake: Notify::new(),
        })
    }

    /// The key of a recording's archive in the bucket.
    pub fn key_for(recording: &Recording) -> String {
        format!(
            "recordings/{}/{}.mkv",
            recording.room_id, recording.stream_id
        )
    }

    /// The key of `file` (`master.m3u8`, `720p/3.m4s`) of a recording's VOD.
    pub fn vod_key(recording: &Recording, file: &str) -> String {
        format!(
            "recordings/{}/{}/{file}",
            recording.room_id, recording.stream_id
        )
    }

    /// Deletes every file of a recording's VOD.
    pub async fn delete_vod(&self, recording: &Recording) -> Result<(), StorageError> {
        let prefix = ObjectPath::from(Self::vod_key(recording, ""));
        let mut listed = self.store.list(Some(&prefix));
        while let Some(meta) = listed.next().await {
            let meta = meta?;
            self.delete(meta.location.as_ref()).await?;
        }
        Ok(())
    }

    /// Uploads a recording's VOD folder, file by file (each is a segment or smaller).
    async fn upload_vod(
        &self,
        recording: &Recording,
        dir: &std::path::Path,
    ) -> Result<(), StorageError> {
        let dir = dir.to_owned();
        let files = tokio::task::spawn_blocking({
            let dir = dir.clone();
            move || engine::vod::files(&dir)
        })
        .await
        .map_err(|e| StorageError::Io(std::io::Error::other(e)))??;
        for file in files {
            let Some(name) = file.to_str() else { continue };
            let body = tokio::fs::read(dir.join(&file)).await?;
            self.store
                .put(
                    &ObjectPath::from(Self::vod_key(recording, name)),
                    Bytes::from(body).into(),
                )
                .await?;
        }
        Ok(())
    }

    /// Starts uploading this node's finished recordings, from `recordings_dir`.
    pub fn start_uploads(self: &Arc<Self>, db: Db, recordings_dir: PathBuf) {
        tokio::spawn(upload_forever(self.clone(), db, recordings_dir));
    }

    /// A recording just finished: look for uploads now.
    pub fn recording_finished(&self) {
        self.wake.notify_one();
    }

    /// Recordings waiting for their upload, as last counted.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Whether the bucket answers (`/readyz`): a missing object is an answer.
    pub async fn reachable(&self) -> bool {
        let probe = ObjectPath::from("livestream-readiness-probe");
        match tokio::time::timeout(READY_TIMEOUT, self.store.head(&probe)).await {
            Ok(Ok(_)) | Ok(Err(object_store::Error::NotFound { .. })) => true,
            Ok(Err(e)) => {
                warn!(error = %e, "object storage does not answer");
                false
            }
            Err(_) => false,
        }
    }

    /// Reads `key`, or the one byte range `range` asks for (`first`, and `last` or the end).
    pub async fn read(
        &self,
        key: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<ObjectRead, StorageError> {
        let path = ObjectPath::from(key);
        let options = GetOptions {
            range: range.map(|(first, last)| match last {
                Some(last) => GetRange::Bounded(first..last + 1),
                None => GetRange::Offset(first),
            }),
            ..Default::default()
        };
        let result = self
            .store
            .get_opts(&path, options)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => StorageError::NotFound,
                e => StorageError::Store(e),
            })?;
        Ok(ObjectRead {
            size: result.meta.size,
            range: result.range.clone(),
            body: result.into_stream(),
        })
    }

    /// The size of `key`.
    pub async fn size(&self, key: &str) -> Result<u64, StorageError> {
        match self.store.head(&ObjectPath::from(key)).await {
            Ok(meta) => Ok(meta.size),
            Err(object_store::Error::NotFound { .. }) => Err(StorageError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes `key` (a missing object counts as deleted).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Uploads `file` to `key` in parts; on failure the parts sent so far are given up.
    pub async fn upload(&self, file: &std::path::Path, key: &str) -> Result<(), StorageError> {
        let mut archive = tokio::fs::File::open(file).await?;
        let upload = self.store.put_multipart(&ObjectPath::from(key)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buffer = vec![0u8; 1024 * 1024];
        loop {
            let read = match archive.read(&mut buffer).await {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if let Err(e) = writer.wait_for_capacity(PARTS_AT_ONCE).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
            writer.write(&buffer[..read]);
        }
        writer.finish().await?;
        Ok(())
    }
}

/// Uploads every waiting recording, again and again: when told, and every [`POLL`] anyway.
async fn upload_forever(storage: Arc<ObjectStorage>, db: Db, recordings_dir: PathBuf) {
    let mut backoff = Duration::from_secs(1);
    loop {
        match upload_waiting(&storage, &db, &recordings_dir).await {
            Ok(()) => backoff = Duration::from_secs(1),
            Err(e) => {
                warn!(error = %e, retry_in = ?backoff, "a recording's upload failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        }
        tokio::select! {
            _ = storage.wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Uploads the waiting recordings one by one; stops at the first failure.
async fn upload_waiting(
    storage: &ObjectStorage,
    db: &Db,
    recordings_dir: &std::path::Path,
) -> Result<(), StorageError> {
    let waiting: Vec<(Recording, PathBuf)> = db
        .run(|conn| Ok(Recording::awaiting_upload(conn)?))
        .await?
        .into_iter()
        .filter_map(|r| {
            let file = r.archive_file(recordings_dir)?;
            // Another node's recording: its archive is on that node.
            file.exists().then_some((r, file))
        })
        .collect();
    storage.queued.store(waiting.len(), Ordering::Relaxed);
    for (recording, file) in waiting {
        let key = ObjectStorage::key_for(&recording);
        // The VOD first: once the row names the archive's key, players look there for it too.
        let vod_dir = recording
            .vod
            .then(|| recording.vod_dir(recordings_dir))
            .flatten();
        if let Some(dir) = &vod_dir {
            storage.upload_vod(&recording, dir).await?;
        }
        storage.upload(&file, &key).await?;
        let (id, stored_key) = (recording.id.clone(), key.clone());
        db.run(move |conn| Ok(Recording::stored_at(conn, &id, &stored_key)?))
            .await?;
        // The row names the object first: a crash here leaves a spare local file, never a
        // recording whose archive is nowhere.
        if let Err(e) = tokio::fs::remove_file(&file).await {
            warn!(recording = %recording.id, error = %e, "stored, but the local archive could not be removed");
        }
        if let Some(dir) = &vod_dir {
            if let Err(e) = tokio::fs::remove_dir_all(dir).await {
                warn!(recording = %recording.id, error = %e, "stored, but the local VOD could not be removed");
            }
        }
        storage.queued.fetch_sub(1, Ordering::Relaxed);
        info!(recording = %recording.id, %key, "recording stored in object storage");
    }
    Ok(())
}

/// The chunks of a stored object, as `actix-web` streams a body.
pub fn body_stream(
    body: BoxStream<'static, Result<Bytes, object_store::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    body.map(|chunk| {
        chunk.map_err(|e| {
            warn!(error = %e, "reading a recording from object storage failed midway");
            actix_web::error::ErrorBadGateway("object storage")
        })
    })
}
