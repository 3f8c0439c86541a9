import { MessageSquareIcon, SendIcon, XIcon } from "lucide-react";
import { useId, useLayoutEffect, useRef, useState } from "react";
import { Link, useLocation } from "react-router";
import type { ChatAuthor } from "@/api/chat-frames";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Chat } from "@/features/chat/hooks/useChat";
import { cn } from "@/lib/cn";
import { ChatMessageItem, type ModerationActions } from "./ChatMessageItem";
import { ModerationControls } from "./ModerationControls";

const MAX_LENGTH = 500;

/** The room's chat: history and live messages, a composer, and moderation for moderators. */
export function ChatPanel({ chat, loggedIn, className }: { chat: Chat; loggedIn: boolean; className?: string }) {
  const inputId = useId();
  const logRef = useRef<HTMLOListElement>(null);
  const location = useLocation();
  const { send, items, draft: text, setDraft: setText } = chat;
  /** Whether the reader was at the newest message before the list changed. */
  const followRef = useRef(true);

  // Keep the newest message in view unless the reader scrolled up.
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && followRef.current) log.scrollTop = log.scrollHeight;
  }, [items]);

  // One ban confirmation for the whole list; the target outlives the closing animation.
  const [banTarget, setBanTarget] = useState<ChatAuthor | null>(null);
  const [confirmingBan, setConfirmingBan] = useState(false);
  const moderation: ModerationActions | null = chat.canModerate
    ? {
        remove: (messageId) => send({ type: "delete", message_id: messageId }),
        timeout: (userId, seconds) => send({ type: "timeout", user_id: userId, seconds }),
        ban: (author) => {
          setBanTarget(author);
          setConfirmingBan(true);
        },
        unban: (userId) => send({ type: "unban", user_id: userId }),
      }
    : null;

  const authenticated = loggedIn && chat.me !== null;
  const disabled = chat.chatEnabled === false && !chat.canModerate;
  const canWrite = authenticated && !disabled && chat.status === "open";

  return (
    <section aria-labelledby={`${inputId}-title`} className={cn("flex min-h-0 flex-col rounded-xl border bg-card", className)}>
      <div className="flex items-center justify-between gap-2 border-b px-3 py-2">
        <h2 id={`${inputId}-title`} className="flex items-center gap-2 font-semibold">
          <MessageSquareIcon className="size-4" aria-hidden /> Chat
        </h2>
        <p className="text-xs text-muted-foreground" role="status">
          {chat.status === "open" ? (chat.slowModeSeconds > 0 ? `Slow mode: ${chat.slowModeSeconds} s` : "Connected") : chat.status === "connecting" ? "Connecting…" : "Reconnecting…"}
        </p>
      </div>
      {chat.canModerate && chat.chatEnabled !== null ? (
        <ModerationControls
          chatEnabled={chat.chatEnabled}
          slowModeSeconds={chat.slowModeSeconds}
          onChatEnabled={(enabled) => send({ type: "set_chat", enabled })}
          onSlowMode={(seconds) => send({ type: "slow_mode", seconds })}
        />
      ) : null}
      <ol
        ref={logRef}
        role="log"
        aria-label="Chat messages"
        aria-live="polite"
        className="min-h-48 flex-1 space-y-0.5 overflow-y-auto p-2"
        onScroll={(e) => {
          const log = e.currentTarget;
          followRef.current = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        }}
      >
        {items.length === 0 ? <li className="px-2 py-6 text-center text-sm text-muted-foreground">No messages yet.</li> : null}
        {items.map((item) =>
          item.kind === "message" ? (
            <ChatMessageItem key={item.id} message={item} moderation={moderation} isOwn={item.author.id === chat.me?.id} />
          ) : (
            <li key={item.id} className="px-2 py-1 text-xs italic text-muted-foreground">
              {item.text}
            </li>
          ),
        )}
      </ol>
      {chat.error ? (
        <div role="alert" className="mx-2 mb-2 flex items-start gap-2 rounded-md border border-destructive/50 bg-destructive/10 px-3 py-2 text-sm text-destructive">
          <span className="flex-1">{chat.error.message}</span>
          <button type="button" onClick={chat.clearError} className="rounded-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
            <XIcon className="size-4" aria-hidden />
            <span className="sr-only">Dismiss chat error</span>
          </button>
        </div>
      ) : null}
      {chat.chatEnabled === false ? (
        <p className="px-3 pb-1 text-xs text-muted-foreground">Chat is turned off{chat.canModerate ? " for viewers" : ""}.</p>
      ) : null}
      <form
        className="flex items-end gap-2 border-t p-2"
        onSubmit={(e) => {
          e.preventDefault();
          const trimmed = text.trim();
          if (!trimmed || !canWrite) return;
          // Sending empties the composer; a refusal brings the text back (see chatReducer).
          send({ type: "send", text: trimmed });
        }}
      >
        <div className="min-w-0 flex-1">
          <Label htmlFor={inputId} className="sr-only">
            Chat message
          </Label>
          <Input
            id={inputId}
            value={text}
            maxLength={MAX_LENGTH}
            autoComplete="off"
            placeholder={!loggedIn ? "Log in to chat" : disabled ? "Chat is off" : "Send a message"}
            disabled={!canWrite}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <Button type="submit" disabled={!canWrite || !text.trim()}>
          <SendIcon aria-hidden /> Send
        </Button>
      </form>
      {!loggedIn ? (
        <p className="px-3 pb-2 text-sm">
          <Link className="font-medium text-primary underline-offset-4 hover:underline" to={`/login?next=${encodeURIComponent(location.pathname)}`}>
            Log in to chat
          </Link>
        </p>
      ) : null}
      {moderation ? (
        <ConfirmDialog
          open={confirmingBan}
          onOpenChange={setConfirmingBan}
          title={`Ban ${banTarget?.name ?? ""} from this chat?`}
          description="They can still watch, but can no longer write here. You can lift the ban from any of their messages."
          confirmLabel="Ban"
          onConfirm={() => {
            if (banTarget) send({ type: "ban", user_id: banTarget.id });
          }}
        />
      ) : null}
    </section>
  );
}
