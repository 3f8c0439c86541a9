import { useState } from "react";
import type { WhoMayStream } from "@/api/types";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { NativeSelect } from "@/components/ui/native-select";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useCreateInvite, useDeleteInvite, useInvites, useSiteSettings, useUpdateSiteSettings } from "@/features/admin/api/site";
import { useToast } from "@/hooks/toast-context";
import { formatDateTime } from "@/lib/format";

const POLICIES: { value: WhoMayStream; label: string }[] = [
  { value: "anyone", label: "Anyone who registers as a streamer" },
  { value: "approved", label: "Accounts an admin approves (make them streamers under Users)" },
  { value: "invited", label: "Only with an invitation code" },
];

/** The streaming tab: who may register as a streamer, and the invitations. */
export function StreamingAdmin() {
  const { toast, toastError } = useToast();
  const settings = useSiteSettings();
  const updateSettings = useUpdateSiteSettings();
  const invites = useInvites();
  const createInvite = useCreateInvite();
  const deleteInvite = useDeleteInvite();
  const [code, setCode] = useState<string | null>(null);
  /** When the tab opened: invitations past it show as expired. */
  const [openedAt] = useState(Date.now);

  const choose = async (value: WhoMayStream) => {
    try {
      await updateSettings.mutateAsync({ who_may_stream: value });
      toast({ kind: "success", title: "Who may stream is saved" });
    } catch (e) {
      toastError(e, "Could not save who may stream");
    }
  };

  const invite = async () => {
    try {
      const created = await createInvite.mutateAsync({ valid_days: 7 });
      setCode(created.code);
    } catch (e) {
      toastError(e, "Could not create an invitation");
    }
  };

  if (settings.isPending) return <Spinner label="Loading settings" />;
  if (settings.error && !settings.data) return <ErrorAlert error={settings.error} title="Could not load settings" onRetry={() => void settings.refetch()} />;
  return (
    <div className="space-y-6">
      <Field label="Who may stream" hint="Applies to the next registration; streamers already made stay streamers.">
        {(p) => (
          <NativeSelect {...p} value={settings.data?.who_may_stream ?? "anyone"} disabled={updateSettings.isPending} onChange={(e) => void choose(e.target.value as WhoMayStream)}>
            {POLICIES.map((policy) => (
              <option key={policy.value} value={policy.value}>
                {policy.label}
              </option>
            ))}
          </NativeSelect>
        )}
      </Field>
      <div className="space-y-3">
        <div className="flex items-center justify-between gap-2">
          <h2 className="text-lg font-semibold">Invitations</h2>
          <Button onClick={() => void invite()} disabled={createInvite.isPending}>
            New invitation
          </Button>
        </div>
        {code ? (
          <p className="rounded-md border border-primary bg-primary/10 p-3 text-sm" role="status">
            Give this code to the person you invite; it is shown only now and works once, for 7 days:{" "}
            <code className="font-mono font-semibold" data-testid="invite-code">
              {code}
            </code>
          </p>
        ) : null}
        {invites.isPending ? (
          <Spinner label="Loading invitations" />
        ) : invites.error && !invites.data ? (
          <ErrorAlert error={invites.error} title="Could not load invitations" onRetry={() => void invites.refetch()} />
        ) : invites.data?.length ? (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Created</TableHead>
                <TableHead>Expires</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {invites.data.map((i) => (
                <TableRow key={i.id}>
                  <TableCell>{formatDateTime(i.created_at)}</TableCell>
                  <TableCell>{formatDateTime(i.expires_at)}</TableCell>
                  <TableCell>{i.used_by ? <Badge variant="secondary">Used</Badge> : i.expires_at < openedAt ? <Badge variant="outline">Expired</Badge> : <Badge>Open</Badge>}</TableCell>
                  <TableCell className="text-right">
                    {i.used_by ? null : (
                      <Button variant="outline" size="sm" disabled={deleteInvite.isPending} onClick={() => void deleteInvite.mutateAsync(i.id).catch((e: unknown) => toastError(e, "Could not withdraw the invitation"))}>
                        Withdraw
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : (
          <p className="text-sm text-muted-foreground">No invitations yet.</p>
        )}
      </div>
    </div>
  );
}
