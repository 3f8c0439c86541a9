/* Generated from docs/chat-protocol.schema.json by `npm run gen:api` (web/scripts/gen-api.mjs). Do not edit. */
/**
 * JSON text frames of the room chat WebSocket (docs/chat-protocol.md): a ClientFrame from the client, a ServerFrame from the server.
 */
export type LivestreamChatProtocolVersion1 = ClientFrame | ServerFrame;
/**
 * What a client may send.
 */
export type ClientFrame =
  | {
      token: string;
      type: "auth";
    }
  | {
      text: string;
      type: "send";
    }
  | {
      message_id: string;
      type: "delete";
    }
  | {
      seconds: number;
      type: "timeout";
      user_id: string;
    }
  | {
      type: "ban";
      user_id: string;
    }
  | {
      type: "unban";
      user_id: string;
    }
  | {
      seconds: number;
      type: "slow_mode";
    }
  | {
      enabled: boolean;
      type: "set_chat";
    }
  | {
      type: "ping";
    }
  | {
      seconds: number;
      type: "latency";
    };
/**
 * What the server sends.
 */
export type ServerFrame =
  | {
      chat_enabled: boolean;
      protocol: number;
      room_id: string;
      slow_mode_seconds: number;
      type: "hello";
      viewer_count: number;
    }
  | {
      messages: MessageView[];
      type: "history";
    }
  | {
      can_moderate: boolean;
      type: "authenticated";
      user: Author;
    }
  | (MessageView & {
      type: "message";
    })
  | {
      id: string;
      type: "message_deleted";
    }
  | {
      count: number;
      type: "viewer_count";
    }
  | {
      chat_enabled: boolean;
      slow_mode_seconds: number;
      type: "room_settings";
    }
  | {
      live: boolean;
      type: "stream_status";
    }
  | {
      text: string;
      type: "notice";
    }
  | {
      text: string;
      type: "ack";
    }
  | {
      code: string;
      message: string;
      type: "error";
    }
  | {
      type: "pong";
    };

/**
 * A chat message as clients see it. `text` is plain text: never interpret it as HTML.
 */
export interface MessageView {
  author: Author;
  id: string;
  /**
   * Server time, milliseconds since the Unix epoch.
   */
  sent_at: number;
  text: string;
}
/**
 * Who wrote a message.
 */
export interface Author {
  id: string;
  name: string;
  role: string;
}
