import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderWithProviders } from "@/test/render";
import { ObsSetup } from "./ObsSetup";

describe("ObsSetup", () => {
  it("shows the SRT URL with the stream id beside the RTMP server", () => {
    renderWithProviders(<ObsSetup ingestUrl="rtmp://example.test:1935/live" srtUrl="srt://example.test:8890" keyKnown />);
    expect(screen.getByTestId("ingest-url")).toHaveTextContent("rtmp://example.test:1935/live");
    expect(screen.getByTestId("srt-ingest-url")).toHaveTextContent("srt://example.test:8890?streamid=YOUR_STREAM_KEY");
  });

  it("leaves SRT out when the server does not listen for it", () => {
    renderWithProviders(<ObsSetup ingestUrl="rtmp://example.test:1935/live" srtUrl={null} keyKnown />);
    expect(screen.getByTestId("ingest-url")).toBeInTheDocument();
    expect(screen.queryByTestId("srt-setup")).toBeNull();
  });
});
