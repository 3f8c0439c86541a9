import { SettingsIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { AUTO_LEVEL, bitrateLabel, levelLabel, sortLevels, type QualityLevel } from "@/features/rooms/quality";

export interface QualityMenuProps {
  levels: QualityLevel[];
  /** The chosen level index, or -1 for automatic. */
  selected: number;
  /** The index of the level being played, when known. */
  playing: number | null;
  onSelect: (index: number) => void;
}

/** The player's quality picker: "Auto" plus one entry per HLS level, highest first. */
export function QualityMenu({ levels, selected, playing, onSelect }: QualityMenuProps) {
  const byIndex = new Map(levels.map((l) => [l.index, l]));
  const chosen = selected === AUTO_LEVEL ? undefined : byIndex.get(selected);
  const current = playing === null ? undefined : byIndex.get(playing);
  const choiceText = chosen ? levelLabel(chosen) : "Auto";
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="secondary" size="sm" className="gap-1.5">
          <SettingsIcon aria-hidden />
          <span className="max-sm:sr-only">Quality</span>
          <span className="sr-only">: </span>
          <span>
            {choiceText} (<span data-testid="quality-current">{current ? levelLabel(current) : "…"}</span>)
          </span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="min-w-48">
        <DropdownMenuLabel>Quality</DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuRadioGroup value={String(chosen ? selected : AUTO_LEVEL)} onValueChange={(value) => onSelect(Number(value))}>
          <DropdownMenuRadioItem value={String(AUTO_LEVEL)}>
            Auto
            {selected === AUTO_LEVEL && current ? (
              <span className="ml-auto pl-4 text-xs text-muted-foreground">{levelLabel(current)}</span>
            ) : null}
          </DropdownMenuRadioItem>
          {sortLevels(levels).map((level) => (
            <DropdownMenuRadioItem key={level.index} value={String(level.index)}>
              {levelLabel(level)}
              <span className="ml-auto pl-4 text-xs text-muted-foreground">{bitrateLabel(level.bitrate)}</span>
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
