import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { PresetView } from "@/api/types";
import { jsonResponse, renderWithProviders } from "@/test/render";
import { PresetEditor } from "./PresetEditor";

const preset: PresetView = {
  id: "p1",
  is_default: false,
  updated_at: 0,
  name: "ladder",
  passthrough: true,
  segment_seconds: 2,
  window_segments: 6,
  renditions: [
    { name: "720p", width: 1280, height: 720, fps: 30, video_kbps: 3000, audio_kbps: null, speed_preset: "veryfast", profile: "high" },
    { name: "360p", width: 640, height: 360, fps: 30, video_kbps: 800, audio_kbps: 96, speed_preset: "veryfast", profile: "main" },
  ],
};

describe("PresetEditor", () => {
  it("shows the server's 422 field errors next to the right inputs, with a summary", async () => {
    const user = userEvent.setup();
    const fetchMock = vi.fn().mockResolvedValue(
      jsonResponse(422, {
        error: {
          code: "validation_failed",
          message: "some fields are invalid",
          fields: { "renditions[1].width": "must be even and between 128 and 7680", segment_seconds: "must be between 1 and 10" },
        },
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<PresetEditor preset={preset} onSaved={() => {}} onDeleted={() => {}} />);

    await user.clear(screen.getByLabelText("Rendition 2 Width"));
    await user.type(screen.getByLabelText("Rendition 2 Width"), "641");
    await user.click(screen.getByRole("button", { name: "Save preset" }));

    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/presets/p1");
    expect(init.method).toBe("PUT");
    const sent = JSON.parse(String(init.body)) as PresetView;
    expect(sent.renditions[1]).toMatchObject({ width: 641, audio_kbps: 96, profile: "main" });
    expect(sent.renditions[0].audio_kbps).toBeNull();

    const width = await screen.findByLabelText("Rendition 2 Width");
    expect(width).toHaveAttribute("aria-invalid", "true");
    expect(width).toHaveAccessibleDescription("must be even and between 128 and 7680");
    expect(screen.getByLabelText("Rendition 1 Width")).not.toHaveAttribute("aria-invalid");
    expect(screen.getByLabelText("Segment seconds")).toHaveAccessibleDescription("must be between 1 and 10");

    const summary = screen.getAllByRole("alert").find((el) => el.textContent?.includes("The preset was not saved"));
    expect(summary).toBeDefined();
    expect(within(summary!).getByText("Some fields are invalid.")).toBeInTheDocument();
    expect(within(summary!).getByText(/Rendition 2 width must be even/)).toBeInTheDocument();
  });

  it("checks numbers locally before sending", async () => {
    const user = userEvent.setup();
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<PresetEditor preset={preset} onSaved={() => {}} onDeleted={() => {}} />);
    await user.clear(screen.getByLabelText("Rendition 1 FPS"));
    await user.type(screen.getByLabelText("Rendition 1 FPS"), "abc");
    await user.click(screen.getByRole("button", { name: "Save preset" }));
    expect(fetchMock).not.toHaveBeenCalled();
    expect(screen.getByLabelText("Rendition 1 FPS")).toHaveAccessibleDescription("must be a whole number");
  });

  it("adds and removes rendition rows and creates a new preset with POST", async () => {
    const user = userEvent.setup();
    const created: PresetView = { ...preset, id: "p2", name: "mine", renditions: [] };
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(201, created));
    vi.stubGlobal("fetch", fetchMock);
    const onSaved = vi.fn();
    renderWithProviders(<PresetEditor preset={null} onSaved={onSaved} onDeleted={() => {}} />);

    await user.type(screen.getByLabelText("Name"), "mine");
    await user.click(screen.getByRole("button", { name: "Add rendition" }));
    expect(screen.getByLabelText("Rendition 2 Name")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Rendition 2 Name"), "480p");
    await user.click(screen.getByRole("button", { name: "Remove rendition 1" }));
    expect(screen.queryByLabelText("Rendition 2 Name")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Rendition 1 Name")).toHaveValue("480p");

    await user.click(screen.getByRole("button", { name: "Save preset" }));
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/presets");
    expect(init.method).toBe("POST");
    expect(JSON.parse(String(init.body))).toMatchObject({ name: "mine", renditions: [{ name: "480p" }] });
    expect(onSaved).toHaveBeenCalledWith(created);
  });
});
