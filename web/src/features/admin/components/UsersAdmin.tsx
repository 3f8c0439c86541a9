import { useState } from "react";
import type { Role, User } from "@/api/types";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/native-select";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useUpdateUser, useUsers } from "@/features/admin/api/users";
import { useAuth } from "@/features/auth/hooks/useAuth";
import { useToast } from "@/hooks/toast-context";
import { formatDateTime } from "@/lib/format";

const ROLES: Role[] = ["viewer", "streamer", "admin"];

/** The users tab: every account with its role and whether it may log in. */
export function UsersAdmin() {
  const { user: me } = useAuth();
  const { toast, toastError } = useToast();
  const { data, error, isPending: loading, refetch } = useUsers();
  const updateUser = useUpdateUser();
  const [busy, setBusy] = useState<string | null>(null);
  /** Roles picked but not applied yet: a select changes on every arrow key, so a button applies. */
  const [picked, setPicked] = useState<Record<string, Role>>({});

  const change = async (user: User, changes: { role?: Role; disabled?: boolean }) => {
    if (busy) return;
    setBusy(user.id);
    try {
      const updated = await updateUser.mutateAsync({ id: user.id, changes });
      setPicked((all) => {
        const rest = { ...all };
        delete rest[user.id];
        return rest;
      });
      toast({
        kind: "success",
        title: changes.role ? `${updated.username} is now ${updated.role === "admin" ? "an" : "a"} ${updated.role}` : `${updated.username} ${updated.disabled ? "disabled" : "enabled"}`,
      });
    } catch (e) {
      toastError(e, `Could not change ${user.username}`);
    } finally {
      setBusy(null);
    }
  };

  if (loading) return <Spinner label="Loading users" />;
  if (error && !data) return <ErrorAlert error={error} title="Could not load users" onRetry={() => void refetch()} />;
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Username</TableHead>
          <TableHead>Role</TableHead>
          <TableHead>Status</TableHead>
          <TableHead className="hidden sm:table-cell">Joined</TableHead>
          <TableHead>
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {(data ?? []).map((user) => {
          const self = user.id === me?.id;
          const pickedRole = picked[user.id];
          const pending = pickedRole !== undefined && pickedRole !== user.role;
          return (
            <TableRow key={user.id}>
              <TableCell className="font-medium">
                {user.username}
                {self ? <span className="ml-1 text-xs text-muted-foreground">(you)</span> : null}
              </TableCell>
              <TableCell>
                <label htmlFor={`role-${user.id}`} className="sr-only">
                  Role for {user.username}
                </label>
                <div className="flex items-center gap-2">
                  <NativeSelect
                    id={`role-${user.id}`}
                    className="h-8 w-32"
                    value={pickedRole ?? user.role}
                    disabled={self}
                    onChange={(e) => setPicked((p) => ({ ...p, [user.id]: e.target.value as Role }))}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </NativeSelect>
                  {pending ? (
                    <Button size="sm" aria-label={`Apply role for ${user.username}`} onClick={() => void change(user, { role: pickedRole })}>
                      Apply
                    </Button>
                  ) : null}
                </div>
              </TableCell>
              <TableCell>
                {user.disabled ? <Badge variant="destructive">disabled</Badge> : <Badge variant="success">active</Badge>}
              </TableCell>
              <TableCell className="hidden text-muted-foreground sm:table-cell">{formatDateTime(user.created_at)}</TableCell>
              <TableCell className="text-right">
                <Button
                  size="sm"
                  variant={user.disabled ? "outline" : "ghost"}
                  disabled={self || busy === user.id}
                  aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.username}`}
                  onClick={() => void change(user, { disabled: !user.disabled })}
                >
                  {user.disabled ? "Enable" : "Disable"}
                </Button>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
