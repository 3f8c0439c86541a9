import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { RenditionStats, RoomView } from "@/api/types";
import { renderWithProviders } from "@/test/render";
import { LiveHealth } from "./LiveHealth";

function liveRoom(renditions: RenditionStats[]): RoomView {
  return {
    id: "r1",
    title: "Room",
    description: "",
    owner_id: "u1",
    owner_name: "olive",
    preset_id: "p1",
    chat_enabled: true,
    slow_mode_seconds: 0,
    viewer_count: 0,
    viewer_latency: null,
    ingest_url: "rtmp://example.test:1935/live",
    created_at: 0,
    live: {
      stream_id: "s1",
      playback_url: "/hls/s1/master.m3u8",
      thumbnail_url: "/hls/s1/thumbnail.jpg",
      started_at: 0,
      playable: true,
      media: { video: { codec: "avc1.64001f", width: 1920, height: 1080, fps: 60 }, audio: null },
      renditions: [],
      stats: { input_kbps: 6000, input_fps: 60, keyframe_interval: 2, renditions },
    },
  };
}

const healthy: RenditionStats = { name: "source", speed: 1, behind: 0, dropped_frames: 0, dropped_fps: 0 };

describe("LiveHealth", () => {
  it("warns the streamer when a rendition drops frames to keep up", () => {
    renderWithProviders(
      <LiveHealth room={liveRoom([healthy, { name: "720p", speed: 1, behind: 0.2, dropped_frames: 120, dropped_fps: 24 }])} />,
    );
    expect(screen.getByText("The server cannot keep up")).toBeInTheDocument();
    expect(screen.getByText(/720p drops 24 frames\/s/)).toBeInTheDocument();
    expect(screen.getByTestId("health-dropped-720p")).toHaveTextContent("120");
    expect(screen.getByTestId("health-dropped-source")).toHaveTextContent("0");
  });

  it("says nothing alarming while every rendition keeps up", () => {
    renderWithProviders(<LiveHealth room={liveRoom([healthy, { ...healthy, name: "720p", dropped_frames: 3 }])} />);
    expect(screen.queryByText("The server cannot keep up")).toBeNull();
  });

  it("shows the viewers' latency their players report, or that none has", () => {
    const room = liveRoom([healthy]);
    const { unmount } = renderWithProviders(<LiveHealth room={room} />);
    expect(screen.getByTestId("health-viewer-latency")).toHaveTextContent("—");
    unmount();
    renderWithProviders(<LiveHealth room={{ ...room, viewer_latency: { viewers: 3, median_seconds: 1.42, p90_seconds: 1.9 } }} />);
    expect(screen.getByTestId("health-viewer-latency")).toHaveTextContent("1.4 s");
    expect(screen.getByText("median of 3 players; 90 % within 1.9 s")).toBeInTheDocument();
  });
});
