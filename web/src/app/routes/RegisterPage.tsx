import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { FormAlert } from "@/components/FormAlert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { AuthCard } from "@/features/auth/components/AuthCard";
import { useAuth } from "@/features/auth/hooks/useAuth";
import { useToast } from "@/hooks/toast-context";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useFormErrors } from "@/hooks/useFormErrors";
import { cn } from "@/lib/cn";
import { safeNext } from "@/lib/next";

type AccountType = "viewer" | "streamer";

const ACCOUNT_TYPES: { value: AccountType; label: string; hint: string }[] = [
  { value: "viewer", label: "Viewer", hint: "Watch and chat" },
  { value: "streamer", label: "Streamer", hint: "Also create rooms and go live" },
];

export function RegisterPage() {
  useDocumentTitle("Create account");
  const { register } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { toast } = useToast();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<AccountType>("viewer");
  const [inviteCode, setInviteCode] = useState("");
  const [busy, setBusy] = useState(false);
  const { errors, fail, clear } = useFormErrors();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    clear();
    setBusy(true);
    try {
      const user = await register(username.trim(), password, role, inviteCode.trim() || undefined);
      const awaitingApproval = role === "streamer" && user.role === "viewer";
      toast(
        awaitingApproval
          ? { kind: "info", title: `Welcome, ${user.username}`, description: "An admin approves streamer accounts; until then you can watch and chat." }
          : { kind: "success", title: `Welcome, ${user.username}` },
      );
      const next = params.get("next");
      navigate(next ? safeNext(next) : user.role === "streamer" ? "/dashboard" : "/", { replace: true });
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title="Create account"
      description="Pick a username and a strong password."
      footer={
        <>
          Already have an account?{" "}
          <Link className="font-medium text-primary underline-offset-4 hover:underline" to="/login">
            Log in
          </Link>
        </>
      }
    >
      <form className="space-y-4" onSubmit={onSubmit} noValidate>
        <FormAlert message={errors.message} fields={errors.fields} />
        <Field label="Username" error={errors.fields.username} hint="3 to 32 letters, digits, '.', '-' or '_'">
          {(p) => <Input {...p} autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />}
        </Field>
        <Field label="Password" error={errors.fields.password} hint="At least 10 characters; a passphrase of a few words works well.">
          {(p) => <Input {...p} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <fieldset className="space-y-2" aria-invalid={errors.fields.role ? true : undefined}>
          <legend className="text-sm font-medium">Account type</legend>
          <div className="grid grid-cols-2 gap-2">
            {ACCOUNT_TYPES.map((t) => (
              <div
                key={t.value}
                className={cn(
                  "relative rounded-lg border p-3 text-sm transition-colors has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring",
                  role === t.value ? "border-primary bg-primary/10" : "hover:bg-accent",
                )}
              >
                <label className="flex cursor-pointer items-center gap-2 font-medium after:absolute after:inset-0">
                  <input
                    type="radio"
                    name="role"
                    value={t.value}
                    checked={role === t.value}
                    onChange={() => setRole(t.value)}
                    aria-describedby={`role-${t.value}-hint`}
                    className="relative z-10 accent-[var(--primary)]"
                  />
                  {t.label}
                </label>
                <p id={`role-${t.value}-hint`} className="mt-0.5 text-xs text-muted-foreground">
                  {t.hint}
                </p>
              </div>
            ))}
          </div>
          {errors.fields.role ? <p className="text-xs font-medium text-destructive">Role {errors.fields.role}</p> : null}
        </fieldset>
        {role === "streamer" ? (
          <Field label="Invitation code" error={errors.fields.invite_code} hint="Only needed if this server streams by invitation.">
            {(p) => <Input {...p} autoComplete="off" maxLength={64} value={inviteCode} onChange={(e) => setInviteCode(e.target.value)} />}
          </Field>
        ) : null}
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Creating account…" : "Create account"}
        </Button>
      </form>
    </AuthCard>
  );
}
