import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Recording } from "@/api/types";
import { jsonResponse, renderWithProviders } from "@/test/render";
import { RecordingsList } from "./RecordingsList";

function recording(id: string, startedAt: number): Recording {
  return {
    id,
    room_id: "room-1",
    started_at: startedAt,
    ended_at: startedAt + 60_000,
    duration_ms: 60_000,
    bytes: 2048,
    status: "complete",
    end_reason: "publisher_left",
    file_url: `/api/recordings/${id}/file`,
    download_url: `/api/recordings/${id}/file?download=true`,
    playback_url: `/vod/${id}/master.m3u8`,
    poster_url: `/vod/${id}/poster.jpg`,
    thumbnails_vtt_url: `/vod/${id}/thumbnails.vtt`,
  };
}

describe("RecordingsList", () => {
  it("deletes a recording and then asks the server for the list again", async () => {
    const user = userEvent.setup();
    const older = recording("rec-1", 1_700_000_000_000);
    const newer = recording("rec-2", 1_700_000_600_000);
    const fetchMock = vi.fn((_url: string, init: RequestInit) => {
      if (init.method === "DELETE") return Promise.resolve(jsonResponse(204));
      const deleted = fetchMock.mock.calls.some(([, i]) => i.method === "DELETE");
      return Promise.resolve(jsonResponse(200, deleted ? [newer] : [newer, older]));
    });
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<RecordingsList roomId="room-1" canManage />);

    const list = await screen.findByRole("list", { name: "Recordings" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    const [deleteOlder] = within(list)
      .getAllByRole("button", { name: /^Delete recording from/ })
      .slice(-1);
    await user.click(deleteOlder);
    await user.click(
      within(await screen.findByRole("alertdialog")).getByRole("button", {
        name: "Delete recording",
      }),
    );

    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(1));
    expect(fetchMock.mock.calls.map(([url, init]) => `${init.method} ${url}`)).toEqual([
      "GET /api/rooms/room-1/recordings",
      "DELETE /api/recordings/rec-1",
      "GET /api/rooms/room-1/recordings",
    ]);
    expect(await screen.findByText("Recording deleted")).toBeInTheDocument();
  });
});
