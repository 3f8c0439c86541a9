import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { Destination, DestinationUpdate, NewDestination } from "@/api/types";
import { patchThenRefetch } from "@/lib/query-client";

const enc = encodeURIComponent;

const destinationKeys = {
  ofRoom: (roomId: string) => ["destinations", roomId] as const,
};

/** Where the room's broadcasts are also pushed, with each one's status (polled while `pollMs`). */
export function useDestinations(roomId: string, pollMs: number | false) {
  return useQuery({
    queryKey: destinationKeys.ofRoom(roomId),
    queryFn: ({ signal }) => request<Destination[]>(`/rooms/${enc(roomId)}/destinations`, { signal }),
    refetchInterval: pollMs,
  });
}

/** Adds a restreaming destination. */
export function useAddDestination(roomId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewDestination) => request<Destination>(`/rooms/${enc(roomId)}/destinations`, { method: "POST", body }),
    onSuccess: (added) => {
      patchThenRefetch<Destination[]>(queryClient, destinationKeys.ofRoom(roomId), (list) => [...(list ?? []), added]);
    },
  });
}

/** Changes a destination: its name, URL, key, or whether it is pushed to. */
export function useUpdateDestination(roomId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: DestinationUpdate }) =>
      request<Destination>(`/rooms/${enc(roomId)}/destinations/${enc(id)}`, { method: "PATCH", body: changes }),
    onSuccess: (changed) => {
      patchThenRefetch<Destination[]>(queryClient, destinationKeys.ofRoom(roomId), (list) =>
        list?.map((d) => (d.id === changed.id ? changed : d)),
      );
    },
  });
}

export function useRemoveDestination(roomId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request<void>(`/rooms/${enc(roomId)}/destinations/${enc(id)}`, { method: "DELETE" }),
    onSuccess: (_, id) => {
      patchThenRefetch<Destination[]>(queryClient, destinationKeys.ofRoom(roomId), (list) => list?.filter((d) => d.id !== id));
    },
  });
}
