/* Generated from src/api/openapi.json by `npm run gen:api` (web/scripts/gen-api.mjs). Do not edit. */
export interface paths {
    "/api/admin/invites": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every invitation, newest first, used or not (admins only; never their codes). */
        get: operations["list_invites"];
        put?: never;
        /** Creates an invitation to register as a streamer (admins only); its code is shown once. */
        post: operations["create_invite"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/invites/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Withdraws an invitation (admins only): its code stops working. */
        delete: operations["delete_invite"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The settings (admins only). */
        get: operations["get_settings"];
        /** Changes the settings (admins only); they apply to the next registration. */
        put: operations["update_settings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every account (admins only). */
        get: operations["list_users"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a user's role or disables them (admins only; not on their own account). */
        patch: operations["update_user"];
        trace?: never;
    };
    "/api/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Exchanges username and password for an access token. Rate limited per client address. */
        post: operations["login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revokes every token of the caller (logout everywhere). */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's account. */
        get: operations["current_user"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issues a fresh token for a still-valid one, in the same session: no token of a session is
         *     valid more than `auth.max_session_hours` after its login, however often it is refreshed.
         */
        post: operations["refresh_token"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Creates an account and logs it in. Rate limited per client address. A streamer account is
         *     made as the admins' setting says (`who_may_stream`): at once, as a viewer awaiting approval,
         *     or with an invitation code (422 on `invite_code` without a valid one).
         */
        post: operations["register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/clips/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One clip (once its room is deleted, only for its owner and admins). */
        get: operations["get_clip"];
        put?: never;
        post?: never;
        /** Deletes a clip and its file (the room's owner or an admin). */
        delete: operations["delete_clip"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/clips/{id}/file": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A clip's MP4 (H.264 + AAC, index first), with HTTP Range so a `<video>` element can seek. */
        get: operations["get_clip_file"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document. */
        get: operations["get_openapi_document"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/presets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every preset (streamers and admins). */
        get: operations["list_presets"];
        put?: never;
        /**
         * Creates a preset (admins). Invalid fields come back one by one in `fields`; a name another
         *     preset has is a 409 `conflict`.
         */
        post: operations["create_preset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/presets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One preset (streamers and admins). */
        get: operations["get_preset"];
        /**
         * Replaces a preset (admins). Rooms using it get the change from their next broadcast. A name
         *     another preset has is a 409 `conflict`.
         */
        put: operations["replace_preset"];
        post?: never;
        /** Deletes a preset (admins); the default preset and presets rooms use cannot be deleted. */
        delete: operations["delete_preset"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/recordings/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes a recording and its file (room owner or admin). */
        delete: operations["delete_recording"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/recordings/{id}/clips": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cuts a clip of a recording (any logged-in user, `clips.per_user_per_hour` at most).
         *     409 when the recording has no replay (still recording, or recorded before replays existed),
         *     and 409 `limit_reached` when the disk is nearly full or the caller's recordings and clips
         *     take `limits.stored_mib_per_user`.
         */
        post: operations["create_recording_clip"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/recordings/{id}/file": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The MKV archive of a broadcast; supports HTTP Range so a `<video>` element can seek. */
        get: operations["get_recording_file"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Lists rooms, live ones first; `q` searches titles and descriptions, `owner_id` picks one
         *     user's rooms.
         */
        get: operations["list_rooms"];
        put?: never;
        /**
         * Creates a room for the caller (streamers and admins) and returns its stream key, once. A
         *     streamer may own `limits.rooms_per_user` rooms (409 `limit_reached` beyond).
         */
        post: operations["create_room"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One room, with its live status and playback URL. */
        get: operations["get_room"];
        put?: never;
        post?: never;
        /** Deletes a room (owner or admin): its key stops working; its recordings stay until deleted. */
        delete: operations["delete_room"];
        options?: never;
        head?: never;
        /** Edits a room (owner or admin). A new preset applies from the next broadcast. */
        patch: operations["update_room"];
        trace?: never;
    };
    "/api/rooms/{id}/chat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Opens the room's chat: a WebSocket speaking the JSON protocol of `docs/chat-protocol.md`.
         *     Anyone may read; send `{"type":"auth","token":"..."}` to write.
         */
        get: operations["connect_chat"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/clips": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A room's clips, newest first. */
        get: operations["list_room_clips"];
        put?: never;
        /**
         * Cuts a clip of the room's live broadcast, starting up to 60 s before the live edge (any
         *     logged-in user, `clips.per_user_per_hour` at most). 409 when the room is not live on this
         *     server, and 409 `limit_reached` as for a recording's clips.
         */
        post: operations["create_live_clip"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/destinations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The room's restream destinations, oldest first, each with its status in the current
         *     broadcast (room owner or admin).
         */
        get: operations["list_destinations"];
        put?: never;
        /**
         * Adds a destination the room's broadcasts are pushed to (room owner or admin); a live
         *     broadcast starts pushing to it at once. 409 when the room has `restream.max_destinations_per_room`
         *     already.
         */
        post: operations["create_destination"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/destinations/{dest_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes a destination (room owner or admin); a live broadcast stops pushing to it at once. */
        delete: operations["delete_destination"];
        options?: never;
        head?: never;
        /**
         * Changes a destination (room owner or admin): any of its name, URL, key and whether it is on.
         *     A URL naming another server (scheme, host or port) needs its stream key with it (422
         *     otherwise): the key sealed for one server is never sent to another. A live broadcast
         *     follows at once.
         */
        patch: operations["update_destination"];
        trace?: never;
    };
    "/api/rooms/{id}/moderators": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists the room's chat moderators, by username (room owner or admin). */
        get: operations["list_moderators"];
        put?: never;
        /** Appoints a chat moderator by `user_id` or by `username` (room owner or admin). */
        post: operations["add_moderator"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/moderators/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Removes a chat moderator (room owner or admin). */
        delete: operations["remove_moderator"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/recordings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The room's recordings, newest first. A deleted room's recordings stay listed for its owner
         *     and admins, who may still delete them.
         */
        get: operations["list_room_recordings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/stream-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Replaces the room's stream key; the old one stops working at once. Shown this once. */
        post: operations["regenerate_stream_key"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/streams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live streams (of every node), oldest first. */
        get: operations["list_streams"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description A session: the user and an access token to send as `Authorization: Bearer <token>`. */
        AuthResponse: {
            access_token: string;
            /**
             * Format: int64
             * @description Seconds until the token expires; call `/api/auth/refresh` before, or log in again after.
             */
            expires_in: number;
            token_type: string;
            user: components["schemas"]["UserView"];
        };
        /** @description A clip as the API shows it. */
        ClipView: {
            /** Format: int64 */
            bytes: number;
            /**
             * Format: int64
             * @description Milliseconds since the Unix epoch.
             */
            created_at: number;
            /** @description The same MP4, as a download. */
            download_url: string;
            /** Format: double */
            duration_seconds: number;
            id: string;
            /** @description The clip's own page, with Open Graph tags for link previews. */
            page_url: string;
            /** @description The MP4 (H.264 + AAC, index first), played inline with Range support. */
            playback_url: string;
            recording_id: string;
            room_id: string;
            /**
             * Format: double
             * @description Where the clip starts in the recording, in seconds (on a keyframe).
             */
            start_seconds: number;
        };
        /** @description A new invitation with its code, shown this once. */
        CreatedInvite: components["schemas"]["InviteView"] & {
            /** @description What the invited person gives as `invite_code` when registering. */
            code: string;
        };
        CreatedRoom: components["schemas"]["StreamKeyView"] & {
            room: components["schemas"]["RoomView"];
        };
        /**
         * @description Where a destination stands.
         * @enum {string}
         */
        DestinationStatus: "idle" | "connecting" | "live" | "retrying";
        /** @description Changes to a destination: any of its fields (a new `stream_key` replaces the old one). */
        DestinationUpdate: {
            enabled?: boolean | null;
            /** @description As in `NewDestination`. */
            name?: string | null;
            /** @description As in `NewDestination`. */
            stream_key?: string | null;
            /** @description As in `NewDestination`. */
            url?: string | null;
        };
        /** @description A destination as its room's owner sees it. Its stream key is never part of it. */
        DestinationView: {
            /**
             * Format: int64
             * @description Bytes the room's current broadcast has sent to it; 0 while idle.
             */
            bytes_sent: number;
            /**
             * Format: int64
             * @description Milliseconds since the Unix epoch.
             */
            created_at: number;
            enabled: boolean;
            id: string;
            /**
             * @description Why the last attempt of the current broadcast failed (the key blanked out); `null` when
             *     none did.
             */
            last_error?: string | null;
            name: string;
            status: components["schemas"]["DestinationStatus"];
            /** @description `…` and the key's last 4 characters when it has at least 12, otherwise empty. */
            stream_key_hint: string;
            url: string;
        };
        /** @description The JSON body of every error. */
        ErrorBody: {
            error: components["schemas"]["ErrorDetail"];
        };
        /**
         * @description The codes [`ApiError::code`] gives, as the OpenAPI document lists them for clients to match.
         * @enum {string}
         */
        ErrorCode: "bad_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict" | "limit_reached" | "payload_too_large" | "validation_failed" | "rate_limited" | "too_many_connections" | "unavailable" | "internal";
        ErrorDetail: {
            code: components["schemas"]["ErrorCode"];
            /** @description With `validation_failed`: one message per invalid field, keyed like `renditions[1].width`. */
            fields?: {
                [key: string]: string;
            } | null;
            /** @description For people: may change, never match on it. */
            message: string;
        };
        /** @description An invitation as admins see it (never its code). */
        InviteView: {
            /**
             * Format: int64
             * @description Milliseconds since the Unix epoch.
             */
            created_at: number;
            created_by: string;
            /** Format: int64 */
            expires_at: number;
            id: string;
            /** Format: int64 */
            used_at?: number | null;
            /** @description The account it made, once used. */
            used_by?: string | null;
        };
        /** @description A room's current broadcast. */
        LiveInfo: {
            media: components["schemas"]["SourceMedia"];
            playable: boolean;
            /** @description The multivariant HLS playlist. */
            playback_url: string;
            /** @description The encoded renditions (the passthrough is not one of them). */
            renditions: components["schemas"]["PlannedRendition"][];
            /** Format: int64 */
            started_at: number;
            stats?: null | components["schemas"]["StreamStats"];
            stream_id: string;
            /**
             * @description A JPEG of the picture, refreshed every `hls.thumbnail_seconds`; it answers 404 until the
             *     first one is written, and always when thumbnails are off.
             */
            thumbnail_url: string;
        };
        LoginRequest: {
            password: string;
            username: string;
        };
        /** @description One moderator of a room. */
        ModeratorView: {
            user_id: string;
            username: string;
        };
        /** @description What to cut of a recording. */
        NewClip: {
            /**
             * Format: double
             * @description How long it lasts: more than 0 and at most 60 seconds (it ends on the keyframe at or
             *     after, so it may be up to a GOP longer).
             */
            duration_seconds: number;
            /**
             * Format: double
             * @description Where the clip starts, in seconds from the recording's start (a start past the
             *     recording's end is refused with 422). The clip starts on the keyframe at or before this
             *     point.
             */
            start_seconds: number;
        };
        /** @description A new destination. */
        NewDestination: {
            /** @description Whether broadcasts are pushed to it (`true` when omitted). */
            enabled?: boolean;
            /**
             * @description What the streamer calls it ("YouTube"): 1 to 64 characters, not only white space, no
             *     control characters; stored trimmed.
             */
            name: string;
            /**
             * @description The destination's stream key: 1 to 512 characters, no white space or control characters.
             *     Sealed when saved and never shown again.
             */
            stream_key: string;
            /**
             * @description The server to push to, without the key: `rtmp://host[:port]/app` or `rtmps://...`, with
             *     an application path; no user name, password, query or fragment, no spaces (422 with the
             *     reason otherwise, e.g. for a port out of range).
             */
            url: string;
        };
        /** @description How long a new invitation is valid. */
        NewInvite: {
            /**
             * Format: int32
             * @description 1 to 90 days (7 when omitted).
             */
            valid_days?: number | null;
        };
        /** @description What to cut of a live broadcast. */
        NewLiveClip: {
            /**
             * Format: double
             * @description How long it lasts: more than 0 and at most 60 seconds; it ends at the live edge at the
             *     latest.
             */
            duration_seconds: number;
            /**
             * Format: double
             * @description How many seconds before the live edge the clip starts: more than 0 and at most 60. The
             *     clip starts on the keyframe at or before this point.
             */
            start_seconds: number;
        };
        /** @description Who to appoint: a user id (as chat messages carry it) or a username (as people know it). */
        NewModerator: {
            /** @description Give exactly one of `user_id` and `username` (422 otherwise, or if no such user). */
            user_id?: string | null;
            username?: string | null;
        };
        NewRoom: {
            chat_enabled?: boolean;
            description?: string;
            /** @description The default preset when omitted; an unknown preset is refused with 422. */
            preset_id?: string | null;
            /**
             * Format: int32
             * @description Replays and clips older than this many days are removed; 0 or omitted keeps them.
             */
            retention_days?: number | null;
            /**
             * @description 1 to 200 characters, not only white space (the pattern spells out what `str::trim`
             *     removes: engines differ on `\s`); stored trimmed.
             */
            title: string;
        };
        /** @description A rendition as planned for this source (`media::ladder::PlannedRendition`). */
        PlannedRendition: {
            /**
             * Format: int32
             * @description The AAC bitrate of its audio group; `null` plays with the source's audio.
             */
            audio_kbps?: number | null;
            /**
             * Format: int32
             * @description Output frame rate when the source exceeds the rung's cap.
             */
            fps_cap?: number | null;
            /** Format: int32 */
            height: number;
            name: string;
            profile: components["schemas"]["ProfileName"];
            speed_preset: components["schemas"]["SpeedPresetName"];
            /** Format: int32 */
            video_kbps: number;
            /** Format: int32 */
            width: number;
        };
        PresetSpec: {
            /**
             * @description 1 to 64 bytes, not only white space (the pattern spells out what `str::trim` removes:
             *     engines differ on `\s`).
             */
            name: string;
            passthrough: boolean;
            /** @description At least one rendition unless `passthrough` is on. */
            renditions: components["schemas"]["RenditionSpec"][];
            /** Format: int32 */
            segment_seconds: number;
            /** Format: int32 */
            window_segments: number;
        } & ({
            /** @enum {boolean} */
            passthrough: true;
        } | {
            renditions: components["schemas"]["RenditionSpec"][];
        });
        /** @description A preset as the API shows it. */
        PresetView: {
            /**
             * @description 1 to 64 bytes, not only white space (the pattern spells out what `str::trim` removes:
             *     engines differ on `\s`).
             */
            name: string;
            passthrough: boolean;
            /** @description At least one rendition unless `passthrough` is on. */
            renditions: components["schemas"]["RenditionSpec"][];
            /** Format: int32 */
            segment_seconds: number;
            /** Format: int32 */
            window_segments: number;
        } & {
            id: string;
            is_default: boolean;
            /** Format: int64 */
            updated_at: number;
        };
        /**
         * @description The H.264 profiles a rendition may use, as [`Profile`] serializes them.
         * @enum {string}
         */
        ProfileName: "baseline" | "main" | "high";
        /**
         * @description Where a recording is in its life.
         * @enum {string}
         */
        RecordingStatus: "recording" | "complete" | "failed";
        /** @description A recording as the API shows it (never its path on disk). */
        RecordingView: {
            /** Format: int64 */
            bytes?: number | null;
            /** @description Downloads the MKV archive. */
            download_url: string;
            /** Format: int64 */
            duration_ms?: number | null;
            end_reason?: string | null;
            /** Format: int64 */
            ended_at?: number | null;
            /** @description Streams (with Range support) or downloads the MKV archive. */
            file_url: string;
            id: string;
            /**
             * @description What the player loads: the broadcast as HLS VOD (its live ladder, seekable in every
             *     browser). `null` while recording, and for recordings kept as an archive only.
             */
            playback_url?: string | null;
            /** @description A frame of the broadcast, as JPEG (`null` when `playback_url` is). */
            poster_url?: string | null;
            room_id: string;
            /** Format: int64 */
            started_at: number;
            status: components["schemas"]["RecordingStatus"];
            /**
             * @description The timeline preview: a WebVTT thumbnails track whose cues point into JPEG sprite sheets
             *     (`sprite-0.jpg#xywh=x,y,w,h`); `null` when `playback_url` is.
             */
            thumbnails_vtt_url?: string | null;
        };
        RegisterRequest: {
            /**
             * @description An admin's invitation code, needed to register as a streamer when streaming is by
             *     invitation; used once.
             */
            invite_code?: string | null;
            /**
             * @description 10 to 256 characters, and hard enough to guess (zxcvbn score 3 or more): too easy a
             *     password is refused with 422.
             */
            password: string;
            role?: null | components["schemas"]["RegistrationRole"];
            /** @description 3 to 32 letters, digits, `.`, `-` or `_`; must not be taken. */
            username: string;
        };
        /**
         * @description The roles one may register with.
         * @enum {string}
         */
        RegistrationRole: "viewer" | "streamer";
        /**
         * @description One rung of a preset, as admins write it. The bounds in the schema are those `validate`
         *     checks; a name must also differ from the other rungs' and from `source`, `audio` and
         *     `audio-…` (the audio renditions' names).
         */
        RenditionSpec: {
            /**
             * Format: int32
             * @description AAC bitrate of this rung's audio: each distinct bitrate of a preset is one AAC encode,
             *     shared by the rungs that ask for it and offered as its own audio group. `null` takes the
             *     source's audio as it is (transcoded to AAC at 128 kbit/s when players cannot take it,
             *     such as MP3).
             */
            audio_kbps?: number | null;
            /** Format: int32 */
            fps: number;
            /** Format: int32 */
            height: number;
            /** @example 720p */
            name: string;
            profile: components["schemas"]["ProfileName"];
            speed_preset: components["schemas"]["SpeedPresetName"];
            /** Format: int32 */
            video_kbps: number;
            /** Format: int32 */
            width: number;
        };
        /** @description How one rendition keeps up with the source. */
        RenditionStats: {
            /**
             * Format: double
             * @description Seconds the rendition's output is behind the newest source frame.
             */
            behind: number;
            /**
             * Format: double
             * @description Frames dropped per second since the previous report.
             */
            dropped_fps: number;
            /**
             * Format: int64
             * @description Source frames dropped so far to stay real time; always 0 for the passthrough.
             */
            dropped_frames: number;
            name: string;
            /**
             * Format: double
             * @description Media time produced per wall-clock second; 1.0 is real time.
             */
            speed: number;
        };
        /**
         * @description What an account may do.
         * @enum {string}
         */
        Role: "viewer" | "streamer" | "admin";
        RoomUpdate: {
            chat_enabled?: boolean | null;
            description?: string | null;
            /** @description An unknown preset is refused with 422. */
            preset_id?: string | null;
            /**
             * Format: int32
             * @description As in `NewRoom`: 0 keeps replays and clips for ever.
             */
            retention_days?: number | null;
            /** @description As in `NewRoom`. */
            title?: string | null;
        };
        /** @description A room as anyone may see it. The stream key is never part of it. */
        RoomView: {
            chat_enabled: boolean;
            /** Format: int64 */
            created_at: number;
            description: string;
            id: string;
            /** @description Where publishers point OBS: `rtmp://HOST:PORT/APP` (the stream key is not part of it). */
            ingest_url: string;
            live?: null | components["schemas"]["LiveInfo"];
            owner_id: string;
            owner_name: string;
            preset_id: string;
            /**
             * Format: int32
             * @description Replays and clips older than this many days are removed; `null` keeps them.
             */
            retention_days?: number | null;
            /** Format: int32 */
            slow_mode_seconds: number;
            /**
             * @description The SRT ingest, `srt://HOST:PORT`, to which the stream key is given as the stream id
             *     (`?streamid=KEY`); `null` while SRT is off.
             */
            srt_ingest_url?: string | null;
            title: string;
            /** @description Connections to the room's chat right now. */
            viewer_count: number;
            viewer_latency?: null | components["schemas"]["ViewerLatency"];
        };
        /** @description The settings admins change at run time. */
        Settings: {
            /**
             * @description Who may register as a streamer: `anyone`; `approved` (registering as a streamer makes a
             *     viewer, whom an admin makes a streamer); `invited` (with an admin's invitation code).
             */
            who_may_stream: components["schemas"]["WhoMayStream"];
        };
        /** @description The publisher's audio. */
        SourceAudio: {
            /** Format: int32 */
            channels: number;
            /** @example aac */
            codec: string;
            /** Format: int32 */
            sample_rate: number;
        };
        /** @description What the publisher sends (`media::SourceMedia`). */
        SourceMedia: {
            /**
             * Format: int32
             * @description The bitrate the publisher announced (video and audio), in kbit/s.
             */
            announced_kbps?: number | null;
            audio?: null | components["schemas"]["SourceAudio"];
            /** @description The encoder the publisher reported in `onMetaData`, if any. */
            encoder?: string | null;
            video: components["schemas"]["SourceVideo"];
        };
        /** @description The publisher's video. */
        SourceVideo: {
            /** @example h264 */
            codec: string;
            /**
             * Format: double
             * @description Frames per second, from the SPS or the publisher's metadata.
             */
            fps?: number | null;
            /** Format: int32 */
            height: number;
            /** Format: int32 */
            width: number;
        };
        /**
         * @description The x264 speed presets a rendition may use, as [`SpeedPreset`] serializes them.
         * @enum {string}
         */
        SpeedPresetName: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium";
        /** @description A stream key, shown only when created or regenerated. */
        StreamKeyView: {
            /** @description Where to point OBS: `rtmp://HOST:PORT/APP`. */
            ingest_url: string;
            /** @description The SRT ingest, `srt://HOST:PORT` (the key goes in `?streamid=`); `null` while SRT is off. */
            srt_ingest_url?: string | null;
            stream_key: string;
        };
        StreamList: {
            streams: components["schemas"]["StreamView"][];
        };
        /** @description Health figures over the last stats interval (`engine::StreamStats`). */
        StreamStats: {
            /** Format: double */
            input_fps: number;
            /** Format: double */
            input_kbps: number;
            /**
             * Format: double
             * @description Seconds between the last two source keyframes.
             */
            keyframe_interval?: number | null;
            renditions: components["schemas"]["RenditionStats"][];
        };
        StreamView: components["schemas"]["LiveInfo"] & {
            id: string;
            room_id?: string | null;
        };
        UserChanges: {
            /** @description A disabled user cannot log in; their tokens stop working at once. */
            disabled?: boolean | null;
            role?: null | components["schemas"]["Role"];
        };
        /** @description A user as the API shows it. */
        UserView: {
            /** Format: int64 */
            created_at: number;
            disabled: boolean;
            id: string;
            role: components["schemas"]["Role"];
            username: string;
        };
        /** @description The viewers' latency in one room. */
        ViewerLatency: {
            /**
             * Format: double
             * @description Seconds behind the live edge: the median viewer.
             */
            median_seconds: number;
            /**
             * Format: double
             * @description Seconds behind the live edge: 90 % of the viewers are at most this far behind.
             */
            p90_seconds: number;
            /** @description Viewers whose player reported in the last 15 s. */
            viewers: number;
        };
        /**
         * @description Who may register as a streamer.
         * @enum {string}
         */
        WhoMayStream: "anyone" | "approved" | "invited";
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_invites: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InviteView"][];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_invite: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewInvite"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedInvite"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_invite: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the invitation is withdrawn */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Settings"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserView"][];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserChanges"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuthResponse"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Too many attempts or connections from the caller's address. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description every token of the caller is revoked */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    current_user: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserView"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    refresh_token: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuthResponse"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    register: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuthResponse"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Too many attempts or connections from the caller's address. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_clip: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClipView"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_clip: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the clip and its file are deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_clip_file: {
        parameters: {
            query?: {
                /** @description `true` to download instead of playing inline. */
                download?: boolean | null;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the clip */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "video/mp4": number[];
                };
            };
            /** @description a range of it */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "video/mp4": number[];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the range is outside the file */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_openapi_document: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the OpenAPI 3.1 document of every API route */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    list_presets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PresetView"][];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_preset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PresetSpec"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PresetView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_preset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PresetView"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    replace_preset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PresetSpec"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PresetView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_preset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the preset is deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_recording: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the recording and its file are deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_recording_clip: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewClip"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClipView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Too many attempts or connections from the caller's address. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_recording_file: {
        parameters: {
            query?: {
                /** @description `true` to download instead of playing inline. */
                download?: boolean | null;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the archive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "video/x-matroska": number[];
                };
            };
            /** @description a range of it */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "video/x-matroska": number[];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the range is outside the file */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_rooms: {
        parameters: {
            query?: {
                /** @description Text to search for in titles and descriptions. */
                q?: string | null;
                /** @description Only the rooms of this user. */
                owner_id?: string | null;
                /** @description At most this many rooms (50 when omitted; values are brought into 1 to 200). */
                limit?: number | null;
                /** @description Rooms to skip (a negative value counts as 0). */
                offset?: number | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoomView"][];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_room: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewRoom"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedRoom"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_room: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoomView"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_room: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the room is deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_room: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RoomUpdate"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoomView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    connect_chat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description switching to the chat WebSocket */
            101: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description not a WebSocket upgrade request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description too many chat connections from this address, or in all */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_room_clips: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClipView"][];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_live_clip: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewLiveClip"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClipView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Too many attempts or connections from the caller's address. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_destinations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DestinationView"][];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_destination: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewDestination"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DestinationView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description The request conflicts with the current state (`conflict`), or one of the account's limits
             *     is reached (`limit_reached`); `message` says how.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_destination: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                dest_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the destination is deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_destination: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                dest_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DestinationUpdate"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DestinationView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_moderators: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModeratorView"][];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    add_moderator: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewModerator"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModeratorView"];
                };
            };
            /**
             * @description The request is malformed: the body is not JSON of the documented shape (unknown fields are
             *     refused), is not sent as `application/json`, or the query string is invalid.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is larger than 64 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /**
             * @description Well-formed, but some fields are invalid (rules a schema cannot say: password strength, a
             *     name already taken, a referenced resource that does not exist); `fields` holds one message
             *     per field.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    remove_moderator: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the user is no moderator of the room (any more) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_room_recordings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecordingView"][];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    regenerate_stream_key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StreamKeyView"];
                };
            };
            /** @description No access token, or an invalid, expired or revoked one. */
            401: {
                headers: {
                    /** @description `Bearer` */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The caller's role or relation to the resource does not allow this. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No such resource (or one the caller may not see). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The database is unreachable, or password work is queued too long; retry after a moment. */
            503: {
                headers: {
                    /** @description seconds to wait */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_streams: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StreamList"];
                };
            };
        };
    };
}
