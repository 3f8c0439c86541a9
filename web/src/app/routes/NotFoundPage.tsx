import { CompassIcon } from "lucide-react";
import { Link } from "react-router";
import { EmptyState } from "@/components/EmptyState";
import { Button } from "@/components/ui/button";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";

export function NotFoundPage({ what = "page" }: { what?: string }) {
  useDocumentTitle("Not found");
  return (
    <EmptyState
      icon={<CompassIcon aria-hidden />}
      title={`This ${what} doesn't exist`}
      description="It may have been deleted, or the address is wrong."
      className="my-10"
    >
      <h1 className="sr-only">Not found</h1>
      <Button asChild>
        <Link to="/">Go to the home page</Link>
      </Button>
    </EmptyState>
  );
}
