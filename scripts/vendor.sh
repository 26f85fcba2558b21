#!/usr/bin/env bash
# Vendor the front-end assets listed in package.json into static/vendor/,
# and the TrueType font the licence PDFs embed into dgov/licences/fonts/.
#
# Pages must work with no internet, so every script and font is committed
# under static/vendor/. This script rebuilds that folder from the exact
# versions pinned in package.json + package-lock.json:
#
#   static/vendor/htmx/          htmx.min.js, LICENSE              (htmx.org 2.x)
#   static/vendor/noto-sans-sc/  noto-sans-sc.css, files/*.woff2, LICENSE
#                                (@fontsource/noto-sans-sc, weights 400 + 700 only)
#   static/vendor/axe-core/      axe.min.js, LICENSE, LICENSE-3RD-PARTY.txt
#                                (axe-core 4.x; browser tests only, never
#                                 referenced from templates)
#   static/vendor/bpmn-js/       bpmn-navigated-viewer + bpmn-modeler
#                                .production.min.js, assets/*.css, the
#                                bpmn-font files its CSS names, LICENSE
#                                (bpmn-js 18.x; the bpmn.io watermark stays)
#   static/vendor/camunda-bpmn-moddle/  camunda.json, LICENSE (8.x; lets the
#                                modeler read and write camunda:properties
#                                and camunda:formData)
#   static/vendor/dmn-js/        dmn-viewer + dmn-modeler .production.min.js,
#                                assets/*.css, the dmn-font files its CSS
#                                names, LICENSE (dmn-js 17.x; the decision-
#                                table console; the bpmn.io watermark stays)
#   static/vendor/echarts/       echarts.min.js (the full UMD bundle, window.echarts),
#                                LICENSE, NOTICE, licenses/LICENSE-d3,
#                                LICENSE-zrender (echarts 6.x, Apache-2.0; the
#                                hotline statistics and indicator dashboards)
#   static/vendor/VERSIONS.md    what was taken, from which version, which licence
#   dgov/licences/fonts/         NotoSansSC-Regular.ttf, OFL.txt, README.md
#                                (@expo-google-fonts/noto-sans-sc 0.4.x, weight
#                                 400 only: a TrueType font with glyf outlines,
#                                 which ReportLab can embed in PDFs and Pillow
#                                 draws the e-seal text with; the woff2 slices
#                                 above are of no use to either)
#
# Usage:
#   bash scripts/vendor.sh            # reproduce static/vendor from the lockfile (npm ci)
#   bash scripts/vendor.sh --update   # first bump the pins to the newest htmx.org 2.x,
#                                     # axe-core 4.x, bpmn-js 18.x,
#                                     # camunda-bpmn-moddle 8.x, dmn-js 17.x,
#                                     # echarts 6.x, @fontsource/noto-sans-sc and
#                                     # @expo-google-fonts/noto-sans-sc 0.4.x,
#                                     # rewriting package.json + package-lock.json
#
# Packages are installed into a temporary directory (deleted on exit), so no
# node_modules/ is ever created inside the repository. Only the package
# folders above, VERSIONS.md and the three files in dgov/licences/fonts/ are
# replaced; anything else is left alone. Needs node + npm and access to the npm
# registry.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
PDF_FONTS="$ROOT/dgov/licences/fonts"

# Major versions this project is written against; a bump past them needs a
# human to check templates/tests, so the script refuses rather than copy.
HTMX_MAJOR=2
AXE_MAJOR=4
BPMN_MAJOR=18
CAMUNDA_MODDLE_MAJOR=8
DMN_MAJOR=17
ECHARTS_MAJOR=6
FONT_WEIGHTS="400 700"
# 0.x: a minor release may move files, so the pin stays within 0.4.
PDF_FONT_RANGE=0.4

update=0
case "${1:-}" in
  "") ;;
  --update) update=1 ;;
  -h|--help) sed -n '2,51p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "vendor.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "vendor.sh: '$tool' is required" >&2; exit 1; }
done
[ -f "$ROOT/package.json" ] || { echo "vendor.sh: $ROOT/package.json not found" >&2; exit 1; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/dgov-vendor.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

if [ "$update" = 1 ]; then
  echo "==> updating pins in package.json / package-lock.json"
  # --package-lock-only: rewrites the two files, never creates node_modules here.
  (cd "$ROOT" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund \
      --save-dev --save-exact \
      "htmx.org@$HTMX_MAJOR" "axe-core@$AXE_MAJOR" "@fontsource/noto-sans-sc@latest" \
      "bpmn-js@$BPMN_MAJOR" "camunda-bpmn-moddle@$CAMUNDA_MODDLE_MAJOR" "dmn-js@$DMN_MAJOR" \
      "echarts@$ECHARTS_MAJOR" "@expo-google-fonts/noto-sans-sc@~$PDF_FONT_RANGE")
fi
[ -f "$ROOT/package-lock.json" ] || {
  echo "vendor.sh: package-lock.json missing; run 'npm install --package-lock-only' (or this script with --update)" >&2
  exit 1
}

echo "==> npm ci into $TMP/npm"
mkdir -p "$TMP/npm"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$TMP/npm/"
(cd "$TMP/npm" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
NM="$TMP/npm/node_modules"

OUT="$TMP/out"
mkdir -p "$OUT/htmx" "$OUT/noto-sans-sc/files" "$OUT/axe-core" "$OUT/bpmn-js" "$OUT/camunda-bpmn-moddle" \
  "$OUT/dmn-js" "$OUT/echarts" "$OUT/pdf-fonts"

echo "==> staging files"
NM="$NM" OUT="$OUT" ROOT="$ROOT" HTMX_MAJOR="$HTMX_MAJOR" AXE_MAJOR="$AXE_MAJOR" \
BPMN_MAJOR="$BPMN_MAJOR" CAMUNDA_MODDLE_MAJOR="$CAMUNDA_MODDLE_MAJOR" DMN_MAJOR="$DMN_MAJOR" \
ECHARTS_MAJOR="$ECHARTS_MAJOR" FONT_WEIGHTS="$FONT_WEIGHTS" PDF_FONT_RANGE="$PDF_FONT_RANGE" node - <<'NODE'
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const NM = process.env.NM, OUT = process.env.OUT, ROOT = process.env.ROOT;
const weights = process.env.FONT_WEIGHTS.split(/\s+/).filter(Boolean);
const die = (msg) => { console.error('vendor.sh: ' + msg); process.exit(1); };
const pkgDir = (name) => path.join(NM, ...name.split('/'));
const meta = (name) => JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const integrity = (name) => (lock.packages['node_modules/' + name] || {}).integrity || 'n/a';
const sha256 = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const copy = (name, from, to) => {
  const src = path.join(pkgDir(name), from);
  if (!fs.existsSync(src)) die(`${name}: ${from} not found in the package`);
  fs.mkdirSync(path.dirname(path.join(OUT, to)), { recursive: true });
  fs.copyFileSync(src, path.join(OUT, to));
};
const major = (v) => Number(String(v).split('.')[0]);

// ---- htmx.org -------------------------------------------------------------
const htmx = meta('htmx.org');
if (major(htmx.version) !== Number(process.env.HTMX_MAJOR))
  die(`htmx.org ${htmx.version} is not ${process.env.HTMX_MAJOR}.x; pin a ${process.env.HTMX_MAJOR}.x version in package.json`);
copy('htmx.org', 'dist/htmx.min.js', 'htmx/htmx.min.js');
copy('htmx.org', 'LICENSE', 'htmx/LICENSE');

// ---- axe-core -------------------------------------------------------------
const axe = meta('axe-core');
if (major(axe.version) !== Number(process.env.AXE_MAJOR))
  die(`axe-core ${axe.version} is not ${process.env.AXE_MAJOR}.x; pin a ${process.env.AXE_MAJOR}.x version in package.json`);
copy('axe-core', 'axe.min.js', 'axe-core/axe.min.js');
copy('axe-core', 'LICENSE', 'axe-core/LICENSE');
// axe.min.js bundles MIT-licensed third-party code; its notices travel with it.
const axeThirdParty = fs.existsSync(path.join(pkgDir('axe-core'), 'LICENSE-3RD-PARTY.txt'));
if (axeThirdParty) copy('axe-core', 'LICENSE-3RD-PARTY.txt', 'axe-core/LICENSE-3RD-PARTY.txt');

// ---- @fontsource/noto-sans-sc ---------------------------------------------
// <weight>.css in the package declares every unicode-range slice of that
// weight (numbered Chinese slices + cyrillic/vietnamese/latin-ext/latin),
// each with a woff2 and a woff src. We keep the same @font-face blocks, drop
// the woff src, force font-display: swap, and copy only the woff2 files the
// blocks reference. url()s stay "./files/…", relative to noto-sans-sc.css.
const FONT = '@fontsource/noto-sans-sc';
const font = meta(FONT);
const FAMILY = 'Noto Sans SC';
const fontFiles = [];
const subsets = {};
let css = `/* Noto Sans SC, weights ${weights.join(' + ')} (woff2 only).\n` +
          ` * From npm ${FONT}@${font.version}, files ${weights.map((w) => w + '.css').join(' + ')};\n` +
          ` * generated by scripts/vendor.sh, do not edit by hand.\n` +
          ` * Font licence: SIL Open Font License 1.1, see ./LICENSE. */\n`;
for (const w of weights) {
  const srcCss = fs.readFileSync(path.join(pkgDir(FONT), `${w}.css`), 'utf8');
  const blocks = [...srcCss.matchAll(/(\/\*[^*]*\*\/\s*)?@font-face\s*\{([^}]*)\}/g)];
  if (blocks.length === 0) die(`${FONT}/${w}.css: no @font-face blocks`);
  subsets[w] = [];
  for (const [, comment, body] of blocks) {
    const prop = (name) => {
      const m = body.match(new RegExp(`(?:^|;|\\s)${name}\\s*:\\s*([^;]+);`));
      return m ? m[1].trim() : null;
    };
    const family = (prop('font-family') || '').replace(/^['"]|['"]$/g, '');
    if (family !== FAMILY) die(`${w}.css: unexpected font-family ${family}`);
    if (prop('font-weight') !== w) die(`${w}.css: unexpected font-weight ${prop('font-weight')}`);
    const range = prop('unicode-range');
    if (!range) die(`${w}.css: @font-face without unicode-range`);
    const m = (prop('src') || '').match(/url\(\s*['"]?(?:\.\/)?files\/([^'")]+\.woff2)['"]?\s*\)\s*format\(\s*['"]woff2['"]\s*\)/);
    if (!m) die(`${w}.css: @font-face without a woff2 src`);
    const file = m[1];
    if (!fs.existsSync(path.join(pkgDir(FONT), 'files', file))) die(`${FONT}: files/${file} missing`);
    fontFiles.push(file);
    subsets[w].push(file.replace(/^noto-sans-sc-/, '').replace(new RegExp(`-${w}-normal\\.woff2$`), ''));
    css += '\n' + (comment ? comment.trim() + '\n' : '') +
      '@font-face {\n' +
      `  font-family: '${FAMILY}';\n` +
      `  font-style: ${prop('font-style') || 'normal'};\n` +
      '  font-display: swap;\n' +
      `  font-weight: ${w};\n` +
      `  src: url(./files/${file}) format('woff2');\n` +
      `  unicode-range: ${range};\n` +
      '}\n';
  }
}
if (new Set(fontFiles).size !== fontFiles.length) die('duplicate font files referenced');
fs.writeFileSync(path.join(OUT, 'noto-sans-sc/noto-sans-sc.css'), css);
for (const f of fontFiles) copy(FONT, `files/${f}`, `noto-sans-sc/files/${f}`);
copy(FONT, 'LICENSE', 'noto-sans-sc/LICENSE');

// ---- bpmn-js ----------------------------------------------------------------
// The prebuilt UMD bundles (each defines window.BpmnJS): the navigated viewer
// for read-only diagrams, the modeler for the editor. The bundles carry
// bpmn-io's own MIT dependencies (diagram-js, moddle, min-dash, ...). The
// licence requires the bpmn.io watermark to stay visible: never hide
// .bjs-powered-by in our CSS. The CSS files are copied as they are; every
// url() they name (the bpmn icon font) is copied beside them.
const BPMN = 'bpmn-js';
const bpmn = meta(BPMN);
if (major(bpmn.version) !== Number(process.env.BPMN_MAJOR))
  die(`bpmn-js ${bpmn.version} is not ${process.env.BPMN_MAJOR}.x; pin a ${process.env.BPMN_MAJOR}.x version in package.json`);
const bpmnBundles = ['bpmn-navigated-viewer.production.min.js', 'bpmn-modeler.production.min.js'];
for (const f of bpmnBundles) copy(BPMN, `dist/${f}`, `bpmn-js/${f}`);
const bpmnCss = ['assets/diagram-js.css', 'assets/bpmn-js.css', 'assets/bpmn-font/css/bpmn.css'];
const bpmnFonts = new Set();
for (const f of bpmnCss) {
  copy(BPMN, `dist/${f}`, `bpmn-js/${f}`);
  const text = fs.readFileSync(path.join(OUT, 'bpmn-js', f), 'utf8');
  for (const [, ref] of text.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/g)) {
    if (/^(data:|#)/.test(ref)) continue;
    if (/^[a-z]+:|^\/\//i.test(ref)) die(`bpmn-js: ${f} refers to a remote URL: ${ref}`);
    bpmnFonts.add(path.posix.normalize(path.posix.join(path.posix.dirname(f), ref.replace(/[?#].*$/, ''))));
  }
}
if (bpmnFonts.size === 0) die('bpmn-js: the CSS names no font files (layout changed?)');
for (const f of [...bpmnFonts].sort()) copy(BPMN, `dist/${f}`, `bpmn-js/${f}`);
copy(BPMN, 'LICENSE', 'bpmn-js/LICENSE');
const bpmnLicence = fs.readFileSync(path.join(OUT, 'bpmn-js/LICENSE'), 'utf8');
if (!/watermark/i.test(bpmnLicence)) die('bpmn-js: LICENSE no longer mentions the watermark; read the new terms');
// package.json says "SEE LICENSE IN LICENSE": the MIT text plus the watermark clause.
const bpmnLicenceName = /^SEE LICENSE/i.test(bpmn.license || '') ? 'bpmn.io licence (MIT + watermark clause)' : bpmn.license;

// ---- camunda-bpmn-moddle ----------------------------------------------------
// The moddle descriptor of the camunda: namespace, the platform's BPMN dialect
// (see dgov/workflow/dialect.py). Loaded by the modeler as moddleExtensions.
const CAMUNDA = 'camunda-bpmn-moddle';
const camunda = meta(CAMUNDA);
if (major(camunda.version) !== Number(process.env.CAMUNDA_MODDLE_MAJOR))
  die(`${CAMUNDA} ${camunda.version} is not ${process.env.CAMUNDA_MODDLE_MAJOR}.x; pin a ${process.env.CAMUNDA_MODDLE_MAJOR}.x version in package.json`);
copy(CAMUNDA, 'resources/camunda.json', 'camunda-bpmn-moddle/camunda.json');
copy(CAMUNDA, 'LICENSE', 'camunda-bpmn-moddle/LICENSE');
const camundaPrefix = JSON.parse(fs.readFileSync(path.join(OUT, 'camunda-bpmn-moddle/camunda.json'), 'utf8')).prefix;
if (camundaPrefix !== 'camunda') die(`${CAMUNDA}: camunda.json has prefix ${camundaPrefix}, not camunda`);

// ---- dmn-js -------------------------------------------------------------------
// The decision-table console (dgov/workflow/static/workflow/decisions.js): the
// prebuilt UMD bundles, each defining window.DmnJS: the viewer for the read-only
// table, the modeler for editing. They bundle the dmn-js-* view packages, diagram-js
// and dmn-moddle (bpmn-io, MIT). Same licence as bpmn-js: the bpmn.io watermark
// (.bjs-powered-by) stays visible. The CSS files are copied as they are (the
// modeler's views need the controls CSS too); every url() they name (the dmn icon
// font) is copied beside them. No camunda moddle extension: the platform's tables
// use plain DMN 1.3 (see dgov/workflow/dmn.py).
const DMN = 'dmn-js';
const dmnPkg = meta(DMN);
if (major(dmnPkg.version) !== Number(process.env.DMN_MAJOR))
  die(`dmn-js ${dmnPkg.version} is not ${process.env.DMN_MAJOR}.x; pin a ${process.env.DMN_MAJOR}.x version in package.json`);
const dmnBundles = ['dmn-viewer.production.min.js', 'dmn-modeler.production.min.js'];
for (const f of dmnBundles) copy(DMN, `dist/${f}`, `dmn-js/${f}`);
const dmnCss = [
  'assets/diagram-js.css', 'assets/dmn-js-shared.css', 'assets/dmn-js-drd.css',
  'assets/dmn-js-decision-table.css', 'assets/dmn-js-decision-table-controls.css',
  'assets/dmn-js-literal-expression.css', 'assets/dmn-js-boxed-expression.css',
  'assets/dmn-js-boxed-expression-controls.css', 'assets/dmn-font/css/dmn.css',
];
const dmnFonts = new Set();
for (const f of dmnCss) {
  copy(DMN, `dist/${f}`, `dmn-js/${f}`);
  const text = fs.readFileSync(path.join(OUT, 'dmn-js', f), 'utf8');
  for (const [, ref] of text.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/g)) {
    if (/^(data:|#)/.test(ref)) continue;
    if (/^[a-z]+:|^\/\//i.test(ref)) die(`dmn-js: ${f} refers to a remote URL: ${ref}`);
    dmnFonts.add(path.posix.normalize(path.posix.join(path.posix.dirname(f), ref.replace(/[?#].*$/, ''))));
  }
}
if (dmnFonts.size === 0) die('dmn-js: the CSS names no font files (layout changed?)');
for (const f of [...dmnFonts].sort()) copy(DMN, `dist/${f}`, `dmn-js/${f}`);
copy(DMN, 'LICENSE', 'dmn-js/LICENSE');
const dmnLicence = fs.readFileSync(path.join(OUT, 'dmn-js/LICENSE'), 'utf8');
if (!/watermark/i.test(dmnLicence)) die('dmn-js: LICENSE no longer mentions the watermark; read the new terms');
const dmnLicenceName = /^SEE LICENSE/i.test(dmnPkg.license || '') ? 'bpmn.io licence (MIT + watermark clause)' : dmnPkg.license;

// ---- echarts -------------------------------------------------------------------
// The full prebuilt UMD bundle (defines window.echarts; every chart type and both
// renderers), so pages need no build step. It bundles zrender (BSD-3-Clause, Baidu)
// and tslib (0BSD), and embeds d3.js code (BSD-3-Clause) that echarts' LICENSE points
// to in licenses/LICENSE-d3: the BSD texts travel with the binary, as their clause 2
// asks, beside echarts' own LICENSE and the NOTICE that Apache-2.0 section 4(d) says
// redistributions must carry.
const ECHARTS = 'echarts';
const echartsPkg = meta(ECHARTS);
if (major(echartsPkg.version) !== Number(process.env.ECHARTS_MAJOR))
  die(`echarts ${echartsPkg.version} is not ${process.env.ECHARTS_MAJOR}.x; pin a ${process.env.ECHARTS_MAJOR}.x version in package.json`);
if (echartsPkg.license !== 'Apache-2.0') die(`echarts: licence is now ${echartsPkg.license}; read the new terms`);
const zrender = meta('zrender');
copy(ECHARTS, 'dist/echarts.min.js', 'echarts/echarts.min.js');
copy(ECHARTS, 'LICENSE', 'echarts/LICENSE');
copy(ECHARTS, 'NOTICE', 'echarts/NOTICE');
copy(ECHARTS, 'licenses/LICENSE-d3', 'echarts/licenses/LICENSE-d3');
copy('zrender', 'LICENSE', 'echarts/LICENSE-zrender');
if (!/Apache License\s+Version 2\.0/.test(fs.readFileSync(path.join(OUT, 'echarts/LICENSE'), 'utf8')))
  die('echarts: LICENSE is not the Apache License 2.0; read the new terms');

// ---- @expo-google-fonts/noto-sans-sc ---------------------------------------
// Not a web asset: the licence PDFs (ReportLab) and the e-seal images (Pillow)
// need one TrueType font with glyf outlines; ReportLab embeds a subset of it in
// every PDF. Only the Regular weight is taken, unchanged, with its OFL text; the
// package's MIT LICENSE covers Expo's JavaScript loader, which is not taken.
const PDF_FONT = '@expo-google-fonts/noto-sans-sc';
const pdfFont = meta(PDF_FONT);
if (!String(pdfFont.version).startsWith(process.env.PDF_FONT_RANGE + '.'))
  die(`${PDF_FONT} ${pdfFont.version} is not ${process.env.PDF_FONT_RANGE}.x; pin a ${process.env.PDF_FONT_RANGE}.x version in package.json`);
const PDF_FONT_SRC = '400Regular/NotoSansSC_400Regular.ttf';
const PDF_FONT_FILE = 'NotoSansSC-Regular.ttf';
copy(PDF_FONT, PDF_FONT_SRC, `pdf-fonts/${PDF_FONT_FILE}`);
copy(PDF_FONT, 'LICENSE_FONT', 'pdf-fonts/OFL.txt');
if (!/SIL Open Font License/.test(fs.readFileSync(path.join(OUT, 'pdf-fonts/OFL.txt'), 'utf8')))
  die(`${PDF_FONT}: LICENSE_FONT is not the SIL Open Font License; read the new terms`);
// The sfnt table directory: TrueType outlines ('glyf'), not CFF, or ReportLab refuses it.
const ttf = fs.readFileSync(path.join(OUT, 'pdf-fonts', PDF_FONT_FILE));
const ttfTables = {};
for (let i = 0; i < ttf.readUInt16BE(4); i++) {
  const at = 12 + 16 * i;
  ttfTables[ttf.toString('latin1', at, at + 4)] = { offset: ttf.readUInt32BE(at + 8), length: ttf.readUInt32BE(at + 12) };
}
if (ttf.readUInt32BE(0) !== 0x00010000 || !ttfTables.glyf || ttfTables['CFF '] || !ttfTables.name)
  die(`${PDF_FONT}: ${PDF_FONT_SRC} is not a TrueType (glyf) font`);
// name table, Windows Unicode English records: 4 = full name, 5 = version string.
const ttfName = (id) => {
  const base = ttfTables.name.offset;
  const strings = base + ttf.readUInt16BE(base + 4);
  for (let i = 0; i < ttf.readUInt16BE(base + 2); i++) {
    const r = base + 6 + 12 * i;
    if (ttf.readUInt16BE(r) === 3 && ttf.readUInt16BE(r + 2) === 1 && ttf.readUInt16BE(r + 4) === 0x409 && ttf.readUInt16BE(r + 6) === id) {
      const start = strings + ttf.readUInt16BE(r + 10);
      return Buffer.from(ttf.subarray(start, start + ttf.readUInt16BE(r + 8))).swap16().toString('utf16le');
    }
  }
  die(`${PDF_FONT}: ${PDF_FONT_SRC} has no English name record ${id}`);
};
const pdfFontName = ttfName(4), pdfFontVersion = ttfName(5).split(';')[0];
const pdfFontSha = sha256(path.join(OUT, 'pdf-fonts', PDF_FONT_FILE));
const pdfFontMiB = (ttf.length / 1048576).toFixed(1);
fs.writeFileSync(path.join(OUT, 'pdf-fonts/README.md'), [
  '# Font for licence PDFs and e-seal images', '',
  'Generated by `scripts/vendor.sh` from `package.json` / `package-lock.json`; do not edit by hand.', '',
  `- \`${PDF_FONT_FILE}\`: ${pdfFontName} (${pdfFontVersion}), from npm \`${PDF_FONT}@${pdfFont.version}\`,`,
  `  file \`${PDF_FONT_SRC}\`, unchanged (${pdfFontMiB} MiB, sha256 \`${pdfFontSha}\`).`,
  '- Licence: SIL Open Font License 1.1, text in `OFL.txt` (the package\'s `LICENSE_FONT`). The package\'s',
  '  own MIT licence covers Expo\'s JavaScript loader, which is not taken.',
  '- Why a TTF: ReportLab embeds (and subsets) only TrueType fonts with `glyf` outlines, and Pillow draws',
  '  the e-seal text with the same file. The woff2 slices in `static/vendor/noto-sans-sc/` are for',
  '  browsers only; the Noto CJK OTF/OTC files have CFF outlines, which ReportLab cannot embed.',
  '- Used by `dgov/licences/sealimage.py` (`FONT_PATH`, `register_pdf_font()`) and',
  '  `dgov/licences/rendering.py`. Not a static file: never served to browsers.',
  '',
].join('\n'));

// ---- VERSIONS.md ----------------------------------------------------------
const fontBytes = fontFiles.reduce((n, f) => n + fs.statSync(path.join(OUT, 'noto-sans-sc/files', f)).size, 0);
const sameSubsets = weights.every((w) => subsets[w].join() === subsets[weights[0]].join());
const md = [];
md.push('# Vendored front-end assets', '');
md.push('Generated by `scripts/vendor.sh` from `package.json` / `package-lock.json`; do not edit by hand.');
md.push('To refresh: `bash scripts/vendor.sh` (same pins) or `bash scripts/vendor.sh --update` (newest allowed versions).', '');
md.push('| Package (npm) | Version | Licence | Folder | Used by |');
md.push('| --- | --- | --- | --- | --- |');
md.push(`| \`htmx.org\` | ${htmx.version} | ${htmx.license} | \`htmx/\` | pages (templates) |`);
md.push(`| \`${FONT}\` | ${font.version} | ${font.license} | \`noto-sans-sc/\` | pages (templates) |`);
md.push(`| \`axe-core\` | ${axe.version} | ${axe.license} | \`axe-core/\` | browser tests only; not to be referenced from templates |`);
md.push(`| \`${BPMN}\` | ${bpmn.version} | ${bpmnLicenceName} | \`bpmn-js/\` | workflow console and diagram include (templates) |`);
md.push(`| \`${CAMUNDA}\` | ${camunda.version} | ${camunda.license} | \`camunda-bpmn-moddle/\` | the BPMN modeler (static/js/bpmn-console.js) |`);
md.push(`| \`${DMN}\` | ${dmnPkg.version} | ${dmnLicenceName} | \`dmn-js/\` | decision-table console (dgov/workflow/static/workflow/decisions.js) |`);
md.push(`| \`${ECHARTS}\` | ${echartsPkg.version} | ${echartsPkg.license} | \`echarts/\` | hotline statistics (dgov/hotline/static/hotline/stats.js); indicator dashboards |`);
md.push(`| \`${PDF_FONT}\` | ${pdfFont.version} | OFL-1.1 (font) | \`dgov/licences/fonts/\` (outside static/) | licence PDFs and e-seal images (ReportLab, Pillow); not served |`);
md.push('');
md.push(`## htmx.org ${htmx.version}`, '');
md.push(`- Licence: ${htmx.license} (Zero-Clause BSD), text in \`htmx/LICENSE\``);
md.push(`- npm integrity: \`${integrity('htmx.org')}\``);
md.push('- Files taken:');
md.push(`  - \`dist/htmx.min.js\` → \`htmx/htmx.min.js\` (sha256 \`${sha256(path.join(OUT, 'htmx/htmx.min.js'))}\`)`);
md.push('  - `LICENSE` → `htmx/LICENSE`', '');
md.push(`## ${FONT} ${font.version}`, '');
md.push(`- Licence: ${font.license} (SIL Open Font License 1.1), text in \`noto-sans-sc/LICENSE\``);
md.push(`- npm integrity: \`${integrity(FONT)}\``);
md.push(`- font-family \`'${FAMILY}'\`, style normal, weights ${weights.join(' and ')}, \`font-display: swap\`, woff2 only`);
md.push('- Files taken:');
md.push(`  - \`${weights.map((w) => w + '.css').join('` + `')}\` → \`noto-sans-sc/noto-sans-sc.css\`: the same @font-face blocks and unicode-range subsets, woff sources removed, url()s relative to the CSS (\`./files/…\`)`);
for (const w of weights)
  md.push(`  - \`files/noto-sans-sc-<subset>-${w}-normal.woff2\` → \`noto-sans-sc/files/\`: ${subsets[w].length} files`);
md.push(`  - subsets${sameSubsets ? ' (same for each weight)' : ` (weight ${weights[0]})`}: ${subsets[weights[0]].join(', ')}`);
if (!sameSubsets) for (const w of weights.slice(1)) md.push(`  - subsets (weight ${w}): ${subsets[w].join(', ')}`);
md.push(`  - woff2 total: ${fontFiles.length} files, ${(fontBytes / 1048576).toFixed(1)} MiB`);
md.push('  - `LICENSE` → `noto-sans-sc/LICENSE`');
md.push('- Not taken: other weights, all `.woff` files, the per-subset CSS files and the single-file `chinese-simplified` woff2 (not referenced by the weight CSS).', '');
md.push(`## axe-core ${axe.version}`, '');
md.push(`- Licence: ${axe.license} (Mozilla Public License 2.0), text in \`axe-core/LICENSE\`` +
        (axeThirdParty ? '; notices for the MIT-licensed code bundled in axe.min.js in `axe-core/LICENSE-3RD-PARTY.txt`' : ''));
md.push(`- npm integrity: \`${integrity('axe-core')}\``);
md.push('- For browser (accessibility) tests only, kept here so they run offline; do not load it from templates.');
md.push('- Files taken:');
md.push(`  - \`axe.min.js\` → \`axe-core/axe.min.js\` (sha256 \`${sha256(path.join(OUT, 'axe-core/axe.min.js'))}\`)`);
md.push('  - `LICENSE` → `axe-core/LICENSE`');
if (axeThirdParty) md.push('  - `LICENSE-3RD-PARTY.txt` → `axe-core/LICENSE-3RD-PARTY.txt`');
md.push('');
md.push(`## ${BPMN} ${bpmn.version}`, '');
md.push(`- Licence: ${bpmnLicenceName}: the MIT terms with one added condition, text in \`bpmn-js/LICENSE\`: the bpmn.io watermark on rendered diagrams must not be removed or changed and must stay fully visible, not overlapped by other elements. Our CSS never hides or covers \`.bjs-powered-by\`.`);
md.push(`- npm integrity: \`${integrity(BPMN)}\``);
md.push('- The bundles include bpmn-io\'s MIT-licensed dependencies (diagram-js, bpmn-moddle, min-dash, ...), under the same copyright holder.');
md.push('- Files taken:');
for (const f of bpmnBundles)
  md.push(`  - \`dist/${f}\` → \`bpmn-js/${f}\` (sha256 \`${sha256(path.join(OUT, 'bpmn-js', f))}\`)`);
md.push(`  - \`dist/${bpmnCss.join('`, `dist/')}\` → \`bpmn-js/assets/…\`, unchanged`);
md.push(`  - the font files \`bpmn-font/css/bpmn.css\` names: ${[...bpmnFonts].sort().map((f) => '`' + path.posix.basename(f) + '`').join(', ')} → \`bpmn-js/assets/bpmn-font/font/\``);
md.push('  - `LICENSE` → `bpmn-js/LICENSE`');
md.push('- Not taken: the development builds, the plain viewer bundle, `bpmn-codes.css` and `bpmn-embedded.css`, `lib/`.', '');
md.push(`## ${CAMUNDA} ${camunda.version}`, '');
md.push(`- Licence: ${camunda.license}, text in \`camunda-bpmn-moddle/LICENSE\``);
md.push(`- npm integrity: \`${integrity(CAMUNDA)}\``);
md.push('- Files taken:');
md.push(`  - \`resources/camunda.json\` → \`camunda-bpmn-moddle/camunda.json\` (sha256 \`${sha256(path.join(OUT, 'camunda-bpmn-moddle/camunda.json'))}\`)`);
md.push('  - `LICENSE` → `camunda-bpmn-moddle/LICENSE`', '');
md.push(`## ${DMN} ${dmnPkg.version}`, '');
md.push(`- Licence: ${dmnLicenceName}: the MIT terms with one added condition, text in \`dmn-js/LICENSE\`: the bpmn.io watermark on rendered tables and diagrams must not be removed or changed and must stay fully visible, not overlapped by other elements. Our CSS never hides or covers \`.bjs-powered-by\`.`);
md.push(`- npm integrity: \`${integrity(DMN)}\``);
md.push('- The bundles include bpmn-io\'s MIT-licensed dependencies (dmn-js-decision-table, dmn-js-drd, dmn-js-shared, diagram-js, dmn-moddle, table-js, min-dash, ...), under the same copyright holder.');
md.push('- Files taken:');
for (const f of dmnBundles)
  md.push(`  - \`dist/${f}\` → \`dmn-js/${f}\` (sha256 \`${sha256(path.join(OUT, 'dmn-js', f))}\`)`);
md.push(`  - \`dist/${dmnCss.join('`, `dist/')}\` → \`dmn-js/assets/…\`, unchanged`);
md.push(`  - the font files \`dmn-font/css/dmn.css\` names: ${[...dmnFonts].sort().map((f) => '`' + path.posix.basename(f) + '`').join(', ')} → \`dmn-js/assets/dmn-font/font/\``);
md.push('  - `LICENSE` → `dmn-js/LICENSE`');
md.push('- Not taken: the development builds, the navigated viewer bundle, `dmn-codes.css` and `dmn-embedded.css`, `lib/`.', '');
md.push(`## ${ECHARTS} ${echartsPkg.version}`, '');
md.push(`- Licence: ${echartsPkg.license} (Apache License 2.0), text in \`echarts/LICENSE\`; the Apache NOTICE in \`echarts/NOTICE\` (section 4(d): it travels with every copy)`);
md.push(`- npm integrity: \`${integrity(ECHARTS)}\``);
md.push(`- The bundle includes zrender ${zrender.version} (${zrender.license}, Baidu Inc.; text in \`echarts/LICENSE-zrender\`), tslib (0BSD) and code from d3.js (BSD-3-Clause; text in \`echarts/licenses/LICENSE-d3\`, where echarts' LICENSE points).`);
md.push('- Defines `window.echarts`; the platform draws with the SVG renderer and keeps a table of the same figures beside every chart.');
md.push('- Files taken:');
md.push(`  - \`dist/echarts.min.js\` → \`echarts/echarts.min.js\` (sha256 \`${sha256(path.join(OUT, 'echarts/echarts.min.js'))}\`)`);
md.push('  - `LICENSE` → `echarts/LICENSE`');
md.push('  - `NOTICE` → `echarts/NOTICE`');
md.push('  - `licenses/LICENSE-d3` → `echarts/licenses/LICENSE-d3`');
md.push('  - from the `zrender` package: `LICENSE` → `echarts/LICENSE-zrender`');
md.push('- Not taken: the unminified, ESM, `common` and `simple` builds, source maps, `lib/`, `i18n/` and `theme/` (the bundle already carries the Chinese and English locales).', '');
md.push(`## ${PDF_FONT} ${pdfFont.version}`, '');
md.push(`- Licence: OFL-1.1 (SIL Open Font License 1.1) for the font, text in \`dgov/licences/fonts/OFL.txt\`; the package says ${pdfFont.license}, the MIT part covering Expo's loader code, which is not taken`);
md.push(`- npm integrity: \`${integrity(PDF_FONT)}\``);
md.push(`- ${pdfFontName}, ${pdfFontVersion}, TrueType (glyf) outlines: ReportLab embeds subsets of it in licence PDFs, Pillow draws the e-seal text with it. Kept in \`dgov/licences/fonts/\`, not under static/, because browsers never load it`);
md.push('- Files taken:');
md.push(`  - \`${PDF_FONT_SRC}\` → \`dgov/licences/fonts/${PDF_FONT_FILE}\` (${pdfFontMiB} MiB, sha256 \`${pdfFontSha}\`)`);
md.push('  - `LICENSE_FONT` → `dgov/licences/fonts/OFL.txt`');
md.push('  - and the script writes `dgov/licences/fonts/README.md`');
md.push('- Not taken: the other eight weights, the preview PNGs, the JavaScript loader and the package\'s MIT `LICENSE`.', '');
fs.writeFileSync(path.join(OUT, 'VERSIONS.md'), md.join('\n'));
console.log(`    htmx.org ${htmx.version}, ${FONT} ${font.version} (${fontFiles.length} woff2), axe-core ${axe.version}`);
console.log(`    ${BPMN} ${bpmn.version} (${bpmnFonts.size} font files), ${CAMUNDA} ${camunda.version}`);
console.log(`    ${DMN} ${dmnPkg.version} (${dmnFonts.size} font files), ${ECHARTS} ${echartsPkg.version}`);
console.log(`    ${PDF_FONT} ${pdfFont.version} (${PDF_FONT_FILE}, ${pdfFontMiB} MiB)`);
NODE

echo "==> installing into $VENDOR"
mkdir -p "$VENDOR"
for d in htmx noto-sans-sc axe-core bpmn-js camunda-bpmn-moddle dmn-js echarts; do
  rm -rf "${VENDOR:?}/$d"
  cp -R "$OUT/$d" "$VENDOR/$d"
done
cp "$OUT/VERSIONS.md" "$VENDOR/VERSIONS.md"
mkdir -p "$PDF_FONTS"
for f in NotoSansSC-Regular.ttf OFL.txt README.md; do
  cp "$OUT/pdf-fonts/$f" "$PDF_FONTS/$f"
done

if [ -e "$ROOT/node_modules" ]; then
  echo "vendor.sh: warning: $ROOT/node_modules exists (not created by this script); do not commit it" >&2
fi

echo "==> done"
du -sh "$VENDOR"
for d in htmx noto-sans-sc noto-sans-sc/files axe-core bpmn-js bpmn-js/assets camunda-bpmn-moddle dmn-js dmn-js/assets echarts; do
  printf '    %-20s %s files\n' "$d/" "$(find "$VENDOR/$d" -maxdepth 1 -type f | wc -l)"
done
du -sh "$PDF_FONTS"
