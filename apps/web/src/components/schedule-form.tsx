"use client";

import { nextOccurrence } from "@reports/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import {
  browserTimeZone,
  checkRecurrence,
  emptyScheduleForm,
  formatInZone,
  mapScheduleFieldErrors,
  SCHEDULE_FORM_FIELDS,
  type ScheduleFormErrors,
  type ScheduleFormField,
  type ScheduleFormValues,
  type ScheduleFrequency,
  timeZoneOptions,
  validateScheduleForm,
  WEEKDAY_OPTIONS,
} from "../lib/schedule-form.ts";
import { describeApiError, readApiError } from "../trpc/errors.ts";
import { useTRPC } from "../trpc/react.tsx";
import { Field } from "./form-field.tsx";

const FREQUENCIES: ReadonlyArray<{ value: ScheduleFrequency; label: string }> = [
  { value: "daily", label: "Every day" },
  { value: "weekly", label: "Every week" },
  { value: "monthly", label: "Every month" },
  { value: "cron", label: "Custom (cron)" },
];

/** When the form's recurrence fires next, in its time zone; undefined while it is not valid. */
function previewNextRun(values: ScheduleFormValues): string | undefined {
  const checked = checkRecurrence(values);
  if (!checked) return undefined;
  const { cron, timeZone } = checked;
  const next = nextOccurrence(cron, timeZone, new Date());
  return next ? `${formatInZone(next.toISOString(), timeZone)} (${timeZone})` : undefined;
}

/**
 * The new-schedule form: a name, a recurrence (a preset or a cron expression) in a time zone
 * (the browser's by default), and the report's parameters. A recurring report has no fixed
 * date window: each occurrence reports on the whole catalogue as it is then. Validated with
 * the API's own contract before sending; the server's field errors land on the same fields.
 */
export function ScheduleForm({ onCreated }: { onCreated?: (name: string) => void }) {
  const id = useId();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const genres = useQuery(
    trpc.catalogue.genres.queryOptions(undefined, { staleTime: Number.POSITIVE_INFINITY }),
  );
  const create = useMutation(
    trpc.schedules.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.schedules.list.pathKey() }),
    }),
  );
  // The browser's zone is known only after hydration; the server renders UTC.
  const [values, setValues] = useState<ScheduleFormValues>(() => emptyScheduleForm("UTC"));
  const [zones, setZones] = useState<string[]>(["UTC"]);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => {
    setZones(timeZoneOptions());
    setValues((current) => ({ ...current, timeZone: browserTimeZone() }));
    setHydrated(true);
  }, []);
  const [errors, setErrors] = useState<ScheduleFormErrors>({});
  const [attempted, setAttempted] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const formRef = useRef<HTMLFormElement>(null);
  const nextRun = useMemo(() => (hydrated ? previewNextRun(values) : undefined), [values, hydrated]);

  function update<K extends keyof ScheduleFormValues>(name: K, value: ScheduleFormValues[K]) {
    const next = { ...values, [name]: value };
    setValues(next);
    if (attempted) {
      const result = validateScheduleForm(next);
      setErrors(result.ok ? {} : result.errors);
    }
  }

  function focusFirstError(found: ScheduleFormErrors) {
    const first = SCHEDULE_FORM_FIELDS.find((name) => found[name]);
    if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    setAttempted(true);
    const result = validateScheduleForm(values);
    if (!result.ok) {
      setErrors(result.errors);
      setAnnouncement("The schedule was not created: check the highlighted fields.");
      focusFirstError(result.errors);
      return;
    }
    setErrors({});
    try {
      const schedule = await create.mutateAsync(result.input);
      setAttempted(false);
      setValues(emptyScheduleForm(values.timeZone));
      setAnnouncement(`Schedule “${schedule.name}” created. It appears in your schedules.`);
      onCreated?.(schedule.name);
    } catch (err) {
      const found = mapScheduleFieldErrors(readApiError(err).fieldErrors);
      const shown = Object.keys(found).length > 0 ? found : { form: describeApiError(err) };
      setErrors(shown);
      setAnnouncement("The schedule was not created.");
      focusFirstError(shown);
    }
  }

  const field = (name: ScheduleFormField) => ({
    id: `${id}-${name}`,
    name,
    "aria-invalid": errors[name] ? true : undefined,
  });
  const pending = create.isPending;
  return (
    <form
      ref={formRef}
      className="schedule-form"
      onSubmit={submit}
      noValidate
      aria-describedby={`${id}-intro`}
    >
      <p className="muted form-intro" id={`${id}-intro`}>
        Creates a popularity report at every occurrence, over the catalogue as it is then. Reports made by a
        schedule appear in your reports, marked as scheduled.
      </p>
      {errors.form ? (
        <div className="notice notice-error" role="alert">
          {errors.form}
        </div>
      ) : null}
      <div className="form-grid">
        <Field id={id} name="name" label="Name" error={errors.name}>
          {(describedBy) => (
            <input
              {...field("name")}
              type="text"
              maxLength={100}
              placeholder="Weekly jazz top 100"
              value={values.name}
              onChange={(e) => update("name", e.target.value)}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <div className="field">
          <label htmlFor={`${id}-frequency`}>Repeat</label>
          <select
            id={`${id}-frequency`}
            name="frequency"
            value={values.frequency}
            onChange={(e) => update("frequency", e.target.value as ScheduleFrequency)}
          >
            {FREQUENCIES.map((frequency) => (
              <option key={frequency.value} value={frequency.value}>
                {frequency.label}
              </option>
            ))}
          </select>
        </div>
        {values.frequency === "weekly" ? (
          <Field id={id} name="dayOfWeek" label="On" error={errors.dayOfWeek}>
            {(describedBy) => (
              <select
                {...field("dayOfWeek")}
                value={values.dayOfWeek}
                onChange={(e) => update("dayOfWeek", e.target.value as ScheduleFormValues["dayOfWeek"])}
                aria-describedby={describedBy}
              >
                {WEEKDAY_OPTIONS.map((day) => (
                  <option key={day.value} value={day.value}>
                    {day.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {values.frequency === "monthly" ? (
          <Field id={id} name="dayOfMonth" label="On day" hint="1 to 28" error={errors.dayOfMonth}>
            {(describedBy) => (
              <input
                {...field("dayOfMonth")}
                type="number"
                inputMode="numeric"
                min={1}
                max={28}
                step={1}
                value={values.dayOfMonth}
                onChange={(e) => update("dayOfMonth", e.target.value)}
                aria-describedby={describedBy}
              />
            )}
          </Field>
        ) : null}
        {values.frequency === "cron" ? (
          <Field
            id={id}
            name="expression"
            label="Cron expression"
            hint="minute hour day month weekday; at most hourly"
            error={errors.expression}
          >
            {(describedBy) => (
              <input
                {...field("expression")}
                type="text"
                spellCheck={false}
                autoComplete="off"
                value={values.expression}
                onChange={(e) => update("expression", e.target.value)}
                aria-describedby={describedBy}
              />
            )}
          </Field>
        ) : (
          <Field id={id} name="time" label="At" error={errors.time}>
            {(describedBy) => (
              <input
                {...field("time")}
                type="time"
                step={60}
                value={values.time}
                onChange={(e) => update("time", e.target.value)}
                aria-describedby={describedBy}
              />
            )}
          </Field>
        )}
        <Field id={id} name="timeZone" label="Time zone" error={errors.timeZone}>
          {(describedBy) => (
            <select
              {...field("timeZone")}
              value={values.timeZone}
              onChange={(e) => update("timeZone", e.target.value)}
              aria-describedby={describedBy}
            >
              {(zones.includes(values.timeZone) ? zones : [values.timeZone, ...zones]).map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replaceAll("_", " ")}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={id} name="genre" label="Genre" error={errors.genre}>
          {(describedBy) => (
            <select
              {...field("genre")}
              value={values.genre}
              onChange={(e) => update("genre", e.target.value)}
              aria-describedby={describedBy}
            >
              <option value="">All genres</option>
              {genres.data?.genres.map((genre) => (
                <option key={genre} value={genre}>
                  {genre}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={id} name="minRatings" label="Minimum ratings" error={errors.minRatings}>
          {(describedBy) => (
            <input
              {...field("minRatings")}
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              value={values.minRatings}
              onChange={(e) => update("minRatings", e.target.value)}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <Field id={id} name="limit" label="Top N" hint="Empty = all albums" error={errors.limit}>
          {(describedBy) => (
            <input
              {...field("limit")}
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              placeholder="All"
              value={values.limit}
              onChange={(e) => update("limit", e.target.value)}
              aria-describedby={describedBy}
            />
          )}
        </Field>
      </div>
      <p className="muted schedule-preview" data-testid="schedule-next-run">
        {nextRun ? `First report: ${nextRun}` : "\u00a0"}
      </p>
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={pending || !hydrated}
          aria-disabled={pending || !hydrated}
        >
          {pending ? "Creating…" : "Create schedule"}
        </button>
        <span className="visually-hidden" role="status" aria-live="polite">
          {announcement}
        </span>
      </div>
    </form>
  );
}

/**
 * "New schedule": the form opens on demand, so the dashboard stays short (and its labels do
 * not repeat the generate form's until asked for), and closes once a schedule is created.
 */
export function NewSchedule() {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState("");
  return (
    <div className="new-schedule">
      <div className="form-actions">
        <button
          type="button"
          className="button"
          aria-expanded={open}
          aria-controls={`${id}-form`}
          onClick={() => {
            setOpen((current) => !current);
            setCreated("");
          }}
        >
          {open ? "Close" : "New schedule…"}
        </button>
        <span className="muted" role="status">
          {created ? `Schedule “${created}” created.` : ""}
        </span>
      </div>
      {open ? (
        <div className="card schedule-form-card" id={`${id}-form`}>
          <h3>New schedule</h3>
          <ScheduleForm
            onCreated={(name) => {
              setCreated(name);
              setOpen(false);
            }}
          />
        </div>
      ) : null}
    </div>
  );
}
