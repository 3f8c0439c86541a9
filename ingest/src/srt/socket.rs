//! Safe, blocking wrappers of libsrt's listener and accepted sockets. Every call that can wait
//! does so on a thread of its own (never on the async runtime); receives time out so that the
//! thread can notice a shutdown.

use super::ffi;
use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Once;
use std::time::Duration;
use thiserror::Error;

/// What libsrt reported.
#[derive(Debug, Error)]
#[error("{call}: {message} (SRT error {code})")]
pub struct SrtError {
    pub call: &'static str,
    pub code: i32,
    pub message: String,
}

impl SrtError {
    /// The calling thread's last libsrt error.
    fn last(call: &'static str) -> Self {
        // SAFETY: both read libsrt's thread-local error state; the string is libsrt's own,
        // valid until the next call on this thread, and copied at once.
        let (code, message) = unsafe {
            let code = ffi::srt_getlasterror(std::ptr::null_mut());
            let text = ffi::srt_getlasterror_str();
            let message = if text.is_null() {
                String::new()
            } else {
                CStr::from_ptr(text).to_string_lossy().into_owned()
            };
            ffi::srt_clearlasterror();
            (code, message)
        };
        Self {
            call,
            code,
            message,
        }
    }
}

/// A hold on libsrt, taken by listeners and accepted sockets: libsrt is started once per
/// process, by the first, and stopped once, at exit.
///
/// It is never restarted while the process runs (libsrt keeps process-wide state), and it is
/// stopped before libsrt's own statics are destroyed: an `atexit` handler registered after
/// libsrt was loaded runs before them.
struct Library(());

impl Library {
    fn hold() -> Self {
        static START: Once = Once::new();
        START.call_once(|| {
            // SAFETY: starting libsrt has no preconditions; the handlers are plain functions
            // that stay valid. Its own logging is kept to critical faults (we log).
            unsafe {
                ffi::srt_startup();
                ffi::srt_setloglevel(ffi::LOG_CRIT);
                ffi::srt_setloghandler(std::ptr::null_mut(), Some(on_log));
                libc::atexit(stop_at_exit);
            }
        });
        Self(())
    }
}

extern "C" fn stop_at_exit() {
    // SAFETY: called once, at exit; libsrt closes what is still open and joins its threads.
    unsafe { ffi::srt_cleanup() };
}

/// libsrt's own log lines: only its critical faults are passed on (to `tracing`), since its
/// other levels may quote a caller's stream id, which holds a stream key.
unsafe extern "C" fn on_log(
    _opaque: *mut c_void,
    level: c_int,
    _file: *const c_char,
    _line: c_int,
    area: *const c_char,
    message: *const c_char,
) {
    if level > ffi::LOG_CRIT || message.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: libsrt passes NUL-terminated strings valid for this call.
        let message = unsafe { CStr::from_ptr(message) }.to_string_lossy();
        let area = if area.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(area) }
                .to_string_lossy()
                .into_owned()
        };
        tracing::error!(%area, message = %message.trim_end(), "libsrt");
    });
}

/// Sets a socket option from `len` bytes at `value`.
///
/// # Safety
/// `value` points to `len` readable bytes of the type libsrt expects for `opt`.
unsafe fn set_flag(
    sock: ffi::SrtSocket,
    opt: c_int,
    value: *const c_void,
    len: usize,
    call: &'static str,
) -> Result<(), SrtError> {
    // SAFETY: the caller's promise; libsrt copies the bytes during the call.
    if unsafe { ffi::srt_setsockflag(sock, opt, value, len as c_int) } == ffi::ERROR {
        return Err(SrtError::last(call));
    }
    Ok(())
}

fn set_int(
    sock: ffi::SrtSocket,
    opt: c_int,
    value: c_int,
    call: &'static str,
) -> Result<(), SrtError> {
    // SAFETY: an int option, given as an int that lives across the call.
    unsafe {
        set_flag(
            sock,
            opt,
            (&value as *const c_int).cast(),
            std::mem::size_of::<c_int>(),
            call,
        )
    }
}

fn set_bool(
    sock: ffi::SrtSocket,
    opt: c_int,
    value: bool,
    call: &'static str,
) -> Result<(), SrtError> {
    // SAFETY: libsrt reads a C++ bool (one byte) for boolean options.
    let value = u8::from(value);
    unsafe { set_flag(sock, opt, (&value as *const u8).cast(), 1, call) }
}

fn set_str(
    sock: ffi::SrtSocket,
    opt: c_int,
    value: &str,
    call: &'static str,
) -> Result<(), SrtError> {
    // SAFETY: string options are read as `len` bytes from the pointer.
    unsafe { set_flag(sock, opt, value.as_ptr().cast(), value.len(), call) }
}

/// A `sockaddr` libsrt gave us, as a Rust address (`None` for another family or null).
///
/// # Safety
/// `addr` is null or points to a `sockaddr_in` or `sockaddr_in6` as its family says.
unsafe fn to_socket_addr(addr: *const libc::sockaddr) -> Option<SocketAddr> {
    if addr.is_null() {
        return None;
    }
    match c_int::from((*addr).sa_family) {
        libc::AF_INET => {
            let v4 = &*addr.cast::<libc::sockaddr_in>();
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr)),
                u16::from_be(v4.sin_port),
            )))
        }
        libc::AF_INET6 => {
            let v6 = &*addr.cast::<libc::sockaddr_in6>();
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(v6.sin6_addr.s6_addr),
                u16::from_be(v6.sin6_port),
                v6.sin6_flowinfo,
                v6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// Calls `f` with room for any sockaddr and its length, then reads the address it wrote.
fn with_addr_out<T>(
    f: impl FnOnce(*mut libc::sockaddr, *mut c_int) -> T,
) -> (T, Option<SocketAddr>) {
    // SAFETY: an all-zero sockaddr_storage is valid (family 0 reads as no address).
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as c_int;
    let result = f(
        (&mut storage as *mut libc::sockaddr_storage).cast(),
        &mut len,
    );
    // SAFETY: the storage is zeroed or holds a sockaddr of the family it names.
    let addr = unsafe { to_socket_addr((&storage as *const libc::sockaddr_storage).cast()) };
    (result, addr)
}

/// A Rust address as a `sockaddr_storage` and its length, for `srt_bind`.
fn from_socket_addr(addr: SocketAddr) -> (libc::sockaddr_storage, c_int) {
    // SAFETY: an all-zero sockaddr_storage is valid; it is then filled as the family says.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            let sin = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr.s_addr = u32::from(*v4.ip()).to_be();
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above.
            let sin6 = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_addr.s6_addr = v6.ip().octets();
            sin6.sin6_flowinfo = v6.flowinfo();
            sin6.sin6_scope_id = v6.scope_id();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as c_int)
}

/// How often a waiting [`Listener::accept`] looks for a caller.
const ACCEPT_TICK: Duration = Duration::from_millis(20);

/// What the application answers a caller's handshake: accept, or reject with an SRT code.
pub type Decision = Result<(), c_int>;

/// Decides on a caller from its address and stream id, on libsrt's receiving thread.
pub type Gate = dyn Fn(ffi::SrtSocket, SocketAddr, &str) -> Decision + Send + Sync;

/// Settings of the listening socket, inherited by every accepted one.
#[derive(Debug, Clone)]
pub struct ListenerOptions {
    /// The receiver's buffering latency (TSBPD).
    pub latency: Duration,
    /// Encryption every caller must use (10–79 characters), or none.
    pub passphrase: Option<String>,
    /// A caller silent this long is dropped.
    pub idle_timeout: Duration,
    pub backlog: usize,
}

/// A bound, listening SRT socket.
pub struct Listener {
    sock: ffi::SrtSocket,
    /// The gate libsrt calls back with. It is never freed: libsrt's receiving thread may be
    /// inside a handshake for this listener while it is closed, so the gate outlives it (one
    /// small allocation per listener, and a process has one).
    gate: *mut Box<Gate>,
    /// Dropped last, after the socket is closed.
    _library: Library,
}

// SAFETY: libsrt sockets are ids usable from any thread; the gate is Send + Sync.
unsafe impl Send for Listener {}
unsafe impl Sync for Listener {}

unsafe extern "C" fn on_handshake(
    opaque: *mut c_void,
    ns: ffi::SrtSocket,
    _hs_version: c_int,
    peer: *const libc::sockaddr,
    stream_id: *const c_char,
) -> c_int {
    // Nothing may unwind into libsrt's C++.
    let decided = std::panic::catch_unwind(|| {
        // SAFETY: `opaque` is the listener's boxed gate, alive while the listener is; `peer`
        // and `stream_id` are libsrt's, valid for this call.
        let gate = unsafe { &*(opaque as *const Box<Gate>) };
        let peer = unsafe { to_socket_addr(peer) }
            .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0));
        let stream_id = if stream_id.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(stream_id) }
                .to_string_lossy()
                .into_owned()
        };
        gate(ns, peer, &stream_id)
    });
    let code = match decided {
        Ok(Ok(())) => return 0,
        Ok(Err(code)) => code,
        Err(_) => ffi::reject::UNAVAILABLE,
    };
    // SAFETY: `ns` is the socket being negotiated, as libsrt gave it.
    unsafe { ffi::srt_setrejectreason(ns, code) };
    -1
}

impl Listener {
    /// Binds `addr` (UDP), listens, and lets `gate` decide on every caller's handshake.
    pub fn bind(
        addr: SocketAddr,
        options: &ListenerOptions,
        gate: Box<Gate>,
    ) -> Result<Self, SrtError> {
        let library = Library::hold();
        // SAFETY: creating a socket has no preconditions.
        let sock = unsafe { ffi::srt_create_socket() };
        if sock == ffi::INVALID_SOCK {
            return Err(SrtError::last("srt_create_socket"));
        }
        let gate = Box::into_raw(Box::new(gate));
        let listener = Self {
            sock,
            gate,
            _library: library,
        };
        set_int(
            sock,
            ffi::opt::TRANSTYPE,
            ffi::TRANSTYPE_LIVE,
            "SRTO_TRANSTYPE",
        )?;
        set_int(
            sock,
            ffi::opt::RCVLATENCY,
            options.latency.as_millis().min(i32::MAX as u128) as c_int,
            "SRTO_RCVLATENCY",
        )?;
        set_int(
            sock,
            ffi::opt::PEERIDLETIMEO,
            options
                .idle_timeout
                .as_millis()
                .clamp(1000, i32::MAX as u128) as c_int,
            "SRTO_PEERIDLETIMEO",
        )?;
        if let Some(passphrase) = &options.passphrase {
            set_str(sock, ffi::opt::PASSPHRASE, passphrase, "SRTO_PASSPHRASE")?;
            set_bool(
                sock,
                ffi::opt::ENFORCEDENCRYPTION,
                true,
                "SRTO_ENFORCEDENCRYPTION",
            )?;
        }
        // Accepting does not block (a closed listener does not wake a blocked srt_accept):
        // the accepting thread polls, and each accepted socket is made blocking again.
        set_bool(sock, ffi::opt::RCVSYN, false, "SRTO_RCVSYN")?;
        let (storage, len) = from_socket_addr(addr);
        // SAFETY: `storage` holds a sockaddr of `len` bytes for the call's duration.
        if unsafe {
            ffi::srt_bind(
                sock,
                (&storage as *const libc::sockaddr_storage).cast(),
                len,
            )
        } == ffi::ERROR
        {
            return Err(SrtError::last("srt_bind"));
        }
        // SAFETY: the gate pointer stays valid until Drop, after the socket is closed.
        if unsafe { ffi::srt_listen_callback(sock, Some(on_handshake), listener.gate.cast()) }
            == ffi::ERROR
        {
            return Err(SrtError::last("srt_listen_callback"));
        }
        let backlog = options.backlog.clamp(1, 1024) as c_int;
        // SAFETY: a bound socket.
        if unsafe { ffi::srt_listen(sock, backlog) } == ffi::ERROR {
            return Err(SrtError::last("srt_listen"));
        }
        Ok(listener)
    }

    /// The address it listens on (the port chosen for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, SrtError> {
        let (r, addr) = with_addr_out(|addr, len| {
            // SAFETY: room for a sockaddr of `len` bytes.
            unsafe { ffi::srt_getsockname(self.sock, addr, len) }
        });
        if r == ffi::ERROR {
            return Err(SrtError::last("srt_getsockname"));
        }
        addr.ok_or(SrtError {
            call: "srt_getsockname",
            code: 0,
            message: "unknown address family".into(),
        })
    }

    /// The next caller the gate accepted, waiting for one at most `timeout` (`Ok(None)` if
    /// none came). Fails once the listener is closed.
    ///
    /// It polls the non-blocking listener every [`ACCEPT_TICK`] rather than waiting in
    /// `srt_epoll_uwait`: libsrt's epoll waits on one process-wide condition variable, and a
    /// process that has used it hangs at exit while libsrt's statics are destroyed.
    pub fn accept(&self, timeout: Duration) -> Result<Option<(Socket, SocketAddr)>, SrtError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match self.try_accept()? {
                Some(accepted) => return Ok(Some(accepted)),
                None if std::time::Instant::now() >= deadline => return Ok(None),
                None => std::thread::sleep(ACCEPT_TICK),
            }
        }
    }

    /// A caller waiting to be accepted, if any, without waiting.
    fn try_accept(&self) -> Result<Option<(Socket, SocketAddr)>, SrtError> {
        let (sock, peer) = with_addr_out(|addr, len| {
            // SAFETY: room for a sockaddr of `len` bytes.
            unsafe { ffi::srt_accept(self.sock, addr, len) }
        });
        if sock == ffi::INVALID_SOCK {
            let error = SrtError::last("srt_accept");
            if error.code == ffi::E_ASYNCRCV {
                return Ok(None);
            }
            return Err(error);
        }
        let socket = Socket {
            sock,
            _library: Library::hold(),
        };
        set_bool(sock, ffi::opt::RCVSYN, true, "SRTO_RCVSYN")?;
        let peer = peer.unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0));
        Ok(Some((socket, peer)))
    }

    /// Stops listening: a thread blocked in [`Listener::accept`] returns with an error.
    pub fn close(&self) {
        // SAFETY: closing an id twice is an error libsrt reports, not undefined behaviour.
        unsafe { ffi::srt_close(self.sock) };
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.close();
        // `self.gate` is left allocated on purpose (see the field).
    }
}

/// An accepted caller's socket; closed on drop.
pub struct Socket {
    sock: ffi::SrtSocket,
    /// Dropped last, after the socket is closed.
    _library: Library,
}

impl Socket {
    /// The id libsrt gave this connection (the one the gate saw).
    pub fn id(&self) -> ffi::SrtSocket {
        self.sock
    }

    /// Makes receives give up after `timeout`, so the reading thread can check for shutdown.
    pub fn set_receive_timeout(&self, timeout: Duration) -> Result<(), SrtError> {
        set_int(
            self.sock,
            ffi::opt::RCVTIMEO,
            timeout.as_millis().clamp(1, i32::MAX as u128) as c_int,
            "SRTO_RCVTIMEO",
        )
    }

    /// A handle for the thread that receives; it must be done before the socket is dropped.
    pub fn reader(&self) -> Reader {
        Reader { sock: self.sock }
    }
}

/// Receives from an accepted socket it does not own.
pub struct Reader {
    sock: ffi::SrtSocket,
}

impl Reader {
    /// Receives one message (up to 1456 bytes in live mode): `Ok(None)` when the timeout
    /// passed with nothing to read, an error once the connection is broken or closed.
    pub fn recv(&self, buf: &mut [u8]) -> Result<Option<usize>, SrtError> {
        let len = buf.len().min(i32::MAX as usize) as c_int;
        // SAFETY: libsrt writes at most `len` bytes into `buf`.
        let n = unsafe { ffi::srt_recvmsg(self.sock, buf.as_mut_ptr().cast::<c_char>(), len) };
        if n == ffi::ERROR {
            let error = SrtError::last("srt_recvmsg");
            if error.code == ffi::E_TIMEOUT || error.code == ffi::E_ASYNCRCV {
                return Ok(None);
            }
            return Err(error);
        }
        Ok(Some(n.max(0) as usize))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: this socket's own id, closed once.
        unsafe { ffi::srt_close(self.sock) };
    }
}

/// A passphrase libsrt accepts: 10 to 79 characters, with no NUL.
pub fn valid_passphrase(passphrase: &str) -> bool {
    (10..=79).contains(&passphrase.len()) && CString::new(passphrase).is_ok()
}
