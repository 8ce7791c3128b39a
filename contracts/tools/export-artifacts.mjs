#!/usr/bin/env node
// Export ABI + bytecode of every deployable contract under src/ from forge's out/ into
// resources/contracts/<Name>.json, and write resources/contracts/manifest.json.
//
// sourcesHash = sha256 over the lines "<path relative to contracts/src, POSIX>\t<sha256 hex>\n" of
// every file under contracts/src, sorted by path. The app recomputes it to detect stale artifacts.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(contractsDir, "..");
const srcDir = path.join(contractsDir, "src");
const outDir = path.join(contractsDir, "out");
const destDir = path.join(repoRoot, "resources", "contracts");

const sha256 = (buf) => crypto.createHash("sha256").update(buf).digest("hex");

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() ? [p] : [];
  });
}

const files = walk(srcDir)
  .map((p) => path.relative(srcDir, p).split(path.sep).join("/"))
  .sort();
const sources = {};
for (const rel of files) sources[rel] = sha256(fs.readFileSync(path.join(srcDir, rel)));
const sourcesHash = sha256(files.map((f) => `${f}\t${sources[f]}\n`).join(""));

// Deployable = a contract with bytecode, defined in a top-level .sol file of src/ (interfaces and
// abstract contracts have none).
const exported = [];
let compiler = null;
fs.mkdirSync(destDir, { recursive: true });
for (const rel of files.filter((f) => !f.includes("/") && f.endsWith(".sol"))) {
  const dir = path.join(outDir, rel);
  if (!fs.existsSync(dir)) throw new Error(`missing ${dir}: run forge build first`);
  for (const jf of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const art = JSON.parse(fs.readFileSync(path.join(dir, jf), "utf8"));
    const bytecode = art.bytecode?.object ?? "0x";
    if (bytecode === "0x" || bytecode === "") continue;
    const name = path.basename(jf, ".json");
    if (Object.keys(art.bytecode.linkReferences ?? {}).length) throw new Error(`${name} needs linking`);
    const meta = typeof art.metadata === "string" ? JSON.parse(art.metadata) : art.metadata;
    compiler = compiler ?? meta?.compiler?.version ?? null;
    const doc = {
      contractName: name,
      sourceName: `contracts/src/${rel}`,
      compiler: meta?.compiler?.version ?? null,
      sourcesHash,
      abi: art.abi,
      bytecode,
      deployedBytecode: art.deployedBytecode.object,
    };
    fs.writeFileSync(path.join(destDir, `${name}.json`), JSON.stringify(doc, null, 2) + "\n");
    exported.push(name);
  }
}

// Remove artifacts of contracts that no longer exist.
for (const f of fs.readdirSync(destDir)) {
  if (f.endsWith(".json") && f !== "manifest.json" && !exported.includes(path.basename(f, ".json"))) {
    fs.rmSync(path.join(destDir, f));
  }
}

const manifest = {
  compiler,
  sourcesHash,
  sourcesHashAlgorithm:
    "sha256 of '<path>\\t<sha256>\\n' lines, one per file under contracts/src, path relative to contracts/src (POSIX), sorted",
  sources,
  contracts: exported.sort(),
};
fs.writeFileSync(path.join(destDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`exported ${exported.length} contracts to ${path.relative(repoRoot, destDir)} (sources ${sourcesHash.slice(0, 12)})`);
