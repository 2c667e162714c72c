// Preloaded (`node --import`) into every Node.js process the local stack starts, which may
// be a plain `node server.js` without tsx, hence JavaScript. The stack gives the process a
// pipe as stdin and never writes to it: end of file means the stack is gone, even killed
// with SIGKILL (Node.js has no parent-death signal like Linux's PR_SET_PDEATHSIG), and the
// process then stops as if sent SIGTERM, with a bounded grace.
import { fstatSync } from "node:fs";
import process from "node:process";

const GRACE_MS = 15_000;

/** Only a pipe or socket from the stack counts: /dev/null or a terminal would end at once or never. */
function stdinIsPipe() {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

if (stdinIsPipe()) {
  const stdin = process.stdin;
  let orphaned = false;
  const onParentGone = () => {
    if (orphaned) return;
    orphaned = true;
    setTimeout(() => process.exit(1), GRACE_MS).unref();
    process.kill(process.pid, "SIGTERM");
  };
  stdin.on("end", onParentGone);
  stdin.on("error", onParentGone);
  stdin.resume();
  // Watching must not keep an otherwise finished process alive.
  if (typeof stdin.unref === "function") stdin.unref();
}
