// Supervisor for the local dev services: Azurite as a child process, our Cosmos server in-process.
// Started by RuralLoans.DevServices. Bound mode (--parent-pid N): everything stops when that process
// dies, even by SIGKILL, so a crashed test run leaves no emulator behind. Detached mode (--parent-pid 0)
// runs until SIGTERM/SIGINT.
// Prints one JSON line {"event":"ready",...} on stdout once all four endpoints accept connections.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { startCosmosServer } from "./cosmos-server.mjs";

const require = createRequire(import.meta.url);
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const parentPid = Number(option("--parent-pid", "0"));
const dataDir = path.resolve(option("--data-dir", ".devservices/data"));
const ports = {
  blob: Number(option("--blob-port", "10000")),
  queue: Number(option("--queue-port", "10001")),
  table: Number(option("--table-port", "10002")),
  cosmos: Number(option("--cosmos-port", "8081")),
};
const log = message => process.stderr.write(`${message}\n`);

// Once our reader is gone a write to the pipe fails with EPIPE; that must not abort the shutdown.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

let azurite;
let cosmos;
let stopping = false;

async function stop(reason, exitCode) {
  if (stopping) return;
  stopping = true;
  log(`devservices: stopping (${reason})`);
  try {
    await cosmos?.close();
  } catch (err) {
    log(`devservices: could not flush the Cosmos journal: ${err.stack}`);
    exitCode = 1;
  }
  if (azurite && azurite.exitCode === null && azurite.signalCode === null) {
    // SIGTERM, not SIGKILL: Azurite saves its metadata on shutdown (it autosaves only every 5 s).
    azurite.kill("SIGTERM");
    if (!(await exited(azurite, 20_000))) {
      log("devservices: Azurite did not stop within 20 s; killing it");
      azurite.kill("SIGKILL");
    }
  }
  process.exit(exitCode);
}

function exited(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// A crash here must still take Azurite down with it, or it would run on with no owner.
process.on("uncaughtException", err => {
  log(`devservices: ${err.stack}`);
  stop("internal error", 1);
});
process.on("unhandledRejection", err => {
  log(`devservices: ${err?.stack ?? err}`);
  stop("internal error", 1);
});
process.once("SIGTERM", () => stop("SIGTERM", 0));
process.once("SIGINT", () => stop("SIGINT", 0));
process.once("SIGHUP", () => stop("SIGHUP", 0));

if (parentPid > 0) {
  // Two signals of the parent's death: our stdin pipe (only the parent holds its write end) reaches
  // EOF at once, and the parent pid stops existing. The parent also closes stdin to ask for a stop.
  process.stdin.on("end", () => stop("parent closed stdin", 0));
  process.stdin.on("error", () => stop("parent closed stdin", 0));
  process.stdin.resume();
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch (err) {
      if (err.code === "ESRCH") stop(`parent process ${parentPid} is gone`, 0);
    }
  }, 250).unref();
}

function acceptsConnections(port) {
  return new Promise(resolve => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function startAzurite() {
  const location = path.join(dataDir, "azurite");
  fs.mkdirSync(location, { recursive: true });
  const cli = path.join(path.dirname(require.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  azurite = spawn(process.execPath, [
    cli,
    "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
    "--blobPort", String(ports.blob), "--queuePort", String(ports.queue), "--tablePort", String(ports.table),
    "--location", location,
    // The current Azure SDKs send an API version newer than Azurite 3.37 knows.
    "--skipApiVersionCheck", "--disableTelemetry", "--silent",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  // Azurite's output goes through us rather than straight to the parent's pipe, so the parent's death
  // cannot break Azurite's own writes while it is saving.
  const forward = chunk => process.stderr.write(String(chunk).replace(/^(?=.)/gm, "[azurite] "));
  azurite.stdout.on("data", forward);
  azurite.stderr.on("data", forward);
  azurite.once("exit", (code, signal) => {
    if (!stopping) {
      log(`devservices: Azurite exited unexpectedly (code ${code}, signal ${signal})`);
      stop("Azurite exited", 1);
    }
  });

  const deadline = Date.now() + 60_000;
  for (const port of [ports.blob, ports.queue, ports.table]) {
    while (!(await acceptsConnections(port))) {
      if (stopping) return;
      if (Date.now() > deadline) throw new Error(`Azurite did not open port ${port} within 60 s`);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }
}

try {
  const azuriteReady = startAzurite();
  cosmos = await startCosmosServer({ port: ports.cosmos, dataDir, log });
  await azuriteReady;
  if (!stopping) {
    process.stdout.write(`${JSON.stringify({
      event: "ready",
      pid: process.pid,
      azuritePid: azurite.pid,
      blobPort: ports.blob,
      queuePort: ports.queue,
      tablePort: ports.table,
      cosmosPort: cosmos.port,
      dataDir,
    })}\n`);
  }
} catch (err) {
  log(`devservices: failed to start: ${err.message}`);
  await stop("start failed", 1);
}
