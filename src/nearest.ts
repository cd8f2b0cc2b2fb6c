// The nearest of a few words to a mistyped one, for "did you mean" hints (config keys, commands). Pure.

export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The allowed word within 1 edit (words of up to 4 letters) or 2 edits of `word`, if any. Pure. */
export function nearest(word: string, allowed: string[]): string | undefined {
  return allowed
    .map((k) => ({ k, d: editDistance(word.toLowerCase(), k) }))
    .filter(({ k, d }) => d <= (k.length <= 4 ? 1 : 2))
    .sort((x, y) => x.d - y.d)[0]?.k;
}
