import { PlusIcon, RadioTowerIcon, Trash2Icon } from "lucide-react";
import { useState, type FormEvent } from "react";
import type { Destination } from "@/api/types";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { ErrorAlert } from "@/components/ErrorAlert";
import { FormAlert } from "@/components/FormAlert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { useAddDestination, useDestinations, useRemoveDestination, useUpdateDestination } from "@/features/dashboard/api/destinations";
import { useToast } from "@/hooks/toast-context";
import { useFormErrors } from "@/hooks/useFormErrors";
import { formatBytes } from "@/lib/format";

const STATUS_LABEL: Record<Destination["status"], string> = {
  idle: "Idle",
  connecting: "Connecting",
  live: "Live",
  retrying: "Retrying",
};

function StatusBadge({ destination }: { destination: Destination }) {
  const variant = destination.status === "live" ? "success" : destination.status === "retrying" ? "warning" : "secondary";
  return (
    <Badge variant={variant} data-testid="destination-status">
      {STATUS_LABEL[destination.status]}
    </Badge>
  );
}

/**
 * Restreaming: other RTMP(S) servers (YouTube, Twitch, ...) this room's broadcasts are pushed to, as
 * published, with each one's connection status while live. Keys are write-only.
 */
export function DestinationsPanel({ roomId, live }: { roomId: string; live: boolean }) {
  const destinations = useDestinations(roomId, live ? 2000 : false);
  const add = useAddDestination(roomId);
  const update = useUpdateDestination(roomId);
  const remove = useRemoveDestination(roomId);
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [streamKey, setStreamKey] = useState("");
  const [busy, setBusy] = useState(false);
  const { errors, fail, clear } = useFormErrors();
  const { toast, toastError } = useToast();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    clear();
    setBusy(true);
    try {
      const added = await add.mutateAsync({ name: name.trim(), url: url.trim(), stream_key: streamKey, enabled: true });
      setName("");
      setUrl("");
      setStreamKey("");
      toast({ kind: "success", title: `${added.name} added`, description: live ? "It is pushed to right away." : "It is pushed to from the next broadcast." });
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  const toggle = async (d: Destination, enabled: boolean) => {
    try {
      await update.mutateAsync({ id: d.id, changes: { enabled } });
    } catch (error) {
      toastError(error, `Could not change ${d.name}`);
    }
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <RadioTowerIcon className="size-4" aria-hidden /> Restreaming
        </CardTitle>
        <CardDescription>
          While you are live, your stream is also sent, as you publish it, to each enabled destination (YouTube, Twitch or any
          RTMP/RTMPS server). A failing destination is retried and never disturbs your viewers or the others.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {destinations.error && !destinations.data ? (
          <ErrorAlert error={destinations.error} title="Could not load the destinations" onRetry={() => void destinations.refetch()} />
        ) : null}
        {destinations.isPending ? <Skeleton className="h-10 w-full" /> : null}
        {destinations.data && destinations.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">No destinations yet.</p>
        ) : null}
        {destinations.data && destinations.data.length > 0 ? (
          <ul aria-label="Destinations" className="divide-y rounded-md border">
            {destinations.data.map((d) => (
              <li key={d.id} className="grid gap-1 px-3 py-2 text-sm" data-testid="destination">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <div className="flex min-w-0 items-center gap-2">
                    <span className="min-w-0 truncate font-medium">{d.name}</span>
                    <StatusBadge destination={d} />
                  </div>
                  <div className="flex items-center gap-2">
                    <Switch checked={d.enabled} onCheckedChange={(on) => void toggle(d, on)} aria-label={`Push to ${d.name}`} />
                    <ConfirmDialog
                      title={`Remove ${d.name}?`}
                      description="The stream stops being sent there, and its key is deleted."
                      confirmLabel="Remove destination"
                      onConfirm={async () => {
                        await remove.mutateAsync(d.id);
                        toast({ kind: "success", title: `${d.name} removed` });
                      }}
                      trigger={
                        <Button variant="ghost" size="sm" aria-label={`Remove ${d.name}`}>
                          <Trash2Icon aria-hidden />
                        </Button>
                      }
                    />
                  </div>
                </div>
                <p className="break-all font-mono text-xs text-muted-foreground">
                  {d.url}
                  {d.stream_key_hint ? ` · key ${d.stream_key_hint}` : ""}
                </p>
                {d.status !== "idle" ? <p className="text-xs text-muted-foreground">{formatBytes(d.bytes_sent)} sent</p> : null}
                {d.status === "retrying" && d.last_error ? (
                  <p role="status" className="text-xs text-destructive [overflow-wrap:anywhere]">
                    {d.last_error}
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
        <form className="grid gap-3" onSubmit={onSubmit} noValidate>
          <FormAlert message={errors.message} fields={errors.fields} />
          <div className="grid gap-3 md:grid-cols-3">
            <Field label="Name" error={errors.fields.name}>
              {(p) => <Input {...p} autoComplete="off" required maxLength={64} placeholder="YouTube" value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="Server URL" error={errors.fields.url}>
              {(p) => (
                <Input
                  {...p}
                  autoComplete="off"
                  required
                  maxLength={1024}
                  placeholder="rtmp://a.rtmp.youtube.com/live2"
                  value={url}
                  onChange={(e) => setUrl(e.target.value)}
                />
              )}
            </Field>
            <Field label="Stream key" error={errors.fields.stream_key}>
              {(p) => (
                <Input
                  {...p}
                  type="password"
                  autoComplete="off"
                  required
                  maxLength={512}
                  value={streamKey}
                  onChange={(e) => setStreamKey(e.target.value)}
                />
              )}
            </Field>
          </div>
          <div>
            <Button type="submit" disabled={busy || name.trim() === "" || url.trim() === "" || streamKey === ""}>
              <PlusIcon aria-hidden /> {busy ? "Adding…" : "Add destination"}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
