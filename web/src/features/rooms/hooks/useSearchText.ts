import { useCallback, useEffect, useRef, useState } from "react";

const SETTLE_MS = 300;

/**
 * The text of a search box bound to the page's query `q`. Typing calls `write` with the trimmed
 * text once it has rested for 300 ms; a `q` changed from outside (navigation) replaces the text.
 * The shown text is derived, not copied during render: it is what was typed while `q` is still the
 * query it was typed against (our own write moves that query along, so a trailing space survives).
 */
export function useSearchText(q: string, write: (query: string) => void) {
  const [draft, setDraft] = useState({ text: q, against: q });
  const timer = useRef<number | undefined>(undefined);
  const writeRef = useRef(write);
  useEffect(() => {
    writeRef.current = write;
  });
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const onTextChange = useCallback(
    (text: string) => {
      setDraft({ text, against: q });
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => {
        const query = text.trim();
        setDraft((d) => ({ ...d, against: query }));
        writeRef.current(query);
      }, SETTLE_MS);
    },
    [q],
  );

  return { text: draft.against === q ? draft.text : q, onTextChange };
}
