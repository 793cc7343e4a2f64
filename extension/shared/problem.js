// What is wrong with a source or setting, as the core names it (pinwatch_core::problem): a code,
// its parameters, and the same in English beside them for logs and the CLI's readers.
import { PROBLEM, PROBLEM_ENGLISH } from './vocabulary.js';

/** `{code, params, error}` for a code of the core's problem table; an unknown code is our bug. */
export function problem(code, params = {}) {
  const names = PROBLEM[code];
  if (!names) throw new Error(`unknown problem code ${code}`);
  const values = Object.fromEntries(names.map((n) => [n, String(params[n] ?? '')]));
  const error = PROBLEM_ENGLISH[code].replace(/\{([a-z_]+)\}/g, (_, n) => values[n] ?? '');
  return { code, params: values, error };
}
