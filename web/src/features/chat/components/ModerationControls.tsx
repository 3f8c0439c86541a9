import { useId } from "react";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Switch } from "@/components/ui/switch";

const SLOW_MODE_OPTIONS = [0, 5, 10, 30, 60, 120, 300];

function slowLabel(seconds: number): string {
  if (seconds === 0) return "Off";
  return seconds < 60 ? `${seconds} s` : `${seconds / 60} min`;
}

/** Room-wide chat settings for moderators. */
export function ModerationControls({
  chatEnabled,
  slowModeSeconds,
  onSlowMode,
  onChatEnabled,
}: {
  chatEnabled: boolean;
  slowModeSeconds: number;
  onSlowMode: (seconds: number) => void;
  onChatEnabled: (enabled: boolean) => void;
}) {
  const id = useId();
  const options = SLOW_MODE_OPTIONS.includes(slowModeSeconds) ? SLOW_MODE_OPTIONS : [...SLOW_MODE_OPTIONS, slowModeSeconds].sort((a, b) => a - b);
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b px-3 py-2 text-sm" role="group" aria-label="Chat moderation">
      <div className="flex items-center gap-2">
        <Switch id={`${id}-enabled`} checked={chatEnabled} onCheckedChange={onChatEnabled} />
        <Label htmlFor={`${id}-enabled`}>Chat enabled</Label>
      </div>
      <div className="flex items-center gap-2">
        <Label htmlFor={`${id}-slow`}>Slow mode</Label>
        <NativeSelect
          id={`${id}-slow`}
          className="h-8 w-24"
          value={slowModeSeconds}
          onChange={(e) => onSlowMode(Number(e.target.value))}
        >
          {options.map((s) => (
            <option key={s} value={s}>
              {slowLabel(s)}
            </option>
          ))}
        </NativeSelect>
      </div>
    </div>
  );
}
