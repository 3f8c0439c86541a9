import { BanIcon, ClockIcon, MoreVerticalIcon, ShieldIcon, Trash2Icon, UndoIcon } from "lucide-react";
import type { ChatAuthor, ChatMessage } from "@/api/chat-frames";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { cn } from "@/lib/cn";

const NAME_COLOURS = [
  "text-violet-700 dark:text-violet-300",
  "text-sky-700 dark:text-sky-300",
  "text-emerald-700 dark:text-emerald-300",
  "text-rose-700 dark:text-rose-300",
  "text-amber-700 dark:text-amber-300",
  "text-fuchsia-700 dark:text-fuchsia-300",
  "text-teal-700 dark:text-teal-300",
];

function colourFor(id: string): string {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return NAME_COLOURS[Math.abs(hash) % NAME_COLOURS.length];
}

export interface ModerationActions {
  remove: (messageId: string) => void;
  timeout: (userId: string, seconds: number) => void;
  /** Asks the moderator to confirm, then bans. */
  ban: (author: ChatAuthor) => void;
  /** Lifts a ban or a timeout. */
  unban: (userId: string) => void;
}

/** One chat line. The text is rendered as a React text node: never as HTML. */
export function ChatMessageItem({
  message,
  moderation,
  isOwn,
}: {
  message: ChatMessage;
  moderation: ModerationActions | null;
  isOwn: boolean;
}) {
  const time = new Date(message.sent_at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  const privileged = message.author.role === "admin" || message.author.role === "streamer";
  return (
    <li className="group flex items-start gap-1 rounded-md px-2 py-1 text-sm hover:bg-muted/60" data-message-id={message.id}>
      <p className="min-w-0 flex-1 break-words leading-relaxed">
        <time className="mr-1.5 text-xs text-muted-foreground" dateTime={new Date(message.sent_at).toISOString()}>
          {time}
        </time>
        {message.author.role === "admin" ? <ShieldIcon className="mr-0.5 inline size-3.5 text-primary" aria-label="Admin" /> : null}
        <span className={cn("font-semibold", colourFor(message.author.id), privileged && "underline decoration-dotted")}>
          {message.author.name}
        </span>
        <span className="text-muted-foreground">: </span>
        <span className="chat-text">{message.text}</span>
      </p>
      {moderation ? (
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button
              variant="ghost"
              size="icon"
              className="size-7 shrink-0 opacity-60 group-hover:opacity-100 focus-visible:opacity-100"
              aria-label={`Moderate message from ${message.author.name}`}
            >
              <MoreVerticalIcon aria-hidden />
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end">
            <DropdownMenuLabel>{message.author.name}</DropdownMenuLabel>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => moderation.remove(message.id)}>
              <Trash2Icon aria-hidden /> Delete
            </DropdownMenuItem>
            {!isOwn ? (
              <>
                <DropdownMenuItem onSelect={() => moderation.timeout(message.author.id, 600)}>
                  <ClockIcon aria-hidden /> Time out 10 min
                </DropdownMenuItem>
                <DropdownMenuItem variant="destructive" onSelect={() => moderation.ban(message.author)}>
                  <BanIcon aria-hidden /> Ban
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => moderation.unban(message.author.id)}>
                  <UndoIcon aria-hidden /> Lift ban or timeout
                </DropdownMenuItem>
              </>
            ) : null}
          </DropdownMenuContent>
        </DropdownMenu>
      ) : null}
    </li>
  );
}
