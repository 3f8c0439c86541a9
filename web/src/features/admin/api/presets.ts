import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { PresetSpec, PresetView } from "@/api/types";
import { patchThenRefetch } from "@/lib/query-client";

const enc = encodeURIComponent;

const presetKeys = {
  all: ["presets"] as const,
};

/** Every transcoding preset (streamers pick one per room, admins edit them). */
export function usePresets() {
  return useQuery({
    queryKey: presetKeys.all,
    queryFn: ({ signal }) => request<PresetView[]>("/presets", { signal }),
  });
}

/** Creates a preset (`id` null) or replaces one. */
export function useSavePreset(id: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (spec: PresetSpec) =>
      id === null
        ? request<PresetView>("/presets", { method: "POST", body: spec })
        : request<PresetView>(`/presets/${enc(id)}`, { method: "PUT", body: spec }),
    onSuccess: (saved) => {
      patchThenRefetch<PresetView[]>(queryClient, presetKeys.all, (list) => {
        const all = list ?? [];
        return all.some((p) => p.id === saved.id) ? all.map((p) => (p.id === saved.id ? saved : p)) : [...all, saved];
      });
    },
  });
}

/** Deletes a preset no room uses (never the default). */
export function useDeletePreset() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request<void>(`/presets/${enc(id)}`, { method: "DELETE" }),
    onSuccess: (_, id) => {
      patchThenRefetch<PresetView[]>(queryClient, presetKeys.all, (list) => list?.filter((p) => p.id !== id));
    },
  });
}
