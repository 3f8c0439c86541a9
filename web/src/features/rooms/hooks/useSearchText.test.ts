import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useSearchText } from "./useSearchText";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The hook bound to a `q` the test changes, as the URL would. */
function renderSearch(initial: string) {
  const write = vi.fn<(query: string) => void>();
  const hook = renderHook(({ q }) => useSearchText(q, write), { initialProps: { q: initial } });
  return { ...hook, write };
}

describe("useSearchText", () => {
  it("writes the trimmed text once typing has rested, and keeps what is being typed", () => {
    const { result, rerender, write } = renderSearch("");
    act(() => result.current.onTextChange("jaz"));
    act(() => result.current.onTextChange("jazz "));
    act(() => vi.advanceTimersByTime(299));
    expect(write).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(1));
    expect(write).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledWith("jazz");
    rerender({ q: "jazz" });
    expect(result.current.text).toBe("jazz ");
  });

  it("shows a query changed from outside instead of the typed text", () => {
    const { result, rerender } = renderSearch("jazz");
    expect(result.current.text).toBe("jazz");
    act(() => result.current.onTextChange("jazz trio"));
    act(() => vi.advanceTimersByTime(300));
    rerender({ q: "jazz trio" });
    rerender({ q: "" });
    expect(result.current.text).toBe("");
    rerender({ q: "jazz trio" });
    expect(result.current.text).toBe("jazz trio");
  });

  it("writes nothing after the page is gone", () => {
    const { result, unmount, write } = renderSearch("");
    act(() => result.current.onTextChange("late"));
    unmount();
    vi.advanceTimersByTime(1000);
    expect(write).not.toHaveBeenCalled();
  });
});
