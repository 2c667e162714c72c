import { router } from "../../init.ts";
import { create } from "./create.ts";
import { remove } from "./delete.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { pause } from "./pause.ts";
import { resume } from "./resume.ts";
import { update } from "./update.ts";

/** Scheduled exports: thin adapters over the same service functions REST uses. */
export const schedulesRouter = router({ create, list, get, update, pause, resume, delete: remove });
