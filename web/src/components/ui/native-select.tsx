import type { ComponentProps } from "react";
import { cn } from "@/lib/cn";
import { fieldClass } from "./input";

/** A styled native `<select>`: keyboard and screen-reader behaviour come from the browser. */
export function NativeSelect({ className, ...props }: ComponentProps<"select">) {
  return <select data-slot="select" className={cn(fieldClass, "h-9 pr-8", className)} {...props} />;
}
