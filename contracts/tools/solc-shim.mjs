#!/usr/bin/env node
// solc CLI shim over solc-js (npm "solc"), so forge/slither can compile without a native solc.
// Supports: `--version`, and `--standard-json` (input on stdin, output on stdout) with forge's
// `--base-path`, `--include-path` and `--allow-paths` flags honoured by the import callback.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// Resolve solc-js from the repository's node_modules (contracts/tools -> repo root).
const require = createRequire(path.join(here, "..", "..", "package.json"));

const args = process.argv.slice(2);
const soljsonVersion = () => require("solc/package.json").version;

function nativeStyleVersion() {
  // Avoid loading the 8 MB emscripten module just to print the version: the commit is fixed per
  // npm release, but read it from the module when it is cheap enough (cached after first load).
  const solc = require("solc");
  const v = solc.version(); // e.g. 0.8.37+commit.f401782d.Emscripten.clang
  return v.replace(/\.Emscripten\.clang$/, ".Linux.g++");
}

function takeValues(flag) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && i + 1 < args.length) out.push(args[++i]);
    else if (args[i].startsWith(flag + "=")) out.push(args[i].slice(flag.length + 1));
  }
  return out;
}

if (args.includes("--version") || args.includes("-v")) {
  process.stdout.write(
    "solc, the solidity compiler commandline interface\nVersion: " + nativeStyleVersion() + "\n",
  );
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write(
    `solc-shim (solc-js ${soljsonVersion()}): only --version and --standard-json are supported\n`,
  );
  process.exit(2);
}

const basePath = takeValues("--base-path")[0] || process.cwd();
const includePaths = takeValues("--include-path");
const allowPaths = takeValues("--allow-paths")
  .flatMap((p) => p.split(","))
  .filter(Boolean)
  .map((p) => path.resolve(p));

function real(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

const roots = [basePath, ...includePaths, ...allowPaths].flatMap((p) => [path.resolve(p), real(p)]);

// Like native solc: only files under the base path, include paths or allowed paths (symlinks
// resolved) may be read.
function allowed(abs) {
  return [abs, real(abs)].some((candidate) =>
    roots.some((r) => candidate === r || candidate.startsWith(r + path.sep)),
  );
}

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath)
    ? [importPath]
    : [basePath, ...includePaths].map((root) => path.resolve(root, importPath));
  for (const abs of candidates) {
    try {
      if (!allowed(abs)) continue;
      return { contents: fs.readFileSync(abs, "utf8") };
    } catch {
      /* try the next root */
    }
  }
  return { error: `File not found: ${importPath} (searched ${candidates.join(", ")})` };
}

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const input = Buffer.concat(chunks).toString("utf8");
  const solc = require("solc");
  let output;
  try {
    output = solc.compile(input, { import: findImports });
  } catch (e) {
    output = JSON.stringify({
      errors: [
        {
          component: "general",
          severity: "error",
          type: "InternalCompilerError",
          message: String(e && e.stack ? e.stack : e),
          formattedMessage: String(e),
        },
      ],
    });
  }
  process.stdout.write(output, () => process.exit(0));
});
