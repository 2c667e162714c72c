import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/config.ts";

// The README is followed literally by newcomers, on whatever port they chose: these checks keep
// its commands runnable as written (npm-start.integration.test.ts runs the stack they talk to).

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

/** The command lines of the README's sh blocks, without comments. */
const COMMAND_LINES = [...README.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((match) => match[1]!.split("\n"))
  .map((line) => line.replace(/\s+#\s.*$/, "").trim())
  .filter((line) => line !== "" && !line.startsWith("#"));

function scriptsOf(packageJson: string): Record<string, string> {
  return (
    JSON.parse(readFileSync(join(REPO_ROOT, packageJson), "utf8")) as { scripts: Record<string, string> }
  ).scripts;
}

const WORKSPACES: Record<string, string> = {
  "@reports/local-stack": "packages/local-stack/package.json",
  "@reports/worker": "apps/worker/package.json",
  "@reports/web": "apps/web/package.json",
  "@reports/db": "packages/db/package.json",
};

describe("README", () => {
  it("has commands to check", () => {
    expect(COMMAND_LINES.length).toBeGreaterThan(10);
  });

  it("reaches the app on the port the reader chose, never on a fixed one", () => {
    for (const line of COMMAND_LINES) expect(line).not.toMatch(/(127\.0\.0\.1|localhost):\d/);
    // A shell expansion, not a template: the reader's WEB_PORT, else 3000.
    expect(COMMAND_LINES).toContain(`APP=http://127.0.0.1:\${WEB_PORT:-3000}`);
    const requests = COMMAND_LINES.filter(
      (line) => line.startsWith("curl") && !line.includes("<downloadUrl>"),
    );
    expect(requests.length).toBeGreaterThan(0);
    for (const line of requests) expect(line).toMatch(/ \$APP\//);
  });

  it("says how to choose the port next to the two commands", () => {
    const twoCommands = README.slice(
      README.indexOf("## The two commands"),
      README.indexOf("### In the browser"),
    );
    expect(twoCommands).toContain("export WEB_PORT=4300");
  });

  it("names only npm scripts that exist", () => {
    const root = scriptsOf("package.json");
    const mentioned = [...README.matchAll(/npm run (?:-s )?([\w:-]+)(?: -w (@reports\/[\w-]+))?/g)];
    expect(mentioned.length).toBeGreaterThan(5);
    for (const [text, script, workspace] of mentioned) {
      const scripts = workspace ? scriptsOf(WORKSPACES[workspace] ?? `${workspace} (unknown)`) : root;
      expect(scripts, text).toHaveProperty(script!);
    }
  });

  it("names only repository files that exist", () => {
    const paths = [...README.matchAll(/`((?:apps|packages|docs|infra)\/[\w./-]+)`/g)].map(
      (match) => match[1]!,
    );
    const commandPaths = COMMAND_LINES.flatMap(
      (line) => line.match(/\b(?:apps|packages)\/[\w./-]+\.ts\b/g) ?? [],
    );
    expect(commandPaths).toContain("apps/web/scripts/trpc-client-example.ts");
    for (const path of [...paths, ...commandPaths])
      expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
  });
});
