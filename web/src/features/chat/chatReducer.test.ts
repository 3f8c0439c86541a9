import { describe, expect, it } from "vitest";
import type { ChatMessage, ServerFrame } from "@/api/chat-frames";
import { chatErrorText, chatReducer, initialChatState, MAX_ITEMS, type ChatAction, type ChatState } from "./chatReducer";

const author = { id: "u2", name: "mallory", role: "viewer" };

function message(id: string, text = `text of ${id}`): ChatMessage {
  return { id, author, text, sent_at: 1_700_000_000_000 };
}

/** The state after `actions`, from a fresh chat. */
function after(...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, initialChatState);
}

function received(frame: ServerFrame): ChatAction {
  return { type: "received", frame };
}

describe("chatReducer", () => {
  it("takes the room's settings from hello and room_settings", () => {
    const hello = after(
      received({ type: "hello", protocol: 1, room_id: "r1", chat_enabled: false, slow_mode_seconds: 10, viewer_count: 4 }),
    );
    expect(hello).toMatchObject({ chatEnabled: false, slowModeSeconds: 10, viewerCount: 4 });
    const changed = chatReducer(hello, received({ type: "room_settings", chat_enabled: true, slow_mode_seconds: 0 }));
    expect(changed).toMatchObject({ chatEnabled: true, slowModeSeconds: 0, viewerCount: 4 });
    expect(chatReducer(changed, received({ type: "viewer_count", count: 9 })).viewerCount).toBe(9);
  });

  it("shows a message once when it arrives both in the history and live", () => {
    const state = after(received({ type: "history", messages: [message("m1")] }), received({ type: "message", ...message("m1") }));
    expect(state.items).toEqual([{ kind: "message", ...message("m1") }]);
  });

  it("keeps the newest messages only, and removes deleted ones", () => {
    const many = Array.from({ length: MAX_ITEMS + 5 }, (_, i) => received({ type: "message", ...message(`m${i}`) }));
    const state = after(...many);
    expect(state.items).toHaveLength(MAX_ITEMS);
    expect(state.items[0]).toMatchObject({ id: "m5" });
    const deleted = chatReducer(state, received({ type: "message_deleted", id: "m5" }));
    expect(deleted.items).toHaveLength(MAX_ITEMS - 1);
    expect(deleted.items.some((item) => item.id === "m5")).toBe(false);
  });

  it("gives every notice its own id", () => {
    const state = after(received({ type: "notice", text: "a" }), received({ type: "notice", text: "b" }));
    expect(state.items).toEqual([
      { kind: "notice", id: "notice-1", text: "a" },
      { kind: "notice", id: "notice-2", text: "b" },
    ]);
  });

  it("forgets who the user is when the socket closes", () => {
    const state = after(
      { type: "opened" },
      received({ type: "authenticated", user: { id: "u1", name: "olive", role: "streamer" }, can_moderate: true }),
    );
    expect(state).toMatchObject({ status: "open", me: { name: "olive" }, canModerate: true });
    expect(chatReducer(state, { type: "closed" })).toMatchObject({ status: "closed", me: null, canModerate: false });
    expect(chatReducer(state, { type: "connecting" }).status).toBe("connecting");
  });

  it("empties the composer on sending, and brings a refused message back into it", () => {
    const sent = after({ type: "draft_changed", text: "too soon" }, { type: "message_sent", text: "too soon" });
    expect(sent).toMatchObject({ draft: "", pending: "too soon" });
    const refused = chatReducer(sent, received({ type: "error", code: "slow_mode", message: "slow mode is on: wait 8 s" }));
    expect(refused).toMatchObject({ draft: "too soon", pending: null, error: { code: "slow_mode", message: "Slow mode is on: wait 8 s." } });
  });

  it("does not overwrite what is being typed with a refused message", () => {
    const state = after(
      { type: "message_sent", text: "first" },
      { type: "draft_changed", text: "second" },
      received({ type: "error", code: "rate_limited", message: "" }),
    );
    expect(state.draft).toBe("second");
    expect(state.error?.message).toBe("You are sending messages too fast. Wait a moment.");
  });

  it("does not bring back an accepted message when a later error arrives", () => {
    const state = after(
      { type: "message_sent", text: "hello" },
      received({ type: "ack", text: "sent" }),
      received({ type: "error", code: "forbidden", message: "" }),
    );
    expect(state).toMatchObject({ draft: "", pending: null, ack: "sent" });
    expect(state.error?.code).toBe("forbidden");
  });

  it("clears an error on ack and on dismissal, and says when sending without a connection", () => {
    const failed = after({ type: "not_connected" });
    expect(failed.error).toEqual({ code: "closed", message: "Not connected to the chat. Reconnecting…" });
    expect(chatReducer(failed, { type: "error_dismissed" }).error).toBeNull();
    expect(chatReducer(failed, received({ type: "ack", text: "deleted" })).error).toBeNull();
  });
});

describe("chatErrorText", () => {
  it("uses the server's message as a sentence, or a text of its own for the code", () => {
    expect(chatErrorText("banned", "you are banned")).toBe("You are banned.");
    expect(chatErrorText("banned", "  ")).toBe("You are banned from this chat.");
    expect(chatErrorText("something_new", "")).toBe("The chat reported an error.");
  });
});
