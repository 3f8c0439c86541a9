import { ShieldAlertIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Link, Navigate, useLocation } from "react-router";
import type { Role } from "@/api/types";
import { EmptyState } from "@/components/EmptyState";
import { Button } from "@/components/ui/button";
import { hasRole, useAuth } from "@/features/auth/hooks/useAuth";

/** Renders `children` for users with at least `role`; sends others to log in or explains. */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) {
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  if (!hasRole(user, role)) {
    return (
      <EmptyState
        icon={<ShieldAlertIcon aria-hidden />}
        title="You don't have access to this page"
        description={role === "admin" ? "Only administrators can open it." : "A streamer account is needed to manage rooms."}
      >
        <Button asChild variant="outline">
          <Link to="/">Back to home</Link>
        </Button>
      </EmptyState>
    );
  }
  return <>{children}</>;
}
