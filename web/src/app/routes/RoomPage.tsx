import { EyeIcon, RadioTowerIcon } from "lucide-react";
import { useCallback, useEffect } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "@/api/errors";
import type { RoomView } from "@/api/types";
import { EmptyState } from "@/components/EmptyState";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useAuth } from "@/features/auth/hooks/useAuth";
import { ChatPanel } from "@/features/chat/components/ChatPanel";
import { useChat } from "@/features/chat/hooks/useChat";
import { useRoom } from "@/features/rooms/api/rooms";
import { LiveBadge } from "@/features/rooms/components/LiveBadge";
import { ClipButton } from "@/features/rooms/components/ClipButton";
import { ClipsList } from "@/features/rooms/components/ClipsList";
import { RecordingsList } from "@/features/rooms/components/RecordingsList";
import { VideoPlayer } from "@/features/rooms/components/VideoPlayer";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { formatViewers } from "@/lib/format";
import { NotFoundPage } from "./NotFoundPage";

/** The chat's `stream_status` push says when the stream starts or ends; this poll only backs it up. */
const POLL_MS = 30_000;
/** How far back, and how long, the live "clip" button cuts. */
const LIVE_CLIP_SECONDS = 30;

function StageOffline({ room }: { room: RoomView }) {
  return (
    <div className="flex aspect-video flex-col items-center justify-center gap-2 rounded-xl border bg-muted text-center">
      <RadioTowerIcon className="size-10 text-muted-foreground" aria-hidden />
      <p className="text-lg font-semibold">Offline</p>
      <p className="max-w-sm px-4 text-sm text-muted-foreground">
        {room.owner_name} is not live right now. This page starts the stream as soon as they go live.
      </p>
    </div>
  );
}

function RoomBody({ room, reload }: { room: RoomView; reload: () => void }) {
  const { user, token } = useAuth();
  const chat = useChat(room.id, token);
  const { streamChanges, report } = chat;
  const reportLatency = useCallback((seconds: number) => report({ type: "latency", seconds }), [report]);
  useEffect(() => {
    if (streamChanges > 0) reload();
  }, [streamChanges, reload]);
  const viewers = chat.viewerCount ?? room.viewer_count;
  const live = room.live;
  const status = (
    <>
      {live ? <LiveBadge /> : <Badge variant="secondary">Offline</Badge>}
      <span className="inline-flex items-center gap-1 text-sm text-muted-foreground" data-testid="viewer-count">
        <EyeIcon className="size-4" aria-hidden />
        {formatViewers(viewers)}
      </span>
    </>
  );
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_22rem] xl:grid-cols-[minmax(0,1fr)_24rem]">
      <div className="min-w-0 space-y-4">
        {live?.playable ? (
          <VideoPlayer
            key={live.stream_id}
            src={live.playback_url}
            title={room.title}
            toolbar={
              <>
                {status}
                {user ? (
                  <ClipButton
                    roomId={room.id}
                    source={{ liveRoomId: room.id }}
                    start={() => LIVE_CLIP_SECONDS}
                    duration={LIVE_CLIP_SECONDS}
                    label={`Clip the last ${LIVE_CLIP_SECONDS} s`}
                  />
                ) : null}
              </>
            }
            onLatency={reportLatency}
          />
        ) : live ? (
          <div className="space-y-2">
            <div className="flex aspect-video items-center justify-center rounded-xl bg-black text-white" role="status">
              Starting the stream…
            </div>
            <div className="flex items-center gap-2">{status}</div>
          </div>
        ) : (
          <>
            <div className="flex items-center gap-2">{status}</div>
            <StageOffline room={room} />
          </>
        )}
        <div className="space-y-1">
          <h1 className="text-xl font-bold tracking-tight [overflow-wrap:anywhere] sm:text-2xl">{room.title}</h1>
          <p className="text-sm text-muted-foreground">{room.owner_name}</p>
          {room.description ? <p className="whitespace-pre-line pt-2 text-sm [overflow-wrap:anywhere]">{room.description}</p> : null}
        </div>
        {!live ? (
          <section aria-labelledby="recordings-title" className="space-y-3">
            <h2 id="recordings-title" className="text-lg font-semibold">
              Past broadcasts
            </h2>
            <RecordingsList roomId={room.id} canManage={false} canClip={!!user} />
          </section>
        ) : null}
        <section aria-labelledby="clips-title" className="space-y-3">
          <h2 id="clips-title" className="text-lg font-semibold">
            Clips
          </h2>
          <ClipsList roomId={room.id} canManage={!!user && (user.id === room.owner_id || user.role === "admin")} />
        </section>
      </div>
      <ChatPanel chat={chat} loggedIn={!!user} className="h-[28rem] lg:sticky lg:top-20 lg:h-[calc(100vh-7rem)]" />
    </div>
  );
}

export function RoomPage() {
  const { id = "" } = useParams();
  const { data: room, error, isPending: loading, refetch } = useRoom(id, POLL_MS);
  const reload = useCallback(() => void refetch(), [refetch]);
  useDocumentTitle(room?.title);

  if (error instanceof ApiError && error.code === "not_found") return <NotFoundPage what="room" />;
  if (loading) {
    return (
      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_22rem]" aria-busy="true">
        <span className="sr-only" role="status">
          Loading room…
        </span>
        <Skeleton className="aspect-video w-full rounded-xl" />
        <Skeleton className="h-96 w-full rounded-xl" />
      </div>
    );
  }
  if (!room) {
    return (
      <EmptyState title="Could not load this room">
        <ErrorAlert error={error} onRetry={() => void refetch()} />
        <Button asChild variant="outline">
          <Link to="/">Back to home</Link>
        </Button>
      </EmptyState>
    );
  }
  return <RoomBody key={room.id} room={room} reload={reload} />;
}
