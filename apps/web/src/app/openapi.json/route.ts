import { createOpenApiDocument } from "@reports/contracts/openapi";

// GET /openapi.json – the OpenAPI 3.1 document, generated from the zod contracts
export function GET(): Response {
  return Response.json(createOpenApiDocument());
}
