import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { Recording } from "@/api/types";
import { patchThenRefetch } from "@/lib/query-client";

const enc = encodeURIComponent;

const recordingKeys = {
  ofRoom: (roomId: string) => ["recordings", roomId] as const,
};

/** A room's recordings, newest first, polled every `pollMs`. */
export function useRecordings(roomId: string, pollMs: number) {
  return useQuery({
    queryKey: recordingKeys.ofRoom(roomId),
    queryFn: ({ signal }) => request<Recording[]>(`/rooms/${enc(roomId)}/recordings`, { signal }),
    refetchInterval: pollMs,
  });
}

/** Deletes one of the room's recordings and its file. */
export function useDeleteRecording(roomId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request<void>(`/recordings/${enc(id)}`, { method: "DELETE" }),
    onSuccess: (_, id) => {
      patchThenRefetch<Recording[]>(queryClient, recordingKeys.ofRoom(roomId), (list) => list?.filter((r) => r.id !== id));
    },
  });
}
