/**
 * Writes the API types the web app uses from the documents the server generates:
 *   src/api/openapi.json              → src/api/schema.d.ts        (openapi-typescript)
 *   ../docs/chat-protocol.schema.json → src/api/chat-protocol.d.ts (json-schema-to-typescript)
 *
 * `node scripts/gen-api.mjs` writes them; `--check` writes nothing and fails when a committed file
 * differs from what its document gives today (someone changed the document and forgot to
 * regenerate, or edited the output by hand). A missing document is skipped when writing, with a
 * warning, and is a failure when checking.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";
import openapiTS, { astToString } from "openapi-typescript";

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function banner(source) {
  return `/* Generated from ${source} by \`npm run gen:api\` (web/scripts/gen-api.mjs). Do not edit. */\n`;
}

/**
 * The schema with every `$ref` that has sibling keywords (JSON Schema 2020-12 allows them; the
 * server's `message` frame is `MessageView` plus its `type` tag) spelled as `allOf`, the form
 * json-schema-to-typescript reads: it ignores a `$ref`'s siblings.
 */
function refsWithSiblingsAsAllOf(node) {
  if (Array.isArray(node)) return node.map(refsWithSiblingsAsAllOf);
  if (!node || typeof node !== "object") return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, refsWithSiblingsAsAllOf(v)]));
  const { $ref, description, ...siblings } = out;
  if ($ref === undefined || Object.keys(siblings).length === 0) return out;
  return { ...(description === undefined ? {} : { description }), allOf: [{ $ref }, siblings] };
}

const OUTPUTS = [
  {
    source: "src/api/openapi.json",
    output: "src/api/schema.d.ts",
    generate: async (file) => astToString(await openapiTS(JSON.parse(readFileSync(file, "utf8")))),
  },
  {
    source: "../docs/chat-protocol.schema.json",
    output: "src/api/chat-protocol.d.ts",
    generate: (file) => {
      const schema = refsWithSiblingsAsAllOf(JSON.parse(readFileSync(file, "utf8")));
      return compile(schema, schema.title ?? "ChatProtocol", { bannerComment: "", additionalProperties: false, cwd: dirname(file) });
    },
  },
];

const check = process.argv.includes("--check");
let failed = false;
for (const { source, output, generate } of OUTPUTS) {
  const sourcePath = resolve(WEB_DIR, source);
  const outputPath = resolve(WEB_DIR, output);
  const name = relative(WEB_DIR, outputPath);
  if (!existsSync(sourcePath)) {
    console.error(`${check ? "error" : "warning"}: ${source} does not exist, so ${name} was not ${check ? "checked" : "generated"}`);
    failed ||= check;
    continue;
  }
  const text = banner(source.replace(/^\.\.\//, "")) + (await generate(sourcePath));
  if (!check) {
    writeFileSync(outputPath, text);
    console.log(`wrote ${name}`);
  } else if (!existsSync(outputPath) || readFileSync(outputPath, "utf8") !== text) {
    console.error(`error: ${name} is stale: run \`npm --prefix web run gen:api\` and commit the result`);
    failed = true;
  } else {
    console.log(`${name} is up to date`);
  }
}
process.exit(failed ? 1 : 0);
