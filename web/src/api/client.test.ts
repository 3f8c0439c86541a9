import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse } from "@/test/render";
import { request, setAccessToken, setUnauthorizedHandler } from "./client";
import { ApiError, NETWORK_ERROR_MESSAGE, humanField } from "./errors";

afterEach(() => {
  setAccessToken(null);
  setUnauthorizedHandler(null);
});

describe("request", () => {
  it("turns a 422 error body into a readable message and per-field errors", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(
        jsonResponse(422, {
          error: {
            code: "validation_failed",
            message: "some fields are invalid",
            fields: { password: "is too easy to guess", "renditions[1].width": "must be even and between 128 and 7680" },
          },
        }),
      ),
    );
    const error = await request("/auth/register", { method: "POST", body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const api = error as ApiError;
    expect(api.status).toBe(422);
    expect(api.code).toBe("validation_failed");
    expect(api.message).toBe("Some fields are invalid.");
    expect(api.fields).toEqual({ password: "is too easy to guess", "renditions[1].width": "must be even and between 128 and 7680" });
    expect(api.detail).toContain("Password is too easy to guess.");
    expect(api.detail).toContain("Rendition 2 width must be even");
  });

  it("reads a 503 without a body (a proxy's) as 'unavailable'", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response("busy", { status: 503 })));
    const error = (await request("/rooms").catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe("unavailable");
    expect(error.message).toBe("The service is temporarily unavailable; try again shortly.");
  });

  it("reports a network failure as 'Cannot reach the server'", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const error = (await request("/rooms").catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe("network");
    expect(error.message).toBe(NETWORK_ERROR_MESSAGE);
    expect(error.message).toMatch(/^Cannot reach the server/);
  });

  it("gives a readable message when the error body is not JSON", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response("<html>bad gateway</html>", { status: 502 })));
    const error = (await request("/rooms").catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.message).toBe("Something went wrong on the server.");
  });

  it("sends the bearer token and JSON body, and parses the answer", async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(200, { id: "r1" }));
    vi.stubGlobal("fetch", fetchMock);
    setAccessToken("tok");
    const body = await request<{ id: string }>("/rooms", { method: "POST", body: { title: "Hi" }, query: { q: "a b", limit: 5, offset: undefined } });
    expect(body).toEqual({ id: "r1" });
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/rooms?q=a+b&limit=5");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect(init.body).toBe(JSON.stringify({ title: "Hi" }));
  });

  it("ends the session on a 401 of an authenticated request only", async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    vi.stubGlobal(
      "fetch",
      vi.fn().mockImplementation(() => Promise.resolve(jsonResponse(401, { error: { code: "unauthorized", message: "authentication is required" } }))),
    );
    await expect(request("/auth/login", { method: "POST", body: {}, anonymous: true })).rejects.toThrow("Authentication is required.");
    expect(onUnauthorized).not.toHaveBeenCalled();
    setAccessToken("expired");
    await expect(request("/auth/me")).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});

describe("humanField", () => {
  it("names nested rendition fields for people", () => {
    expect(humanField("renditions[0].video_kbps")).toBe("Rendition 1 video kbps");
    expect(humanField("segment_seconds")).toBe("Segment seconds");
  });
});
