// Node-only parts: files (reports, pictures). Kept out of the main entry so that browsers can import it. The `selfsup`
// command line moved to @selfsup/cli.
export { reportJson, writeJson, writeSvg } from './report.js';
