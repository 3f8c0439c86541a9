import { ChevronDownIcon, LayoutDashboardIcon, LogOutIcon, ShieldIcon, UserIcon } from "lucide-react";
import { Link, useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { hasRole, useAuth } from "@/features/auth/hooks/useAuth";
import { useToast } from "@/hooks/toast-context";

export function UserMenu() {
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const { toast } = useToast();

  if (!user) {
    return (
      <div className="flex items-center gap-1">
        <Button asChild variant="ghost" size="sm">
          <Link to="/login">Log in</Link>
        </Button>
        <Button asChild size="sm" className="hidden sm:inline-flex">
          <Link to="/register">Sign up</Link>
        </Button>
      </div>
    );
  }

  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={`Account menu for ${user.username}`}>
          <UserIcon aria-hidden />
          <span className="max-w-28 truncate">{user.username}</span>
          <ChevronDownIcon aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuLabel>
          Signed in as <span className="text-foreground">{user.username}</span> ({user.role})
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        {hasRole(user, "streamer") ? (
          <DropdownMenuItem onSelect={() => navigate("/dashboard")}>
            <LayoutDashboardIcon aria-hidden /> Dashboard
          </DropdownMenuItem>
        ) : null}
        {hasRole(user, "admin") ? (
          <DropdownMenuItem onSelect={() => navigate("/admin")}>
            <ShieldIcon aria-hidden /> Admin
          </DropdownMenuItem>
        ) : null}
        <DropdownMenuItem
          onSelect={() => {
            void logout().then(() => {
              toast({ kind: "success", title: "Logged out" });
              navigate("/");
            });
          }}
        >
          <LogOutIcon aria-hidden /> Log out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
