import type { Metadata } from "next";
import { DeadLetters } from "../../../components/admin/dead-letters.tsx";
import { requireOperator } from "../operator.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Dead letters" };

export default async function AdminDeadLettersPage() {
  await requireOperator();
  return (
    <>
      <h1>Dead-lettered messages</h1>
      <DeadLetters />
    </>
  );
}
