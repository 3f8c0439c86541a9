import { TriangleAlertIcon } from "lucide-react";
import { humanField } from "@/api/errors";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";

/** The summary of a failed submission, listing field problems. */
export function FormAlert({ message, fields, title }: { message: string | null; fields?: Record<string, string>; title?: string }) {
  if (!message) return null;
  const entries = Object.entries(fields ?? {});
  return (
    <Alert variant="destructive">
      <TriangleAlertIcon aria-hidden />
      {title ? <AlertTitle>{title}</AlertTitle> : null}
      <AlertDescription>
        <p>{message}</p>
        {entries.length ? (
          <ul className="mt-1 list-disc pl-5">
            {entries.map(([field, problem]) => (
              <li key={field}>
                {humanField(field)} {problem}.
              </li>
            ))}
          </ul>
        ) : null}
      </AlertDescription>
    </Alert>
  );
}
