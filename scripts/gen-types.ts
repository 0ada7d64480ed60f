// npm run gen: regenerate the types that src/ and the SDK package use from the spec.
import { writeFileSync } from "node:fs";
import { generateTypes, generatedTypesPaths } from "../src/http/spec-types.js";

const types = await generateTypes();
for (const path of generatedTypesPaths()) {
  writeFileSync(path, types);
  console.log(`wrote ${path}`);
}
