import type { TGenreList } from "@reports/contracts";
import type { Db } from "@reports/db";

export interface ListGenresArgs {
  db: Db;
}

/** The catalogue's distinct genres, alphabetically: what the report's `genre` can usefully be. */
export async function listGenres({ db }: ListGenresArgs): Promise<TGenreList> {
  const rows = await db.prisma.album.findMany({
    distinct: ["genre"],
    select: { genre: true },
    orderBy: { genre: "asc" },
  });
  return { genres: rows.map((row) => row.genre) };
}
