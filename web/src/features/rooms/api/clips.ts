import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { ClipView, NewClip } from "@/api/types";
import { patchThenRefetch } from "@/lib/query-client";

const enc = encodeURIComponent;

const clipKeys = {
  ofRoom: (roomId: string) => ["clips", roomId] as const,
  one: (id: string) => ["clip", id] as const,
};

/** A room's clips, newest first. */
export function useClips(roomId: string) {
  return useQuery({
    queryKey: clipKeys.ofRoom(roomId),
    queryFn: ({ signal }) => request<ClipView[]>(`/rooms/${enc(roomId)}/clips`, { signal }),
  });
}

/** One clip. */
export function useClip(id: string) {
  return useQuery({
    queryKey: clipKeys.one(id),
    queryFn: ({ signal }) => request<ClipView>(`/clips/${enc(id)}`, { signal }),
  });
}

/** Where a clip is cut from: a recording (seconds into it) or the room's live stream (seconds back). */
export type ClipSource = { recordingId: string } | { liveRoomId: string };

/** Cuts a clip; the room's list is fetched again. */
export function useCutClip(roomId: string, source: ClipSource) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewClip) =>
      request<ClipView>(
        "recordingId" in source ? `/recordings/${enc(source.recordingId)}/clips` : `/rooms/${enc(source.liveRoomId)}/clips`,
        { method: "POST", body },
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: clipKeys.ofRoom(roomId) }),
  });
}

/** Deletes a clip (the room's owner or an admin). */
export function useDeleteClip(roomId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request<void>(`/clips/${enc(id)}`, { method: "DELETE" }),
    onSuccess: (_, id) => {
      patchThenRefetch<ClipView[]>(queryClient, clipKeys.ofRoom(roomId), (list) => list?.filter((c) => c.id !== id));
    },
  });
}
