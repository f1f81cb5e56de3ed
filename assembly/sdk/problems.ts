// Problems found in a hook's input during one call: wrong types, missing
// fields, bad base64. AssemblyScript has no catch, so reads record a problem
// and return a neutral value; the SDK reports the problems in the hook's
// error field instead of trapping.

let found = new Array<string>();

/** Records a problem with the current call's input. */
export function problem(message: string): void {
  // Bounded: a hostile input cannot grow this list without limit.
  if (found.length < 16) found.push(message);
}

/** True when the current call has recorded at least one problem. */
export function hasProblems(): bool {
  return found.length > 0;
}

/** All problems of the current call, joined for an error message. */
export function problemText(): string {
  return found.join("; ");
}

/** Forgets the previous call's problems. */
export function resetProblems(): void {
  if (found.length) found = new Array<string>();
}
