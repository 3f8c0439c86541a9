import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { User, UserChanges } from "@/api/types";
import { patchThenRefetch } from "@/lib/query-client";

const userKeys = {
  all: ["users"] as const,
};

/** Every account, for admins. */
export function useUsers() {
  return useQuery({
    queryKey: userKeys.all,
    queryFn: ({ signal }) => request<User[]>("/admin/users", { signal }),
  });
}

/** Changes an account's role or whether it may log in. */
export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: UserChanges }) =>
      request<User>(`/admin/users/${encodeURIComponent(id)}`, { method: "PATCH", body: changes }),
    onSuccess: (updated) => {
      patchThenRefetch<User[]>(queryClient, userKeys.all, (list) => list?.map((u) => (u.id === updated.id ? updated : u)));
    },
  });
}
