import { existsSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../common/process.js';

const STACK_CHECK = 'import numpy, pandas, sklearn; print(sklearn.__version__)';

/**
 * DATARUN_PYTHON, else the first interpreter that imports numpy, pandas and scikit-learn.
 * (The first `python3` on PATH is often one without them, e.g. pyenv's.)
 */
export async function findPython(configured: string | undefined, projectRoot: string): Promise<string> {
  const candidates = configured ? [configured] : ['/usr/bin/python3', 'python3', path.join(projectRoot, '.venv', 'bin', 'python'), '/usr/local/bin/python3'];
  const tried: string[] = [];
  for (const py of candidates) {
    if (py.includes('/') && !existsSync(py)) continue;
    try {
      await runCommand(py, ['-c', STACK_CHECK]);
      return py;
    } catch {
      tried.push(py);
    }
  }
  throw new Error(
    configured
      ? `DATARUN_PYTHON=${configured} cannot import numpy, pandas and scikit-learn. Install them there, or run ./scripts/setup.sh`
      : `No Python with numpy, pandas and scikit-learn found (tried ${tried.join(', ') || candidates.join(', ')}). Run ./scripts/setup.sh (on Debian: apt-get install python3-sklearn python3-pandas), or set DATARUN_PYTHON`,
  );
}
