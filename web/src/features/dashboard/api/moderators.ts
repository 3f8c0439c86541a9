import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { Moderator } from "@/api/types";
import { patchThenRefetch } from "@/lib/query-client";

const enc = encodeURIComponent;

const moderatorKeys = {
  ofRoom: (roomId: string) => ["moderators", roomId] as const,
};

/** The chat moderators of a room. */
export function useModerators(roomId: string) {
  return useQuery({
    queryKey: moderatorKeys.ofRoom(roomId),
    queryFn: ({ signal }) => request<Moderator[]>(`/rooms/${enc(roomId)}/moderators`, { signal }),
  });
}

/** Appoints a chat moderator by username. */
export function useAddModerator(roomId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (username: string) => request<Moderator>(`/rooms/${enc(roomId)}/moderators`, { method: "POST", body: { username } }),
    onSuccess: (added) => {
      patchThenRefetch<Moderator[]>(queryClient, moderatorKeys.ofRoom(roomId), (list) => {
        const others = (list ?? []).filter((m) => m.user_id !== added.user_id);
        return [...others, added].sort((a, b) => a.username.localeCompare(b.username));
      });
    },
  });
}

export function useRemoveModerator(roomId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => request<void>(`/rooms/${enc(roomId)}/moderators/${enc(userId)}`, { method: "DELETE" }),
    onSuccess: (_, userId) => {
      patchThenRefetch<Moderator[]>(queryClient, moderatorKeys.ofRoom(roomId), (list) => list?.filter((m) => m.user_id !== userId));
    },
  });
}
