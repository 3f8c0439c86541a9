import { SaveIcon, Trash2Icon } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { ApiError, errorMessage } from "@/api/errors";
import type { PresetView } from "@/api/types";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { FormAlert } from "@/components/FormAlert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { useDeletePreset, useSavePreset } from "@/features/admin/api/presets";
import { draftToSpec, presetDraft, type PresetDraft } from "@/features/admin/presetDraft";
import { useToast } from "@/hooks/toast-context";
import { RenditionTable } from "./RenditionTable";

interface Errors {
  message: string | null;
  fields: Record<string, string>;
}

/** Edits one preset (or a new one when `preset` is null): every field of the spec. */
export function PresetEditor({
  preset,
  onSaved,
  onDeleted,
}: {
  preset: PresetView | null;
  onSaved: (preset: PresetView) => void;
  onDeleted: (id: string) => void;
}) {
  const [draft, setDraft] = useState<PresetDraft>(() => presetDraft(preset));
  const [errors, setErrors] = useState<Errors>({ message: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const { toast } = useToast();
  const id = useId();
  const savePreset = useSavePreset(preset?.id ?? null);
  const deletePreset = useDeletePreset();

  const patch = (change: Partial<PresetDraft>) => setDraft((d) => ({ ...d, ...change }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const { spec, errors: local } = draftToSpec(draft);
    if (Object.keys(local).length) {
      setErrors({ message: "Some fields are invalid.", fields: local });
      return;
    }
    setErrors({ message: null, fields: {} });
    setBusy(true);
    try {
      const saved = await savePreset.mutateAsync(spec);
      toast({ kind: "success", title: `Preset “${saved.name}” saved` });
      onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError) setErrors({ message: error.message, fields: error.fields });
      else setErrors({ message: errorMessage(error), fields: {} });
    } finally {
      setBusy(false);
    }
  };

  const f = errors.fields;
  return (
    <form className="space-y-5" onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          {preset ? `Edit preset “${preset.name}”` : "New preset"}
          {preset?.is_default ? <span className="ml-2 text-sm font-normal text-muted-foreground">(default)</span> : null}
        </h2>
        {preset ? (
          <ConfirmDialog
            title={`Delete preset “${preset.name}”?`}
            description="Rooms must use another preset first; the default preset cannot be deleted."
            confirmLabel="Delete preset"
            onConfirm={async () => {
              await deletePreset.mutateAsync(preset.id);
              toast({ kind: "success", title: "Preset deleted" });
              onDeleted(preset.id);
            }}
            trigger={
              <Button variant="ghost" size="sm" className="text-destructive hover:text-destructive" disabled={preset.is_default}>
                <Trash2Icon aria-hidden /> Delete preset
              </Button>
            }
          />
        ) : null}
      </div>

      <FormAlert title="The preset was not saved" message={errors.message} fields={f} />

      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Name" error={f.name} className="sm:col-span-3">
          {(p) => <Input {...p} maxLength={64} value={draft.name} onChange={(e) => patch({ name: e.target.value })} />}
        </Field>
        <Field label="Segment seconds" error={f.segment_seconds} hint="1 to 10">
          {(p) => <Input {...p} inputMode="numeric" value={draft.segment_seconds} onChange={(e) => patch({ segment_seconds: e.target.value })} />}
        </Field>
        <Field label="Window segments" error={f.window_segments} hint="2 to 60 segments in the live playlist">
          {(p) => <Input {...p} inputMode="numeric" value={draft.window_segments} onChange={(e) => patch({ window_segments: e.target.value })} />}
        </Field>
        <div className="flex items-center gap-3 self-center pt-4">
          <Switch
            id={`${id}-passthrough`}
            checked={draft.passthrough}
            aria-invalid={f.passthrough ? true : undefined}
            onCheckedChange={(checked) => patch({ passthrough: checked })}
          />
          <Label htmlFor={`${id}-passthrough`}>Passthrough (serve the source too)</Label>
        </div>
      </div>

      <fieldset className="space-y-2" aria-describedby={f.renditions ? `${id}-renditions-error` : undefined}>
        <legend className="text-sm font-medium">Renditions</legend>
        {f.renditions ? (
          <p id={`${id}-renditions-error`} className="text-xs font-medium text-destructive">
            Renditions: {f.renditions}
          </p>
        ) : null}
        <RenditionTable
          idPrefix={id}
          rows={draft.renditions}
          errors={f}
          onChange={(renditions) => {
            // Row errors are keyed by index: they no longer apply once rows move.
            if (renditions.length !== draft.renditions.length) setErrors((e) => ({ ...e, fields: {} }));
            patch({ renditions });
          }}
        />
      </fieldset>

      <div className="flex justify-end">
        <Button type="submit" disabled={busy}>
          <SaveIcon aria-hidden /> {busy ? "Saving…" : "Save preset"}
        </Button>
      </div>
    </form>
  );
}
