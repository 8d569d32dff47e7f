import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(p)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/**
 * Every option name the packages read (`options.temperature`, `options?.size`, ...), so that fuzzed options objects
 * carry keys the code actually checks. Read from the sources: a new option is fuzzed without a list to keep up.
 */
export async function optionNamesInSources(): Promise<string[]> {
  const names = new Set<string>();
  const packages = path.join(repoRoot, 'packages');
  for (const pkg of await fs.readdir(packages)) {
    const src = path.join(packages, pkg, 'src');
    const exists = await fs.stat(src).then((s) => s.isDirectory(), () => false);
    if (!exists) continue;
    for (const file of await sourceFiles(src)) {
      const text = await fs.readFile(file, 'utf8');
      for (const m of text.matchAll(/\b(?:options|config|opts)\??\.([a-zA-Z_][a-zA-Z0-9_]*)/g)) names.add(m[1] as string);
    }
  }
  return [...names].sort();
}
