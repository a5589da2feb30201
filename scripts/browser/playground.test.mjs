// Browser tests of the playground at `/`: Debian's chromium, driven by playwright-core,
// against a real server started from the workspace's build (CG3_BIN, else
// target/debug/renderer). A screenshot of the page is written to target/browser-failures/
// when a test fails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import http from "node:http";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.CG3_BIN || path.join(root, "target/debug/renderer");
const failures = path.join(root, "target/browser-failures");
let server, browser, page, base;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitReady(url) {
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url + "ready")).ok) return; } catch (_) { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the server did not become ready");
}

before(async () => {
  const port = await freePort();
  server = spawn(bin, ["--port", String(port), "--backend", "cpu"], { cwd: root, stdio: "ignore" });
  base = `http://127.0.0.1:${port}/`;
  await waitReady(base);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

/** Runs `body`, saving a screenshot of the page under the test's name when it throws. */
async function withShot(name, body) {
  try {
    await body();
  } catch (e) {
    mkdirSync(failures, { recursive: true });
    await page.screenshot({ path: path.join(failures, `${name}.png`), fullPage: true }).catch(() => {});
    throw e;
  }
}

async function open(hash = "") {
  await page.goto(base + hash);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForFunction(() => document.querySelector("#preview").complete && document.querySelector("#preview").naturalWidth > 0);
}

/** RGBA pixels of an image URL, decoded by the browser. */
async function pixels(src) {
  return page.evaluate(async (u) => {
    const img = new Image();
    img.src = u;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
  }, src);
}

test("the page loads from the binary with its vocabulary", () => withShot("load", async () => {
  await open();
  assert.equal(await page.locator("#error").isHidden(), true);
  const pelts = await page.locator("select[name=peltName] option").count();
  assert.ok(pelts >= 15, `pelts: ${pelts}`);
}));

test("changing pelt, colour and pose shows what /render.png renders for them", () => withShot("preview", async () => {
  await open();
  await page.selectOption("select[name=peltName]", "Smoke");
  await page.selectOption("select[name=colour]", "BLACK");
  await page.locator("input[name=spriteNumber]").fill("3");
  await page.locator("input[name=spriteNumber]").dispatchEvent("change");
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes('"spriteNumber":3'));
  await page.waitForFunction(() => document.querySelector("#preview").complete);
  const shown = await pixels(await page.locator("#preview").getAttribute("src"));
  const direct = await pixels(`render.png?peltName=Smoke&colour=BLACK&spriteNumber=3&eyeColour=YELLOW&skinColour=PINK&scale=8`);
  assert.equal(shown.length, 400 * 400 * 4);
  assert.deepEqual(shown, direct);
  // The comparison's canary: one changed pixel is not equal.
  const changed = shown.slice();
  changed[4 * 1234] ^= 1;
  assert.notDeepEqual(changed, direct);
}));

test("a tortie layer can be added and changes the cat", () => withShot("tortie", async () => {
  await open();
  const before = await pixels(await page.locator("#preview").getAttribute("src"));
  await page.click("#add-tortie");
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes('"tortie"'));
  await page.waitForFunction(() => document.querySelector("#preview").complete);
  assert.equal(await page.locator(".tortie-layer").count(), 1);
  const after = await pixels(await page.locator("#preview").getAttribute("src"));
  assert.notDeepEqual(after, before);
}));

test("the layer inspector shows every stage of the cat", () => withShot("layers", async () => {
  await open();
  await page.click("nav button[data-tab=layers]");
  await page.click("#inspect");
  await page.waitForSelector("#layers li.layer");
  const shown = await page.locator("#layers li.layer").count();
  const params = await page.evaluate(() => JSON.parse(decodeURIComponent(location.hash.slice(1))));
  const res = await fetch(base + "render", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ payload: { params }, options: { collectLayers: true } }) });
  const body = await res.json();
  assert.equal(shown, body.layers.length);
  assert.ok(shown >= 3);
}));

test("the pose strip shows all 21 poses", () => withShot("poses", async () => {
  await open();
  await page.click("nav button[data-tab=poses]");
  await page.click("#poses-go");
  await page.waitForFunction(() => document.querySelectorAll("#poses img.pose").length === 21);
}));

test("a painted chunk renders and its texture loads", () => withShot("chunk", async () => {
  await open();
  await page.click("nav button[data-tab=chunk]");
  await page.locator("#grid .cell").nth(3).click();
  await page.locator("#grid .cell").nth(10).click({ modifiers: ["Shift"] });
  await page.click("#chunk-go");
  await page.waitForFunction(() => document.querySelector("#texture").complete && document.querySelector("#texture").naturalWidth > 0);
  assert.equal(await page.evaluate(() => document.querySelector("#texture").naturalWidth), 8 * 32);
  assert.match(await page.locator("#texture-url").textContent(), /^\/textures\/[0-9a-f]+\.png$/);
}));

test("a bad value shows the API's own error text", () => withShot("error", async () => {
  await open();
  await page.locator("input[name=opacity]").fill("500");
  await page.locator("input[name=opacity]").dispatchEvent("change");
  await page.waitForSelector("#error:not([hidden])");
  const text = await page.locator("#error").textContent();
  assert.match(text, /422/);
  assert.match(text, /opacity/);
  assert.match(text, /0\.\.=100/);
}));

test("the service panel shows live health", () => withShot("service", async () => {
  await open();
  await page.click("nav button[data-tab=service]");
  await page.waitForFunction(() => document.querySelector("#health").textContent.includes('"status"'));
}));

test("the page works behind a path prefix", () => withShot("prefix", async () => {
  // A reverse proxy that serves the service under /cg3/, as nginx would.
  const target = new URL(base);
  const proxy = http.createServer((req, res) => {
    if (!req.url.startsWith("/cg3/")) { res.writeHead(404); res.end(); return; }
    const up = http.request({ host: target.hostname, port: target.port, method: req.method,
      path: req.url.slice(4), headers: req.headers }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    req.pipe(up);
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  try {
    await page.goto(`http://127.0.0.1:${proxy.address().port}/cg3/`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForFunction(() => document.querySelector("#preview").complete && document.querySelector("#preview").naturalWidth === 400);
    assert.equal(await page.locator("#error").isHidden(), true);
  } finally {
    proxy.close();
  }
}));
