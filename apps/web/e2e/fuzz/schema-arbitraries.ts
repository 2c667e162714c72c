import fc from "fast-check";

/**
 * The subset of JSON Schema (as the served OpenAPI 3.1 document writes the contracts) the
 * suite turns into values: objects of strings, integers, numbers, booleans and enums.
 * Anything else throws, so a contract that grows a new kind of field makes the suite say
 * it needs extending instead of silently not fuzzing it.
 */
export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
  $ref?: string;
  default?: unknown;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

export function resolveRef(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const resolved = document.components?.schemas?.[name];
  if (!resolved) throw new Error(`unresolvable $ref ${schema.$ref}`);
  return resolved;
}

/** The JSON body schema of an operation, `$ref` resolved. */
export function requestBodySchema(document: OpenApiDocument, path: string, method: string): JsonSchema {
  const schema = document.paths[path]?.[method]?.requestBody?.content["application/json"]?.schema;
  if (!schema) throw new Error(`no JSON request body for ${method.toUpperCase()} ${path}`);
  return resolveRef(document, schema);
}

/** The date window the contract allows (inclusive years); what lies outside is refused. */
export interface DateBounds {
  minYear: number;
  maxYear: number;
}

/** Well-formed text a user could type: no NUL, no lone surrogate, no surrounding blanks. */
export function plainText(minLength: number, maxLength: number): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  );
  return fc
    .string({ unit, minLength, maxLength })
    .map((text) => text.replaceAll("\u0000", "").trim())
    .filter((text) => text.length >= minLength && text.length <= maxLength && text.isWellFormed());
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function dateIn(bounds: DateBounds): fc.Arbitrary<string> {
  // Valid dates well inside the bounds, plus the bounds themselves.
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .date({
          min: new Date(Date.UTC(Math.max(bounds.minYear, 1970), 0, 1)),
          max: new Date(Date.UTC(Math.min(bounds.maxYear, 2100), 11, 31)),
          noInvalidDate: true,
        })
        .map(isoDate),
    },
    { weight: 1, arbitrary: fc.constant(`${String(bounds.minYear).padStart(4, "0")}-01-01`) },
    { weight: 1, arbitrary: fc.constant(`${String(bounds.maxYear).padStart(4, "0")}-12-31`) },
  );
}

/** Values the schema allows (and the contract's rules beyond it: bounded dates, plain text). */
export function validValue(schema: JsonSchema, bounds: DateBounds): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case "string":
      if (schema.format === "date") return dateIn(bounds);
      if (schema.format) throw new Error(`no generator for string format ${schema.format}`);
      return plainText(schema.minLength ?? 0, schema.maxLength ?? 200);
    case "integer": {
      const min = schema.minimum ?? -(2 ** 31);
      const max = schema.maximum ?? 2 ** 31 - 1;
      return fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min, max: Math.min(max, min + 1_000) }) },
        { weight: 2, arbitrary: fc.integer({ min, max }) },
        { weight: 1, arbitrary: fc.constantFrom(min, max) },
      );
    }
    case "number":
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    default:
      throw new Error(`no generator for schema type ${JSON.stringify(schema.type)}`);
  }
}

/** Strings PostgreSQL cannot store or that no person types, at lengths the schema allows. */
export const HOSTILE_TEXT = [
  "Jazz\u0000",
  "\u0000",
  "Ja\u0000zz",
  "\ud800",
  "Jazz\udfff",
  "\udc00Rock",
  "\ud83d",
  "a\ud800b\udc00",
] as const;

/** Text that is only unusual: must be handled as data (accepted where well-formed and in range). */
export const ODD_TEXT = [
  "'; DROP TABLE reports; --",
  "Rock' OR '1'='1",
  "../../../etc/passwd",
  "%00",
  "\\u0000",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup, sent as literal text
  "${jndi:ldap://x}",
  "<script>alert(1)</script>",
  '=HYPERLINK("http://x")',
  "Ｊａｚｚ",
  "\u202eevil",
  "Jazz\u200b",
  "🎷🎺",
  "ｅ́",
  "__proto__",
  "constructor",
  "\u0001\u0002\u001f",
  "\uffff",
  "\ufeffJazz",
] as const;

function wrongTypes(schema: JsonSchema): fc.Arbitrary<unknown> {
  const all: unknown[] = [null, true, false, 0, -1, 1.5, "", "10", [], [1], {}, { value: 1 }];
  return fc.constantFrom(
    ...all.filter((value) => {
      if (schema.type === "string") return typeof value !== "string";
      if (schema.type === "integer") return !(typeof value === "number" && Number.isInteger(value));
      if (schema.type === "number") return typeof value !== "number";
      if (schema.type === "boolean") return typeof value !== "boolean";
      return true;
    }),
  );
}

/** Invalid dates: not a date, not a calendar day, or a year outside the bounds. */
function invalidDates(bounds: DateBounds): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      "0000-01-01",
      "0001-01-01",
      `${String(bounds.minYear - 1).padStart(4, "0")}-12-31`,
      "2024-02-30",
      "2023-02-29",
      "2024-13-01",
      "2024-00-10",
      "2024-1-1",
      "20240101",
      "2024-01-01T00:00:00Z",
      "2024-01-01 ",
      "+02024-01-01",
      "-2024-01-01",
      "10000-01-01",
      "2024/01/01",
      "yesterday",
      "",
      "２０２４-０１-０１",
      "2024-01-01\u0000",
    ),
    fc.integer({ min: 0, max: bounds.minYear - 1 }).map((year) => `${String(year).padStart(4, "0")}-06-15`),
  );
}

/** Values the schema (or the contract's rules beyond it) refuses. */
export function invalidValue(schema: JsonSchema, bounds: DateBounds): fc.Arbitrary<unknown> {
  const arbitraries: fc.Arbitrary<unknown>[] = [wrongTypes(schema)];
  if (schema.enum) {
    arbitraries.push(fc.string({ maxLength: 20 }).filter((value) => !schema.enum!.includes(value)));
  } else if (schema.type === "string") {
    if (schema.format === "date") {
      arbitraries.push(invalidDates(bounds), invalidDates(bounds));
    } else {
      const max = schema.maxLength ?? 200;
      arbitraries.push(
        fc.constantFrom(...HOSTILE_TEXT),
        fc.constantFrom(...HOSTILE_TEXT).map((text) => `Rock ${text} Pop`),
        fc.integer({ min: max + 1, max: max + 2_000 }).map((length) => "x".repeat(length)),
        // Blank: the contract trims before counting.
        fc.constantFrom("", " ", "\t\n", "\u3000"),
      );
    }
  } else if (schema.type === "integer" || schema.type === "number") {
    const min = schema.minimum;
    const max = schema.maximum;
    const outside: number[] = [1e21, -1e21, Number.MAX_SAFE_INTEGER + 2];
    if (min !== undefined) outside.push(min - 1, min - 1_000, min - 0.5);
    if (max !== undefined) outside.push(max + 1, max * 10);
    if (schema.type === "integer") outside.push((min ?? 0) + 0.5, 2.000001);
    const isOutside = (n: number) =>
      (schema.type === "integer" && !Number.isInteger(n)) ||
      (min !== undefined && n < min) ||
      (max !== undefined && n > max);
    arbitraries.push(fc.constantFrom(...outside.filter(isOutside)));
  }
  return fc.oneof(...arbitraries);
}

/** An object of the schema's properties, each present or not, all valid. */
export function validObject(
  schema: JsonSchema,
  bounds: DateBounds,
  /** Properties whose valid values the schema alone does not say (a genre must be the catalogue's). */
  overrides: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    record[name] = overrides[name] ?? validValue(property, bounds);
  }
  return fc.record(record, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}
