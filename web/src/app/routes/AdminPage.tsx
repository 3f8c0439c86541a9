import { RadioTowerIcon, SlidersHorizontalIcon, UsersIcon } from "lucide-react";
import { useSearchParams } from "react-router";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { PresetsAdmin } from "@/features/admin/components/PresetsAdmin";
import { StreamingAdmin } from "@/features/admin/components/StreamingAdmin";
import { UsersAdmin } from "@/features/admin/components/UsersAdmin";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";

export function AdminPage() {
  useDocumentTitle("Admin");
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab = asked === "users" || asked === "streaming" ? asked : "presets";
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Admin</h1>
        <p className="text-muted-foreground">Transcoding presets, user accounts and who may stream.</p>
      </div>
      <Tabs value={tab} onValueChange={(value) => setParams(value === "presets" ? {} : { tab: value }, { replace: true })}>
        <TabsList>
          <TabsTrigger value="presets">
            <SlidersHorizontalIcon className="size-4" aria-hidden /> Presets
          </TabsTrigger>
          <TabsTrigger value="users">
            <UsersIcon className="size-4" aria-hidden /> Users
          </TabsTrigger>
          <TabsTrigger value="streaming">
            <RadioTowerIcon className="size-4" aria-hidden /> Streaming
          </TabsTrigger>
        </TabsList>
        <TabsContent value="presets">
          <PresetsAdmin />
        </TabsContent>
        <TabsContent value="users">
          <UsersAdmin />
        </TabsContent>
        <TabsContent value="streaming">
          <StreamingAdmin />
        </TabsContent>
      </Tabs>
    </div>
  );
}
