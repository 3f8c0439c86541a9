import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Destination } from "@/api/types";
import { jsonResponse, renderWithProviders } from "@/test/render";
import { DestinationsPanel } from "./DestinationsPanel";

function destination(id: string, name: string, changes: Partial<Destination> = {}): Destination {
  return {
    id,
    name,
    url: `rtmp://${name.toLowerCase()}.example.test/live`,
    stream_key_hint: "…wxyz",
    enabled: true,
    status: "live",
    last_error: null,
    bytes_sent: 2_500_000,
    created_at: 1_700_000_000_000,
    ...changes,
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("DestinationsPanel", () => {
  it("shows each destination's status, and why a failing one fails", async () => {
    const list = [
      destination("d1", "YouTube"),
      destination("d2", "Twitch", { status: "retrying", last_error: "Could not connect: connection refused" }),
    ];
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.resolve(jsonResponse(200, list))),
    );
    renderWithProviders(<DestinationsPanel roomId="room-1" live />);
    const items = within(await screen.findByRole("list", { name: "Destinations" })).getAllByTestId("destination");
    expect(items).toHaveLength(2);
    expect(within(items[0]).getByTestId("destination-status")).toHaveTextContent("Live");
    expect(items[0]).toHaveTextContent("key …wxyz");
    expect(within(items[1]).getByTestId("destination-status")).toHaveTextContent("Retrying");
    expect(items[1]).toHaveTextContent("connection refused");
  });

  it("adds a destination with its key, never showing the key again, and lists the server's field errors", async () => {
    const user = userEvent.setup();
    const added = destination("d3", "Custom", { status: "idle", bytes_sent: 0 });
    let saved: Destination[] = [];
    const fetchMock = vi.fn((_url: string, init: RequestInit) => {
      if (init.method !== "POST") return Promise.resolve(jsonResponse(200, saved));
      const body = JSON.parse(String(init.body)) as { url: string };
      if (body.url.startsWith("http")) {
        return Promise.resolve(
          jsonResponse(422, {
            error: {
              code: "validation_failed",
              message: "the destination is not valid",
              fields: { url: "must start with rtmp:// or rtmps://" },
            },
          }),
        );
      }
      saved = [added];
      return Promise.resolve(jsonResponse(201, added));
    });
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<DestinationsPanel roomId="room-1" live={false} />);
    await screen.findByText("No destinations yet.");

    await user.type(screen.getByLabelText("Name"), "Custom");
    await user.type(screen.getByLabelText("Server URL"), "http://wrong.example.test/live");
    await user.type(screen.getByLabelText("Stream key"), "secret-key-0000wxyz");
    await user.click(screen.getByRole("button", { name: "Add destination" }));
    expect(await screen.findAllByText("must start with rtmp:// or rtmps://")).not.toHaveLength(0);

    await user.clear(screen.getByLabelText("Server URL"));
    await user.type(screen.getByLabelText("Server URL"), "rtmp://custom.example.test/live");
    await user.click(screen.getByRole("button", { name: "Add destination" }));
    await waitFor(() => expect(screen.getAllByTestId("destination")).toHaveLength(1));
    const posted = fetchMock.mock.calls.filter(([, init]) => init.method === "POST").map(([, init]) => JSON.parse(String(init.body)));
    expect(posted.at(-1)).toEqual({ name: "Custom", url: "rtmp://custom.example.test/live", stream_key: "secret-key-0000wxyz", enabled: true });
    expect(screen.getByLabelText("Stream key")).toHaveValue("");
    expect(document.body).not.toHaveTextContent("secret-key-0000wxyz");
  });
});
