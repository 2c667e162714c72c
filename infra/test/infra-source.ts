// Reads infra/ as text: nothing on the development machines can compile Bicep (CI does, see
// .github/workflows/ci.yml), so the consistency tests look at the declarations themselves.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

export const INFRA_DIR = fileURLToPath(new URL("../", import.meta.url));
export const REPO_ROOT = path.resolve(INFRA_DIR, "..");

/** Every .bicep file under infra/, keyed by its path relative to infra/ with forward slashes. */
export function readBicepFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(INFRA_DIR, { recursive: true, encoding: "utf8" })) {
    if (entry.endsWith(".bicep") && !entry.includes("node_modules")) {
      files.set(entry.split(path.sep).join("/"), readFileSync(path.join(INFRA_DIR, entry), "utf8"));
    }
  }
  return files;
}

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(REPO_ROOT, relative), "utf8");
}

export function readRepoYaml(relative: string): unknown {
  return parseYaml(readRepoFile(relative));
}

export interface BicepParam {
  name: string;
  type: string;
  /** The default value's source text, when the parameter has one. */
  defaultText?: string;
  /** The decorators right above the declaration, e.g. `@maxValue(585000)`. */
  decorators: string[];
}

/** The `param` declarations of a Bicep file with their decorators and defaults. */
export function readParams(bicep: string): Map<string, BicepParam> {
  const params = new Map<string, BicepParam>();
  let decorators: string[] = [];
  for (const rawLine of bicep.split("\n")) {
    const line = rawLine.trim();
    if (line.startsWith("@")) {
      decorators.push(line);
      continue;
    }
    const match = /^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+))?$/.exec(line);
    if (match) {
      const [, name, type, defaultText] = match;
      params.set(name!, { name: name!, type: type!, defaultText: defaultText?.trim(), decorators });
    }
    if (line !== "") decorators = [];
  }
  return params;
}

/** The numeric argument of a decorator such as `@maxValue(585000)`, if present. */
export function decoratorNumber(param: BicepParam | undefined, decorator: string): number | undefined {
  const found = param?.decorators.find((d) => d.startsWith(`@${decorator}(`));
  return found === undefined ? undefined : Number(/\((-?\d+)\)/.exec(found)?.[1]);
}

/** The values of an `@allowed([...])` decorator (numbers or quoted strings). */
export function allowedValues(param: BicepParam | undefined): Array<string | number> {
  const found = param?.decorators.find((d) => d.startsWith("@allowed("));
  if (found === undefined) return [];
  const inner = /\[(.*)\]/.exec(found)?.[1] ?? "";
  return inner
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => (v.startsWith("'") ? v.slice(1, -1) : Number(v)));
}

export interface EnvEntry {
  name: string;
  /** The Bicep expression of the value, e.g. `'production'` or `string(port)`. */
  value: string;
}

/** The `{ name: 'UPPER_CASE', value: ... }` environment entries of a Container App or job. */
export function readEnvEntries(bicep: string): EnvEntry[] {
  return [...bicep.matchAll(/\{\s*name:\s*'([A-Z][A-Z0-9_]*)',\s*value:\s*(.+?)\s*\}/g)].map((match) => ({
    name: match[1]!,
    value: match[2]!,
  }));
}

/** The API version of every declaration of a resource type, e.g. 'Microsoft.App/containerApps'. */
export function apiVersions(bicep: string, resourceType: string): string[] {
  const escaped = resourceType.replace(/[./]/g, (c) => `\\${c}`);
  return [...bicep.matchAll(new RegExp(`'${escaped}@([\\w-]+)'`, "g"))].map((match) => match[1]!);
}

/** A Bicep string literal's value ('a\'b' -> a'b), or undefined when the text is an expression. */
export function stringLiteral(text: string | undefined): string | undefined {
  const match = /^'((?:[^'\\]|\\.)*)'$/.exec(text?.trim() ?? "");
  return match ? match[1]!.replace(/\\(.)/g, "$1") : undefined;
}
