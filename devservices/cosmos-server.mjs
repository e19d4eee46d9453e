// Local Cosmos DB for development: @vercel/cosmosdb-server's account model and routes, plus the
// behaviours the .NET SDK and RuralLoans rely on that the package lacks as shipped:
//   - query-plan requests answered with a pass-through plan (ORDER BY / TOP / cross-partition queries),
//   - 404 instead of 500 for missing items (also delete-then-read),
//   - HTTP keep-alive (the package closes every connection: one TLS handshake per call),
//   - change feed paging by logical sequence number (the package returns page one, then 304 forever),
//   - TTL enforcement (the package stores defaultTtl but never expires anything),
//   - persistence: every acknowledged mutation is appended to a journal before the response is sent.
// Run alone with `node cosmos-server.mjs --port 8081 --data DIR`; run.mjs embeds it via startCosmosServer.
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const packageDir = path.dirname(require.resolve("@vercel/cosmosdb-server/package.json"));
const fromPackage = name => require(`@vercel/cosmosdb-server/lib/${name}`).default;

const Account = fromPackage("account");
// Resource ids are base64, and the package numbers databases and containers so that some ids (database 62, 63, 126,
// 127, ...) contain '+' or '/'. The .NET SDK addresses partition-key ranges by rid in the URL path, so every ordered or
// cross-partition query of such a database got 404 ("stale cache"). Real Cosmos DB never issues those; skip them.
for (const name of ["account/databases", "account/collections"]) {
  const Resources = fromPackage(name);
  const ridFor = Resources.prototype._rid;
  Resources.prototype._rid = function ridWithoutPathCharacters(id) {
    let rid = ridFor.call(this, id);
    while (/[+/]/.test(rid)) {
      this._ridCount += 1;
      rid = ridFor.call(this, this._ridCount);
    }
    return rid;
  };
}
const route = fromPackage("routes");
const readJsonBody = fromPackage("json");
const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header");
const handler = name => fromPackage(`handler/${name}`);
const handlers = {
  createDatabase: handler("create-database"),
  deleteDatabase: handler("delete-database"),
  createCollection: handler("create-collection"),
  replaceCollection: handler("replace-collection"),
  deleteCollection: handler("delete-collection"),
  createDocument: handler("create-document"),
  upsertDocument: handler("upsert-document"),
  replaceDocument: handler("replace-document"),
  patchDocument: handler("patch-document"),
  deleteDocument: handler("delete-document"),
  readDocument: handler("read-document"),
  readDocuments: handler("read-documents"),
  queryDocuments: handler("query-documents"),
  batchDocuments: handler("batch-documents"),
};
// Writes the journal cannot replay; refusing them beats silently losing them on restart.
const unsupported = new Map([
  [handlers.batchDocuments, "Transactional batch is not supported by the local Cosmos DB server."],
  [handler("create-user-defined-function"), "User-defined functions are not supported by the local Cosmos DB server."],
  [handler("upsert-user-defined-function"), "User-defined functions are not supported by the local Cosmos DB server."],
  [handler("replace-user-defined-function"), "User-defined functions are not supported by the local Cosmos DB server."],
  [handler("delete-user-defined-function"), "User-defined functions are not supported by the local Cosmos DB server."],
]);
const documentWrites = new Set([
  handlers.createDocument, handlers.upsertDocument, handlers.replaceDocument, handlers.patchDocument,
]);
const DEFAULT_CHANGE_FEED_PAGE = 100;

const nowSeconds = () => Math.floor(Date.now() / 1000);
const isTrue = value => String(value ?? "").toLowerCase() === "true";
const valueAt = (doc, keyPath) => keyPath.slice(1).split("/").reduce((o, key) => (o == null ? undefined : o[key]), doc);
// PartitionKey.None travels as {} in the header and matches documents that lack the key.
const partitionToken = value =>
  value === undefined || (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)
    ? "<none>"
    : JSON.stringify(value);

export async function startCosmosServer({ host = "127.0.0.1", port = 0, dataDir, log = message => process.stderr.write(`${message}\n`) }) {
  const journal = createJournal(path.join(dataDir, "cosmos"), () => snapshotEntries());
  let account;
  // Global logical sequence number: every document write gets the next one as _lsn, and change feed
  // continuations are "changes after LSN n". It must never go backwards, hence it is journaled.
  let sequence = 0;
  const nextExpiryByCollection = new WeakMap();

  const server = https.createServer({
    cert: fs.readFileSync(path.join(packageDir, "cert.pem")),
    key: fs.readFileSync(path.join(packageDir, "key.pem")),
    keepAlive: true,
  }, (req, res) => {
    handleRequest(req, res).catch(err => {
      log(`cosmos: ${req.method} ${req.url} failed: ${err.stack}`);
      if (!res.headersSent) send(res, 500, { code: "InternalServerError", message: err.message });
    });
  });
  // Longer than the .NET HttpClient's idle pool timeout, so the client always closes first and never
  // sends a request onto a connection the server is just closing.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      // Synchronous restore inside the listening callback: no request can be served before it ends.
      account = new Account(host, server.address().port);
      for (const entry of journal.readAll()) applyEntry(entry);
      journal.compact();
      resolve();
    });
  });

  async function handleRequest(req, res) {
    const match = route(req);
    if (!match) return send(res, 400, { code: "BadRequest", message: "no route" });
    const [params, handle] = match;
    if (unsupported.has(handle)) return send(res, 400, { code: "BadRequest", message: unsupported.get(handle) });

    const collection = params.collId ? account.database(params.dbId).collection(params.collId) : undefined;
    // Resolved before the handler runs: after a delete the records are gone, and the journal wants names.
    const names = { db: account.database(params.dbId ?? "").read()?.id, coll: collection?.read()?.id };
    if (collection?.read()) expireItems(collection, names.db);

    if (handle === handlers.queryDocuments || isTrue(req.headers["x-ms-cosmos-is-query-plan-request"])) {
      if (!collection?.read()) return send(res, 404, notFound());
      if (isTrue(req.headers["x-ms-cosmos-is-query-plan-request"])) return send(res, 200, passThroughPlan(await readJsonBody(req)));
      return queryDocuments(req, res, collection);
    }
    if (handle === handlers.readDocuments && req.headers["a-im"]) {
      if (!collection?.read()) return send(res, 404, notFound());
      return changeFeed(req, res, collection);
    }
    if (handle === handlers.replaceCollection) return replaceCollection(req, res, params);
    if (params.docId && (handle === handlers.readDocument || handle === handlers.replaceDocument
        || handle === handlers.patchDocument || handle === handlers.deleteDocument)) {
      const existing = findDocument(collection, params.docId, req);
      if (existing.status) return send(res, existing.status, existing.body);
      names.docRid = existing.doc._rid;
    }

    // The handler mutates the account and this continuation journals it within one microtask drain,
    // before any other request's I/O callback can run, so journal order is mutation order.
    const body = await handle(account, req, res, params);
    const status = res.statusCode;
    if (status < 300) journalMutation(handle, names, body, collection);
    if (req.headers["a-im"]) {
      // Partition key ranges are read as an incremental feed; ours never change after the first read.
      res.setHeader("etag", "1");
      if (status === 200 && req.headers["if-none-match"]) return send(res, 304);
    }
    if (req.headers["x-ms-documentdb-populatequerymetrics"]) {
      res.setHeader("x-ms-documentdb-query-metrics", "totalExecutionTimeInMs=0.00;retrievedDocumentCount=0;outputDocumentCount=0");
    }
    return send(res, status, status >= 400 ? { code: "Error", message: "", ...body } : body);
  }

  function findDocument(collection, docId, req) {
    if (!collection?.read()) return { status: 404, body: notFound() };
    const header = req.headers["x-ms-documentdb-partitionkey"];
    let wanted;
    try {
      wanted = JSON.parse(header).map(partitionToken);
    } catch {
      return { status: 400, body: { code: "BadRequest", message: "The x-ms-documentdb-partitionkey header is missing or not a JSON array." } };
    }
    const doc = collection.document(docId, parsePartitionKey(header, docId)).read();
    const matches = doc && partitionOf(collection, doc).every((token, i) => token === wanted[i]);
    return matches ? { doc } : { status: 404, body: notFound() };
  }

  function partitionOf(collection, doc) {
    const paths = collection.read().partitionKey?.paths ?? ["/id"];
    return paths.map(keyPath => partitionToken(valueAt(doc, keyPath)));
  }

  async function queryDocuments(req, res, collection) {
    const body = await readJsonBody(req);
    if (!body?.query) return send(res, 400, { code: "BadRequest", message: "missing query" });
    // The package ignores the partition key header and runs every query over the whole container.
    const header = req.headers["x-ms-documentdb-partitionkey"];
    const wanted = header ? JSON.parse(header).map(partitionToken) : undefined;
    const docs = [...collection.documents._data.values()].map(item => item.read())
      .filter(d => !wanted || partitionOf(collection, d).every((token, i) => token === wanted[i]));
    const meta = collection.read();
    const continuation = req.headers["x-ms-continuation"] ? JSON.parse(req.headers["x-ms-continuation"]) : null;
    const maxItemCount = req.headers["x-ms-max-item-count"] ? parseInt(req.headers["x-ms-max-item-count"], 10) : null;
    let result;
    try {
      result = collection.documents._getQuery(body.query).exec(docs, {
        parameters: body.parameters,
        udf: collection.documents._userDefinedFunctions(),
        maxItemCount,
        continuation,
        compositeIndexes: meta.indexingPolicy?.compositeIndexes ?? [],
      });
    } catch (err) {
      return send(res, 400, { code: "BadRequest", message: err.message });
    }
    if (result.continuation) res.setHeader("x-ms-continuation", JSON.stringify(result.continuation));
    res.setHeader("x-ms-item-count", String(result.result.length));
    return send(res, 200, { _rid: meta._rid, Documents: result.result, _count: result.result.length });
  }

  // The SDK accepts a plan with no rewrites over one range: the server then runs ORDER BY, TOP and
  // aggregates itself over the whole container, which is exactly what this server does anyway.
  function passThroughPlan(body) {
    const query = String(body?.query ?? "");
    return {
      partitionedQueryExecutionInfoVersion: 2,
      queryInfo: {
        distinctType: "None", top: null, offset: null, limit: null, orderBy: [], orderByExpressions: [],
        groupByExpressions: [], groupByAliases: [], aggregates: [], groupByAliasToAggregateType: {},
        rewrittenQuery: "", hasSelectValue: /^\s*SELECT\s+(TOP\s+(\d+|@\w+)\s+)?VALUE\b/i.test(query),
        dCountInfo: null, hasNonStreamingOrderBy: false,
      },
      queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }],
    };
  }

  // Incremental change feed: the continuation (If-None-Match) is the last LSN the reader has seen; the
  // response etag is the last LSN on this page, or the unchanged continuation with 304 when nothing is new.
  function changeFeed(req, res, collection) {
    const ifNoneMatch = req.headers["if-none-match"];
    // The SDK parses the item count of every change feed response, 304s included.
    res.setHeader("x-ms-item-count", "0");
    if (ifNoneMatch === "*") {
      res.setHeader("etag", String(sequence));
      return send(res, 304);
    }
    const after = ifNoneMatch ? Number(String(ifNoneMatch).replaceAll('"', "")) || 0 : 0;
    const since = !ifNoneMatch && req.headers["if-modified-since"] ? Date.parse(req.headers["if-modified-since"]) / 1000 : undefined;
    const header = req.headers["x-ms-documentdb-partitionkey"];
    const wanted = header ? JSON.parse(header).map(partitionToken) : undefined;
    const requested = parseInt(req.headers["x-ms-max-item-count"] ?? "", 10);
    const pageSize = requested > 0 ? requested : DEFAULT_CHANGE_FEED_PAGE;
    const page = [...collection.documents._data.values()].map(item => item.read())
      .filter(d => d._lsn > after && (since === undefined || d._ts >= since))
      .filter(d => !wanted || partitionOf(collection, d).every((token, i) => token === wanted[i]))
      .sort((a, b) => a._lsn - b._lsn)
      .slice(0, pageSize);
    if (page.length === 0) {
      res.setHeader("etag", String(since === undefined ? after : sequence));
      return send(res, 304);
    }
    res.setHeader("etag", String(page[page.length - 1]._lsn));
    res.setHeader("x-ms-item-count", String(page.length));
    return send(res, 200, { _rid: collection.read()._rid, Documents: page, _count: page.length });
  }

  // The package's replace drops the collection object and with it every document; replace in place.
  async function replaceCollection(req, res, { dbId, collId }) {
    const body = await readJsonBody(req);
    const collection = account.database(dbId).collection(collId);
    const old = collection.read();
    if (!old) return send(res, 404, notFound());
    if (JSON.stringify(body.partitionKey?.paths ?? null) !== JSON.stringify(old.partitionKey?.paths ?? null)) {
      return send(res, 400, { code: "BadRequest", message: "Replacing the partition key of a container is not allowed." });
    }
    collection._data = {
      ...body, id: old.id, indexingPolicy: body.indexingPolicy ?? old.indexingPolicy,
      _rid: old._rid, _self: old._self, _etag: randomUUID(), _ts: nowSeconds(),
    };
    nextExpiryByCollection.delete(collection);
    journal.append({ t: "coll", db: account.database(dbId).read().id, v: collection._data });
    return send(res, 200, collection._data);
  }

  // Cosmos semantics: TTL applies only when the container has defaultTtl (-1 = on, no default expiry);
  // an item's own ttl overrides it; expiry counts from the last write (_ts).
  function expireItems(collection, databaseId) {
    const defaultTtl = collection.read().defaultTtl;
    if (typeof defaultTtl !== "number") return;
    const now = nowSeconds();
    if ((nextExpiryByCollection.get(collection) ?? 0) > now) return;
    let nextExpiry = Infinity;
    for (const doc of [...collection.documents._data.values()].map(item => item.read())) {
      const ttl = typeof doc.ttl === "number" ? doc.ttl : defaultTtl;
      if (ttl < 0) continue;
      if (doc._ts + ttl <= now) {
        removeItem(collection.documents, doc);
        journal.append({ t: "docDel", db: databaseId, coll: collection.read().id, rid: doc._rid });
      } else {
        nextExpiry = Math.min(nextExpiry, doc._ts + ttl);
      }
    }
    nextExpiryByCollection.set(collection, nextExpiry);
  }

  function journalMutation(handle, names, body, collection) {
    if (handle === handlers.createDatabase) journal.append({ t: "db", v: body, r: account.databases._ridCount });
    else if (handle === handlers.deleteDatabase) journal.append({ t: "dbDel", id: names.db });
    else if (handle === handlers.createCollection) {
      journal.append({ t: "coll", db: names.db, v: body, r: account.database(names.db).collections._ridCount });
    } else if (handle === handlers.deleteCollection) journal.append({ t: "collDel", db: names.db, id: names.coll });
    else if (documentWrites.has(handle)) {
      body._lsn = ++sequence;
      nextExpiryByCollection.delete(collection);
      journal.append({ t: "doc", db: names.db, coll: names.coll, v: body, r: collection.documents._ridCount });
    } else if (handle === handlers.deleteDocument) {
      journal.append({ t: "docDel", db: names.db, coll: names.coll, rid: names.docRid });
    }
  }

  function applyEntry(entry) {
    const database = entry.db !== undefined ? account.database(entry.db) : undefined;
    const collection = entry.coll !== undefined ? database.collection(entry.coll) : undefined;
    switch (entry.t) {
      case "seq": sequence = Math.max(sequence, entry.s); break;
      case "db": restoreItem(account.databases, entry.v, entry.r); break;
      case "dbDel": removeItem(account.databases, account.database(entry.id).read()); break;
      case "coll":
        if (database.collection(entry.v.id).read()) database.collection(entry.v.id)._data = entry.v;
        else restoreItem(database.collections, entry.v, entry.r);
        if (entry.dr !== undefined) database.collection(entry.v.id).documents._ridCount = entry.dr;
        break;
      case "collDel": removeItem(database.collections, database.collection(entry.id).read()); break;
      case "doc": {
        const existing = collection.documents._data.get(entry.v._rid)?.read();
        if (existing) removeItem(collection.documents, existing);
        restoreItem(collection.documents, entry.v, entry.r);
        sequence = Math.max(sequence, entry.v._lsn ?? 0);
        break;
      }
      case "docDel": {
        const existing = collection?.documents._data.get(entry.rid)?.read();
        if (existing) removeItem(collection.documents, existing);
        break;
      }
      default: throw new Error(`Unknown journal entry type ${entry.t}`);
    }
  }

  function snapshotEntries() {
    const entries = [{ t: "seq", s: sequence }];
    for (const databaseItem of account.databases._data.values()) {
      const db = databaseItem.read();
      entries.push({ t: "db", v: db, r: account.databases._ridCount });
      for (const collectionItem of databaseItem.collections._data.values()) {
        entries.push({ t: "coll", db: db.id, v: collectionItem.read(), r: databaseItem.collections._ridCount, dr: collectionItem.documents._ridCount });
        for (const documentItem of collectionItem.documents._data.values()) {
          entries.push({ t: "doc", db: db.id, coll: collectionItem.read().id, v: documentItem.read(), r: collectionItem.documents._ridCount });
        }
      }
    }
    return entries;
  }

  return {
    port: server.address().port,
    close: () => new Promise(resolve => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => journal.compact()),
  };
}

function restoreItem(items, data, ridCount) {
  items._ridCount = Math.max(items._ridCount, ridCount ?? 0);
  items._set(data);
}

function removeItem(items, data) {
  if (data) items.delete(data._rid, items._getPartition(data));
}

function notFound() {
  return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
}

function send(res, status, body) {
  res.statusCode = status;
  if (body?._etag) res.setHeader("etag", body._etag);
  res.setHeader("content-type", "application/json");
  res.setHeader("x-ms-activity-id", randomUUID());
  res.setHeader("x-ms-request-charge", "1");
  res.end(body === undefined || status === 204 || status === 304 ? undefined : JSON.stringify(body));
}

// Append-only JSON-lines journal. Appends are synchronous, so a write is on disk (in the OS page
// cache, which survives the process) before its response leaves. Compacted into a snapshot at start,
// at stop and every COMPACT_AFTER appends, by writing a new file and renaming it over the old one.
const COMPACT_AFTER = 50_000;

function createJournal(dir, snapshot) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "journal.jsonl");
  let fd = fs.openSync(file, "a");
  let appended = 0;
  return {
    readAll() {
      const lines = fs.readFileSync(file, "utf8").split("\n").filter(line => line.trim() !== "");
      // A process killed mid-append leaves at most a torn last line, whose write was never acknowledged.
      return lines.flatMap((line, i) => {
        try {
          return [JSON.parse(line)];
        } catch (err) {
          if (i === lines.length - 1) return [];
          throw new Error(`Cosmos journal ${file} is corrupt at line ${i + 1}: ${err.message}`);
        }
      });
    },
    append(entry) {
      fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
      appended += 1;
      if (appended >= COMPACT_AFTER) this.compact();
    },
    compact() {
      const entries = snapshot();
      const temp = `${file}.tmp`;
      const tempFd = fs.openSync(temp, "w");
      fs.writeSync(tempFd, entries.map(entry => `${JSON.stringify(entry)}\n`).join(""));
      fs.fsyncSync(tempFd);
      fs.closeSync(tempFd);
      fs.closeSync(fd);
      fs.renameSync(temp, file);
      fd = fs.openSync(file, "a");
      appended = 0;
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const option = name => process.argv[process.argv.indexOf(name) + 1];
  if (!process.argv.includes("--data")) {
    process.stderr.write("usage: node cosmos-server.mjs --data DIR [--port N]\n");
    process.exit(2);
  }
  const cosmos = await startCosmosServer({ port: Number(option("--port") ?? 0), dataDir: option("--data") });
  process.stdout.write(`${JSON.stringify({ event: "ready", cosmosPort: cosmos.port })}\n`);
  const stop = () => cosmos.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
