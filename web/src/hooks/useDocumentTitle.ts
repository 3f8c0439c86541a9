import { useEffect } from "react";

/** Sets the browser tab's title for the current page ("<title> · Livestream"). */
export function useDocumentTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Livestream` : "Livestream";
  }, [title]);
}
