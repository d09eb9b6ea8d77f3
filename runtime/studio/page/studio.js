// studio.js: the colour studio's page (docs/studio.md).  The page owns the hint
// list (with undo/redo); every edit sends the whole list to the server
// (PUT /api/hints), which answers with an edit generation; the preview of the
// newest generation is fetched (the server coalesces edits that arrive while the
// network runs, so older generations may never be drawn).
'use strict';

const TOKEN = new URLSearchParams(location.search).get('t') || '';
const $ = (id) => document.getElementById(id);
const api = (path) => path + (path.includes('?') ? '&' : '?') + 't=' + encodeURIComponent(TOKEN);

const st = {
  image: null,          // {width, height, name, id}
  hints: [],            // [{x, y, color: '#rrggbb', size}]
  undo: [], redo: [],
  sel: -1,              // selected hint
  gen: 0,               // newest edit generation sent
  shown: 0,             // generation on screen
  previewPixels: null,  // ImageData of the preview (initial colour of new hints)
  selL: 50,             // L at the selected hint
  drag: null,
  sendTimer: null,
};

function message(text) { $('message').textContent = text || ''; }

async function call(method, path, body, headers) {
  const r = await fetch(api(path), {method, body, headers: Object.assign({'X-Studio-Token': TOKEN}, headers || {})});
  if (!r.ok) {
    let msg = r.status + ' ' + r.statusText;
    try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return r;
}

// ---- colour: skimage's Lab (D65), as the server computes it ----
const M = [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]];
const W = [0.95047, 1.0, 1.08883];
function inv3(m) {
  const [a, b, c] = m[0], [d, e, f] = m[1], [g, h, i] = m[2];
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g, det = a * A + b * B + c * C;
  return [[A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
          [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
          [C / det, -(a * h - b * g) / det, (a * e - b * d) / det]];
}
const MI = inv3(M);
function labToRgb(L, a, b) {  // unclipped sRGB in [0,1] when in gamut
  let y = (L + 16) / 116, x = a / 500 + y, z = y - b / 200;
  if (z < 0) z = 0;
  const f = (t) => (t > 0.2068966 ? t * t * t : (t - 16 / 116) / 7.787);
  const X = f(x) * W[0], Y = f(y) * W[1], Z = f(z) * W[2];
  return MI.map((r) => {
    const v = r[0] * X + r[1] * Y + r[2] * Z;
    return v > 0.0031308 ? 1.055 * Math.pow(v, 1 / 2.4) - 0.055 : v * 12.92;
  });
}
function rgbToLab(rgb) {
  const lin = rgb.map((v) => (v > 0.04045 ? Math.pow((v + 0.055) / 1.055, 2.4) : v / 12.92));
  const xyz = M.map((r, k) => (r[0] * lin[0] + r[1] * lin[1] + r[2] * lin[2]) / W[k]);
  const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const [fx, fy, fz] = xyz.map(f);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
const hex = (rgb) => '#' + rgb.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, '0')).join('');
const parseHex = (h) => [1, 3, 5].map((i) => parseInt(h.substr(i, 2), 16) / 255);

// ---- drawing ----
function canvasSize() {
  const c = $('hints'), img = $('under');
  if (img.naturalWidth && (c.width !== img.naturalWidth || c.height !== img.naturalHeight)) {
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
  }
}

function drawHints() {
  canvasSize();
  const c = $('hints'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (!st.image) return;
  const sx = c.width / st.image.width, sy = c.height / st.image.height;
  st.hints.forEach((h, i) => {
    // the patch the network gets: size network pixels of 256 across the photo
    const w = Math.max(6, (h.size || 5) * c.width / 256), hh = Math.max(6, (h.size || 5) * c.height / 256);
    const x = (h.x + 0.5) * sx - w / 2, y = (h.y + 0.5) * sy - hh / 2;
    g.fillStyle = h.color;
    g.fillRect(x, y, w, hh);
    g.lineWidth = i === st.sel ? 3 : 1.5;
    g.strokeStyle = i === st.sel ? '#fff' : '#000';
    g.strokeRect(x, y, w, hh);
  });
}

function drawGamut() {
  const c = $('gamut'), g = c.getContext('2d'), n = c.width;
  const img = g.createImageData(n, n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const a = -110 + 220 * (i + 0.5) / n, b = 110 - 220 * (j + 0.5) / n;
      const rgb = labToRgb(st.selL, a, b);
      const ok = rgb.every((v) => v >= -0.002 && v <= 1.002);
      const k = 4 * (j * n + i);
      img.data[k] = rgb[0] * 255; img.data[k + 1] = rgb[1] * 255; img.data[k + 2] = rgb[2] * 255;
      img.data[k + 3] = ok ? 255 : 0;
    }
  }
  g.putImageData(img, 0, 0);
  if (st.sel >= 0) {
    const lab = rgbToLab(parseHex(st.hints[st.sel].color));
    const i = (lab[1] + 110) / 220 * n, j = (110 - lab[2]) / 220 * n;
    g.strokeStyle = '#fff'; g.lineWidth = 2;
    g.beginPath(); g.arc(i, j, 5, 0, 2 * Math.PI); g.stroke();
  }
}

function showSelection() {
  const h = st.hints[st.sel];
  $('delete').disabled = !h;
  $('swatch').style.background = h ? h.color : 'transparent';
  $('hex').textContent = h ? h.color : '—';
  $('sel-info').textContent = h ? `Hint at (${h.x}, ${h.y}), L ${st.selL.toFixed(0)}` : 'Select or add a hint.';
  drawGamut();
  drawHints();
}

async function loadSuggestions() {
  const box = $('suggestions');
  box.textContent = '';
  const h = st.hints[st.sel];
  if (!h) return;
  try {
    const r = await (await call('GET', `/api/suggest?x=${h.x}&y=${h.y}`)).json();
    st.selL = r.L;
    r.colors.forEach((s) => {
      const b = document.createElement('button');
      b.className = 'suggestion';
      b.dataset.color = s.color;
      b.style.background = s.color;
      b.title = `${s.color}: ${(100 * s.p).toFixed(1)} %`;
      b.textContent = (100 * s.p).toFixed(0) + '%';
      b.addEventListener('click', () => recolour(s.color));
      box.appendChild(b);
    });
    showSelection();
  } catch (e) { message('suggestions: ' + e.message); }
}

// ---- edits ----
function snapshot() { return JSON.parse(JSON.stringify(st.hints)); }
function pushUndo() {
  st.undo.push(snapshot());
  if (st.undo.length > 200) st.undo.shift();
  st.redo = [];
}
function buttons() {
  $('undo').disabled = !st.undo.length;
  $('redo').disabled = !st.redo.length;
}

function temperature() { return $('vivid').checked ? parseFloat($('temp').value) : 0; }

async function send() {
  st.sendTimer = null;
  if (!st.image) return;
  const body = JSON.stringify(st.hints.map((h) => (h.size && h.size !== 5 ? {x: h.x, y: h.y, color: h.color, size: h.size} : {x: h.x, y: h.y, color: h.color})));
  try {
    const r = await (await call('PUT', `/api/hints?temperature=${temperature()}`, body, {'Content-Type': 'application/json'})).json();
    st.gen = Math.max(st.gen, r.gen);
    refreshPreview(r.gen);
  } catch (e) { message(e.message); }
}

// every edit: now, or (while dragging) at most every 120 ms
function edited(throttle) {
  drawHints();
  buttons();
  if (throttle) {
    if (!st.sendTimer) st.sendTimer = setTimeout(send, 120);
  } else {
    if (st.sendTimer) { clearTimeout(st.sendTimer); st.sendTimer = null; }
    send();
  }
}

async function refreshPreview(gen) {
  const status = $('status');
  status.textContent = 'running…';
  const t0 = performance.now();
  try {
    const r = await call('GET', `/api/preview.png?gen=${gen}`);
    const shown = parseInt(r.headers.get('X-Studio-Gen') || '0', 10);
    const blob = await r.blob();
    if (shown < st.shown) return;  // an older answer arriving late
    st.shown = shown;
    const url = URL.createObjectURL(blob);
    const img = $('preview');
    img.onload = () => {
      if (st.previewUrl) URL.revokeObjectURL(st.previewUrl);  // the one before (the view may use it)
      st.previewUrl = url;
      const c = document.createElement('canvas');
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      st.previewPixels = g.getImageData(0, 0, c.width, c.height);
      img.dataset.gen = String(shown);
      status.dataset.gen = String(shown);
      const busy = shown < st.gen;
      status.textContent = busy ? 'running…' : `ready (${Math.round(performance.now() - t0)} ms)`;
      if ($('view').value === 'over') $('under').src = img.src;
    };
    img.src = url;
    if ($('entropy').checked) $('entropy-img').src = api('/api/entropy.png') + '&g=' + shown;
  } catch (e) { status.textContent = 'error'; message(e.message); }
}

function previewColour(x, y) {
  const p = st.previewPixels;
  if (!p || !st.image) return '#808080';
  const px = Math.min(p.width - 1, Math.floor(x * p.width / st.image.width));
  const py = Math.min(p.height - 1, Math.floor(y * p.height / st.image.height));
  const k = 4 * (py * p.width + px);
  return hex([p.data[k] / 255, p.data[k + 1] / 255, p.data[k + 2] / 255]);
}

function recolour(color) {
  if (st.sel < 0) return;
  pushUndo();
  st.hints[st.sel].color = color;
  showSelection();
  edited(false);
}

function select(i) {
  st.sel = i;
  showSelection();
  loadSuggestions();
}

// photo pixel under a mouse event on the hints canvas
function pixelAt(ev) {
  const c = $('hints'), r = c.getBoundingClientRect();
  const x = Math.floor((ev.clientX - r.left) / r.width * st.image.width);
  const y = Math.floor((ev.clientY - r.top) / r.height * st.image.height);
  return [Math.min(st.image.width - 1, Math.max(0, x)), Math.min(st.image.height - 1, Math.max(0, y))];
}

function hintAt(x, y) {
  const c = $('hints');
  for (let i = st.hints.length - 1; i >= 0; i--) {
    const h = st.hints[i];
    const rx = Math.max(4, (h.size || 5) / 2 * st.image.width / 256, 6 * st.image.width / c.clientWidth);
    const ry = Math.max(4, (h.size || 5) / 2 * st.image.height / 256, 6 * st.image.height / c.clientHeight);
    if (Math.abs(h.x - x) <= rx && Math.abs(h.y - y) <= ry) return i;
  }
  return -1;
}

function setupCanvas() {
  const c = $('hints');
  c.addEventListener('contextmenu', (ev) => {
    ev.preventDefault();
    if (!st.image) return;
    const [x, y] = pixelAt(ev), i = hintAt(x, y);
    if (i >= 0) { pushUndo(); st.hints.splice(i, 1); st.sel = -1; showSelection(); edited(false); }
  });
  c.addEventListener('mousedown', (ev) => {
    if (!st.image || !st.hintsSupported || ev.button !== 0) return;
    const [x, y] = pixelAt(ev);
    let i = hintAt(x, y);
    pushUndo();
    if (i < 0) {  // a new hint, with the colour the network gives there now
      st.hints.push({x, y, color: previewColour(x, y), size: parseInt($('size').value, 10)});
      i = st.hints.length - 1;
      edited(false);
      st.drag = {i, moved: false, added: true};
    } else {
      st.drag = {i, moved: false, added: false};
    }
    select(i);
  });
  window.addEventListener('mousemove', (ev) => {
    if (!st.drag) return;
    const [x, y] = pixelAt(ev), h = st.hints[st.drag.i];
    if (h.x === x && h.y === y) return;
    h.x = x; h.y = y; st.drag.moved = true;
    edited(true);
  });
  window.addEventListener('mouseup', () => {
    if (!st.drag) return;
    const d = st.drag;
    st.drag = null;
    if (d.moved) { edited(false); loadSuggestions(); }
    else if (!d.added) { st.undo.pop(); buttons(); }  // a plain selection is no edit
  });
}

// ---- photo, hints files ----
async function loadState() {
  const s = await (await call('GET', '/api/state')).json();
  const sel = $('baseline');
  if (sel.options.length === 1) {
    s.baselines.forEach((b) => { const o = document.createElement('option'); o.value = b; o.textContent = b; sel.appendChild(o); });
  }
  st.hintsSupported = s.hints_supported;
  if (!s.hints_supported) $('left-title').textContent = `Photo (${s.model} takes no hints)`;
  return s;
}

async function newPhoto() {
  const s = await loadState();
  st.image = s.image;
  st.hints = []; st.undo = []; st.redo = []; st.sel = -1; st.shown = 0;
  st.gen = s.gen;
  buttons();
  if (!st.image) { $('status').textContent = 'no photo: open or drop one'; return; }
  let name = st.image.name;
  try { name = decodeURIComponent(name); } catch (e) { /* as sent */ }
  document.title = name + ' — colour studio';
  $('export').href = api('/api/export.png');
  $('save-hints').href = api('/api/hints.json');
  // named after the photo, as the server names it: scene-0003-f000412.png -> .json
  const stem = name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  $('save-hints').download = (stem || 'hints') + '.json';
  await refreshPreview(s.gen);
  const img = $('under');
  img.onload = () => drawHints();
  img.src = $('view').value === 'over' ? $('preview').src : api('/api/photo.png') + '&i=' + st.image.id;
  showSelection();
  updateBaseline();
}

async function upload(file) {
  if (!file) return;
  message('');
  $('status').textContent = 'uploading…';
  try {
    await call('POST', '/api/image', file, {'X-Studio-Name': encodeURIComponent(file.name).slice(0, 100)});
    await newPhoto();
  } catch (e) { $('status').textContent = 'error'; message(e.message); }
}

async function loadHintsFile(file) {
  if (!file || !st.image) return;
  try {
    const text = await file.text();
    const list = JSON.parse(text);
    await call('PUT', `/api/hints?temperature=${temperature()}`, text, {'Content-Type': 'application/json'});
    pushUndo();
    st.hints = list.map((h) => ({x: h.x, y: h.y, color: h.color.toLowerCase(), size: h.size || 5}));
    st.sel = -1;
    showSelection();
    edited(false);
  } catch (e) { message('hints file: ' + e.message); }
}

function updateBaseline() {
  const name = $('baseline').value;
  $('base-panel').hidden = !name;
  if (name && st.image) {
    $('base-title').textContent = name + ' (automatic)';
    $('base-img').src = api('/api/baseline.png?name=' + encodeURIComponent(name)) + '&i=' + st.image.id;
  }
}

function setupControls() {
  $('file').addEventListener('change', (ev) => upload(ev.target.files[0]));
  $('hints-file').addEventListener('change', (ev) => { loadHintsFile(ev.target.files[0]); ev.target.value = ''; });
  $('undo').addEventListener('click', () => {
    if (!st.undo.length) return;
    st.redo.push(snapshot()); st.hints = st.undo.pop(); st.sel = -1; showSelection(); edited(false);
  });
  $('redo').addEventListener('click', () => {
    if (!st.redo.length) return;
    st.undo.push(snapshot()); st.hints = st.redo.pop(); st.sel = -1; showSelection(); edited(false);
  });
  $('delete').addEventListener('click', () => {
    if (st.sel < 0) return;
    pushUndo(); st.hints.splice(st.sel, 1); st.sel = -1; showSelection(); edited(false);
  });
  $('size').addEventListener('input', () => {
    $('size-val').textContent = $('size').value;
    if (st.sel >= 0) { pushUndo(); st.hints[st.sel].size = parseInt($('size').value, 10); edited(false); }
  });
  $('vivid').addEventListener('change', () => { $('temp').disabled = !$('vivid').checked; edited(false); });
  $('temp').addEventListener('input', () => { $('temp-val').textContent = $('temp').value; edited(true); });
  $('view').addEventListener('change', () => {
    const over = $('view').value === 'over';
    $('right').hidden = over;
    $('under').src = over ? $('preview').src : api('/api/photo.png') + '&i=' + (st.image ? st.image.id : 0);
  });
  $('entropy').addEventListener('change', () => {
    $('entropy-img').hidden = !$('entropy').checked;
    if ($('entropy').checked) $('entropy-img').src = api('/api/entropy.png') + '&g=' + st.shown;
  });
  $('baseline').addEventListener('change', updateBaseline);
  $('gamut').addEventListener('click', (ev) => {
    if (st.sel < 0) return;
    const c = $('gamut'), r = c.getBoundingClientRect();
    const a = -110 + 220 * (ev.clientX - r.left) / r.width, b = 110 - 220 * (ev.clientY - r.top) / r.height;
    const rgb = labToRgb(st.selL, a, b);
    if (rgb.every((v) => v >= -0.002 && v <= 1.002)) recolour(hex(rgb));
  });
  document.addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'z') $('undo').click();
    else if ((ev.ctrlKey || ev.metaKey) && ev.key === 'y') $('redo').click();
    else if ((ev.key === 'Delete' || ev.key === 'Backspace') && st.sel >= 0 && ev.target === document.body) $('delete').click();
  });
  const drop = document.body;
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); $('drop').classList.add('dragging'); });
  drop.addEventListener('dragleave', () => $('drop').classList.remove('dragging'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    $('drop').classList.remove('dragging');
    const f = ev.dataTransfer.files[0];
    if (f && /json$/i.test(f.name)) loadHintsFile(f); else upload(f);
  });
}

setupCanvas();
setupControls();
drawGamut();
newPhoto().catch((e) => message(e.message));
