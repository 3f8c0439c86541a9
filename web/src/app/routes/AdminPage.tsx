import { SlidersHorizontalIcon, UsersIcon } from "lucide-react";
import { useSearchParams } from "react-router";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { PresetsAdmin } from "@/features/admin/components/PresetsAdmin";
import { UsersAdmin } from "@/features/admin/components/UsersAdmin";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";

export function AdminPage() {
  useDocumentTitle("Admin");
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") === "users" ? "users" : "presets";
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Admin</h1>
        <p className="text-muted-foreground">Transcoding presets and user accounts.</p>
      </div>
      <Tabs value={tab} onValueChange={(value) => setParams(value === "users" ? { tab: "users" } : {}, { replace: true })}>
        <TabsList>
          <TabsTrigger value="presets">
            <SlidersHorizontalIcon className="size-4" aria-hidden /> Presets
          </TabsTrigger>
          <TabsTrigger value="users">
            <UsersIcon className="size-4" aria-hidden /> Users
          </TabsTrigger>
        </TabsList>
        <TabsContent value="presets">
          <PresetsAdmin />
        </TabsContent>
        <TabsContent value="users">
          <UsersAdmin />
        </TabsContent>
      </Tabs>
    </div>
  );
}
