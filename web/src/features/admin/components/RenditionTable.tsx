import { PlusIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { emptyRendition, PROFILES, SPEED_PRESETS, type RenditionDraft } from "@/features/admin/presetDraft";

type TextColumn = "name" | "width" | "height" | "fps" | "video_kbps" | "audio_kbps";

const COLUMNS: { key: TextColumn; label: string; width: string; numeric: boolean; placeholder?: string }[] = [
  { key: "name", label: "Name", width: "w-28", numeric: false },
  { key: "width", label: "Width", width: "w-20", numeric: true },
  { key: "height", label: "Height", width: "w-20", numeric: true },
  { key: "fps", label: "FPS", width: "w-16", numeric: true },
  { key: "video_kbps", label: "Video kbps", width: "w-24", numeric: true },
  { key: "audio_kbps", label: "Audio kbps", width: "w-24", numeric: true, placeholder: "source" },
];

function CellError({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="mt-1 max-w-40 text-xs font-medium text-destructive">
      {message}
    </p>
  ) : null;
}

/** A table cell choosing one of a fixed list, labelled for assistive technology, with its error. */
function ChoiceCell<T extends string>({
  id,
  label,
  width,
  value,
  options,
  error,
  onChange,
}: {
  id: string;
  label: string;
  width: string;
  value: T;
  options: readonly T[];
  error?: string;
  onChange: (value: T) => void;
}) {
  return (
    <td className="px-2 py-2">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <NativeSelect
        id={id}
        className={width}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value as T)}
      >
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </NativeSelect>
      <CellError id={`${id}-error`} message={error} />
    </td>
  );
}

/** The ladder of a preset: one row per rendition, every field editable, rows added and removed. */
export function RenditionTable({
  idPrefix,
  rows,
  errors,
  onChange,
}: {
  idPrefix: string;
  rows: RenditionDraft[];
  errors: Record<string, string>;
  onChange: (rows: RenditionDraft[]) => void;
}) {
  const update = (index: number, patch: Partial<RenditionDraft>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));

  return (
    <div className="space-y-2">
      <div className="overflow-x-auto rounded-lg border">
        <table className="w-full text-sm">
          <caption className="sr-only">Renditions</caption>
          <thead className="border-b bg-muted/40">
            <tr>
              <th scope="col" className="px-2 py-2 text-left text-xs font-medium text-muted-foreground">
                #
              </th>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" className="px-2 py-2 text-left text-xs font-medium text-muted-foreground whitespace-nowrap">
                  {c.label}
                </th>
              ))}
              <th scope="col" className="px-2 py-2 text-left text-xs font-medium text-muted-foreground">
                Speed preset
              </th>
              <th scope="col" className="px-2 py-2 text-left text-xs font-medium text-muted-foreground">
                Profile
              </th>
              <th scope="col" className="px-2 py-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => {
              const n = i + 1;
              const base = `${idPrefix}-r${row.key}`;
              return (
                <tr key={row.key} className="border-b align-top last:border-0">
                  <td className="px-2 py-2 pt-4 text-muted-foreground tabular-nums">{n}</td>
                  {COLUMNS.map((c) => {
                    const field = `renditions[${i}].${c.key}`;
                    const error = errors[field];
                    const id = `${base}-${c.key}`;
                    return (
                      <td key={c.key} className="px-2 py-2">
                        <label htmlFor={id} className="sr-only">
                          Rendition {n} {c.label}
                        </label>
                        <Input
                          id={id}
                          className={c.width}
                          inputMode={c.numeric ? "numeric" : undefined}
                          placeholder={c.placeholder}
                          value={row[c.key]}
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? `${id}-error` : undefined}
                          onChange={(e) => update(i, { [c.key]: e.target.value })}
                        />
                        <CellError id={`${id}-error`} message={error} />
                      </td>
                    );
                  })}
                  <ChoiceCell
                    id={`${base}-speed`}
                    label={`Rendition ${n} speed preset`}
                    width="w-32"
                    value={row.speed_preset}
                    options={SPEED_PRESETS}
                    error={errors[`renditions[${i}].speed_preset`]}
                    onChange={(speed_preset) => update(i, { speed_preset })}
                  />
                  <ChoiceCell
                    id={`${base}-profile`}
                    label={`Rendition ${n} profile`}
                    width="w-28"
                    value={row.profile}
                    options={PROFILES}
                    error={errors[`renditions[${i}].profile`]}
                    onChange={(profile) => update(i, { profile })}
                  />
                  <td className="px-2 py-2">
                    <Button
                      variant="ghost"
                      size="icon"
                      aria-label={`Remove rendition ${n}`}
                      onClick={() => onChange(rows.filter((_, j) => j !== i))}
                    >
                      <Trash2Icon aria-hidden />
                    </Button>
                  </td>
                </tr>
              );
            })}
            {rows.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS.length + 4} className="px-3 py-4 text-center text-sm text-muted-foreground">
                  No renditions: only the source is served (passthrough).
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <Button variant="outline" size="sm" disabled={rows.length >= 8} onClick={() => onChange([...rows, emptyRendition()])}>
        <PlusIcon aria-hidden /> Add rendition
      </Button>
    </div>
  );
}
