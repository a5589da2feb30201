// cg3 playground: plain JavaScript over the service's own API. Every URL is relative, so the
// page works behind a path prefix (open it with its trailing slash).
"use strict";

const $ = (sel) => document.querySelector(sel);
let vocab = null;
let cat = { peltName: "Tabby", colour: "GINGER", spriteNumber: 8, eyeColour: "YELLOW", skinColour: "PINK", tortie: [] };
let grid = [];
let entities = [];

// ---- errors, as the API words them ------------------------------------------------------
function showError(e) {
  const box = $("#error");
  if (!e) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = e;
}

async function apiError(res) {
  try {
    const body = await res.json();
    const err = body.error || {};
    return `${res.status} ${err.code || ""}${err.field ? ` (${err.field})` : ""}: ${err.message || JSON.stringify(body)}`;
  } catch (_) {
    return `${res.status} ${res.statusText}`;
  }
}

async function postJson(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(await apiError(res));
  return res.json();
}

// ---- the cat's parameters ----------------------------------------------------------------
function clean(p) {
  const out = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === "" || v === null || v === undefined) continue;
    if (v === false && k !== "darkForestTint") continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  if (out.tortie) out.isTortie = true;
  return out;
}

function previewUrl(p, scale) {
  return `render.png?params=${encodeURIComponent(JSON.stringify(clean(p)))}&scale=${scale}`;
}

function option(value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label ?? value;
  return o;
}

function select(name, values, { none = false, multiple = false, groups = null } = {}) {
  const s = document.createElement("select");
  s.name = name;
  s.multiple = multiple;
  if (none) s.append(option("", "none"));
  for (const v of values) s.append(option(v));
  for (const g of groups || []) {
    const og = document.createElement("optgroup");
    og.label = g.label;
    for (const c of g.colours) og.append(option(c));
    s.append(og);
  }
  return s;
}

function colourSelect(name) {
  return select(name, vocab.colour, { groups: vocab.paletteColours.map((p) => ({ label: p.label, colours: p.colours })) });
}

function labelled(text, control) {
  const l = document.createElement("label");
  l.append(text, control);
  return l;
}

function buildForm() {
  const f = $("#cat-form");
  f.textContent = "";
  const fields = [
    ["Pose", (() => { const i = document.createElement("input"); i.type = "range"; i.min = 0; i.max = 20; i.name = "spriteNumber"; return i; })()],
    ["Pelt", select("peltName", vocab.peltName)],
    ["Colour", colourSelect("colour")],
    ["Tortie base (Tortie/Calico)", select("tortieBase", vocab.tortieBase, { none: true })],
    ["Tint", select("tint", vocab.tint, { none: true })],
    ["White patches", select("whitePatches", vocab.whitePatches, { none: true })],
    ["White patch tint", select("whitePatchesTint", vocab.whitePatchesTint, { none: true })],
    ["Points", select("points", vocab.points, { none: true })],
    ["Vitiligo", select("vitiligo", vocab.vitiligo, { none: true })],
    ["Eyes", select("eyeColour", vocab.eyeColour)],
    ["Second eye", select("eyeColour2", vocab.eyeColour, { none: true })],
    ["Skin", select("skinColour", vocab.skinColour)],
    ["Scars", select("scars", vocab.scars.concat(vocab.missingParts), { multiple: true })],
    ["Accessories", select("accessories", vocab.accessories, { multiple: true })],
    ["Opacity", (() => { const i = document.createElement("input"); i.type = "number"; i.min = 0; i.max = 100; i.name = "opacity"; return i; })()],
    ["Dark Forest tint", (() => { const s = select("darkForestTint", [], {}); s.append(option("", "default"), option("true", "on"), option("false", "off")); return s; })()],
  ];
  for (const [text, control] of fields) f.append(labelled(text, control));
  const flags = document.createElement("fieldset");
  flags.append(Object.assign(document.createElement("legend"), { textContent: "Flags" }));
  for (const flag of ["shading", "dead", "darkForest", "reverse"]) {
    const c = document.createElement("input");
    c.type = "checkbox";
    c.name = flag;
    const l = document.createElement("label");
    l.style.flexDirection = "row";
    l.append(c, " " + flag);
    flags.append(l);
  }
  f.append(flags);
  const tortie = document.createElement("fieldset");
  tortie.id = "tortie";
  f.append(tortie);
  f.addEventListener("change", () => { readForm(); update(); });
  f.addEventListener("input", (e) => { if (e.target.type === "range") { readForm(); update(); } });
}

function buildTortie() {
  const box = $("#tortie");
  box.textContent = "";
  box.append(Object.assign(document.createElement("legend"), { textContent: "Tortie layers" }));
  cat.tortie.forEach((layer, i) => {
    const row = document.createElement("div");
    row.className = "row tortie-layer";
    const pattern = select(`tortie.${i}.pattern`, vocab.tortieBase);
    const colour = colourSelect(`tortie.${i}.colour`);
    const mask = select(`tortie.${i}.mask`, vocab.tortieMask, { none: true });
    pattern.value = layer.pattern;
    colour.value = layer.colour;
    mask.value = layer.mask || "";
    const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "Remove" });
    remove.addEventListener("click", () => { cat.tortie.splice(i, 1); buildTortie(); update(); });
    row.append(pattern, colour, mask, remove);
    box.append(row);
  });
  const add = Object.assign(document.createElement("button"), { type: "button", id: "add-tortie", textContent: "Add tortie layer" });
  add.addEventListener("click", () => {
    cat.tortie.push({ pattern: "Smoke", colour: "BLACK", mask: vocab.tortieMask[0] || "" });
    buildTortie();
    update();
  });
  box.append(add);
}

function writeForm() {
  const f = $("#cat-form");
  for (const el of f.elements) {
    if (!el.name || el.name.startsWith("tortie.")) continue;
    const v = cat[el.name];
    if (el.type === "checkbox") el.checked = Boolean(v);
    else if (el.multiple) for (const o of el.options) o.selected = (v || []).includes(o.value);
    else el.value = v === undefined || v === null ? (el.type === "range" ? 8 : "") : String(v);
  }
  buildTortie();
}

function readForm() {
  const f = $("#cat-form");
  const next = { tortie: [] };
  for (const el of f.elements) {
    if (!el.name) continue;
    const m = el.name.match(/^tortie\.(\d+)\.(\w+)$/);
    if (m) {
      next.tortie[+m[1]] = next.tortie[+m[1]] || {};
      if (el.value) next.tortie[+m[1]][m[2]] = el.value;
      continue;
    }
    if (el.type === "checkbox") next[el.name] = el.checked;
    else if (el.multiple) next[el.name] = [...el.selectedOptions].map((o) => o.value);
    else if (el.type === "range" || el.type === "number") next[el.name] = el.value === "" ? undefined : Number(el.value);
    else if (el.name === "darkForestTint") next[el.name] = el.value === "" ? undefined : el.value === "true";
    else next[el.name] = el.value;
  }
  next.tortie = next.tortie.filter(Boolean);
  cat = next;
}

function update() {
  const scale = Number($("#scale").value) || 8;
  const url = previewUrl(cat, scale);
  const img = $("#preview");
  img.onerror = async () => {
    const res = await fetch(url);
    showError(res.ok ? "the preview did not load" : await apiError(res));
  };
  img.onload = () => showError(null);
  img.src = url;
  const hash = "#" + encodeURIComponent(JSON.stringify(clean(cat)));
  history.replaceState(null, "", hash);
  $("#share").href = hash;
  const base = new URL(".", location.href).href;
  $("#curl").textContent = `curl -s '${base}render' -H 'accept: image/png' -H 'content-type: application/json' \\\n  -d '${JSON.stringify({ payload: { params: clean(cat) } })}' -o cat.png`;
}

function pick(list) { return list[Math.floor(Math.random() * list.length)]; }

function randomCat() {
  const palette = vocab.paletteColours.flatMap((p) => p.colours);
  const colour = () => (palette.length && Math.random() < 0.25 ? pick(palette) : pick(vocab.colour));
  cat = {
    spriteNumber: Math.floor(Math.random() * 21),
    peltName: pick(vocab.tortieBase),
    colour: colour(),
    eyeColour: pick(vocab.eyeColour),
    skinColour: pick(vocab.skinColour),
    whitePatches: Math.random() < 0.4 ? pick(vocab.whitePatches) : "",
    tint: Math.random() < 0.3 ? pick(vocab.tint) : "",
    shading: Math.random() < 0.5,
    accessories: Math.random() < 0.3 ? [pick(vocab.accessories)] : [],
    scars: Math.random() < 0.2 ? [pick(vocab.scars)] : [],
    tortie: Math.random() < 0.3 ? [{ pattern: pick(vocab.tortieBase), colour: colour(), mask: pick(vocab.tortieMask) }] : [],
  };
  writeForm();
  update();
}

// ---- layer inspector and pose strip -------------------------------------------------------
async function inspect() {
  const list = $("#layers");
  list.textContent = "";
  try {
    const body = await postJson("render", { payload: { params: clean(cat) }, options: { collectLayers: true, includeLayerImages: true } });
    for (const layer of body.layers || []) {
      const li = document.createElement("li");
      li.className = "layer";
      const img = Object.assign(document.createElement("img"), { src: layer.image, alt: layer.label });
      const text = document.createElement("div");
      text.innerHTML = "";
      text.append(Object.assign(document.createElement("strong"), { textContent: layer.label }),
        document.createElement("br"), `${layer.blend_mode || ""} · ${(layer.diagnostics || []).join(", ")}`);
      li.append(img, text);
      list.append(li);
    }
    showError(null);
  } catch (e) { showError(e.message); }
}

async function poses() {
  const box = $("#poses");
  box.textContent = "";
  const variants = Array.from({ length: 21 }, (_, n) => ({ id: `pose-${n}`, label: `pose ${n}`, spriteNumber: n }));
  try {
    const body = await postJson("render/batch", { payload: { params: clean(cat) }, variants, options: { includeBase: false, includeSources: true, columns: 7 } });
    for (const s of body.sources || []) {
      box.append(Object.assign(document.createElement("img"), { src: s.image, alt: s.id, title: s.id, className: "pose" }));
    }
    showError(null);
  } catch (e) { showError(e.message); }
}

// ---- chunk painter ----------------------------------------------------------------------
function tileset() { return vocab.tilesets.find((t) => t.name === $("#tileset").value) || vocab.tilesets[0]; }

function buildChunkControls() {
  const ts = $("#tileset");
  ts.textContent = "";
  for (const t of vocab.tilesets) ts.append(option(t.name));
  const fill = () => {
    const t = tileset();
    const brush = $("#brush");
    brush.textContent = "";
    brush.append(option("", "(empty)"));
    for (const g of t.ground) brush.append(option(g));
    brush.value = t.ground[0] || "";
    const ent = $("#entity");
    ent.textContent = "";
    ent.append(option("cat", "the current cat"));
    for (const s of t.sprites) ent.append(option(`tile:${s}`, s));
    resetGrid();
  };
  ts.addEventListener("change", fill);
  $("#cw").addEventListener("change", resetGrid);
  $("#ch").addEventListener("change", resetGrid);
  fill();
}

function resetGrid() {
  const w = Number($("#cw").value), h = Number($("#ch").value);
  const ground = tileset().ground[0] || null;
  grid = Array.from({ length: w * h }, () => ground);
  entities = [];
  drawGrid();
}

function drawGrid() {
  const w = Number($("#cw").value);
  const g = $("#grid");
  g.style.gridTemplateColumns = `repeat(${w}, 28px)`;
  g.textContent = "";
  grid.forEach((name, i) => {
    const c = document.createElement("div");
    c.className = "cell";
    c.dataset.index = i;
    c.textContent = name || "";
    c.style.background = name ? `hsl(${[...name].reduce((a, ch) => a + ch.charCodeAt(0) * 37, 0) % 360} 45% 70%)` : "#fff";
    c.addEventListener("click", (e) => {
      if (e.shiftKey) {
        const size = Number($("#cts").value);
        const x = (i % w) * size, y = Math.floor(i / w) * size;
        const pickEnt = $("#entity").value;
        entities.push(pickEnt === "cat" ? { x, y, z: entities.length, cat: clean(cat) } : { x, y, z: entities.length, tile: pickEnt.slice(5) });
      } else {
        grid[i] = $("#brush").value || null;
      }
      drawGrid();
    });
    g.append(c);
  });
  $("#entities").textContent = entities.length ? `${entities.length} entities: ${entities.map((e) => e.tile || "cat").join(", ")}` : "no entities (shift-click a cell)";
}

async function renderChunk() {
  const body = {
    tileset: tileset().name,
    width: Number($("#cw").value),
    height: Number($("#ch").value),
    tileSize: Number($("#cts").value),
    layers: [grid],
    entities,
  };
  try {
    const out = await postJson("render/chunk", body);
    const url = out.textureUrl.replace(/^\//, "");
    $("#texture").src = url;
    $("#texture-url").href = url;
    $("#texture-url").textContent = out.textureUrl;
    showError(null);
  } catch (e) { showError(e.message); }
}

// ---- service -----------------------------------------------------------------------------
async function health() {
  try {
    const res = await fetch("health");
    $("#health").textContent = JSON.stringify(await res.json(), null, 2);
  } catch (e) { $("#health").textContent = `health: ${e.message}`; }
}

// ---- start ------------------------------------------------------------------------------
async function start() {
  const res = await fetch("vocabulary");
  if (!res.ok) { showError(await apiError(res)); return; }
  vocab = await res.json();
  if (location.hash.length > 1) {
    try { cat = Object.assign({ tortie: [] }, JSON.parse(decodeURIComponent(location.hash.slice(1)))); } catch (_) { /* keep the default cat */ }
  }
  buildForm();
  writeForm();
  buildChunkControls();
  for (const b of document.querySelectorAll("nav button")) {
    b.addEventListener("click", () => {
      for (const x of document.querySelectorAll("nav button")) x.classList.toggle("active", x === b);
      for (const t of document.querySelectorAll(".tab")) t.classList.toggle("active", t.id === `tab-${b.dataset.tab}`);
    });
  }
  $("#random").addEventListener("click", randomCat);
  $("#scale").addEventListener("change", update);
  $("#inspect").addEventListener("click", inspect);
  $("#poses-go").addEventListener("click", poses);
  $("#chunk-go").addEventListener("click", renderChunk);
  update();
  health();
  setInterval(health, 3000);
  document.body.dataset.ready = "true";
}

start();
