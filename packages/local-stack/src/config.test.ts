import { parseConfig } from "@reports/runtime";
import { describe, expect, it } from "vitest";
import { chooseWebPort, ZLocalStackEnv } from "./config.ts";
import { wantsColour } from "./protocol.ts";

describe("chooseWebPort", () => {
  const port = (env: Record<string, string>) => chooseWebPort(parseConfig(ZLocalStackEnv, env));

  it("is 3000 by default, PORT when only PORT is set, and WEB_PORT over PORT", () => {
    expect(port({})).toBe(3000);
    expect(port({ PORT: "4000" })).toBe(4000);
    expect(port({ WEB_PORT: "4300", PORT: "4000" })).toBe(4300);
    expect(port({ WEB_PORT: "0" })).toBe(0);
  });
});

describe("wantsColour", () => {
  it("colours a terminal only, unless NO_COLOR or FORCE_COLOR says otherwise", () => {
    expect(wantsColour({}, true)).toBe(true);
    expect(wantsColour({}, false)).toBe(false);
    expect(wantsColour({ CI: "true", GITHUB_ACTIONS: "true" }, false)).toBe(false);
    expect(wantsColour({ NO_COLOR: "1" }, true)).toBe(false);
    expect(wantsColour({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(wantsColour({ FORCE_COLOR: "0" }, false)).toBe(false);
  });
});
