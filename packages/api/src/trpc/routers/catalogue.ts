import { listGenres } from "../../services/catalogue.ts";
import { protectedProcedure, router } from "../init.ts";

/** The music catalogue, as far as report parameters need it. */
export const catalogueRouter = router({
  genres: protectedProcedure.query(({ ctx }) => listGenres({ db: ctx.db })),
});
