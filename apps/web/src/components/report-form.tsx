"use client";

import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import {
  EMPTY_REPORT_FORM,
  mapServerFieldErrors,
  REPORT_FORM_FIELDS,
  type ReportFormErrors,
  type ReportFormField,
  type ReportFormValues,
  validateReportForm,
} from "../lib/report-form.ts";
import { describeApiError, readApiError } from "../trpc/errors.ts";
import { useTRPC } from "../trpc/react.tsx";
import { Field } from "./form-field.tsx";
import { useRequestReport } from "./use-request-report.ts";

/**
 * The generate form. Validated with the API's own contract before sending; the server's
 * field errors land on the same fields. One attempt per form state (useRequestReport): a
 * double click or a retry after a lost response makes one report; changing a field starts
 * a new attempt.
 */
export function ReportForm() {
  const id = useId();
  const trpc = useTRPC();
  const genres = useQuery(
    trpc.catalogue.genres.queryOptions(undefined, { staleTime: Number.POSITIVE_INFINITY }),
  );
  const request = useRequestReport();
  const [values, setValues] = useState<ReportFormValues>(EMPTY_REPORT_FORM);
  // Until React has hydrated the form, a click would submit it natively (a page reload that
  // drops the input) and typed values could be reset by hydration: keep the button off.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [errors, setErrors] = useState<ReportFormErrors>({});
  const [attempted, setAttempted] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const formRef = useRef<HTMLFormElement>(null);

  function update(name: ReportFormField, value: string) {
    const next = { ...values, [name]: value };
    setValues(next);
    request.startNewAttempt();
    // After a first attempt, errors follow the input as it is corrected.
    if (attempted) {
      const result = validateReportForm(next);
      setErrors(result.ok ? {} : result.errors);
    }
  }

  function focusFirstError(found: ReportFormErrors) {
    const first = REPORT_FORM_FIELDS.find((name) => found[name]);
    if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (request.isPending) return;
    setAttempted(true);
    const result = validateReportForm(values);
    if (!result.ok) {
      setErrors(result.errors);
      setAnnouncement("The report was not requested: check the highlighted fields.");
      focusFirstError(result.errors);
      return;
    }
    setErrors({});
    try {
      // Undefined: this attempt is already on its way (a second submit in the same tick).
      if (!(await request.submit(result.parameters))) return;
      setAttempted(false);
      setAnnouncement("Report requested. It appears at the top of your reports.");
    } catch (err) {
      const info = readApiError(err);
      const fieldErrors = mapServerFieldErrors(info.fieldErrors);
      const found = Object.keys(fieldErrors).length > 0 ? fieldErrors : { form: describeApiError(err) };
      setErrors(found);
      setAnnouncement("The report was not requested.");
      focusFirstError(found);
    }
  }

  const pending = request.isPending;
  return (
    <form ref={formRef} className="report-form" onSubmit={submit} noValidate aria-describedby={`${id}-intro`}>
      <p className="muted form-intro" id={`${id}-intro`}>
        Ranks albums by a weighted rating. Every field is optional: leave them as they are for the whole
        catalogue.
      </p>
      {errors.form ? (
        <div className="notice notice-error" role="alert">
          {errors.form}
        </div>
      ) : null}
      <div className="form-grid">
        <Field id={id} name="from" label="From" hint="Ratings on or after" error={errors.from}>
          {(describedBy) => (
            <input
              id={`${id}-from`}
              name="from"
              type="date"
              value={values.from}
              onChange={(e) => update("from", e.target.value)}
              aria-invalid={errors.from ? true : undefined}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <Field id={id} name="to" label="To" hint="Ratings before" error={errors.to}>
          {(describedBy) => (
            <input
              id={`${id}-to`}
              name="to"
              type="date"
              value={values.to}
              onChange={(e) => update("to", e.target.value)}
              aria-invalid={errors.to ? true : undefined}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <Field
          id={id}
          name="genre"
          label="Genre"
          hint={genres.isError ? "Genres could not be loaded; all genres still work." : undefined}
          error={errors.genre}
        >
          {(describedBy) => (
            <select
              id={`${id}-genre`}
              name="genre"
              value={values.genre}
              onChange={(e) => update("genre", e.target.value)}
              aria-invalid={errors.genre ? true : undefined}
              aria-describedby={describedBy}
              aria-busy={genres.isPending ? true : undefined}
            >
              <option value="">{genres.isPending ? "All genres (loading list…)" : "All genres"}</option>
              {genres.data?.genres.map((genre) => (
                <option key={genre} value={genre}>
                  {genre}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id={id}
          name="minRatings"
          label="Minimum ratings"
          hint="Albums with fewer are left out"
          error={errors.minRatings}
        >
          {(describedBy) => (
            <input
              id={`${id}-minRatings`}
              name="minRatings"
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              value={values.minRatings}
              onChange={(e) => update("minRatings", e.target.value)}
              aria-invalid={errors.minRatings ? true : undefined}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <Field id={id} name="limit" label="Top N" hint="Empty = all albums" error={errors.limit}>
          {(describedBy) => (
            <input
              id={`${id}-limit`}
              name="limit"
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              placeholder="All"
              value={values.limit}
              onChange={(e) => update("limit", e.target.value)}
              aria-invalid={errors.limit ? true : undefined}
              aria-describedby={describedBy}
            />
          )}
        </Field>
      </div>
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={pending || !hydrated}
          aria-disabled={pending || !hydrated}
        >
          {pending ? "Requesting…" : "Generate report"}
        </button>
        <button
          type="button"
          className="button button-quiet"
          disabled={pending}
          onClick={() => {
            setValues(EMPTY_REPORT_FORM);
            setErrors({});
            setAttempted(false);
            request.startNewAttempt();
          }}
        >
          Reset
        </button>
        <span className="visually-hidden" role="status" aria-live="polite">
          {announcement}
        </span>
      </div>
    </form>
  );
}
