import { useCallback, useEffect, useRef, useState } from "react";
import { chatUrl } from "@/api/endpoints";
import type { ChatAuthor, ChatMessage, ClientFrame, ServerFrame } from "@/api/types";

export type ChatItem =
  | ({ kind: "message" } & ChatMessage)
  | { kind: "notice"; id: string; text: string };

export type ChatStatus = "connecting" | "open" | "closed";

export interface ChatState {
  status: ChatStatus;
  items: ChatItem[];
  me: ChatAuthor | null;
  canModerate: boolean;
  chatEnabled: boolean | null;
  slowModeSeconds: number;
  viewerCount: number | null;
  /** The last `error` frame, readable. */
  error: { code: string; message: string } | null;
  /** The last `ack` (e.g. "sent"). */
  ack: string | null;
  /** A message the server refused (slow mode, rate limit, ...), handed back so it is not lost. */
  refused: { text: string; seq: number } | null;
  send: (frame: ClientFrame) => boolean;
  clearError: () => void;
}

const MAX_ITEMS = 300;
const MAX_BACKOFF_MS = 30_000;

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

let noticeSeq = 0;
let refusedSeq = 0;

/** Connects to a room's chat, authenticates with `token` and reconnects with backoff. */
export function useChat(roomId: string, token: string | null): ChatState {
  const [status, setStatus] = useState<ChatStatus>("connecting");
  const [items, setItems] = useState<ChatItem[]>([]);
  const [me, setMe] = useState<ChatAuthor | null>(null);
  const [canModerate, setCanModerate] = useState(false);
  const [chatEnabled, setChatEnabled] = useState<boolean | null>(null);
  const [slowModeSeconds, setSlowMode] = useState(0);
  const [viewerCount, setViewerCount] = useState<number | null>(null);
  const [error, setError] = useState<ChatState["error"]>(null);
  const [ack, setAck] = useState<string | null>(null);
  const [refused, setRefused] = useState<ChatState["refused"]>(null);
  const socketRef = useRef<WebSocket | null>(null);
  const tokenRef = useRef(token);
  /** The text of a `send` not yet answered by `ack` or `error`. */
  const pendingRef = useRef<string | null>(null);

  useEffect(() => {
    let closed = false;
    let attempt = 0;
    let timer: number | undefined;

    const handle = (frame: ServerFrame) => {
      switch (frame.type) {
        case "hello":
          setChatEnabled(frame.chat_enabled);
          setSlowMode(frame.slow_mode_seconds);
          setViewerCount(frame.viewer_count);
          break;
        case "history":
          setItems(frame.messages.map((m) => ({ kind: "message", ...m })));
          break;
        case "authenticated":
          setMe(frame.user);
          setCanModerate(frame.can_moderate);
          break;
        case "message": {
          const { type: _type, ...message } = frame;
          void _type;
          // A message stored while history was loading may arrive in both: show it once.
          setItems((all) =>
            all.some((item) => item.kind === "message" && item.id === message.id)
              ? all
              : [...all, { kind: "message" as const, ...message }].slice(-MAX_ITEMS),
          );
          break;
        }
        case "message_deleted":
          setItems((all) => all.filter((item) => item.kind !== "message" || item.id !== frame.id));
          break;
        case "viewer_count":
          setViewerCount(frame.count);
          break;
        case "room_settings":
          setChatEnabled(frame.chat_enabled);
          setSlowMode(frame.slow_mode_seconds);
          break;
        case "notice":
          noticeSeq += 1;
          setItems((all) => [...all, { kind: "notice" as const, id: `notice-${noticeSeq}`, text: frame.text }].slice(-MAX_ITEMS));
          break;
        case "ack":
          if (frame.text === "sent") pendingRef.current = null;
          setAck(frame.text);
          setError(null);
          break;
        case "error":
          if (pendingRef.current !== null) {
            refusedSeq += 1;
            setRefused({ text: pendingRef.current, seq: refusedSeq });
            pendingRef.current = null;
          }
          setError({ code: frame.code, message: chatErrorText(frame.code, frame.message) });
          break;
        default:
          break;
      }
    };

    const connect = () => {
      const socket = new WebSocket(chatUrl(roomId));
      socketRef.current = socket;
      socket.onopen = () => {
        attempt = 0;
        setStatus("open");
        if (tokenRef.current) socket.send(JSON.stringify({ type: "auth", token: tokenRef.current }));
      };
      socket.onmessage = (event: MessageEvent) => {
        if (typeof event.data !== "string") return;
        try {
          handle(JSON.parse(event.data) as ServerFrame);
        } catch {
          /* not JSON: ignore */
        }
      };
      socket.onclose = () => {
        if (socketRef.current === socket) socketRef.current = null;
        if (closed) return;
        setStatus("closed");
        setMe(null);
        setCanModerate(false);
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        attempt += 1;
        timer = window.setTimeout(() => {
          setStatus("connecting");
          connect();
        }, delay);
      };
    };

    // Deferred so that an effect torn down at once (StrictMode) never opens a socket.
    timer = window.setTimeout(connect, 0);
    return () => {
      closed = true;
      window.clearTimeout(timer);
      const socket = socketRef.current;
      socketRef.current = null;
      socket?.close(1000, "leaving");
    };
  }, [roomId]);

  // Authenticate again when the token changes (login, refresh); forget the user on logout.
  useEffect(() => {
    tokenRef.current = token;
    const socket = socketRef.current;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (token) {
      socket.send(JSON.stringify({ type: "auth", token }));
    } else {
      // The server cannot un-authenticate a connection: reconnect anonymously.
      socket.close(1000, "logged out");
    }
  }, [token]);

  const send = useCallback((frame: ClientFrame) => {
    const socket = socketRef.current;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      setError({ code: "closed", message: "Not connected to the chat. Reconnecting…" });
      return false;
    }
    if (frame.type === "send") pendingRef.current = frame.text;
    socket.send(JSON.stringify(frame));
    return true;
  }, []);

  const clearError = useCallback(() => setError(null), []);

  return { status, items, me, canModerate, chatEnabled, slowModeSeconds, viewerCount, error, ack, refused, send, clearError };
}
