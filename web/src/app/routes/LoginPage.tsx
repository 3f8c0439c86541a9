import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "@/api/errors";
import { FormAlert } from "@/components/FormAlert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { AuthCard } from "@/features/auth/components/AuthCard";
import { useAuth } from "@/features/auth/hooks/useAuth";
import { useToast } from "@/hooks/toast-context";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useFormErrors } from "@/hooks/useFormErrors";
import { safeNext } from "@/lib/next";

export function LoginPage() {
  useDocumentTitle("Log in");
  const { login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { toast } = useToast();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const { errors, fail, clear } = useFormErrors();
  const next = safeNext(params.get("next"));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    clear();
    setBusy(true);
    try {
      const user = await login(username.trim(), password);
      toast({ kind: "success", title: `Welcome back, ${user.username}` });
      navigate(next, { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.code === "unauthorized") {
        fail(new ApiError(401, "unauthorized", "Wrong username or password, or the account is disabled."));
      } else {
        fail(error);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title="Log in"
      description="Chat, stream and manage your rooms."
      footer={
        <>
          No account yet?{" "}
          <Link className="font-medium text-primary underline-offset-4 hover:underline" to={`/register${params.get("next") ? `?next=${encodeURIComponent(next)}` : ""}`}>
            Create one
          </Link>
        </>
      }
    >
      <form className="space-y-4" onSubmit={onSubmit} noValidate>
        <FormAlert message={errors.message} fields={errors.fields} />
        <Field label="Username" error={errors.fields.username}>
          {(p) => <Input {...p} autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />}
        </Field>
        <Field label="Password" error={errors.fields.password}>
          {(p) => (
            <Input {...p} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </Button>
      </form>
    </AuthCard>
  );
}
