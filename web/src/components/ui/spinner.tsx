import { Loader2Icon } from "lucide-react";
import { cn } from "@/lib/cn";

export function Spinner({ className, label = "Loading" }: { className?: string; label?: string }) {
  return (
    <span role="status" className={cn("inline-flex items-center gap-2 text-sm text-muted-foreground", className)}>
      <Loader2Icon className="size-4 animate-spin" aria-hidden />
      <span>{label}…</span>
    </span>
  );
}
