use super::PublishMode;

pub enum StreamState {
    Created,

    Publishing {
        stream_key: String,
        // Livestream fork: kept from upstream, never read (allowed so builds stay quiet).
        #[allow(dead_code)]
        mode: PublishMode,
    },

    Playing {
        stream_key: String,
    },

    Completed,
}

pub struct ActiveStream {
    pub current_state: StreamState,
}
