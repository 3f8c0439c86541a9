import { ShieldIcon, UserMinusIcon, UserPlusIcon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { ErrorAlert } from "@/components/ErrorAlert";
import { FormAlert } from "@/components/FormAlert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useAddModerator, useModerators, useRemoveModerator } from "@/features/dashboard/api/moderators";
import { useToast } from "@/hooks/toast-context";
import { useFormErrors } from "@/hooks/useFormErrors";

/** The room's chat moderators: appoint by username, remove from the list. */
export function ModeratorsPanel({ roomId }: { roomId: string }) {
  const moderators = useModerators(roomId);
  const addModerator = useAddModerator(roomId);
  const removeModerator = useRemoveModerator(roomId);
  const [username, setUsername] = useState("");
  const [busy, setBusy] = useState(false);
  const { errors, fail, clear } = useFormErrors();
  const { toast, toastError } = useToast();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    clear();
    setBusy(true);
    try {
      const added = await addModerator.mutateAsync(username.trim());
      setUsername("");
      toast({ kind: "success", title: `${added.username} is now a moderator` });
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (userId: string, name: string) => {
    try {
      await removeModerator.mutateAsync(userId);
      toast({ kind: "success", title: `${name} is no longer a moderator` });
    } catch (error) {
      toastError(error, `Could not remove ${name}`);
    }
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <ShieldIcon className="size-4" aria-hidden /> Chat moderators
        </CardTitle>
        <CardDescription>
          Moderators can delete messages, time out and ban chatters, and change slow mode. A change applies the next
          time they open the chat.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {moderators.error && !moderators.data ? (
          <ErrorAlert error={moderators.error} title="Could not load the moderators" onRetry={() => void moderators.refetch()} />
        ) : null}
        {moderators.isPending ? <Skeleton className="h-10 w-full" /> : null}
        {moderators.data && moderators.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">No moderators yet. You moderate your own rooms.</p>
        ) : null}
        {moderators.data && moderators.data.length > 0 ? (
          <ul aria-label="Moderators" className="divide-y rounded-md border">
            {moderators.data.map((m) => (
              <li key={m.user_id} className="flex items-center justify-between gap-2 px-3 py-2 text-sm">
                <span className="min-w-0 truncate font-medium">{m.username}</span>
                <Button variant="ghost" size="sm" onClick={() => remove(m.user_id, m.username)} aria-label={`Remove ${m.username}`}>
                  <UserMinusIcon aria-hidden /> Remove
                </Button>
              </li>
            ))}
          </ul>
        ) : null}
        <form className="grid gap-3" onSubmit={onSubmit} noValidate>
          <FormAlert message={errors.message} fields={errors.fields} />
          <div className="flex flex-wrap items-end gap-2">
            <Field label="Username" error={errors.fields.username} className="min-w-48 flex-1">
              {(p) => (
                <Input {...p} autoComplete="off" required maxLength={64} value={username} onChange={(e) => setUsername(e.target.value)} />
              )}
            </Field>
            <Button type="submit" disabled={busy || username.trim() === ""}>
              <UserPlusIcon aria-hidden /> {busy ? "Adding…" : "Add moderator"}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
