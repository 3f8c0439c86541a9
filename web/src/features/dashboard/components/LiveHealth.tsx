import { ActivityIcon, TriangleAlertIcon } from "lucide-react";
import type { RoomView } from "@/api/types";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { LiveBadge } from "@/features/rooms/components/LiveBadge";
import { cn } from "@/lib/cn";
import { formatKbps } from "@/lib/format";

/** Below this speed an encoder falls behind real time. */
export const SLOW_SPEED = 0.95;

function Metric({ label, value, testId, detail }: { label: string; value: string; testId: string; detail?: string }) {
  return (
    <div className="rounded-lg border p-3">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="mt-1 text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
      {detail ? <dd className="text-xs text-muted-foreground">{detail}</dd> : null}
    </div>
  );
}

/** The viewers' delay behind the live edge, as their players report it. */
function ViewerLatencyMetric({ latency }: { latency: RoomView["viewer_latency"] }) {
  if (!latency) return <Metric label="Viewer latency" value="—" detail="No player has reported yet" testId="health-viewer-latency" />;
  const players = latency.viewers === 1 ? "1 player" : `${latency.viewers} players`;
  return (
    <Metric
      label="Viewer latency"
      value={`${latency.median_seconds.toFixed(1)} s`}
      detail={`median of ${players}; 90 % within ${latency.p90_seconds.toFixed(1)} s`}
      testId="health-viewer-latency"
    />
  );
}

/** Ingest and encoder health of a live room, from `live.stats` (updated every 2 s). */
export function LiveHealth({ room }: { room: RoomView }) {
  const live = room.live;
  const stats = live?.stats ?? null;
  const keyframe = stats?.keyframe_interval ?? null;
  const slow = stats?.renditions.filter((r) => r.speed < SLOW_SPEED || r.dropped_fps > 0) ?? [];
  const planned = new Map((live?.renditions ?? []).map((r) => [r.name, r]));

  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <ActivityIcon className="size-4" aria-hidden /> Live health
          {live ? <LiveBadge className="ml-1" /> : <Badge variant="secondary">Offline</Badge>}
        </CardTitle>
        <CardDescription>
          {live ? "Updated every 2 seconds while you are live." : "Start streaming from OBS to see your input and encoder health here."}
        </CardDescription>
      </CardHeader>
      {live ? (
        <CardContent className="space-y-4">
          {!stats ? (
            <p className="text-sm text-muted-foreground" role="status">
              Waiting for the first measurements…
            </p>
          ) : (
            <>
              <dl className="grid grid-cols-1 gap-2 sm:grid-cols-2 xl:grid-cols-4">
                <Metric label="Input bitrate" value={formatKbps(stats.input_kbps)} testId="health-input-kbps" />
                <Metric label="Input frame rate" value={`${stats.input_fps.toFixed(1)} fps`} testId="health-input-fps" />
                <Metric label="Keyframe interval" value={keyframe === null ? "—" : `${keyframe.toFixed(1)} s`} testId="health-keyframe-interval" />
                <ViewerLatencyMetric latency={room.viewer_latency} />
              </dl>
              {slow.length ? (
                <Alert variant="warning">
                  <TriangleAlertIcon aria-hidden />
                  <AlertTitle>The server cannot keep up</AlertTitle>
                  <AlertDescription>
                    {slow
                      .map((r) =>
                        r.dropped_fps > 0
                          ? `${r.name} drops ${r.dropped_fps.toFixed(0)} frames/s`
                          : `${r.name} encodes at ${r.speed.toFixed(2)}× real time`,
                      )
                      .join(", ")}
                    . Viewers of {slow.length === 1 ? "that rendition" : "those renditions"} see a jerky or stalling picture; ask
                    an admin for a lighter preset or fewer renditions.
                  </AlertDescription>
                </Alert>
              ) : null}
              {keyframe !== null && keyframe > 4 ? (
                <Alert variant="warning">
                  <TriangleAlertIcon aria-hidden />
                  <AlertDescription>Keyframes arrive every {keyframe.toFixed(1)} s; set OBS&apos;s keyframe interval to 2 s.</AlertDescription>
                </Alert>
              ) : null}
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Rendition</TableHead>
                    <TableHead>Size</TableHead>
                    <TableHead className="text-right">Speed</TableHead>
                    <TableHead className="text-right">Behind</TableHead>
                    <TableHead className="text-right">Dropped</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {stats.renditions.map((r) => {
                    const plan = planned.get(r.name);
                    const behind = r.behind;
                    return (
                      <TableRow key={r.name}>
                        <TableCell className="font-medium">{r.name}</TableCell>
                        <TableCell>{plan ? `${plan.width}×${plan.height}` : "source"}</TableCell>
                        <TableCell className={cn("text-right tabular-nums", r.speed < SLOW_SPEED && "font-semibold text-destructive")}>
                          {r.speed.toFixed(2)}×
                        </TableCell>
                        <TableCell className="text-right tabular-nums">{behind === null ? "—" : `${behind.toFixed(1)} s`}</TableCell>
                        <TableCell
                          className={cn("text-right tabular-nums", r.dropped_fps > 0 && "font-semibold text-destructive")}
                          data-testid={`health-dropped-${r.name}`}
                        >
                          {r.dropped_frames}
                        </TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            </>
          )}
        </CardContent>
      ) : null}
    </Card>
  );
}
