import { CopyIcon, EyeIcon, EyeOffIcon, KeyRoundIcon, RefreshCwIcon } from "lucide-react";
import { useState } from "react";
import type { StreamKeyView } from "@/api/types";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useToast } from "@/hooks/toast-context";
import { copyText } from "@/lib/clipboard";

const MASK = "•".repeat(24);

/**
 * The room's stream key. The server stores only a hash, so the key is known only right after
 * the room was created or the key regenerated in this page session.
 */
export function StreamKeyPanel({ keyInfo, onRegenerate }: { keyInfo: StreamKeyView | null; onRegenerate: () => Promise<void> }) {
  const [revealed, setRevealed] = useState(false);
  const [copied, setCopied] = useState(false);
  const { toast, toastError } = useToast();
  const key = keyInfo?.stream_key ?? null;

  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <KeyRoundIcon className="size-4" aria-hidden /> Stream key
        </CardTitle>
        <CardDescription>Treat it like a password: anyone with it can broadcast in this room.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {key ? (
          <>
            <div className="flex flex-wrap items-center gap-2">
              <code
                data-testid="stream-key"
                aria-label={revealed ? "Stream key" : "Stream key (hidden)"}
                className="min-w-0 flex-1 break-all rounded-md border bg-muted px-3 py-2 font-mono text-sm"
              >
                {revealed ? key : MASK}
              </code>
              <Button variant="outline" size="sm" aria-pressed={revealed} onClick={() => setRevealed((r) => !r)}>
                {revealed ? <EyeOffIcon aria-hidden /> : <EyeIcon aria-hidden />}
                {revealed ? "Hide" : "Reveal"}
              </Button>
              <Button
                variant="outline"
                size="sm"
                onClick={async () => {
                  try {
                    await copyText(key);
                    setCopied(true);
                    toast({ kind: "success", title: "Stream key copied" });
                  } catch (error) {
                    toastError(error, "Could not copy the key");
                  }
                }}
              >
                <CopyIcon aria-hidden /> Copy
              </Button>
            </div>
            <p className="text-xs text-muted-foreground" aria-live="polite">
              {copied ? "Copied to the clipboard. " : ""}Save it now: it is shown only until you leave this page.
            </p>
          </>
        ) : (
          <Alert>
            <KeyRoundIcon aria-hidden />
            <AlertDescription>
              Stream keys are shown only once, when a room is created or its key is regenerated. If you no longer have this
              room&apos;s key, regenerate it; the old key then stops working.
            </AlertDescription>
          </Alert>
        )}
        <ConfirmDialog
          title="Regenerate the stream key?"
          description="The old key stops working immediately; a broadcast using it is cut off. You will need to paste the new key into OBS."
          confirmLabel="Regenerate key"
          onConfirm={async () => {
            await onRegenerate();
            setRevealed(false);
            setCopied(false);
          }}
          trigger={
            <Button variant={key ? "ghost" : "default"} size="sm">
              <RefreshCwIcon aria-hidden /> Regenerate
            </Button>
          }
        />
      </CardContent>
    </Card>
  );
}
