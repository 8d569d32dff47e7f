// Node-only parts: writing reports and pictures to files. Kept out of the main entry so that browsers can import it.
export { reportJson, writeJson, writeSvg } from './report.js';
