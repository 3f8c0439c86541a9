import { ScissorsIcon } from "lucide-react";
import { Link } from "react-router";
import { errorMessage } from "@/api/errors";
import { Button } from "@/components/ui/button";
import { useCutClip, type ClipSource } from "@/features/rooms/api/clips";
import { useToast } from "@/hooks/toast-context";

interface ClipButtonProps {
  roomId: string;
  source: ClipSource;
  /** Seconds into the recording, or back from the live edge, when clicked. */
  start: () => number;
  duration: number;
  label: string;
}

/** Cuts a clip, then links to its page. */
export function ClipButton({ roomId, source, start, duration, label }: ClipButtonProps) {
  const cut = useCutClip(roomId, source);
  const { toast } = useToast();
  return (
    <span className="inline-flex items-center gap-2">
      <Button
        size="sm"
        variant="secondary"
        disabled={cut.isPending}
        onClick={() =>
          cut.mutate(
            { start_seconds: Math.max(0, start()), duration_seconds: duration },
            {
              onSuccess: () => toast({ kind: "success", title: "Clip ready" }),
              onError: (error: unknown) =>
                toast({
                  kind: "error",
                  title: "Could not cut a clip",
                  description: errorMessage(error),
                }),
            },
          )
        }>
        <ScissorsIcon aria-hidden /> {label}
      </Button>
      {cut.data ? (
        <Link to={cut.data.page_url} className="text-sm underline" data-testid="clip-link">
          Open the clip
        </Link>
      ) : null}
    </span>
  );
}
