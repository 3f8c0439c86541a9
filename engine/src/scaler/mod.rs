//! `livestreamscale`: the rungs' scaler, libswscale's bicubic (what ffmpeg's `scale` filter runs)
//! inside a GStreamer element. GStreamer's own `videoconvertscale` (Catmull-Rom) cost as much
//! CPU but scored 1.3 dB lower on 480p before encoding and lost ~15 dB at an exact 3:1;
//! `livestream-bench quality` compares the rungs this makes with ffmpeg's.

mod imp;
mod swscale;

use gst::glib;
use gst::prelude::*;

glib::wrapper! {
    /// The element; made by name with `gst::ElementFactory::make(`[`FACTORY`]`)`.
    pub struct LivestreamScale(ObjectSubclass<imp::LivestreamScale>)
        @extends gst_video::VideoFilter, gst_base::BaseTransform, gst::Element, gst::Object;
}

/// The element's factory name.
pub const FACTORY: &str = "livestreamscale";

/// Registers the element with GStreamer (once per process, by [`crate::init`]).
pub(crate) fn register() -> Result<(), glib::BoolError> {
    gst::Element::register(
        None,
        FACTORY,
        gst::Rank::NONE,
        LivestreamScale::static_type(),
    )
}

#[cfg(test)]
mod tests {
    use gst::prelude::*;
    use gst_video::prelude::*;

    /// Runs `videotestsrc` in one solid colour through `chain` into an appsink and returns the
    /// first frame's caps and its planes' first bytes, or the bus error.
    fn first_frame(source_caps: &str, chain: &str) -> Result<(gst::Caps, Vec<u8>), String> {
        crate::init().map_err(|e| e.to_string())?;
        let description = format!(
            "videotestsrc pattern=solid-color foreground-color=0xff3080c0 num-buffers=3 \
             ! {source_caps} ! {chain} ! appsink name=out"
        );
        let pipeline = gst::parse::launch(&description)
            .map_err(|e| e.to_string())?
            .downcast::<gst::Pipeline>()
            .map_err(|_| "not a pipeline".to_string())?;
        let sink = pipeline
            .by_name("out")
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or("no appsink")?;
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| e.to_string())?;
        let sample = sink.pull_sample();
        let bus = pipeline.bus().ok_or("no bus")?;
        let error = bus
            .pop_filtered(&[gst::MessageType::Error])
            .map(|m| match m.view() {
                gst::MessageView::Error(e) => e.error().to_string(),
                _ => String::new(),
            });
        let _ = pipeline.set_state(gst::State::Null);
        if let Some(error) = error {
            return Err(error);
        }
        let sample = sample.map_err(|_| "no frame and no error".to_string())?;
        let caps = sample.caps_owned().ok_or("no caps")?;
        let info = gst_video::VideoInfo::from_caps(&caps).map_err(|e| e.to_string())?;
        let buffer = sample.buffer_owned().ok_or("no buffer")?;
        let frame =
            gst_video::VideoFrame::from_buffer_readable(buffer, &info).map_err(|_| "unmappable")?;
        let mut firsts = Vec::new();
        for plane in 0..frame.n_planes() {
            let data = frame.plane_data(plane).map_err(|e| e.to_string())?;
            firsts.push(data[0]);
        }
        Ok((caps, firsts))
    }

    const I420_IN: &str = "video/x-raw,format=I420,width=64,height=36";
    const I420_OUT: &str = "video/x-raw,format=I420,width=32,height=18,colorimetry=bt709";

    #[test]
    fn a_solid_colour_keeps_its_values_when_scaled() {
        let (_, unscaled) = first_frame(I420_IN, "identity").expect("the unscaled frame");
        let (caps, scaled) =
            first_frame(I420_IN, &format!("livestreamscale ! {I420_OUT}")).expect("scaled");
        let s = caps.structure(0).expect("a structure");
        assert_eq!(s.get::<i32>("width"), Ok(32));
        assert_eq!(s.get::<i32>("height"), Ok(18));
        assert_eq!(scaled.len(), 3);
        for (a, b) in unscaled.iter().zip(&scaled) {
            assert!(a.abs_diff(*b) <= 1, "{unscaled:?} became {scaled:?}");
        }
    }

    #[test]
    fn a_444_or_10_bit_source_becomes_8_bit_420_with_the_same_values() {
        let (_, reference) = first_frame(I420_IN, "identity").expect("the 4:2:0 frame");
        for format in ["Y444", "I420_10LE"] {
            let (_, converted) = first_frame(
                &format!("video/x-raw,format={format},width=64,height=36"),
                &format!("livestreamscale ! {I420_OUT}"),
            )
            .expect("converted");
            assert_eq!(converted.len(), 3, "{format}");
            for (a, b) in reference.iter().zip(&converted) {
                assert!(
                    a.abs_diff(*b) <= 1,
                    "{format}: {reference:?} against {converted:?}"
                );
            }
        }
    }

    #[test]
    fn the_same_size_and_format_pass_through_untouched() {
        let (_, unscaled) = first_frame(I420_IN, "identity").expect("the unscaled frame");
        let (caps, out) = first_frame(
            I420_IN,
            "livestreamscale ! video/x-raw,format=I420,width=64,height=36",
        )
        .expect("passed through");
        assert_eq!(out, unscaled);
        assert_eq!(
            caps.structure(0).and_then(|s| s.get::<i32>("width").ok()),
            Some(64)
        );
    }

    #[test]
    fn a_format_it_cannot_read_is_refused_when_linking() {
        let error = first_frame(
            "video/x-raw,format=RGBA,width=64,height=36",
            &format!("livestreamscale ! {I420_OUT}"),
        )
        .expect_err("RGBA is not a decoder's output");
        assert!(
            // Element numbers depend on which tests ran first in this process.
            error.contains(" to livestreamscale")
                && error.contains("can't handle caps")
                && error.contains("RGBA"),
            "{error}"
        );
    }
}
