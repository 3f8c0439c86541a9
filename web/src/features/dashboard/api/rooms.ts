import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { CreatedRoom, NewRoom, RoomUpdate, RoomView, StreamKeyView } from "@/api/types";
import { roomKeys, useRooms } from "@/features/rooms/api/rooms";

const enc = encodeURIComponent;
const OWNED_LIMIT = 200;
const OWNED_POLL_MS = 15_000;

function ownedQuery(ownerId: string) {
  return { owner_id: ownerId, limit: OWNED_LIMIT };
}

/** The rooms of one owner, polled so that going live elsewhere shows. */
export function useOwnedRooms(ownerId: string) {
  return useRooms(ownedQuery(ownerId), OWNED_POLL_MS);
}

/** Every cached room list sees `change`, then the lists are fetched again. */
function changeRoomLists(queryClient: QueryClient, change: (list: RoomView[]) => RoomView[]) {
  queryClient.setQueriesData<RoomView[]>({ queryKey: roomKeys.lists() }, (list) => (list ? change(list) : list));
  void queryClient.invalidateQueries({ queryKey: roomKeys.lists() });
}

/** Creates a room of `ownerId`; the answer carries its stream key, shown only this once. */
export function useCreateRoom(ownerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewRoom) => request<CreatedRoom>("/rooms", { method: "POST", body }),
    onSuccess: (created) => {
      queryClient.setQueryData<RoomView[]>(roomKeys.list(ownedQuery(ownerId)), (list) => [...(list ?? []), created.room]);
      void queryClient.invalidateQueries({ queryKey: roomKeys.lists() });
    },
  });
}

export function useUpdateRoom(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: RoomUpdate) => request<RoomView>(`/rooms/${enc(id)}`, { method: "PATCH", body: changes }),
    onSuccess: (updated) => {
      queryClient.setQueryData(roomKeys.detail(id), updated);
      changeRoomLists(queryClient, (list) => list.map((r) => (r.id === updated.id ? updated : r)));
    },
  });
}

/** Deletes a room; its recordings stay. */
export function useDeleteRoom() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request<void>(`/rooms/${enc(id)}`, { method: "DELETE" }),
    onSuccess: (_, id) => changeRoomLists(queryClient, (list) => list.filter((r) => r.id !== id)),
  });
}

/** A new stream key for the room; the old one stops working. Nothing cached holds keys. */
export function useRegenerateStreamKey(id: string) {
  return useMutation({
    mutationFn: () => request<StreamKeyView>(`/rooms/${enc(id)}/stream-key`, { method: "POST" }),
  });
}
