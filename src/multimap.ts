// Grouping into a Map of arrays without copying: `map.set(k, [...(map.get(k) ?? []), v])` copies the group on every
// add, which is quadratic for the large groups of big trees (one wave of 10,000 chains on one host).

/** Appends `value` to the group of `key`, creating it. */
export function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const group = map.get(key);
  if (group) group.push(value);
  else map.set(key, [value]);
}
