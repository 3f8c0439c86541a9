import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { CreatedInvite, Invite, NewInvite, SiteSettings } from "@/api/types";

const siteKeys = {
  settings: ["site-settings"] as const,
  invites: ["invites"] as const,
};

/** Who may stream, for admins. */
export function useSiteSettings() {
  return useQuery({
    queryKey: siteKeys.settings,
    queryFn: ({ signal }) => request<SiteSettings>("/admin/settings", { signal }),
  });
}

/** Changes who may stream. */
export function useUpdateSiteSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (settings: SiteSettings) => request<SiteSettings>("/admin/settings", { method: "PUT", body: settings }),
    onSuccess: (settings) => queryClient.setQueryData(siteKeys.settings, settings),
  });
}

/** Every invitation, newest first. */
export function useInvites() {
  return useQuery({
    queryKey: siteKeys.invites,
    queryFn: ({ signal }) => request<Invite[]>("/admin/invites", { signal }),
  });
}

/** Creates an invitation; its code is in the answer, once. */
export function useCreateInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewInvite) => request<CreatedInvite>("/admin/invites", { method: "POST", body }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: siteKeys.invites }),
  });
}

/** Withdraws an invitation. */
export function useDeleteInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request<void>(`/admin/invites/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: siteKeys.invites }),
  });
}
