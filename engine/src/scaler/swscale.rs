//! The few libswscale calls the scaler needs: the scaler ffmpeg's own `scale` filter uses, so a
//! rung looks as it would from an ffmpeg ladder, at libswscale's SIMD speed.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr::NonNull;

#[repr(C)]
struct SwsContext {
    _private: [u8; 0],
}

#[link(name = "swscale")]
extern "C" {
    fn sws_getContext(
        src_w: c_int,
        src_h: c_int,
        src_format: c_int,
        dst_w: c_int,
        dst_h: c_int,
        dst_format: c_int,
        flags: c_int,
        src_filter: *mut c_void,
        dst_filter: *mut c_void,
        param: *const f64,
    ) -> *mut SwsContext;
    fn sws_scale(
        context: *mut SwsContext,
        src: *const *const u8,
        src_stride: *const c_int,
        src_slice_y: c_int,
        src_slice_h: c_int,
        dst: *const *mut u8,
        dst_stride: *const c_int,
    ) -> c_int;
    fn sws_freeContext(context: *mut SwsContext);
}

#[link(name = "avutil")]
extern "C" {
    fn av_get_pix_fmt(name: *const c_char) -> c_int;
}

/// libswscale's bicubic (`SWS_BICUBIC`), what `scale=W:H:flags=bicubic` asks for.
const SWS_BICUBIC: c_int = 4;

/// A pixel format as libavutil numbers it, looked up by its stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PixelFormat(c_int);

impl PixelFormat {
    /// The libavutil format named `name` (`yuv420p`, ...), if this libavutil knows it.
    pub(super) fn named(name: &CStr) -> Option<Self> {
        // SAFETY: `name` is a NUL-terminated string; the call only reads it.
        let format = unsafe { av_get_pix_fmt(name.as_ptr()) };
        (format >= 0).then_some(Self(format))
    }
}

/// One picture's planes as libswscale reads or writes them.
pub(super) struct Planes<P> {
    pub(super) data: [P; 4],
    pub(super) strides: [c_int; 4],
}

/// A libswscale context for one input and one output size and format.
pub(super) struct Scaler {
    context: NonNull<SwsContext>,
    src_height: c_int,
}

// SAFETY: a context is used by one thread at a time (the element holds it under a mutex) and
// holds no thread-local state.
unsafe impl Send for Scaler {}

impl Scaler {
    /// A bicubic scaler from `src` to `dst` (width, height, format), or `None` if libswscale
    /// refuses the pair.
    pub(super) fn new(src: (u32, u32, PixelFormat), dst: (u32, u32, PixelFormat)) -> Option<Self> {
        let dim = |v: u32| c_int::try_from(v).ok().filter(|v| *v > 0);
        let (sw, sh, dw, dh) = (dim(src.0)?, dim(src.1)?, dim(dst.0)?, dim(dst.1)?);
        // SAFETY: plain values in; no filters and default parameters (null pointers are
        // documented as "none"). A null result is handled.
        let context = unsafe {
            sws_getContext(
                sw,
                sh,
                src.2 .0,
                dw,
                dh,
                dst.2 .0,
                SWS_BICUBIC,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null(),
            )
        };
        NonNull::new(context).map(|context| Self {
            context,
            src_height: sh,
        })
    }

    /// Scales one whole picture.
    ///
    /// # Safety
    /// `src` and `dst` must describe complete pictures of the sizes and formats this scaler was
    /// made for: every plane the format has points at memory of `stride × plane height` bytes,
    /// readable for `src` and writable for `dst`, and the two do not overlap.
    pub(super) unsafe fn scale(&mut self, src: &Planes<*const u8>, dst: &Planes<*mut u8>) -> bool {
        let rows = sws_scale(
            self.context.as_ptr(),
            src.data.as_ptr(),
            src.strides.as_ptr(),
            0,
            self.src_height,
            dst.data.as_ptr(),
            dst.strides.as_ptr(),
        );
        rows > 0
    }
}

impl Drop for Scaler {
    fn drop(&mut self) {
        // SAFETY: the context came from sws_getContext and is freed once.
        unsafe { sws_freeContext(self.context.as_ptr()) }
    }
}
