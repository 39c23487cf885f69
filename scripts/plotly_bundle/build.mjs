// Build plotly.js with only the trace types TATviz draws (see README.md here).
// Usage: node build.mjs OUT_DIR  (run by build.sh after `npm ci`).
import { build } from 'esbuild';
import { environmentPlugin } from 'esbuild-plugin-environment';
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Keep in step with the go.* traces in exams/charts.py and
// exams/insights/charts.py (tests/test_plotly_bundle.py checks it).
export const TRACES = ['scatter', 'bar', 'box', 'heatmap'];

const require = createRequire(import.meta.url);
const version = require('plotly.js/package.json').version;
const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node build.mjs OUT_DIR');
const outfile = path.join(outDir, `plotly-tatviz-${version}.min.js`);

// The same entry shape as plotly.js's own lib/index-*.js partial bundles.
const entry = [
    "'use strict';",
    "var Plotly = require('plotly.js/lib/core');",
    `Plotly.register([${TRACES.filter((t) => t !== 'scatter')
        .map((t) => `require('plotly.js/lib/${t}')`)
        .join(', ')}]);`,
    'module.exports = Plotly;',
].join('\n');

// The header and UMD wrapper of plotly.js's own dist bundles.
const banner = `/**
* plotly.js (tatviz: ${TRACES.join(', ')} - minified) v${version}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*/
(
 function(root, factory) {
  if (typeof module === "object" && module.exports) {
   module.exports = factory();
  } else {
   root.moduleName = factory();
  }
} (typeof self !== "undefined" ? self : this, () => {`;
const footer = `
window.Plotly = Plotly;
return Plotly;
}));`;

await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'js' },
    outfile,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'eof',
    sourcemap: false,
    // The settings of plotly.js's esbuild-config.js that apply to these traces.
    plugins: [environmentPlugin({ NODE_DEBUG: false })],
    // Only map traces load maplibre's stylesheet (src/registry.js): none here.
    loader: { '.css': 'empty' },
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    banner: { js: banner },
    footer: { js: footer },
    logLevel: 'warning',
});
copyFileSync(require.resolve('plotly.js/LICENSE'), path.join(outDir, 'plotly.js-LICENSE.txt'));
console.log(`${outfile}: ${statSync(outfile).size} bytes`);
readFileSync(outfile, 'utf8').includes(`v${version}`) || process.exit(1);
