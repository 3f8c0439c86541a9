import { PlusIcon, TriangleAlertIcon } from "lucide-react";
import { useState } from "react";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";
import { usePresets } from "@/features/admin/api/presets";
import { overloadedRooms } from "@/features/admin/overload";
import { useRooms } from "@/features/rooms/api/rooms";
import { cn } from "@/lib/cn";
import { PresetEditor } from "./PresetEditor";

const NEW = "new";
/** How often live rooms are checked for presets the machine cannot keep up with. */
const OVERLOAD_POLL_MS = 5000;

/** The presets tab: the list on the side, the editor of the selected one. */
export function PresetsAdmin() {
  const { data, error, isPending: loading, refetch } = usePresets();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const { data: rooms } = useRooms({ limit: 200 }, OVERLOAD_POLL_MS);
  const overloaded = overloadedRooms(rooms ?? []);

  if (loading) return <Spinner label="Loading presets" />;
  if (error && !data) return <ErrorAlert error={error} title="Could not load presets" onRetry={() => void refetch()} />;
  const presets = data ?? [];
  const current = selectedId ?? presets[0]?.id ?? NEW;
  const selected = presets.find((p) => p.id === current) ?? null;


  return (
    <div className="grid gap-6 lg:grid-cols-[14rem_minmax(0,1fr)]">
      <nav aria-label="Presets" className="space-y-2">
        <ul className="flex gap-2 overflow-x-auto pb-1 lg:flex-col lg:overflow-visible">
          {presets.map((p) => (
            <li key={p.id} className="shrink-0">
              <button
                type="button"
                aria-current={p.id === current ? "true" : undefined}
                onClick={() => setSelectedId(p.id)}
                className={cn(
                  "flex w-full items-center gap-2 rounded-lg border px-3 py-2 text-left text-sm outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring",
                  p.id === current ? "border-primary bg-primary/10 font-medium" : "hover:bg-accent",
                )}
              >
                <span className="truncate">{p.name}</span>
                {overloaded.has(p.id) ? (
                  <Badge variant="destructive" title="Live rooms with this preset drop frames: the machine cannot keep up">
                    overloaded
                  </Badge>
                ) : null}
                {p.is_default ? (
                  <Badge variant="secondary" className="ml-auto">
                    default
                  </Badge>
                ) : null}
              </button>
            </li>
          ))}
        </ul>
        <Button variant="outline" size="sm" className="w-full" aria-pressed={current === NEW} onClick={() => setSelectedId(NEW)}>
          <PlusIcon aria-hidden /> New preset
        </Button>
      </nav>
      <Card>
        <CardContent className="space-y-4 pt-5">
          {selected && overloaded.has(selected.id) ? (
            <Alert variant="warning">
              <TriangleAlertIcon aria-hidden />
              <AlertTitle>This preset is heavier than the server can transcode</AlertTitle>
              <AlertDescription>
                Live now with dropped frames: {(overloaded.get(selected.id) ?? []).map((r) => r.title).join(", ")}. Use fewer
                or smaller renditions, or a faster x264 speed preset.
              </AlertDescription>
            </Alert>
          ) : null}
          <PresetEditor
            key={selected?.id ?? NEW}
            preset={selected}
            onSaved={(preset) => setSelectedId(preset.id)}
            onDeleted={() => setSelectedId(null)}
          />
        </CardContent>
      </Card>
    </div>
  );
}
