//! A small file system of the test's own (tmpfs, mounted by root or through sudo), for what only
//! a nearly full disk shows; unmounted when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs of a given size.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

fn sudo(program: &str) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        Command::new(program)
    } else {
        let mut cmd = Command::new("sudo");
        cmd.args(["-n", program]);
        cmd
    }
}

impl Tmpfs {
    /// Mounts a tmpfs of `mib` MiB on a fresh temporary directory.
    pub fn mount(mib: u64) -> Self {
        let dir = tempfile::tempdir().expect("a mount point");
        let status = sudo("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounted a {mib} MiB tmpfs (root or sudo is needed)"
        );
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file of `mib` MiB into it.
    pub fn fill(&self, name: &str, mib: usize) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, vec![0x5a; mib * 1024 * 1024]).expect("the filler is written");
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = sudo("umount").args(["-l"]).arg(self.dir.path()).status();
    }
}
