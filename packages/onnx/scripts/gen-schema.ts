/**
 * Generates packages/onnx/src/schema/onnx.schema.json (the ONNX protobuf schema as a protobufjs JSON root) and
 * packages/onnx/src/schema/onnx-types.ts (TypeScript interfaces for its messages and enums) from the official
 * onnx.proto of ONNX 1.20 (IR version 13), as shipped compiled in the npm package `onnx-buf` (a devDependency:
 * its FileDescriptorProto of onnx.proto, syntax proto2). protobufjs builds the codecs from the JSON at run time.
 *
 *   npx tsx packages/onnx/scripts/gen-schema.ts          # write both files
 *   npx tsx packages/onnx/scripts/gen-schema.ts --check  # exit 1 when they differ from what would be written
 *
 * Field names are camelCased (ir_version → irVersion), as protobufjs does when it parses .proto text, so the
 * decoded objects keep the shape callers of @medslim/onnx have always seen.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { generateSchema } from './schema-gen.ts';

const here = new URL('.', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const outDir = join(here, '..', 'src', 'schema');

const { json, types } = generateSchema(readFileSync(require.resolve('onnx-buf'), 'utf8'));
const files: [string, string][] = [
  [join(outDir, 'onnx.schema.json'), json],
  [join(outDir, 'onnx-types.ts'), types],
];
if (process.argv.includes('--check')) {
  const stale = files.filter(([path, text]) => {
    try {
      return readFileSync(path, 'utf8') !== text;
    } catch {
      return true;
    }
  });
  for (const [path] of stale) console.error(`${path} is out of date; run npx tsx packages/onnx/scripts/gen-schema.ts`);
  process.exit(stale.length ? 1 : 0);
}
for (const [path, text] of files) {
  writeFileSync(path, text);
  console.log(`wrote ${path} (${text.length} chars)`);
}
