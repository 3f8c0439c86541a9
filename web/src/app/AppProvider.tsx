import { QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ToastProvider } from "@/components/ToastProvider";
import { AuthProvider } from "@/features/auth/components/AuthProvider";
import { createQueryClient } from "@/lib/query-client";

/** What every page stands on: the server-state cache, toasts and the session (inside a router). */
export function AppProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <AuthProvider>{children}</AuthProvider>
      </ToastProvider>
    </QueryClientProvider>
  );
}
