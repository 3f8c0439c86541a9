import { CopyIcon, MonitorIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useToast } from "@/hooks/toast-context";
import { copyText } from "@/lib/clipboard";

function Setting({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[9rem_minmax(0,1fr)] gap-2 py-1 text-sm">
      <dt className="text-muted-foreground">{name}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}

/** Step-by-step OBS settings for this server: RTMP, and SRT when the server offers it. */
export function ObsSetup({ ingestUrl, srtUrl, keyKnown }: { ingestUrl: string; srtUrl: string | null; keyKnown: boolean }) {
  const { toast, toastError } = useToast();
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <MonitorIcon className="size-4" aria-hidden /> OBS setup
        </CardTitle>
        <CardDescription>Point OBS Studio (or any RTMP encoder) at this server.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <ol className="list-decimal space-y-3 pl-5 text-sm">
          <li>
            In OBS open <strong>Settings → Stream</strong> and set <strong>Service</strong> to <strong>Custom…</strong>
          </li>
          <li>
            <span>
              <strong>Server</strong>:{" "}
            </span>
            <span className="inline-flex flex-wrap items-center gap-2">
              <code data-testid="ingest-url" className="break-all rounded bg-muted px-1.5 py-0.5 font-mono">
                {ingestUrl}
              </code>
              <Button
                size="sm"
                variant="ghost"
                className="h-7"
                aria-label="Copy server URL"
                onClick={() =>
                  copyText(ingestUrl).then(
                    () => toast({ kind: "success", title: "Server URL copied" }),
                    (e: unknown) => toastError(e, "Could not copy"),
                  )
                }
              >
                <CopyIcon aria-hidden />
              </Button>
            </span>
          </li>
          <li>
            <strong>Stream Key</strong>: {keyKnown ? "the key from the Stream key panel (use Copy)." : "regenerate the key above to get one."}
          </li>
          <li>
            In <strong>Settings → Output</strong> (Output Mode: Advanced) use these recommended settings, then press{" "}
            <strong>Start Streaming</strong>.
          </li>
        </ol>
        {srtUrl ? (
          <div className="space-y-1 text-sm" data-testid="srt-setup">
            <p>
              <strong>Or over SRT</strong>, steadier on unstable networks: set <strong>Server</strong> to{" "}
              <code data-testid="srt-ingest-url" className="break-all rounded bg-muted px-1.5 py-0.5 font-mono">
                {srtUrl}?streamid=YOUR_STREAM_KEY
              </code>{" "}
              (your stream key in place of YOUR_STREAM_KEY) and leave <strong>Stream Key</strong> empty. ffmpeg:{" "}
              <code className="break-all rounded bg-muted px-1.5 py-0.5 font-mono">-f mpegts</code> to the same URL.
            </p>
          </div>
        ) : null}
        <dl className="divide-y rounded-lg border px-3">
          <Setting name="Video encoder">
            x264 (or a hardware H.264 encoder). OBS 29.1+ may also send HEVC or AV1 over the same RTMP server: viewers get
            H.264 renditions made from it.
          </Setting>
          <Setting name="Rate control">CBR, e.g. 6000 kbps for 1080p</Setting>
          <Setting name="Keyframe interval">2 s</Setting>
          <Setting name="CPU preset / profile">veryfast / high</Setting>
          <Setting name="Audio">AAC, 160 kbps, 48 kHz</Setting>
        </dl>
      </CardContent>
    </Card>
  );
}
