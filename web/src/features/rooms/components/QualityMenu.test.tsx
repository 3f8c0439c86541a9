import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { QualityMenu } from "./QualityMenu";

const levels = [
  { index: 0, height: 360, bitrate: 800_000 },
  { index: 1, height: 1080, bitrate: 6_000_000 },
  { index: 2, height: 720, bitrate: 3_000_000 },
];

describe("QualityMenu", () => {
  it("shows the choice and the level actually playing on the trigger", () => {
    render(<QualityMenu levels={levels} selected={-1} playing={0} onSelect={() => {}} />);
    const trigger = screen.getByRole("button", { name: /^Quality/ });
    expect(trigger).toHaveTextContent("Auto (360p)");
    expect(screen.getByTestId("quality-current")).toHaveTextContent("360p");
  });

  it("lists Auto and every level from high to low, and switches level", async () => {
    const user = userEvent.setup();
    const onSelect = vi.fn();
    render(<QualityMenu levels={levels} selected={-1} playing={0} onSelect={onSelect} />);
    await user.click(screen.getByRole("button", { name: /^Quality/ }));
    const items = await screen.findAllByRole("menuitemradio");
    expect(items).toHaveLength(4);
    ["Auto", "1080p", "720p", "360p"].forEach((label, i) => expect(items[i].textContent).toMatch(new RegExp(`^${label}`)));
    expect(items[0]).toHaveAttribute("aria-checked", "true");
    expect(within(items[1]).getByText("6.0 Mbps")).toBeInTheDocument();

    await user.click(screen.getByRole("menuitemradio", { name: /^720p/ }));
    expect(onSelect).toHaveBeenCalledWith(2);
  });

  it("marks a manual choice and can go back to Auto", async () => {
    const user = userEvent.setup();
    const onSelect = vi.fn();
    render(<QualityMenu levels={levels} selected={1} playing={1} onSelect={onSelect} />);
    const trigger = screen.getByRole("button", { name: /^Quality/ });
    expect(trigger).toHaveTextContent("1080p (1080p)");
    await user.click(trigger);
    expect(await screen.findByRole("menuitemradio", { name: /^1080p/ })).toHaveAttribute("aria-checked", "true");
    await user.click(screen.getByRole("menuitemradio", { name: /^Auto/ }));
    expect(onSelect).toHaveBeenCalledWith(-1);
  });

  it("tells the untouched source apart from a rung of the same height", async () => {
    const user = userEvent.setup();
    const sameHeight = [
      { index: 0, height: 360, bitrate: 700_000, name: "360p" },
      { index: 1, height: 360, bitrate: 1_100_000, name: "source" },
    ];
    render(<QualityMenu levels={sameHeight} selected={-1} playing={1} onSelect={() => {}} />);
    expect(screen.getByTestId("quality-current")).toHaveTextContent("Source (360p)");
    await user.click(screen.getByRole("button", { name: /^Quality/ }));
    const names = (await screen.findAllByRole("menuitemradio")).map((item) => item.textContent);
    expect(names[1]).toMatch(/^Source \(360p\)/);
    expect(names[2]).toMatch(/^360p/);
  });
});
