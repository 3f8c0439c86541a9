import { useCallback, useState } from "react";
import { ApiError, errorMessage } from "@/api/errors";

export interface FormErrors {
  /** The summary shown above the form. */
  message: string | null;
  fields: Record<string, string>;
}

/** Error state of a form: a readable summary plus per-field messages from a 422. */
export function useFormErrors() {
  const [errors, setErrors] = useState<FormErrors>({ message: null, fields: {} });
  const fail = useCallback((error: unknown) => {
    if (error instanceof ApiError) setErrors({ message: error.message, fields: error.fields });
    else setErrors({ message: errorMessage(error), fields: {} });
  }, []);
  const setFields = useCallback((fields: Record<string, string>, message = "Some fields are invalid.") => {
    setErrors({ message, fields });
  }, []);
  const clear = useCallback(() => setErrors({ message: null, fields: {} }), []);
  return { errors, fail, setFields, clear };
}
