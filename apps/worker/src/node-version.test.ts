import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// One Node.js major everywhere it is named: .nvmrc (read by nvm/fnm, the GitHub workflow and
// .ci/run, which tests on it), the two images, `engines` and the Node.js types.

const read = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), "utf8");

describe("the Node.js version", () => {
  const major = read(".nvmrc").trim();

  it("is one major in .nvmrc", () => {
    expect(major).toMatch(/^\d+$/);
  });

  it.each(["apps/web/Dockerfile", "apps/worker/Dockerfile"])("is the base image of %s", (dockerfile) => {
    expect(read(dockerfile)).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${major}-[a-z-]+$`, "m"));
  });

  it("is what the workflow and .ci/run test on", () => {
    const workflow = read(".github/workflows/ci.yml");
    expect(workflow).toContain("node-version-file: .nvmrc");
    expect(workflow).not.toMatch(/^\s*node-version:/m);
    expect(read(".ci/run")).toContain("< .nvmrc");
  });

  it("is what package.json supports and types", () => {
    const pkg = JSON.parse(read("package.json")) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(pkg.devDependencies["@types/node"]).toMatch(new RegExp(`^\\^${major}\\.`));
  });
});
