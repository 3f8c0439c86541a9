/**
 * Frames of the chat WebSocket (docs/chat-protocol.md).
 *
 * Written by hand only until the server's generated JSON Schema, docs/chat-protocol.schema.json,
 * is merged: `npm run gen:api` then writes `chat-protocol.d.ts` from it, and these become aliases
 * of the generated types, as `types.ts` is for the HTTP API.
 */

export interface ChatAuthor {
  id: string;
  name: string;
  role: string;
}

export interface ChatMessage {
  id: string;
  author: ChatAuthor;
  text: string;
  sent_at: number;
}

export type ServerFrame =
  | { type: "hello"; protocol: number; room_id: string; chat_enabled: boolean; slow_mode_seconds: number; viewer_count: number }
  | { type: "history"; messages: ChatMessage[] }
  | { type: "authenticated"; user: ChatAuthor; can_moderate: boolean }
  | ({ type: "message" } & ChatMessage)
  | { type: "message_deleted"; id: string }
  | { type: "viewer_count"; count: number }
  | { type: "room_settings"; chat_enabled: boolean; slow_mode_seconds: number }
  | { type: "notice"; text: string }
  | { type: "ack"; text: string }
  | { type: "error"; code: string; message: string }
  | { type: "pong" };

export type ClientFrame =
  | { type: "auth"; token: string }
  | { type: "send"; text: string }
  | { type: "delete"; message_id: string }
  | { type: "timeout"; user_id: string; seconds: number }
  | { type: "ban"; user_id: string }
  | { type: "unban"; user_id: string }
  | { type: "slow_mode"; seconds: number }
  | { type: "set_chat"; enabled: boolean }
  | { type: "ping" };
