//! The data directory this instance owns: an OS lock so that only one instance uses it, the
//! output folders made ready (the last run's HLS output cleared), and the secrets generated into
//! it.

use anyhow::Context;
use hls::OutputLayout;
use std::path::Path;

/// The lock file in `data_dir` that only one running instance may hold.
const LOCK_FILE: &str = "livestream.lock";

/// Takes the data directory for this instance: a second instance on the same directory would
/// delete the first one's live HLS output and remux archives it is still writing. The lock is an
/// OS file lock, released whenever the process ends, however it ends.
pub fn lock_data_dir(data_dir: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another livestream instance is running on the data directory {} (it holds {}); \
             stop it first, or give this one its own storage.data_dir",
            data_dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// Clears the last run's HLS output (nobody can still be watching it) and makes sure the HLS
/// and recordings folders exist.
pub async fn prepare_output(layout: &OutputLayout) -> anyhow::Result<()> {
    let (hls_root, recordings_dir) = (layout.hls_root(), layout.recordings_dir());
    if hls_root.exists() {
        tokio::fs::remove_dir_all(&hls_root)
            .await
            .with_context(|| format!("clearing {}", hls_root.display()))?;
    }
    for dir in [&hls_root, &recordings_dir] {
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` (created or replaced), readable and writable by the server's user
/// only: for the secrets generated into the data directory.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Bytes free for this process's user on the file system holding `path` (`statvfs`).
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    let stats = rustix::fs::statvfs(path)?;
    Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// Bytes of the files under `dir` (0 if it does not exist), walked on a blocking thread.
pub async fn dir_bytes(dir: std::path::PathBuf) -> u64 {
    fn walk(dir: &Path) -> u64 {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .filter_map(Result::ok)
            .map(|e| match e.file_type() {
                Ok(kind) if kind.is_dir() => walk(&e.path()),
                Ok(_) => e.metadata().map_or(0, |m| m.len()),
                Err(_) => 0,
            })
            .sum()
    }
    tokio::task::spawn_blocking(move || walk(&dir))
        .await
        .unwrap_or(0)
}
