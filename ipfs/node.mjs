// A small IPFS node for tests: Helia (the JavaScript IPFS implementation) with an in-memory
// blockstore, serving the subset of Kubo's HTTP RPC API and the trustless gateway that
// app/storage talks to. Kubo's npm package downloads its binary at install time, which offline
// machines cannot do; Helia installs from the registry and computes CIDs with the same UnixFS
// importer rules, so tests exercise a real IPFS implementation rather than a mock.
//
//   node ipfs/node.mjs        prints one JSON line {"api": URL, "gateway": URL}, then serves
//                             until stdin closes or it gets SIGTERM.
//
// Both listeners bind to 127.0.0.1 on ports the OS picks. The node has no block brokers and no
// routers: it never reaches out to the network.

if (typeof Promise.withResolvers !== 'function') {
  // Helia uses Promise.withResolvers, which Node gained in v22; the project runs Node 20.
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

// Imports are dynamic so that the polyfill above runs first (static imports are hoisted).
const http = await import('node:http')
const Busboy = (await import('busboy')).default
const { createHeliaLight } = await import('helia')
const { unixfs } = await import('@helia/unixfs')
const { fixedSize } = await import('ipfs-unixfs-importer/chunker')
const { balanced } = await import('ipfs-unixfs-importer/layout')
const { CID } = await import('multiformats/cid')

async function drain (iterable) {
  for await (const _ of iterable) { /* consume */ }
}

async function collect (iterable) {
  const parts = []
  for await (const part of iterable) parts.push(part)
  return Buffer.concat(parts)
}

const helia = await createHeliaLight()
await helia.start()
const fs = unixfs(helia)

class ApiError extends Error {
  constructor (status, message) { super(message); this.status = status }
}

function cidArg (url) {
  const arg = url.searchParams.get('arg')
  try {
    return CID.parse(arg ?? '')
  } catch {
    throw new ApiError(400, `invalid path "${arg}": not a valid CID`)
  }
}

async function mustHave (cid) {
  if (!(await helia.blockstore.has(cid))) {
    throw new ApiError(500, `block was not found locally (offline): ipld: could not find ${cid}`)
  }
}

async function pinOnce (cid) {
  if (!(await helia.pins.isPinned(cid))) await drain(helia.pins.add(cid))
}

function sendJson (res, value) {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(value) + '\n')
}

// Kubo's `ipfs add`: one multipart file part, imported with the query's chunker and layout.
function add (req, res, url) {
  const chunker = url.searchParams.get('chunker') ?? 'size-262144'
  const match = /^size-(\d+)$/.exec(chunker)
  if (match === null) throw new ApiError(400, `unsupported chunker ${chunker}`)
  if ((url.searchParams.get('hash') ?? 'sha2-256') !== 'sha2-256') throw new ApiError(400, 'only sha2-256')
  const options = {
    cidVersion: Number(url.searchParams.get('cid-version') ?? 0),
    rawLeaves: url.searchParams.get('raw-leaves') === 'true',
    chunker: fixedSize({ chunkSize: Number(match[1]) }),
    layout: balanced({ maxChildrenPerNode: Number(url.searchParams.get('max-links') ?? 174) })
  }
  const pin = (url.searchParams.get('pin') ?? 'true') === 'true'
  const { promise, resolve, reject } = Promise.withResolvers()
  const busboy = Busboy({ headers: req.headers })
  let seen = false
  busboy.on('file', (name, stream) => {
    if (seen) { stream.resume(); return }
    seen = true
    fs.addByteStream(stream, options).then(async (cid) => {
      if (pin) await pinOnce(cid)
      const { dagSize } = await fs.stat(cid, { extended: true })
      return { Name: cid.toString(), Hash: cid.toString(), Size: String(dagSize) }
    }).then(resolve, reject)
  })
  busboy.on('error', reject)
  busboy.on('close', () => { if (!seen) reject(new ApiError(400, 'file argument "path" is required')) })
  req.pipe(busboy)
  return promise.then((entry) => sendJson(res, entry))
}

const rpc = {
  '/api/v0/add': add,
  '/api/v0/block/get': async (req, res, url) => {
    const cid = cidArg(url)
    await mustHave(cid)
    const block = await collect(helia.blockstore.get(cid, { offline: true }))
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': block.length })
    res.end(block)
  },
  '/api/v0/block/stat': async (req, res, url) => {
    const cid = cidArg(url)
    await mustHave(cid)
    const block = await collect(helia.blockstore.get(cid, { offline: true }))
    sendJson(res, { Key: cid.toString(), Size: block.length })
  },
  '/api/v0/pin/add': async (req, res, url) => {
    const cid = cidArg(url)
    await mustHave(cid)
    await pinOnce(cid)
    sendJson(res, { Pins: [cid.toString()] })
  },
  '/api/v0/pin/rm': async (req, res, url) => {
    const cid = cidArg(url)
    if (!(await helia.pins.isPinned(cid))) throw new ApiError(500, 'not pinned or pinned indirectly')
    await drain(helia.pins.rm(cid))
    sendJson(res, { Pins: [cid.toString()] })
  },
  '/api/v0/repo/gc': async (req, res) => {
    const before = []
    for await (const { cid } of helia.blockstore.getAll()) before.push(cid)
    await helia.gc()
    res.writeHead(200, { 'Content-Type': 'application/json' })
    for (const cid of before) {
      if (!(await helia.blockstore.has(cid))) res.write(JSON.stringify({ Key: { '/': cid.toString() } }) + '\n')
    }
    res.end()
  }
}

async function api (req, res, url) {
  const handler = rpc[url.pathname]
  if (handler === undefined) throw new ApiError(404, '404 page not found')
  if (req.method !== 'POST') throw new ApiError(405, `method ${req.method} not allowed`)
  await handler(req, res, url)
}

// Trustless gateway: raw blocks only (application/vnd.ipld.raw), as the spec's minimum.
async function gateway (req, res, url) {
  const match = /^\/ipfs\/([^/]+)$/.exec(url.pathname)
  if (match === null || !['GET', 'HEAD'].includes(req.method)) throw new ApiError(404, 'not found')
  const raw = url.searchParams.get('format') === 'raw' || (req.headers.accept ?? '').includes('application/vnd.ipld.raw')
  if (!raw) throw new ApiError(406, 'this gateway serves only application/vnd.ipld.raw')
  let cid
  try { cid = CID.parse(match[1]) } catch { throw new ApiError(400, 'invalid CID') }
  if (!(await helia.blockstore.has(cid))) throw new ApiError(404, `${cid} not found`)
  const block = await collect(helia.blockstore.get(cid, { offline: true }))
  res.writeHead(200, {
    'Content-Type': 'application/vnd.ipld.raw',
    'Content-Length': block.length,
    'Cache-Control': 'public, max-age=29030400, immutable',
    'X-Content-Type-Options': 'nosniff'
  })
  res.end(req.method === 'HEAD' ? undefined : block)
}

function serve (handler, errorBody) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1')
    handler(req, res, url).catch((err) => {
      const status = err instanceof ApiError ? err.status : 500
      if (res.headersSent) { res.destroy(err); return }
      res.writeHead(status, { 'Content-Type': errorBody === 'json' ? 'application/json' : 'text/plain' })
      res.end(errorBody === 'json' ? JSON.stringify({ Message: err.message, Code: 0, Type: 'error' }) + '\n' : err.message)
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const apiServer = await serve(api, 'json')
const gatewayServer = await serve(gateway, 'text')
const url = (server) => `http://127.0.0.1:${server.address().port}`
process.stdout.write(JSON.stringify({ api: url(apiServer), gateway: url(gatewayServer) }) + '\n')

async function shutdown () {
  apiServer.close()
  gatewayServer.close()
  await helia.stop()
  process.exit(0)
}
process.on('SIGTERM', shutdown)
process.stdin.on('end', shutdown)
process.stdin.resume()
