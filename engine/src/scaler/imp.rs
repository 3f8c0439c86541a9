//! The element: a `GstVideoFilter` whose transform is one libswscale call per frame.

use super::swscale::{PixelFormat, Planes, Scaler};
use gst::glib;
use gst::prelude::*;
use gst_base::prelude::*;
use gst_video::prelude::*;
use gst_video::subclass::prelude::*;
use std::ffi::CStr;
use std::sync::{LazyLock, Mutex, PoisonError};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "livestreamscale",
        gst::DebugColorFlags::empty(),
        Some("Livestream's libswscale scaler"),
    )
});

/// The input formats a decoder may give (8- and 10-bit, 4:2:0 to 4:4:4), with libavutil's
/// name for each. Every output is 8-bit 4:2:0.
const FORMATS: &[(gst_video::VideoFormat, &CStr)] = &[
    (gst_video::VideoFormat::I420, c"yuv420p"),
    (gst_video::VideoFormat::Nv12, c"nv12"),
    (gst_video::VideoFormat::Y42b, c"yuv422p"),
    (gst_video::VideoFormat::Y444, c"yuv444p"),
    (gst_video::VideoFormat::I42010le, c"yuv420p10le"),
    (gst_video::VideoFormat::I42210le, c"yuv422p10le"),
    (gst_video::VideoFormat::Y44410le, c"yuv444p10le"),
    (gst_video::VideoFormat::Gray8, c"gray"),
];

/// The output alignment of every plane's stride and start: what libswscale's SIMD paths need
/// (unaligned output takes its slow path).
const ALIGN: u32 = 31;

fn pixel_format(format: gst_video::VideoFormat) -> Option<PixelFormat> {
    FORMATS
        .iter()
        .find(|(f, _)| *f == format)
        .and_then(|(_, name)| PixelFormat::named(name))
}

#[derive(Default)]
pub struct LivestreamScale {
    scaler: Mutex<Option<Scaler>>,
}

#[glib::object_subclass]
impl ObjectSubclass for LivestreamScale {
    const NAME: &'static str = "LivestreamScale";
    type Type = super::LivestreamScale;
    type ParentType = gst_video::VideoFilter;
}

impl ObjectImpl for LivestreamScale {}
impl GstObjectImpl for LivestreamScale {}

impl ElementImpl for LivestreamScale {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Livestream scaler",
                "Filter/Converter/Video/Scaler",
                "Scales and converts to 8-bit 4:2:0 with libswscale's bicubic, keeping the \
                 colour values (no matrix conversion)",
                "Livestream",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let sink = gst_video::VideoCapsBuilder::new()
                .format_list(FORMATS.iter().map(|(f, _)| *f))
                .build();
            let src = gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .build();
            [
                (gst::PadDirection::Sink, "sink", sink),
                (gst::PadDirection::Src, "src", src),
            ]
            .into_iter()
            .filter_map(|(direction, name, caps)| {
                gst::PadTemplate::new(name, direction, gst::PadPresence::Always, &caps).ok()
            })
            .collect()
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for LivestreamScale {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::NeverInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = true;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    /// Any size and any supported format on the other side; the colorimetry is relabelled,
    /// never converted, so it is free too. The frame rate is kept.
    fn transform_caps(
        &self,
        direction: gst::PadDirection,
        caps: &gst::Caps,
        filter: Option<&gst::Caps>,
    ) -> Option<gst::Caps> {
        let mut free = caps.clone();
        for s in free.make_mut().iter_mut() {
            s.remove_fields([
                "width",
                "height",
                "format",
                "colorimetry",
                "chroma-site",
                "pixel-aspect-ratio",
            ]);
        }
        let other = match direction {
            gst::PadDirection::Sink => self.obj().src_pad().pad_template_caps(),
            _ => self.obj().sink_pad().pad_template_caps(),
        };
        let result = free.intersect(&other);
        Some(match filter {
            Some(filter) => filter.intersect_with_mode(&result, gst::CapsIntersectMode::First),
            None => result,
        })
    }

    /// A pool of output frames with aligned planes when downstream reads strides from the video
    /// meta; otherwise GStreamer's default layout.
    fn decide_allocation(
        &self,
        query: &mut gst::query::Allocation,
    ) -> Result<(), gst::LoggableError> {
        let (caps, _) = query.get_owned();
        let has_meta = query
            .find_allocation_meta::<gst_video::VideoMeta>()
            .is_some();
        if let (Some(caps), true) = (caps, has_meta) {
            let info = gst_video::VideoInfo::from_caps(&caps)
                .map_err(|e| gst::loggable_error!(CAT, "output caps: {e}"))?;
            let pool = gst_video::VideoBufferPool::new();
            let mut config = pool.config();
            let size = u32::try_from(info.size())
                .map_err(|_| gst::loggable_error!(CAT, "frame too large"))?;
            config.set_params(Some(&caps), size, 2, 0);
            config.add_option(gst_video::BUFFER_POOL_OPTION_VIDEO_META);
            config.add_option(gst_video::BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
            config.set_video_alignment(&gst_video::VideoAlignment::new(
                0,
                0,
                0,
                0,
                &[ALIGN; gst_video::VIDEO_MAX_PLANES],
            ));
            pool.set_config(config)
                .map_err(|e| gst::loggable_error!(CAT, "output pool: {e}"))?;
            // The pool may have grown the frames for the alignment.
            let size = pool.config().params().map_or(size, |(_, size, _, _)| size);
            while query.allocation_pools().len() > 0 {
                query.remove_nth_allocation_pool(0);
            }
            query.add_allocation_pool(Some(&pool), size, 2, 0);
        }
        self.parent_decide_allocation(query)
    }
}

impl VideoFilterImpl for LivestreamScale {
    fn set_info(
        &self,
        _incaps: &gst::Caps,
        in_info: &gst_video::VideoInfo,
        _outcaps: &gst::Caps,
        out_info: &gst_video::VideoInfo,
    ) -> Result<(), gst::LoggableError> {
        let same = in_info.width() == out_info.width()
            && in_info.height() == out_info.height()
            && in_info.format() == out_info.format();
        // Same size and format: the frames pass untouched whatever the colorimetry labels say.
        self.obj().set_passthrough(same);
        let mut scaler = self.scaler.lock().unwrap_or_else(PoisonError::into_inner);
        *scaler = None;
        if same {
            return Ok(());
        }
        let formats = (
            pixel_format(in_info.format()),
            pixel_format(out_info.format()),
        );
        let (Some(from), Some(to)) = formats else {
            return Err(gst::loggable_error!(
                CAT,
                "no libswscale format for {:?} -> {:?}",
                in_info.format(),
                out_info.format()
            ));
        };
        *scaler = Scaler::new(
            (in_info.width(), in_info.height(), from),
            (out_info.width(), out_info.height(), to),
        );
        let conversion = format!(
            "{}x{} {:?} -> {}x{} {:?}",
            in_info.width(),
            in_info.height(),
            in_info.format(),
            out_info.width(),
            out_info.height(),
            out_info.format()
        );
        if scaler.is_none() {
            return Err(gst::loggable_error!(CAT, "libswscale refused {conversion}"));
        }
        gst::debug!(CAT, imp = self, "scaling {conversion}");
        Ok(())
    }

    fn transform_frame(
        &self,
        inframe: &gst_video::VideoFrameRef<&gst::BufferRef>,
        outframe: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut scaler = self.scaler.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(scaler) = scaler.as_mut() else {
            gst::element_imp_error!(self, gst::CoreError::Negotiation, ["not negotiated"]);
            return Err(gst::FlowError::NotNegotiated);
        };
        let mut src = Planes {
            data: [std::ptr::null(); 4],
            strides: [0; 4],
        };
        for plane in 0..inframe.n_planes().min(4) {
            let i = plane as usize;
            src.data[i] = inframe
                .plane_data(plane)
                .map_err(|_| gst::FlowError::Error)?
                .as_ptr();
            src.strides[i] = inframe.plane_stride()[i];
        }
        let mut dst = Planes {
            data: [std::ptr::null_mut(); 4],
            strides: [0; 4],
        };
        for plane in 0..outframe.n_planes().min(4) {
            let i = plane as usize;
            dst.strides[i] = outframe.plane_stride()[i];
            dst.data[i] = outframe
                .plane_data_mut(plane)
                .map_err(|_| gst::FlowError::Error)?
                .as_mut_ptr();
        }
        // SAFETY: both frames are mapped, complete pictures of the negotiated sizes and formats
        // the scaler was made for (set_info), every plane of each format is filled in, and the
        // input and output are different buffers (NeverInPlace).
        if unsafe { scaler.scale(&src, &dst) } {
            Ok(gst::FlowSuccess::Ok)
        } else {
            gst::element_imp_error!(self, gst::StreamError::Failed, ["libswscale failed"]);
            Err(gst::FlowError::Error)
        }
    }
}
