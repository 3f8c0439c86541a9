import { useState, type FormEvent } from "react";
import type { NewRoom, PresetView, RoomUpdate, RoomView } from "@/api/types";
import { FormAlert } from "@/components/FormAlert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import { useFormErrors } from "@/hooks/useFormErrors";

/** What the form asks for; the page that opens it sends it and reacts to the answer. */
type Props =
  | { mode: "create"; room?: undefined; onSubmit: (room: NewRoom) => Promise<unknown> }
  | { mode: "edit"; room: RoomView; onSubmit: (changes: RoomUpdate) => Promise<unknown> };

/** The form inside the dialog; mounted fresh each time the dialog opens. */
function RoomForm({ presets, onDone, ...props }: Props & { presets: PresetView[] | undefined; onDone: () => void }) {
  const room = props.room;
  const [title, setTitle] = useState(room?.title ?? "");
  const [description, setDescription] = useState(room?.description ?? "");
  const [presetId, setPresetId] = useState(room?.preset_id ?? "");
  const [chatEnabled, setChatEnabled] = useState(room?.chat_enabled ?? true);
  const [retentionDays, setRetentionDays] = useState(room?.retention_days ? String(room.retention_days) : "");
  const [busy, setBusy] = useState(false);
  const { errors, fail, clear } = useFormErrors();
  const defaultPreset = presets?.find((p) => p.is_default);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    clear();
    setBusy(true);
    try {
      if (props.mode === "create") {
        await props.onSubmit({
          title,
          description,
          chat_enabled: chatEnabled,
          ...(presetId ? { preset_id: presetId } : {}),
          ...(retentionDays ? { retention_days: Number(retentionDays) } : {}),
        });
      } else {
        const changes: RoomUpdate = {};
        if (title !== props.room.title) changes.title = title;
        if (description !== props.room.description) changes.description = description;
        if (presetId && presetId !== props.room.preset_id) changes.preset_id = presetId;
        if (chatEnabled !== props.room.chat_enabled) changes.chat_enabled = chatEnabled;
        const retention = retentionDays ? Number(retentionDays) : 0;
        if (retention !== (props.room.retention_days ?? 0)) changes.retention_days = retention;
        await props.onSubmit(changes);
      }
      onDone();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <FormAlert message={errors.message} fields={errors.fields} />
      <Field label="Title" error={errors.fields.title}>
        {(p) => <Input {...p} required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />}
      </Field>
      <Field label="Description" error={errors.fields.description}>
        {(p) => <Textarea {...p} maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <Field label="Preset" error={errors.fields.preset_id} hint="The transcoding ladder; a change applies from the next broadcast.">
        {(p) => (
          <NativeSelect {...p} value={presetId} onChange={(e) => setPresetId(e.target.value)}>
            {props.mode === "create" ? (
              <option value="">Default{defaultPreset ? ` (${defaultPreset.name})` : ""}</option>
            ) : null}
            {presets?.map((preset) => (
              <option key={preset.id} value={preset.id}>
                {preset.name}
                {preset.is_default ? " (default)" : ""}
              </option>
            ))}
            {props.mode === "edit" && !presets?.some((p2) => p2.id === presetId) ? <option value={presetId}>Current preset</option> : null}
          </NativeSelect>
        )}
      </Field>
      <Field label="Keep replays and clips for (days)" error={errors.fields.retention_days} hint="Older ones are removed; leave empty to keep them.">
        {(p) => (
          <Input
            {...p}
            type="number"
            inputMode="numeric"
            min={0}
            max={3650}
            placeholder="Keep"
            value={retentionDays}
            onChange={(e) => setRetentionDays(e.target.value)}
          />
        )}
      </Field>
      <Field label="Chat enabled" error={errors.fields.chat_enabled} className="flex items-center gap-3 [&>label]:order-2">
        {(p) => <Switch {...p} checked={chatEnabled} onCheckedChange={setChatEnabled} />}
      </Field>
      <DialogFooter>
        <Button variant="outline" onClick={onDone} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" disabled={busy}>
          {props.mode === "create" ? (busy ? "Creating…" : "Create room") : busy ? "Saving…" : "Save changes"}
        </Button>
      </DialogFooter>
    </form>
  );
}

/** Create or edit a room in a dialog. */
export function RoomFormDialog({
  open,
  onOpenChange,
  presets,
  ...props
}: Props & { open: boolean; onOpenChange: (open: boolean) => void; presets: PresetView[] | undefined }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{props.mode === "create" ? "New room" : "Edit room"}</DialogTitle>
          <DialogDescription>
            {props.mode === "create"
              ? "A room has a page, a chat and its own stream key."
              : "Changes are visible to viewers at once; a new preset applies from the next broadcast."}
          </DialogDescription>
        </DialogHeader>
        {open ? <RoomForm {...props} presets={presets} onDone={() => onOpenChange(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}
