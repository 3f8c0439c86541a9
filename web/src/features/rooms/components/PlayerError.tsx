import { RotateCcwIcon, TriangleAlertIcon } from "lucide-react";
import { Button } from "@/components/ui/button";

/** What went wrong with playback, over the top of the picture, with a way to try again. */
export function PlayerError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div role="status" className="absolute inset-x-0 top-0 flex items-center gap-2 bg-black/75 px-3 py-2 text-sm text-white">
      <TriangleAlertIcon className="size-4 shrink-0" aria-hidden />
      <span className="flex-1">{message}</span>
      <Button size="sm" variant="secondary" onClick={onRetry}>
        <RotateCcwIcon aria-hidden /> Reload
      </Button>
    </div>
  );
}
