//! Table definitions, mirroring `migrations/`. Change the migrations first, then this file.

diesel::table! {
    users (id) {
        id -> Varchar,
        username -> Varchar,
        password_hash -> Varchar,
        role -> Varchar,
        disabled -> Bool,
        token_version -> Integer,
        created_at -> BigInt,
    }
}

diesel::table! {
    presets (id) {
        id -> Varchar,
        name -> Varchar,
        renditions -> Text,
        passthrough -> Bool,
        segment_seconds -> Integer,
        window_segments -> Integer,
        is_default -> Bool,
        updated_at -> BigInt,
    }
}

diesel::table! {
    rooms (id) {
        id -> Varchar,
        owner_id -> Varchar,
        title -> Varchar,
        description -> Text,
        preset_id -> Varchar,
        chat_enabled -> Bool,
        stream_key_hash -> Varchar,
        live_stream_id -> Nullable<Varchar>,
        live_since -> Nullable<BigInt>,
        created_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
        slow_mode_seconds -> Integer,
        retention_days -> Nullable<Integer>,
    }
}

diesel::table! {
    chat_messages (id) {
        id -> Varchar,
        room_id -> Varchar,
        user_id -> Varchar,
        author_name -> Varchar,
        author_role -> Varchar,
        body -> Text,
        sent_at -> BigInt,
        deleted -> Bool,
    }
}

diesel::table! {
    room_moderators (room_id, user_id) {
        room_id -> Varchar,
        user_id -> Varchar,
    }
}

diesel::table! {
    chat_bans (room_id, user_id) {
        room_id -> Varchar,
        user_id -> Varchar,
        until_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    recordings (id) {
        id -> Varchar,
        room_id -> Varchar,
        stream_id -> Varchar,
        started_at -> BigInt,
        ended_at -> Nullable<BigInt>,
        duration_ms -> Nullable<BigInt>,
        bytes -> Nullable<BigInt>,
        status -> Varchar,
        archive_path -> Text,
        end_reason -> Nullable<Text>,
        object_key -> Nullable<Varchar>,
        vod -> Bool,
        stored_bytes -> Nullable<BigInt>,
    }
}

diesel::table! {
    restream_destinations (id) {
        id -> Varchar,
        room_id -> Varchar,
        name -> Varchar,
        url -> Varchar,
        stream_key_sealed -> Text,
        stream_key_hint -> Varchar,
        enabled -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    clips (id) {
        id -> Varchar,
        room_id -> Varchar,
        recording_id -> Varchar,
        created_by -> Varchar,
        created_at -> BigInt,
        start_ms -> BigInt,
        duration_ms -> BigInt,
        bytes -> BigInt,
        object_key -> Nullable<Varchar>,
    }
}

diesel::table! {
    site_settings (name) {
        name -> Varchar,
        value -> Text,
    }
}

diesel::table! {
    invites (id) {
        id -> Varchar,
        code_hash -> Varchar,
        created_by -> Varchar,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_by -> Nullable<Varchar>,
        used_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(rooms -> users (owner_id));
diesel::joinable!(rooms -> presets (preset_id));
diesel::joinable!(recordings -> rooms (room_id));
diesel::joinable!(chat_messages -> rooms (room_id));
diesel::joinable!(restream_destinations -> rooms (room_id));
diesel::joinable!(clips -> rooms (room_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    presets,
    rooms,
    recordings,
    chat_messages,
    room_moderators,
    chat_bans,
    restream_destinations,
    clips,
    site_settings,
    invites
);
