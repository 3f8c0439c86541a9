import { VideoOffIcon } from "lucide-react";
import { useState } from "react";
import { cn } from "@/lib/cn";

/** A live room's thumbnail, reloaded each time `tick` changes; a placeholder when there is none. */
export function RoomThumbnail({ url, tick, className }: { url: string | null | undefined; tick: number; className?: string }) {
  const [failedTick, setFailedTick] = useState<number | null>(null);
  const src = url ? `${url}${url.includes("?") ? "&" : "?"}t=${tick}` : null;
  return (
    <div className={cn("relative aspect-video overflow-hidden bg-muted", className)}>
      <div className="absolute inset-0 flex items-center justify-center bg-gradient-to-br from-primary/25 via-muted to-muted text-muted-foreground">
        <VideoOffIcon className="size-8" aria-hidden />
      </div>
      {src && failedTick !== tick ? (
        <img
          src={src}
          alt=""
          loading="lazy"
          className="absolute inset-0 size-full object-cover"
          onError={() => setFailedTick(tick)}
        />
      ) : null}
    </div>
  );
}
