/**
 * Writes to records keyed by user data. `obj[key] = v` and `Object.assign` with the key
 * `__proto__` — a valid Kubernetes Secret key — replace the object's prototype instead of
 * adding an entry, silently losing it; these always add an own, enumerable property.
 */
export function putOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `Object.assign(target, source)` for records keyed by user data (see `putOwn`). */
export function assignOwn<T>(target: Record<string, T>, source: Readonly<Record<string, T>>): Record<string, T> {
  for (const [k, v] of Object.entries(source)) putOwn(target, k, v);
  return target;
}
