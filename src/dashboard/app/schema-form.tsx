/**
 * A destination's configuration form, derived from its type's JSON Schema (GET /v1/destination-types): no
 * form is written per platform. Strings are text inputs (secrets: password inputs, their masked preview
 * shown, to be entered again to change), booleans checkboxes, enums selects, objects of strings a folded
 * group of optional fields (event-name overrides). Values the schema says nothing about are not sent.
 */
import { useState } from 'preact/hooks';
import type { DestinationType, JsonSchema } from './api.js';

export type FormValues = Record<string, unknown>;

/** Words for a camelCase property name: `pixelId` → `Pixel id`. */
export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** The initial values: the current configuration's non-secret values (secrets are never sent back). */
export function initialValues(
  type: DestinationType,
  current: Record<string, unknown> | undefined,
): FormValues {
  const values: FormValues = {};
  for (const [name, prop] of Object.entries(type.configSchema.properties ?? {})) {
    if (name === 'enabled') continue;
    const value = current?.[name];
    if (prop.secret || value === undefined) continue;
    values[name] = value;
  }
  return values;
}

/** What to PUT: empty strings dropped, empty groups dropped. */
export function toConfig(
  type: DestinationType,
  values: FormValues,
  enabled: boolean | undefined,
): FormValues {
  const config: FormValues = {};
  for (const [name, prop] of Object.entries(type.configSchema.properties ?? {})) {
    const v = values[name];
    if (prop.type === 'object') {
      const group = Object.fromEntries(
        Object.entries((v as Record<string, string>) ?? {}).filter(
          ([, x]) => typeof x === 'string' && x.trim() !== '',
        ),
      );
      if (Object.keys(group).length > 0) config[name] = group;
    } else if (prop.type === 'boolean') {
      if (v === true) config[name] = true;
    } else if (typeof v === 'string' && v.trim() !== '') config[name] = v.trim();
  }
  if (enabled === false && type.configSchema.properties?.enabled) config.enabled = false;
  return config;
}

export function SchemaFields(props: {
  type: DestinationType;
  values: FormValues;
  masked?: Record<string, unknown> | undefined;
  onChange: (values: FormValues) => void;
}) {
  const schema = props.type.configSchema;
  const required = new Set(schema.required ?? []);
  const set = (name: string, value: unknown) => props.onChange({ ...props.values, [name]: value });
  const id = (name: string) => `cfg-${props.type.type}-${name}`;
  const entries = Object.entries(schema.properties ?? {}).filter(([name]) => name !== 'enabled');
  return (
    <>
      {entries.map(([name, prop]) => {
        const label = `${humanize(name)}${required.has(name) ? '' : ' (optional)'}`;
        const hintId = `${id(name)}-hint`;
        const masked = prop.secret ? props.masked?.[name] : undefined;
        const hint = [
          prop.description,
          masked ? `Saved: ${String(masked)} — enter it again to keep it or a new one to change it.` : '',
          prop.default !== undefined ? `Default: ${String(prop.default)}.` : '',
        ]
          .filter(Boolean)
          .join(' ');
        if (prop.type === 'boolean')
          return (
            <div class="field check" key={name}>
              <input
                type="checkbox"
                id={id(name)}
                aria-describedby={hint ? hintId : undefined}
                checked={props.values[name] === true}
                onChange={(e) => set(name, e.currentTarget.checked)}
              />
              <label for={id(name)}>{label}</label>
              {hint && (
                <p class="hint" id={hintId}>
                  {hint}
                </p>
              )}
            </div>
          );
        if (prop.type === 'object' && prop.properties) {
          const group = (props.values[name] as Record<string, string> | undefined) ?? {};
          return (
            <details key={name} class="group">
              <summary>{label}</summary>
              {hint && <p class="hint">{hint}</p>}
              {Object.entries(prop.properties).map(([sub, subProp]) => (
                <div class="field" key={sub}>
                  <label for={`${id(name)}-${sub}`}>{sub}</label>
                  <input
                    id={`${id(name)}-${sub}`}
                    value={group[sub] ?? ''}
                    placeholder={subProp.description ?? ''}
                    onInput={(e) => set(name, { ...group, [sub]: e.currentTarget.value })}
                  />
                </div>
              ))}
            </details>
          );
        }
        if (prop.enum)
          return (
            <div class="field" key={name}>
              <label for={id(name)}>{label}</label>
              <select
                id={id(name)}
                aria-describedby={hint ? hintId : undefined}
                value={String(props.values[name] ?? '')}
                onChange={(e) => set(name, e.currentTarget.value)}
              >
                {!required.has(name) && <option value="">(not set)</option>}
                {prop.enum.map((v) => (
                  <option key={String(v)} value={String(v)}>
                    {String(v)}
                  </option>
                ))}
              </select>
              {hint && (
                <p class="hint" id={hintId}>
                  {hint}
                </p>
              )}
            </div>
          );
        const long = (prop.maxLength ?? 0) > 4096;
        return (
          <div class="field" key={name}>
            <label for={id(name)}>{label}</label>
            {long ? (
              <textarea
                id={id(name)}
                aria-describedby={hint ? hintId : undefined}
                required={required.has(name)}
                value={String(props.values[name] ?? '')}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            ) : prop.secret ? (
              <input
                id={id(name)}
                type="password"
                autoComplete="new-password"
                aria-describedby={hint ? hintId : undefined}
                required={required.has(name)}
                maxLength={prop.maxLength}
                value={String(props.values[name] ?? '')}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            ) : (
              <input
                id={id(name)}
                type="text"
                autoComplete="off"
                aria-describedby={hint ? hintId : undefined}
                required={required.has(name)}
                maxLength={prop.maxLength}
                value={String(props.values[name] ?? '')}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            )}
            {hint && (
              <p class="hint" id={hintId}>
                {hint}
              </p>
            )}
          </div>
        );
      })}
    </>
  );
}

/** The form state of one destination type. */
export function useSchemaForm(type: DestinationType | undefined, current?: Record<string, unknown>) {
  const [values, setValues] = useState<FormValues>(() => (type ? initialValues(type, current) : {}));
  return { values, setValues };
}

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null;
}
