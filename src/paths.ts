// Files that ship with the package (migrations, the spec) are found from the package root,
// so the same code works from src/ under tsx and from dist/ after a build.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  root = dir;
  return dir;
}

export const migrationsDir = () => join(projectRoot(), "migrations");
export const specPath = () => join(projectRoot(), "openapi", "gateway.yaml");
/** The regulator console's build output (`npm run build`); served at /console. */
export const consoleDir = () => join(projectRoot(), "dist", "console");
