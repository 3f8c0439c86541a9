import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderWithProviders } from "@/test/render";
import { StreamKeyPanel } from "./StreamKeyPanel";

const keyInfo = { stream_key: "sk_abcdefghijklmnopqrstuvwxyz012345", ingest_url: "rtmp://example.test:1935/live" };

describe("StreamKeyPanel", () => {
  it("masks the key until revealed, and hides it again", async () => {
    const user = userEvent.setup();
    renderWithProviders(<StreamKeyPanel keyInfo={keyInfo} onRegenerate={async () => {}} />);
    expect(screen.getByRole("heading", { name: "Stream key" })).toBeInTheDocument();
    const shown = screen.getByTestId("stream-key");
    expect(shown).not.toHaveTextContent(keyInfo.stream_key);
    expect(shown.textContent).toMatch(/^•+$/);
    expect(document.body).not.toHaveTextContent(keyInfo.stream_key);

    await user.click(screen.getByRole("button", { name: "Reveal" }));
    expect(screen.getByTestId("stream-key")).toHaveTextContent(keyInfo.stream_key);
    await user.click(screen.getByRole("button", { name: "Hide" }));
    expect(screen.getByTestId("stream-key")).not.toHaveTextContent(keyInfo.stream_key);
  });

  it("copies the real key, not the mask", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    renderWithProviders(<StreamKeyPanel keyInfo={keyInfo} onRegenerate={async () => {}} />);
    // user-event installs its own clipboard stub on setup: replace it after.
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith(keyInfo.stream_key);
    expect(await screen.findByText(/Copied to the clipboard/)).toBeInTheDocument();
  });

  it("explains that keys are shown once and regenerates only after confirming", async () => {
    const user = userEvent.setup();
    const onRegenerate = vi.fn().mockResolvedValue(undefined);
    renderWithProviders(<StreamKeyPanel keyInfo={null} onRegenerate={onRegenerate} />);
    expect(screen.queryByTestId("stream-key")).toBeNull();
    expect(screen.getByText(/shown only once/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Reveal" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Regenerate" }));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog).toHaveTextContent("The old key stops working");
    expect(onRegenerate).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Regenerate key" }));
    expect(onRegenerate).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });
});
