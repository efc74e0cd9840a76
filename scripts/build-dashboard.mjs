#!/usr/bin/env node
/**
 * Writes the dashboard's browser build (hashed files, their .gz and .br, manifest.json) into
 * dist/dashboard-app/, after `tsc` compiled src/ (npm run build, and npm ci through `prepare`).
 * The server reads it from there; without it a process builds the same in memory on first use.
 */
import { buildDashboard, defaultBuildDir, writeDashboardBuild } from '../dist/dashboard/build.js';

const built = await buildDashboard();
const dir = defaultBuildDir();
writeDashboardBuild(built, dir);
const js = built.assets.get(built.manifest.js);
console.log(
  `dashboard: ${built.manifest.files.join(', ')} → ${dir} (${js.gzip.length} bytes of JavaScript gzipped)`,
);
