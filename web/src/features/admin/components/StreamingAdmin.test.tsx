import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Invite } from "@/api/types";
import { jsonResponse, renderWithProviders } from "@/test/render";
import { StreamingAdmin } from "./StreamingAdmin";

const DAY = 24 * 3600 * 1000;

function invite(id: string, changes: Partial<Invite> = {}): Invite {
  const now = Date.now();
  return { id, created_by: "admin-1", created_at: now - DAY, expires_at: now + 6 * DAY, used_at: null, used_by: null, ...changes };
}

/** A fake of the admin routes the tab calls; every request is recorded. */
function fakeServer() {
  let who = "anyone";
  let invites: Invite[] = [invite("used", { used_by: "user-9", used_at: Date.now() - 1000 }), invite("expired", { expires_at: Date.now() - DAY })];
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetchMock = vi.fn((url: string, init: RequestInit = {}) => {
    const method = init.method ?? "GET";
    const path = new URL(url, "http://localhost").pathname;
    const body = init.body ? (JSON.parse(String(init.body)) as unknown) : undefined;
    calls.push({ method, path, body });
    if (path === "/api/admin/settings" && method === "GET") return Promise.resolve(jsonResponse(200, { who_may_stream: who }));
    if (path === "/api/admin/settings" && method === "PUT") {
      who = (body as { who_may_stream: string }).who_may_stream;
      return Promise.resolve(jsonResponse(200, { who_may_stream: who }));
    }
    if (path === "/api/admin/invites" && method === "GET") return Promise.resolve(jsonResponse(200, invites));
    if (path === "/api/admin/invites" && method === "POST") {
      const created = invite("fresh");
      invites = [created, ...invites];
      return Promise.resolve(jsonResponse(201, { ...created, code: "inv_ABCDEFGHJKLMNPQR" }));
    }
    if (path === "/api/admin/invites/fresh" && method === "DELETE") {
      invites = invites.filter((i) => i.id !== "fresh");
      return Promise.resolve(jsonResponse(204));
    }
    return Promise.resolve(jsonResponse(404, { error: { code: "not_found", message: "not found" } }));
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("StreamingAdmin", () => {
  it("saves who may stream", async () => {
    const user = userEvent.setup();
    const calls = fakeServer();
    renderWithProviders(<StreamingAdmin />);
    const select = await screen.findByLabelText("Who may stream");
    expect(select).toHaveValue("anyone");
    await user.selectOptions(select, "invited");
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")).toEqual({ method: "PUT", path: "/api/admin/settings", body: { who_may_stream: "invited" } });
    await waitFor(() => expect(screen.getByLabelText("Who may stream")).toHaveValue("invited"));
  });

  it("shows a new invitation's code once, lists every invitation's state, and withdraws an open one", async () => {
    const user = userEvent.setup();
    const calls = fakeServer();
    renderWithProviders(<StreamingAdmin />);
    const rows = () => screen.getAllByRole("row").slice(1);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows()[0]).toHaveTextContent("Used");
    expect(rows()[1]).toHaveTextContent("Expired");
    expect(within(rows()[0]).queryByRole("button", { name: "Withdraw" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "New invitation" }));
    expect(await screen.findByTestId("invite-code")).toHaveTextContent("inv_ABCDEFGHJKLMNPQR");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ valid_days: 7 });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows()[0]).toHaveTextContent("Open");

    await user.click(within(rows()[0]).getByRole("button", { name: "Withdraw" }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/admin/invites/fresh")).toBe(true);
  });
});
