//! The part of libsrt's C API the SRT listener uses (Debian's `libsrt-gnutls-dev`, 1.5).
//! Declarations only, from `<srt/srt.h>`; [`super::socket`] wraps them safely.

use std::os::raw::{c_char, c_int, c_void};

pub type SrtSocket = i32;

pub const INVALID_SOCK: SrtSocket = -1;
pub const ERROR: c_int = -1;

/// `SRT_SOCKOPT` values used here.
pub mod opt {
    use std::os::raw::c_int;
    pub const RCVSYN: c_int = 2;
    pub const RCVTIMEO: c_int = 14;
    pub const PASSPHRASE: c_int = 26;
    pub const RCVLATENCY: c_int = 43;
    pub const TRANSTYPE: c_int = 50;
    pub const ENFORCEDENCRYPTION: c_int = 53;
    pub const PEERIDLETIMEO: c_int = 55;
}

/// `SRT_TRANSTYPE_LIVE`.
pub const TRANSTYPE_LIVE: c_int = 0;

/// Rejection codes from `<srt/access_control.h>`, which the caller sees.
pub mod reject {
    use std::os::raw::c_int;
    pub const BAD_REQUEST: c_int = 1400;
    pub const FORBIDDEN: c_int = 1403;
    pub const BAD_MODE: c_int = 1405;
    pub const OVERLOAD: c_int = 1402;
    pub const UNAVAILABLE: c_int = 1503;
}

/// `SRT_ETIMEOUT` (`MJ_AGAIN`, `MN_XMTIMEOUT`): a receive timed out with nothing to read.
pub const E_TIMEOUT: c_int = 6003;
/// `SRT_EASYNCRCV`: nothing to read on a non-blocking socket.
pub const E_ASYNCRCV: c_int = 6002;

/// `LOG_CRIT` from syslog: libsrt's own stderr logging is kept to critical faults.
pub const LOG_CRIT: c_int = 2;

pub type LogHandler = unsafe extern "C" fn(
    opaque: *mut c_void,
    level: c_int,
    file: *const c_char,
    line: c_int,
    area: *const c_char,
    message: *const c_char,
);

pub type ListenCallback = unsafe extern "C" fn(
    opaque: *mut c_void,
    ns: SrtSocket,
    hs_version: c_int,
    peer: *const libc::sockaddr,
    stream_id: *const c_char,
) -> c_int;

#[link(name = "srt-gnutls")]
extern "C" {
    pub fn srt_startup() -> c_int;
    pub fn srt_cleanup() -> c_int;
    pub fn srt_setloglevel(level: c_int);
    pub fn srt_setloghandler(opaque: *mut c_void, handler: Option<LogHandler>);
    pub fn srt_create_socket() -> SrtSocket;
    pub fn srt_bind(u: SrtSocket, name: *const libc::sockaddr, namelen: c_int) -> c_int;
    pub fn srt_listen(u: SrtSocket, backlog: c_int) -> c_int;
    pub fn srt_listen_callback(
        lsn: SrtSocket,
        hook: Option<ListenCallback>,
        opaque: *mut c_void,
    ) -> c_int;
    pub fn srt_accept(u: SrtSocket, addr: *mut libc::sockaddr, addrlen: *mut c_int) -> SrtSocket;
    pub fn srt_close(u: SrtSocket) -> c_int;
    pub fn srt_setsockflag(u: SrtSocket, opt: c_int, optval: *const c_void, optlen: c_int)
        -> c_int;
    pub fn srt_getsockname(u: SrtSocket, name: *mut libc::sockaddr, namelen: *mut c_int) -> c_int;
    pub fn srt_recvmsg(u: SrtSocket, buf: *mut c_char, len: c_int) -> c_int;
    pub fn srt_setrejectreason(u: SrtSocket, value: c_int) -> c_int;
    pub fn srt_getlasterror(errno_loc: *mut c_int) -> c_int;
    pub fn srt_getlasterror_str() -> *const c_char;
    pub fn srt_clearlasterror();
}
