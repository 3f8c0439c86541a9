import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";

export function LiveBadge({ className }: { className?: string }) {
  return (
    <Badge variant="live" className={cn("shadow-sm", className)}>
      <span className="size-1.5 animate-pulse rounded-full bg-white" aria-hidden />
      Live
    </Badge>
  );
}
