// npm run gen: regenerate the types that src/ and sdk/ use from the spec.
import { writeFileSync } from "node:fs";
import { generateTypes, generatedTypesPath } from "../src/http/spec-types.js";

writeFileSync(generatedTypesPath(), await generateTypes());
console.log(`wrote ${generatedTypesPath()}`);
