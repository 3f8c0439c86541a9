import { useCallback, useEffect, useReducer, useRef } from "react";
import type { ClientFrame, ServerFrame } from "@/api/chat-frames";
import { chatUrl } from "@/features/chat/api/chat-url";
import { chatReducer, initialChatState, type ChatState } from "@/features/chat/chatReducer";

/** The chat of one room as the panel sees it: its state and what it can do. */
export interface Chat extends ChatState {
  /** Sends a frame; false (and an error shown) when not connected. */
  send: (frame: ClientFrame) => boolean;
  /** Sends a frame that needs no answer (a latency report); dropped, unseen, when not connected. */
  report: (frame: ClientFrame) => void;
  setDraft: (text: string) => void;
  clearError: () => void;
}

const MAX_BACKOFF_MS = 30_000;

/** Enough of a check that the reducer never sees something that is not a frame at all. */
function isFrame(value: unknown): value is ServerFrame {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** Connects to a room's chat, authenticates with `token` and reconnects with backoff. */
export function useChat(roomId: string, token: string | null): Chat {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const socketRef = useRef<WebSocket | null>(null);
  const tokenRef = useRef(token);

  useEffect(() => {
    let closed = false;
    let attempt = 0;
    let timer: number | undefined;

    const connect = () => {
      const socket = new WebSocket(chatUrl(roomId));
      socketRef.current = socket;
      socket.onopen = () => {
        attempt = 0;
        dispatch({ type: "opened" });
        if (tokenRef.current) socket.send(JSON.stringify({ type: "auth", token: tokenRef.current }));
      };
      socket.onmessage = (event: MessageEvent) => {
        if (typeof event.data !== "string") return;
        let frame: unknown;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return; // not JSON: ignore
        }
        if (isFrame(frame)) dispatch({ type: "received", frame });
      };
      socket.onclose = () => {
        if (socketRef.current === socket) socketRef.current = null;
        if (closed) return;
        dispatch({ type: "closed" });
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        attempt += 1;
        timer = window.setTimeout(() => {
          dispatch({ type: "connecting" });
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
      dispatch({ type: "not_connected" });
      return false;
    }
    if (frame.type === "send") dispatch({ type: "message_sent", text: frame.text });
    socket.send(JSON.stringify(frame));
    return true;
  }, []);
  const report = useCallback((frame: ClientFrame) => {
    const socket = socketRef.current;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }, []);
  const setDraft = useCallback((text: string) => dispatch({ type: "draft_changed", text }), []);
  const clearError = useCallback(() => dispatch({ type: "error_dismissed" }), []);

  return { ...state, send, report, setDraft, clearError };
}
