import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";

// How the repository's scripts find the local stack (`npm start`) from a plain shell: its
// state folder holds `stack.env`, the resolved settings of the running stack. Kept apart
// from the package index, which the web app bundles: this module reads the file system
// relative to its own location.

/** The repository root, whatever the current directory (this file is packages/runtime/src/). */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..");

/** `LOCAL_STATE_DIR` when unset. */
export const DEFAULT_LOCAL_STATE_DIR = ".local";

/** The state folder `LOCAL_STATE_DIR` names; a relative path is taken from the repository root. */
export function resolveStateDir(localStateDir: string = DEFAULT_LOCAL_STATE_DIR): string {
  return resolve(REPO_ROOT, localStateDir);
}

/** The running stack's resolved settings in its state folder (`set -a; . <file>`). */
export function stackEnvFile(stateDir: string): string {
  return join(stateDir, "stack.env");
}

/** A path as short as it can be said from the repository root (for messages). */
export function displayPath(path: string): string {
  const fromRoot = relative(REPO_ROOT, path);
  return fromRoot.startsWith("..") || fromRoot === "" ? path : fromRoot;
}

/** Reads a dotenv file of KEY=VALUE lines (values JSON-quoted or bare); missing file = empty. */
export async function readDotenv(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const index = line.indexOf("=");
    if (index <= 0) continue;
    let value = line.slice(index + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = JSON.parse(value) as string;
    values[line.slice(0, index).trim()] = value;
  }
  return values;
}

/** Writes KEY="value" lines (JSON-quoted, so `;` and `=` in connection strings survive). */
export async function writeDotenv(path: string, values: Record<string, string>, header: string) {
  await mkdir(dirname(path), { recursive: true });
  const lines = [
    `# ${header}`,
    ...Object.entries(values).map(([key, value]) => `${key}=${JSON.stringify(value)}`),
  ];
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

type Env = Record<string, string | undefined>;

export interface ScriptEnv {
  /** The process environment over the stack's settings: a variable set in the shell wins. */
  env: Env;
  /** The settings file read (it may not exist). */
  file: string;
  /** Where a variable's value came from, for messages: "the environment" or the file. */
  sourceOf(name: string): string | undefined;
}

/**
 * What a repository script sees when run from a plain shell: the settings of the local
 * stack in the state folder `LOCAL_STATE_DIR` names (default `.local`, resolved as
 * `npm start` resolves it), under the process environment, so that the scripts also work
 * against a stack or services configured explicitly.
 */
export async function readScriptEnv(env: Env = process.env): Promise<ScriptEnv> {
  const localStateDir = env.LOCAL_STATE_DIR?.trim() || DEFAULT_LOCAL_STATE_DIR;
  const file = stackEnvFile(resolveStateDir(localStateDir));
  const stack = await readDotenv(file);
  const fromShell = (name: string) => env[name] !== undefined && env[name]?.trim() !== "";
  return {
    env: { ...stack, ...Object.fromEntries(Object.entries(env).filter(([name]) => fromShell(name))) },
    file,
    sourceOf(name) {
      if (fromShell(name)) return "the environment";
      return name in stack ? displayPath(file) : undefined;
    },
  };
}
