import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ServerFrame } from "@/api/chat-frames";
import { useChat } from "@/features/chat/hooks/useChat";
import { renderWithProviders } from "@/test/render";
import { ChatPanel } from "./ChatPanel";

class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static instances: FakeWebSocket[] = [];
  readonly url: string;
  readyState = FakeWebSocket.CONNECTING;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: (() => void) | null = null;

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.();
  }
  /** Test side: the server accepts the connection. */
  open() {
    act(() => {
      this.readyState = FakeWebSocket.OPEN;
      this.onopen?.();
    });
  }
  /** Test side: the server sends a frame. */
  receive(frame: ServerFrame) {
    act(() => this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(frame) })));
  }
}

function Harness({ token }: { token: string | null }) {
  const chat = useChat("room-1", token);
  return <ChatPanel chat={chat} loggedIn={token !== null} />;
}

/** The socket the hook opened (it connects on the next tick). */
async function connected(): Promise<FakeWebSocket> {
  await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
  const socket = FakeWebSocket.instances[0];
  socket.open();
  return socket;
}

const author = { id: "u2", name: "mallory", role: "viewer" };

beforeEach(() => {
  FakeWebSocket.instances = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
});

describe("ChatPanel", () => {
  it("renders message text as plain text, never as HTML", async () => {
    renderWithProviders(<Harness token={null} />, { route: "/rooms/room-1" });
    const socket = await connected();
    expect(socket.url).toBe("ws://localhost:3000/api/rooms/room-1/chat");
    socket.receive({ type: "hello", protocol: 1, room_id: "room-1", chat_enabled: true, slow_mode_seconds: 0, viewer_count: 3 });
    socket.receive({
      type: "history",
      messages: [{ id: "m1", author, text: '<img src=x onerror="alert(1)"><b>bold</b>', sent_at: 1_700_000_000_000 }],
    });
    const log = screen.getByRole("log", { name: "Chat messages" });
    expect(within(log).getByText('<img src=x onerror="alert(1)"><b>bold</b>')).toBeInTheDocument();
    expect(log.querySelector("img")).toBeNull();
    expect(log.querySelector("b")).toBeNull();
  });

  it("shows a message once when it arrives both in the history and live", async () => {
    renderWithProviders(<Harness token={null} />);
    const socket = await connected();
    const message = { id: "m1", author, text: "only once", sent_at: 1_700_000_000_000 };
    socket.receive({ type: "history", messages: [message] });
    socket.receive({ type: "message", ...message });
    expect(within(screen.getByRole("log")).getAllByText("only once")).toHaveLength(1);
  });

  it("is read-only for anonymous viewers, with a link to log in", async () => {
    renderWithProviders(<Harness token={null} />, { route: "/rooms/room-1" });
    await connected();
    expect(screen.getByRole("textbox", { name: "Chat message" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    expect(screen.getByRole("link", { name: "Log in to chat" })).toHaveAttribute("href", "/login?next=%2Frooms%2Froom-1");
    expect(FakeWebSocket.instances[0].sent).toEqual([]);
  });

  it("authenticates, sends messages, shows notices and readable errors", async () => {
    const user = userEvent.setup();
    renderWithProviders(<Harness token="tok" />);
    const socket = await connected();
    expect(socket.sent).toEqual([{ type: "auth", token: "tok" }]);
    socket.receive({ type: "authenticated", user: { id: "u1", name: "olive", role: "viewer" }, can_moderate: false });

    await user.type(screen.getByRole("textbox", { name: "Chat message" }), "hello there");
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect(socket.sent).toContainEqual({ type: "send", text: "hello there" });
    expect(screen.getByRole("textbox", { name: "Chat message" })).toHaveValue("");

    socket.receive({ type: "notice", text: "mallory was timed out" });
    expect(within(screen.getByRole("log")).getByText("mallory was timed out")).toBeInTheDocument();

    socket.receive({ type: "ack", text: "sent" });
    await user.type(screen.getByRole("textbox", { name: "Chat message" }), "too soon");
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect(screen.getByRole("textbox", { name: "Chat message" })).toHaveValue("");
    socket.receive({ type: "error", code: "slow_mode", message: "slow mode is on: wait 8 s" });
    expect(screen.getByRole("alert")).toHaveTextContent("Slow mode is on: wait 8 s.");
    // The refused message comes back instead of being lost; an accepted one does not.
    expect(screen.getByRole("textbox", { name: "Chat message" })).toHaveValue("too soon");
    expect(screen.queryByRole("button", { name: /Moderate message/ })).toBeNull();
  });

  it("gives moderators message actions and room controls", async () => {
    const user = userEvent.setup();
    renderWithProviders(<Harness token="tok" />);
    const socket = await connected();
    socket.receive({ type: "hello", protocol: 1, room_id: "room-1", chat_enabled: true, slow_mode_seconds: 0, viewer_count: 1 });
    socket.receive({ type: "authenticated", user: { id: "u1", name: "olive", role: "streamer" }, can_moderate: true });
    socket.receive({ type: "message", id: "m9", author, text: "spam", sent_at: 1_700_000_000_000 });

    await user.click(screen.getByRole("button", { name: "Moderate message from mallory" }));
    await user.click(await screen.findByRole("menuitem", { name: "Time out 10 min" }));
    expect(socket.sent).toContainEqual({ type: "timeout", user_id: "u2", seconds: 600 });

    // A ban asks first: cancelling sends nothing, confirming sends the ban.
    const bans = () => socket.sent.filter((f) => (f as { type: string }).type === "ban");
    await user.click(screen.getByRole("button", { name: "Moderate message from mallory" }));
    await user.click(await screen.findByRole("menuitem", { name: "Ban" }));
    expect(await screen.findByRole("alertdialog", { name: "Ban mallory from this chat?" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(bans()).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Moderate message from mallory" }));
    await user.click(await screen.findByRole("menuitem", { name: "Ban" }));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Ban" }));
    expect(bans()).toEqual([{ type: "ban", user_id: "u2" }]);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Moderate message from mallory" }));
    await user.click(await screen.findByRole("menuitem", { name: "Lift ban or timeout" }));
    expect(socket.sent).toContainEqual({ type: "unban", user_id: "u2" });

    await user.click(screen.getByRole("button", { name: "Moderate message from mallory" }));
    await user.click(await screen.findByRole("menuitem", { name: "Delete" }));
    expect(socket.sent).toContainEqual({ type: "delete", message_id: "m9" });
    socket.receive({ type: "message_deleted", id: "m9" });
    expect(screen.queryByText("spam")).toBeNull();

    await user.selectOptions(screen.getByLabelText("Slow mode"), "30");
    expect(socket.sent).toContainEqual({ type: "slow_mode", seconds: 30 });
    await user.click(screen.getByRole("switch", { name: "Chat enabled" }));
    expect(socket.sent).toContainEqual({ type: "set_chat", enabled: false });
  });
});
