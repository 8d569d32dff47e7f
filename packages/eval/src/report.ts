import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type JsonObject, invalidArgument } from '@selfsup/tensors';
import type { EvaluationReport } from './evaluate.js';

/** The JSON form of an evaluation report (features dropped, non-finite numbers as null). */
export function reportJson(report: EvaluationReport): JsonObject {
  if (typeof report !== 'object' || report === null || Array.isArray(report)) invalidArgument('report', 'an evaluation report (from evaluateEncoder)', report);
  const { testFeatures: _features, ...rest } = report;
  try {
    return JSON.parse(JSON.stringify(rest, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value))) as JsonObject;
  } catch (error) {
    return invalidArgument('report', `JSON-serialisable data (${(error as Error).message})`, report);
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  if (typeof file !== 'string' || file.length === 0) invalidArgument('file', 'a file path', file);
  const target = path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, target);
}

/** Writes JSON (2-space indented), creating folders; atomic (temporary file then rename). */
export async function writeJson(file: string, value: unknown): Promise<void> {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (error) {
    // BigInts and cycles: say which argument, not JSON.stringify's words.
    invalidArgument('value', `JSON-serialisable data (${(error as Error).message})`, value);
  }
  if (text === undefined) invalidArgument('value', 'JSON-serialisable data', value);
  await writeAtomically(file, `${text}\n`);
}

/** Writes an SVG string from the picture functions, creating folders; atomic. */
export async function writeSvg(file: string, svg: string): Promise<void> {
  if (typeof svg !== 'string' || !svg.trimStart().startsWith('<svg')) invalidArgument('svg', 'an SVG document string', svg);
  await writeAtomically(file, svg);
}
