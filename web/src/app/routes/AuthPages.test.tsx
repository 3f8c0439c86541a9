import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactElement } from "react";
import { describe, expect, it, vi } from "vitest";
import { AuthProvider } from "@/features/auth/components/AuthProvider";
import { jsonResponse, renderWithProviders } from "@/test/render";
import { LoginPage } from "./LoginPage";
import { RegisterPage } from "./RegisterPage";

/** A page inside the auth provider, at its route, as the app mounts it. */
function renderAuthPage(page: ReactElement, route: string) {
  return renderWithProviders(<AuthProvider>{page}</AuthProvider>, { route });
}

describe("LoginPage", () => {
  it("explains a refused login", async () => {
    const user = userEvent.setup();
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(jsonResponse(401, { error: { code: "unauthorized", message: "authentication is required" } })));
    renderAuthPage(<LoginPage />, "/login");
    await user.type(screen.getByLabelText("Username"), "olive");
    await user.type(screen.getByLabelText("Password"), "wrong-password");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong username or password");
  });

  it("says when the server cannot be reached, and shows rate limiting", async () => {
    const user = userEvent.setup();
    const fetchMock = vi
      .fn()
      .mockRejectedValueOnce(new TypeError("Failed to fetch"))
      .mockResolvedValueOnce(jsonResponse(429, { error: { code: "rate_limited", message: "too many attempts; try again in a minute" } }));
    vi.stubGlobal("fetch", fetchMock);
    renderAuthPage(<LoginPage />, "/login");
    await user.type(screen.getByLabelText("Username"), "olive");
    await user.type(screen.getByLabelText("Password"), "pw");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot reach the server");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByText("Too many attempts; try again in a minute.")).toBeInTheDocument();
  });
});

describe("RegisterPage", () => {
  it("sends the chosen role and shows the server's password message next to the field", async () => {
    const user = userEvent.setup();
    const fetchMock = vi.fn().mockResolvedValue(
      jsonResponse(422, {
        error: { code: "validation_failed", message: "some fields are invalid", fields: { password: "is too easy to guess: add another word or two" } },
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderAuthPage(<RegisterPage />, "/register");
    await user.type(screen.getByLabelText("Username"), "olive");
    await user.type(screen.getByLabelText("Password"), "password12");
    await user.click(screen.getByRole("radio", { name: "Streamer" }));
    await user.click(screen.getByRole("button", { name: "Create account" }));

    const [, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(JSON.parse(String(init.body))).toEqual({ username: "olive", password: "password12", role: "streamer" });
    const password = screen.getByLabelText("Password");
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(password).toHaveAccessibleDescription("is too easy to guess: add another word or two");
    expect(screen.getByLabelText("Username")).not.toHaveAttribute("aria-invalid");
  });

  it("sends an invitation code, and shows the server's refusal of it next to the field", async () => {
    const user = userEvent.setup();
    const fetchMock = vi.fn().mockResolvedValue(
      jsonResponse(422, {
        error: { code: "validation_failed", message: "some fields are invalid", fields: { invite_code: "is not a valid invitation (unknown, used or expired)" } },
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderAuthPage(<RegisterPage />, "/register");
    await user.type(screen.getByLabelText("Username"), "olive");
    await user.type(screen.getByLabelText("Password"), "Tr4vel-Lamp-Quartz-91");
    await user.click(screen.getByRole("radio", { name: "Streamer" }));
    await user.type(screen.getByLabelText("Invitation code"), "  inv_ABCDEFGH  ");
    await user.click(screen.getByRole("button", { name: "Create account" }));

    const [, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(JSON.parse(String(init.body))).toEqual({ username: "olive", password: "Tr4vel-Lamp-Quartz-91", role: "streamer", invite_code: "inv_ABCDEFGH" });
    const code = await screen.findByLabelText("Invitation code");
    expect(code).toHaveAttribute("aria-invalid", "true");
    expect(code).toHaveAccessibleDescription("is not a valid invitation (unknown, used or expired)");
  });
});
