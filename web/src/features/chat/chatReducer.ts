import type { ChatAuthor, ChatMessage, ServerFrame } from "@/api/chat-frames";

/** A line of the chat log: a message, or a notice of the server (a time-out, a ban...). */
export type ChatItem =
  | ({ kind: "message" } & ChatMessage)
  | { kind: "notice"; id: string; text: string };

export type ChatStatus = "connecting" | "open" | "closed";

/** A readable chat error: from an `error` frame, or from sending while disconnected. */
export interface ChatError {
  code: string;
  message: string;
}

/** Everything the chat panel shows, changed only by [`chatReducer`]. */
export interface ChatState {
  status: ChatStatus;
  items: ChatItem[];
  me: ChatAuthor | null;
  canModerate: boolean;
  /** `null` until the server's `hello` says. */
  chatEnabled: boolean | null;
  slowModeSeconds: number;
  viewerCount: number | null;
  /** How many times the server said the room's stream went live or ended (pages reload it). */
  streamChanges: number;
  error: ChatError | null;
  /** The last `ack` (e.g. "sent"). */
  ack: string | null;
  /** What is in the composer. */
  draft: string;
  /** The text of a `send` not yet answered by `ack` or `error`. */
  pending: string | null;
  /** Notices so far, for their ids. */
  notices: number;
}

/** What happens to the chat: the socket's life, a frame from the server, the composer. */
export type ChatAction =
  | { type: "connecting" }
  | { type: "opened" }
  | { type: "closed" }
  | { type: "received"; frame: ServerFrame }
  | { type: "draft_changed"; text: string }
  | { type: "message_sent"; text: string }
  | { type: "not_connected" }
  | { type: "error_dismissed" };

export const MAX_ITEMS = 300;

export const initialChatState: ChatState = {
  status: "connecting",
  items: [],
  me: null,
  canModerate: false,
  chatEnabled: null,
  slowModeSeconds: 0,
  viewerCount: null,
  streamChanges: 0,
  error: null,
  ack: null,
  draft: "",
  pending: null,
  notices: 0,
};

const ERROR_TEXT: Record<string, string> = {
  unauthenticated: "Log in to chat.",
  forbidden: "You are not allowed to do this.",
  chat_disabled: "Chat is turned off in this room.",
  rate_limited: "You are sending messages too fast. Wait a moment.",
  slow_mode: "Slow mode is on. Wait before sending another message.",
  timed_out: "You are timed out from this chat.",
  banned: "You are banned from this chat.",
  unavailable: "The chat is unavailable right now; your message was not saved. Try again.",
};

/** A readable sentence for a chat `error` frame. */
export function chatErrorText(code: string, message: string): string {
  const text = message?.trim() ? message.trim() : (ERROR_TEXT[code] ?? "The chat reported an error.");
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function appended(items: ChatItem[], item: ChatItem): ChatItem[] {
  return [...items, item].slice(-MAX_ITEMS);
}

function received(state: ChatState, frame: ServerFrame): ChatState {
  switch (frame.type) {
    case "hello":
      return { ...state, chatEnabled: frame.chat_enabled, slowModeSeconds: frame.slow_mode_seconds, viewerCount: frame.viewer_count };
    case "history":
      return { ...state, items: frame.messages.map((m) => ({ kind: "message", ...m })) };
    case "authenticated":
      return { ...state, me: frame.user, canModerate: frame.can_moderate };
    case "message": {
      const { type: _type, ...message } = frame;
      void _type;
      // A message stored while history was loading may arrive in both: show it once.
      if (state.items.some((item) => item.kind === "message" && item.id === message.id)) return state;
      return { ...state, items: appended(state.items, { kind: "message", ...message }) };
    }
    case "message_deleted":
      return { ...state, items: state.items.filter((item) => item.kind !== "message" || item.id !== frame.id) };
    case "viewer_count":
      return { ...state, viewerCount: frame.count };
    case "stream_status":
      return { ...state, streamChanges: state.streamChanges + 1 };
    case "room_settings":
      return { ...state, chatEnabled: frame.chat_enabled, slowModeSeconds: frame.slow_mode_seconds };
    case "notice": {
      const notices = state.notices + 1;
      return { ...state, notices, items: appended(state.items, { kind: "notice", id: `notice-${notices}`, text: frame.text }) };
    }
    case "ack":
      return { ...state, ack: frame.text, error: null, pending: frame.text === "sent" ? null : state.pending };
    case "error": {
      const error = { code: frame.code, message: chatErrorText(frame.code, frame.message) };
      if (state.pending === null) return { ...state, error };
      // A message the server refused comes back into an empty composer instead of being lost.
      return { ...state, error, pending: null, draft: state.draft === "" ? state.pending : state.draft };
    }
    default:
      return state;
  }
}

/** The chat's state after `action`; pure, so every rule of the chat is tested without a socket. */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "connecting":
      return { ...state, status: "connecting" };
    case "opened":
      return { ...state, status: "open" };
    case "closed":
      // The next connection authenticates afresh.
      return { ...state, status: "closed", me: null, canModerate: false };
    case "received":
      return received(state, action.frame);
    case "draft_changed":
      return { ...state, draft: action.text };
    case "message_sent":
      return { ...state, pending: action.text, draft: "" };
    case "not_connected":
      return { ...state, error: { code: "closed", message: "Not connected to the chat. Reconnecting…" } };
    case "error_dismissed":
      return { ...state, error: null };
  }
}
