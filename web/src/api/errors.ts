import type { ErrorBody, ErrorDetail } from "./types";

/** A server error code (`validation_failed`...), or `network` when no answer came. */
export type ErrorCode = ErrorDetail["code"] | "network";

export const NETWORK_ERROR_MESSAGE = "Cannot reach the server. Check your connection and try again.";

const FALLBACK_MESSAGES: Record<string, string> = {
  bad_request: "The request was not accepted.",
  unauthorized: "Please log in again.",
  forbidden: "You are not allowed to do this.",
  not_found: "Not found.",
  conflict: "This conflicts with the current state.",
  payload_too_large: "The request is too large.",
  validation_failed: "Some fields are invalid.",
  rate_limited: "Too many attempts; try again in a minute.",
  too_many_connections: "Too many connections from your address.",
  unavailable: "The service is temporarily unavailable; try again shortly.",
  internal: "Something went wrong on the server.",
};

/** Upper-cases the first letter and ends the sentence with a full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Any failure of an API call: an error answer of the server, or no answer at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** Per-field problems of a 422, keyed like the request body (`renditions[1].width`). */
  readonly fields: Record<string, string>;

  constructor(status: number, code: ErrorCode, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  get isNetwork(): boolean {
    return this.code === "network";
  }

  /** The message with the field problems spelled out, for toasts. */
  get detail(): string {
    const entries = Object.entries(this.fields);
    if (entries.length === 0) return this.message;
    return `${this.message} ${entries.map(([field, problem]) => `${humanField(field)} ${problem}.`).join(" ")}`;
  }

  static network(): ApiError {
    return new ApiError(0, "network", NETWORK_ERROR_MESSAGE);
  }
}

/** `renditions[1].video_kbps` → `Rendition 2 video kbps`. */
export function humanField(field: string): string {
  const text = field
    .replace(/\[(\d+)\]\./g, (_, i: string) => ` ${Number(i) + 1} `)
    .replace(/_/g, " ")
    .replace(/^renditions /, "rendition ")
    .trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (!value || typeof value !== "object" || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return !!error && typeof error === "object" && "code" in error && "message" in error;
}

/** Turns an error response (any body, or none) into an [`ApiError`]. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) {
    const { code, message, fields } = body.error;
    const text = typeof message === "string" && message ? message : (FALLBACK_MESSAGES[code] ?? "Request failed");
    const clean: Record<string, string> = {};
    if (fields && typeof fields === "object") {
      for (const [key, value] of Object.entries(fields)) {
        if (typeof value === "string") clean[key] = value;
      }
    }
    return new ApiError(status, code, sentence(text), clean);
  }
  const code = statusCode(status);
  return new ApiError(status, code, FALLBACK_MESSAGES[code] ?? `Request failed (HTTP ${status}).`);
}

function statusCode(status: number): ErrorCode {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 422:
      return "validation_failed";
    case 429:
      return "rate_limited";
    case 503:
      return "unavailable";
    default:
      return "internal";
  }
}

/** A readable message for anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error && error.message) return sentence(error.message);
  return "Something went wrong.";
}
