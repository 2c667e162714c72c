import { createOpenApiDocument } from "@reports/contracts/openapi";
import Markdown from "markdown-to-jsx/react";
import type { ReactNode } from "react";

// The document is plain JSON; this page walks it generically.
type Json = Record<string, unknown>;
type SchemaNode = Json & { $ref?: string };

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;

function asRecord(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

function refName(ref: string): string {
  return ref.replace("#/components/schemas/", "");
}

function anchorFor(name: string): string {
  return `schema-${name}`;
}

/**
 * A description of the OpenAPI document: CommonMark, as OpenAPI specifies (`code`, links,
 * emphasis), rendered to elements, never as raw HTML.
 */
function Description({ text, block = false }: { text: unknown; block?: boolean }) {
  if (typeof text !== "string" || text === "") return null;
  const markdown = <Markdown options={{ forceInline: true, disableParsingRawHTML: true }}>{text}</Markdown>;
  return block ? <p>{markdown}</p> : markdown;
}

function constraints(schema: Json): string[] {
  const notes: string[] = [];
  if (typeof schema.format === "string") notes.push(`format: ${schema.format}`);
  if (schema.minimum !== undefined) notes.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) notes.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) notes.push(`min length ${schema.minLength}`);
  if (schema.maxLength !== undefined) notes.push(`max length ${schema.maxLength}`);
  if (typeof schema.pattern === "string") notes.push(`pattern ${schema.pattern}`);
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.additionalProperties === false) notes.push("no other fields");
  return notes;
}

function typeLabel(schema: SchemaNode): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return <a href={`#${anchorFor(name)}`}>{name}</a>;
  }
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const variants = (schema.anyOf ?? schema.oneOf) as SchemaNode[] | undefined;
  if (Array.isArray(variants)) {
    return variants.map((variant, index) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: variants have no identity of their own
      <span key={index}>
        {index > 0 ? " | " : null}
        {typeLabel(variant)}
      </span>
    ));
  }
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : String(schema.type ?? "any");
  if (type === "array") return <>array of {typeLabel(asRecord(schema.items))}</>;
  return type;
}

function SchemaView({ schema }: { schema: SchemaNode }) {
  const properties = asRecord(schema.properties);
  const names = Object.keys(properties);
  if (schema.$ref || names.length === 0) {
    const notes = constraints(schema);
    return (
      <p>
        <code>{typeLabel(schema)}</code>
        {notes.length > 0 ? <span className="muted"> ({notes.join(", ")})</span> : null}
      </p>
    );
  }
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return (
    <table>
      <thead>
        <tr>
          <th>Field</th>
          <th>Type</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const property = asRecord(properties[name]) as SchemaNode;
          const notes = constraints(property);
          return (
            <tr key={name}>
              <td>
                <code>{name}</code>
                {required.has(name) ? null : <span className="muted"> (optional)</span>}
              </td>
              <td>
                <code>{typeLabel(property)}</code>
                {notes.length > 0 ? <div className="muted">{notes.join(", ")}</div> : null}
              </td>
              <td>
                <Description text={property.description} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ContentView({ content }: { content: unknown }) {
  return (
    <>
      {Object.entries(asRecord(content)).map(([mediaType, media]) => (
        <div key={mediaType}>
          <div className="muted">
            <code>{mediaType}</code>
          </div>
          <SchemaView schema={asRecord(asRecord(media).schema)} />
        </div>
      ))}
    </>
  );
}

function OperationView({ path, method, operation }: { path: string; method: string; operation: Json }) {
  const parameters = (Array.isArray(operation.parameters) ? operation.parameters : []) as Json[];
  const requestBody = asRecord(operation.requestBody);
  const responses = asRecord(operation.responses);
  const open = Array.isArray(operation.security) && operation.security.length === 0;
  return (
    <section className="operation" id={String(operation.operationId ?? `${method}-${path}`)}>
      <h3>
        <span className={`method method-${method}`}>{method.toUpperCase()}</span>
        <code>{path}</code>
      </h3>
      <p>
        <strong>{String(operation.summary ?? "")}</strong>
        {open ? (
          <span className="muted"> — no authentication</span>
        ) : (
          <span className="muted"> — bearer token</span>
        )}
      </p>
      <Description text={operation.description} block />
      {parameters.length > 0 ? (
        <>
          <h4>Parameters</h4>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>In</th>
                <th>Type</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {parameters.map((parameter) => {
                const schema = asRecord(parameter.schema) as SchemaNode;
                const notes = constraints(schema);
                return (
                  <tr key={`${parameter.in}-${parameter.name}`}>
                    <td>
                      <code>{String(parameter.name)}</code>
                      {parameter.required ? null : <span className="muted"> (optional)</span>}
                    </td>
                    <td>{String(parameter.in)}</td>
                    <td>
                      <code>{typeLabel(schema)}</code>
                      {notes.length > 0 ? <div className="muted">{notes.join(", ")}</div> : null}
                    </td>
                    <td>
                      <Description text={parameter.description ?? schema.description} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
      {requestBody.content ? (
        <>
          <h4>Request body{requestBody.required ? "" : " (optional)"}</h4>
          <Description text={requestBody.description} block />
          <ContentView content={requestBody.content} />
        </>
      ) : null}
      <h4>Responses</h4>
      {Object.entries(responses).map(([status, value]) => {
        const response = asRecord(value);
        const headers = Object.keys(asRecord(response.headers));
        return (
          <div key={status}>
            <p>
              <span className="status">{status}</span> <Description text={response.description} />
              {headers.length > 0 ? (
                <span className="muted">
                  {" "}
                  — headers:{" "}
                  {headers.map((header) => (
                    <code key={header}>{header} </code>
                  ))}
                </span>
              ) : null}
            </p>
            {response.content ? <ContentView content={response.content} /> : null}
          </div>
        );
      })}
    </section>
  );
}

/**
 * The OpenAPI document as a readable page, rendered on the server (no scripts, no CDN). The
 * examples use `origin`, where the reader reached the app.
 */
export function ApiDocs({ origin }: { origin: string }) {
  const document = JSON.parse(JSON.stringify(createOpenApiDocument())) as Json;
  const info = asRecord(document.info);
  const paths = asRecord(document.paths);
  const schemas = asRecord(asRecord(document.components).schemas);
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => asRecord(item)[method]).map((method) => ({
      path,
      method,
      operation: asRecord(asRecord(item)[method]),
    })),
  );
  return (
    <main>
      <h1>{String(info.title)}</h1>
      <p className="muted">
        Version {String(info.version)} · OpenAPI {String(document.openapi)} ·{" "}
        <a href="/openapi.json">openapi.json</a>
      </p>
      <Description text={info.description} block />
      <h2>Authentication</h2>
      <p>
        Send <code>Authorization: Bearer &lt;token&gt;</code>. On the local stack,{" "}
        <code>npm run token -- --user alice</code> prints a development token.
      </p>
      <h2>Quick start</h2>
      <pre>
        {`TOKEN=$(npm run -s token -- --user alice | tail -n 1)
curl -i -X POST ${origin}/reports/popularity \\
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  -H "Idempotency-Key: jazz-top-100" \\
  -d '{"genre":"Jazz","minRatings":5,"limit":100}'
# 202 Accepted, Location: /reports/<id>, Retry-After: 2 (the same key again: the same report)
curl -s ${origin}/reports/<id> -H "Authorization: Bearer $TOKEN"
# ... until "status":"Completed", then download the CSV from "downloadUrl"`}
      </pre>
      <nav className="toc" aria-label="Operations">
        <h2>Operations</h2>
        <ul>
          {operations.map(({ path, method, operation }) => (
            <li key={`${method} ${path}`}>
              <a href={`#${String(operation.operationId ?? `${method}-${path}`)}`}>
                {method.toUpperCase()} {path}
              </a>{" "}
              <span className="muted">— {String(operation.summary ?? "")}</span>
            </li>
          ))}
        </ul>
      </nav>
      {operations.map(({ path, method, operation }) => (
        <OperationView key={`${method} ${path}`} path={path} method={method} operation={operation} />
      ))}
      <h2>Schemas</h2>
      {Object.entries(schemas).map(([name, schema]) => (
        <section key={name} id={anchorFor(name)}>
          <h3>{name}</h3>
          <Description text={asRecord(schema).description} block />
          <SchemaView schema={asRecord(schema)} />
        </section>
      ))}
    </main>
  );
}
